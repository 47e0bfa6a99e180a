"""Pure rules and codecs: domain, standards, the EDI 2.0 transport against a mock."""
