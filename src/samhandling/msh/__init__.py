"""The local message server (``samhandling msh serve``): Norsk Helsenett's EDI 2.0 message API (MSH API v2)
served by samhandling for a set of parties on one machine, with its own bearer tokens.

- :mod:`samhandling.msh.app`: the FastAPI application (:func:`create_app`).
- :mod:`samhandling.msh.storage`: its tables in the node's database.
- :mod:`samhandling.msh.tokens`: signing and checking the bearer tokens.
"""

from samhandling.msh.app import create_app
from samhandling.msh.tokens import issue_token, load_or_create_secret, read_token

__all__ = ["create_app", "issue_token", "load_or_create_secret", "read_token"]
