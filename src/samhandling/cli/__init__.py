"""The command line (``samhandling …``): one module per capability, wired in :mod:`samhandling.cli.app`."""

from samhandling.cli.app import app, main

__all__ = ["app", "main"]
