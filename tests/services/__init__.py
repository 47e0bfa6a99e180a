"""Use cases on fakes and on real stores."""
