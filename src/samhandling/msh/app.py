"""The local message server: Norsk Helsenett's EDI 2.0 message API (MSH API v2) served by samhandling.

Same paths, request and response bodies and status codes as NHN's OpenAPI spec ("MSH API v2, Meldingstjener
Rest API", ``msh-api-v2.json`` of the conformance material, under ``nhn/``), for a set of parties on one
machine: the embedded default of ``make demo``, the tests, and partners who want to rehearse without NHN.
:func:`create_app` puts it together:

- :mod:`samhandling.msh.routes`: the operations, as NHN's server does them;
- :mod:`samhandling.msh.api_models`: request bodies, headers, path and query parameters, response bodies;
- :mod:`samhandling.msh.documents`: reading a posted business document, and the AppRec the server writes;
- :mod:`samhandling.msh.auth`: bearer tokens (:mod:`samhandling.msh.tokens`) and who may act for whom;
- :mod:`samhandling.msh.errors`: the spec's ``ErrorMessage`` (with a Norwegian ``error``) for every error;
- :mod:`samhandling.msh.storage`: the server's tables in the node's database.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from samhandling.domain.messaging.parties import Parties
from samhandling.msh.api_models import MAX_REQUEST_BYTES
from samhandling.msh.auth import Server
from samhandling.msh.errors import InternalErrors, exception_handlers
from samhandling.msh.routes import router


def create_app(
    engine: Engine,
    secret: bytes,
    parties: Parties | None = None,
    *,
    max_message_bytes: int = MAX_REQUEST_BYTES,
) -> FastAPI:
    """The message server on ``engine`` (migrated to the newest schema), checking tokens signed with
    ``secret``. ``parties``: the register of which services and persons are under which HER-id (None: a
    client acts for the exact HER-ids of its token only)."""
    app = FastAPI(
        title="samhandling meldingstjener (MSH API v2)",
        description="Norsk Helsenetts meldingstjener-API (EDI 2.0) for parter på én maskin.",
        openapi_url=None,  # NHN's own spec describes this API; a generated one would differ in the details
        docs_url=None,
        redoc_url=None,
        exception_handlers=exception_handlers(),
    )
    app.state.msh = Server(engine, secret, parties or Parties(), max_message_bytes)
    app.include_router(router)
    app.add_middleware(InternalErrors)
    return app
