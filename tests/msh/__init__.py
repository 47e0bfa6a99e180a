"""The local message server."""
