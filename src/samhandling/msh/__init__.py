"""The local message server (``samhandling msh serve``): Norsk Helsenett's EDI 2.0 message API (MSH API v2)
served by samhandling for a set of parties on one machine, with its own bearer tokens.

- :mod:`samhandling.msh.app`: the FastAPI application (:func:`create_app`).
- :mod:`samhandling.msh.routes`: the eight operations of the spec.
- :mod:`samhandling.msh.api_models`: request and response bodies, headers and parameters as the spec has them.
- :mod:`samhandling.msh.auth`: who the client is and what it may see.
- :mod:`samhandling.msh.documents`: reading posted business documents, and the AppRecs the server writes.
- :mod:`samhandling.msh.errors`: the spec's ErrorMessage and the handlers that produce it.
- :mod:`samhandling.msh.storage`: its tables in the node's database.
- :mod:`samhandling.msh.tokens`: signing and checking the bearer tokens.
"""

from samhandling.msh.app import create_app
from samhandling.msh.tokens import issue_token, load_or_create_secret, read_token

__all__ = ["create_app", "issue_token", "load_or_create_secret", "read_token"]
