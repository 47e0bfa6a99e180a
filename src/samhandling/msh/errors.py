"""Errors of the local message server: the spec's ``ErrorMessage`` bodies and the handlers that send them.

MSH API v2 (``msh-api-v2.json`` of the conformance material, under ``nhn/``) answers every refused request
with an ``ErrorMessage``: ``error`` (here in Norwegian), ``errorCode``, ``validationErrors``, ``stackTrace``
and ``requestId``. An operation raises :class:`ApiError`; :func:`exception_handlers` turns it, FastAPI's own
validation errors and Starlette's 404/405 into that body, and :class:`InternalErrors` does the same for an
unexpected error (500), logging its type only and nothing of the messages' content.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from samhandling.domain.privacy import redact_person_ids

log = logging.getLogger("samhandling.msh")

ERROR_CODE_VALIDATION = 1000  # the spec's example for "Model validation error occurred"


class ApiError(Exception):
    """A request the server refuses: status code and the Norwegian text of the ``ErrorMessage``."""

    def __init__(
        self,
        status: int,
        error: str,
        *,
        validation_errors: Sequence[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.validation_errors = list(validation_errors) if validation_errors is not None else None
        self.headers = headers


def bad_request(error: str, *, validation_errors: Sequence[str] | None = None) -> ApiError:
    """400, with every person identifier (eleven digits) in ``error`` masked."""
    return ApiError(400, redact_person_ids(error), validation_errors=validation_errors)


def error_body(error: str, *, error_code: int = 0, validation_errors: Sequence[str] | None = None) -> dict[str, Any]:
    """The spec's ``ErrorMessage``; ``stackTrace`` is never set (as in NHN's production)."""
    return {
        "error": error,
        "errorCode": error_code,
        "validationErrors": list(validation_errors) if validation_errors is not None else None,
        "stackTrace": None,
        "requestId": str(uuid.uuid4()),
    }


def error_response(error: ApiError) -> JSONResponse:
    code = ERROR_CODE_VALIDATION if error.validation_errors is not None else 0
    return JSONResponse(
        error_body(error.error, error_code=code, validation_errors=error.validation_errors),
        status_code=error.status,
        headers=error.headers,
    )


def exception_handlers() -> dict[int | type[Exception], Callable[[Request, Any], Coroutine[Any, Any, Response]]]:
    """FastAPI's exception handlers: :class:`ApiError`, a request FastAPI cannot bind (400) and Starlette's
    own errors (an unknown path, a method the path does not have), each as an ``ErrorMessage``."""

    async def api_error(_request: Request, exc: ApiError) -> Response:
        return error_response(exc)

    async def validation_error(_request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(part) for part in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
        ]
        return error_response(ApiError(400, "Ugyldig forespørsel", validation_errors=problems))

    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        texts = {404: "Fant ikke ressursen", 405: "Metoden er ikke tillatt for ressursen"}
        error = texts.get(exc.status_code, str(exc.detail))
        return JSONResponse(error_body(error), status_code=exc.status_code, headers=exc.headers)

    return {ApiError: api_error, RequestValidationError: validation_error, StarletteHTTPException: http_error}


class InternalErrors:
    """ASGI middleware: an unexpected error becomes a 500 ``ErrorMessage`` (logged without its content)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            # The type only: a database error's text may quote what was stored, a document included.
            log.error("msh.internal_error", extra={"path": scope.get("path", ""), "error": type(exc).__name__})
            if started:
                raise
            response = JSONResponse(error_body("En uventet feil oppstod i meldingstjeneren"), status_code=500)
            await response(scope, receive, send)
