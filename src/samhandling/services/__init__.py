"""Use cases composed from the domain, the standards, the store and the transports."""
