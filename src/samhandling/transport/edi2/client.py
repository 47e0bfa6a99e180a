"""The client of MSH API v2: every operation of the spec is one method of :class:`MshApiClient`.

Every request carries the spec's two required headers, ``api-version`` and ``nhn-source-system``, and the
pluggable authentication of :mod:`samhandling.transport.auth` (the spec's ``Bearer`` security scheme).

Errors: a 4xx answer is a :class:`~samhandling.transport.edi2.errors.MshApiError` with ``retryable=False``
whose one-line Norwegian message carries the server's ``ErrorMessage.error``; network errors and 5xx answers
are tried again with exponential backoff (:class:`RetryPolicy`) and then raised with ``retryable=True``. A POST,
which the API does not deduplicate, is repeated within a call only when the server cannot have taken it in
(see :class:`RetryPolicy`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from samhandling.domain.text import one_line
from samhandling.transport.base import TransportError
from samhandling.transport.edi2.errors import MshApiError, unexpected_answer
from samhandling.transport.edi2.identifiers import api_her_id, api_message_id
from samhandling.transport.edi2.spec import (
    ApprecInfo,
    BusinessDocument,
    Message,
    OrderBy,
    PostAppRecRequest,
    PostMessageRequest,
    StatusInfo,
    json_array,
    read_apprec_info,
    read_business_document,
    read_error_message,
    read_id,
    read_message,
    read_status_info,
)

log = logging.getLogger("samhandling.transport.edi2")  # one logger for the package, named in the event log

DEFAULT_API_VERSION = "2"
"""The ``api-version`` header: the spec's example value for MSH API v2."""
DEFAULT_SOURCE_SYSTEM = "samhandling"
"""The ``nhn-source-system`` header ("Name and version for the client system")."""
MAX_REQUEST_BYTES = 35 * 1024 * 1024
"""POST /Messages: "The request has a max limit of 35 MB"."""
MAX_MESSAGES_TO_FETCH = 100  # GET /Messages: MessagesToFetch is 1..100, default 10

_NOT_TAKEN_IN = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Network errors that happen before a request reaches the server."""
_NO_ANSWER_IN_TIME = (httpx.ReadTimeout, httpx.WriteTimeout)
_STATUS_NOT_TAKEN_IN = frozenset({429, 503})
"""Answers that say the server did not take the request in (too many requests, unavailable)."""
_RETRYABLE_4XX = frozenset({408, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """How a call is repeated after a network error or a 5xx (and 408/429) answer.

    ``attempts`` bounds the tries of one call (the first included); the wait before try *n* + 1 is
    ``initial_delay * multiplier ** (n - 1)`` seconds, at most ``max_delay`` (a longer ``Retry-After`` of the
    server is honoured up to ``max_delay``).

    GET and PUT are safe to repeat. A POST creates a message each time it reaches the server, which does not
    deduplicate: it is repeated only after errors that show the server did not take it in (no connection,
    429, 503), unless ``retry_unsafe_posts`` is set, which suits a server that deduplicates by (sender,
    MsgId, receiver) such as the local message server.
    """

    attempts: int = 4
    initial_delay: float = 0.5
    multiplier: float = 2.0
    max_delay: float = 10.0
    retry_unsafe_posts: bool = False

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts må være minst 1")
        if self.initial_delay < 0 or self.max_delay < 0 or self.multiplier < 1:
            raise ValueError("ventetidene må være ikke-negative og multiplier minst 1")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        wait = self.initial_delay * self.multiplier ** (attempt - 1)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_delay)


class MshApiClient:
    """One method per operation of MSH API v2.

    Example::

        client = MshApiClient("https://api.hn-tjener.test.melding.nhn.no", auth=BearerToken(token))
        for message in client.get_messages([8143060]):
            document = client.get_business_document(message.id).content()

    ``base_url`` is the server (the spec's production server is ``https://api.hn-tjener.prod.melding.nhn.no``);
    ``auth`` an :class:`httpx.Auth` such as :class:`~samhandling.transport.auth.HelseIdClientCredentials`;
    ``transport`` an :class:`httpx.BaseTransport` for tests; ``sleep`` what waits between retries.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        api_version: str = DEFAULT_API_VERSION,
        source_system: str = DEFAULT_SOURCE_SYSTEM,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers={"api-version": api_version, "nhn-source-system": source_system, "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MshApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the operations --

    def post_message(self, request: PostMessageRequest) -> str:
        """POST /Messages: send a business document; returns the id of the created message."""
        if len(request.business_document) + 4096 > MAX_REQUEST_BYTES:
            size = len(request.business_document)
            raise MshApiError(f"meldingen er for stor for EDI 2.0-APIet (base64-kodet {size:,} byte, grensen for "
                              f"en forespørsel er {MAX_REQUEST_BYTES:,} byte)".replace(",", " "), retryable=False)
        return read_id(self._call("POST", "/Messages", json=request.to_json()), "POST /Messages")

    def get_messages(
        self,
        receiver_her_ids: Sequence[int],
        *,
        sender_her_id: int | None = None,
        business_document_id: str | None = None,
        include_metadata: bool | None = None,
        messages_to_fetch: int | None = None,
        order_by: OrderBy | None = None,
    ) -> list[Message]:
        """GET /Messages: unread messages for the receivers (one or more HER-ids)."""
        if not receiver_her_ids:
            raise ValueError("GET /Messages krever minst én mottaker (ReceiverHerIds)")
        params: list[tuple[str, str]] = [("ReceiverHerIds", str(api_her_id(h)))
                                         for h in dict.fromkeys(receiver_her_ids)]
        if sender_her_id is not None:
            params.append(("SenderHerId", str(api_her_id(sender_her_id))))
        if business_document_id is not None:
            if len(business_document_id) > 100:
                raise ValueError("BusinessDocumentId er høyst 100 tegn")
            params.append(("BusinessDocumentId", business_document_id))
        if include_metadata is not None:
            params.append(("IncludeMetadata", "true" if include_metadata else "false"))
        if messages_to_fetch is not None:
            if not 1 <= messages_to_fetch <= MAX_MESSAGES_TO_FETCH:
                raise ValueError(f"MessagesToFetch må være fra 1 til {MAX_MESSAGES_TO_FETCH}")
            params.append(("MessagesToFetch", str(messages_to_fetch)))
        if order_by is not None:
            params.append(("OrderBy", order_by.value))
        response = self._call("GET", "/Messages", params=params)
        return [read_message(m) for m in json_array(self._json(response, "GET /Messages"), "GET /Messages")]

    def get_message(self, message_id: str) -> Message:
        """GET /Messages/{id}."""
        path = f"/Messages/{api_message_id(message_id)}"
        return read_message(self._json(self._call("GET", path), "GET /Messages/{id}"))

    def get_business_document(self, message_id: str) -> BusinessDocument:
        """GET /Messages/{id}/business-document: the payload (see :meth:`BusinessDocument.content`)."""
        path = f"/Messages/{api_message_id(message_id)}/business-document"
        return read_business_document(self._json(self._call("GET", path), "GET /Messages/{id}/business-document"))

    def get_status(self, message_id: str) -> list[StatusInfo]:
        """GET /Messages/{id}/status: transport status (and AppRec status) per receiver of a sent message."""
        what = "GET /Messages/{id}/status"
        response = self._call("GET", f"/Messages/{api_message_id(message_id)}/status")
        return [read_status_info(s) for s in json_array(self._json(response, what), what)]

    def get_apprec_info(self, message_id: str) -> list[ApprecInfo]:
        """GET /Messages/{id}/apprec: the application receipts received for a sent message, per receiver."""
        what = "GET /Messages/{id}/apprec"
        response = self._call("GET", f"/Messages/{api_message_id(message_id)}/apprec")
        return [read_apprec_info(i) for i in json_array(self._json(response, what), what)]

    def post_apprec(self, message_id: str, apprec_sender_her_id: int, request: PostAppRecRequest) -> str:
        """POST /Messages/{id}/apprec/{appRecSenderHerId}: answer a received message; returns the AppRec's id."""
        path = f"/Messages/{api_message_id(message_id)}/apprec/{api_her_id(apprec_sender_her_id)}"
        return read_id(self._call("POST", path, json=request.to_json()),
                        "POST /Messages/{id}/apprec/{appRecSenderHerId}")

    def mark_as_read(self, message_id: str, her_id: int) -> None:
        """PUT /Messages/{id}/read/{herId}: the receiver (or copy receiver) ``her_id`` has the message."""
        self._call("PUT", f"/Messages/{api_message_id(message_id)}/read/{api_her_id(her_id)}")

    # -- HTTP, errors and retries --

    @staticmethod
    def _json(response: httpx.Response, what: str) -> object:
        try:
            return response.json()
        except ValueError:
            raise unexpected_answer(what, "svaret er ikke JSON") from None

    def _call(self, method: str, path: str, *, params: list[tuple[str, str]] | None = None,
              json: Mapping[str, Any] | None = None) -> httpx.Response:
        safe = method != "POST" or self.retry.retry_unsafe_posts
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            failure: TransportError
            try:
                response = self._http.request(method, path, params=tuple(params or ()), json=json)
            except httpx.UnsupportedProtocol as exc:
                raise MshApiError(f"ugyldig adresse til meldingstjeneren: {one_line(str(exc))}",
                                  retryable=False) from None
            except httpx.TransportError as exc:
                what = ("meldingstjeneren svarte ikke i tide" if isinstance(exc, _NO_ANSWER_IN_TIME)
                        else "ingen forbindelse med meldingstjeneren")
                failure = MshApiError(f"{what} ved {method} {path}: {one_line(str(exc)) or type(exc).__name__}",
                                      retryable=True)
                again = safe or isinstance(exc, _NOT_TAKEN_IN)
            except TransportError as exc:  # raised by the authentication (the token request)
                if not exc.retryable:
                    raise
                failure, again = exc, True
            else:
                if response.is_success:
                    return response
                failure = _failure(method, path, response)
                again = failure.retryable and (safe or response.status_code in _STATUS_NOT_TAKEN_IN)
                retry_after = _retry_after(response)
            if not again or attempt >= self.retry.attempts:
                if attempt > 1:
                    failure.args = (f"{failure.args[0]} (etter {attempt} forsøk)",)
                raise failure
            wait = self.retry.delay(attempt, retry_after)
            log.warning("MSH API call failed, trying again",
                        extra={"http_method": method, "api_path": path, "http_status": getattr(failure, "status", None),
                               "attempt": attempt, "delay": wait})
            self._sleep(wait)


def _failure(method: str, path: str, response: httpx.Response) -> MshApiError:
    status = response.status_code
    error = read_error_message(response)
    said = ""
    if error is not None:
        parts = [p for p in (error.error, "; ".join(error.validation_errors)) if p]
        said = ": " + one_line(" – ".join(parts)) if parts else ""
        if error.request_id:
            said += f" (requestId {one_line(error.request_id, 60)})"
    code = f"{status} {response.reason_phrase}".strip()
    if status == 401:
        text = f"meldingstjeneren godtok ikke påloggingen ved {method} {path} ({code}){said}"
    elif status == 403:
        text = f"meldingstjeneren nektet tilgang ved {method} {path} ({code}){said}"
    elif status == 404:
        text = f"meldingstjeneren finner ikke {path} ({code}){said}"
    elif 400 <= status < 500:
        text = f"meldingstjeneren avviste {method} {path} ({code}){said}"
    elif status >= 500:
        text = f"feil hos meldingstjeneren ved {method} {path} ({code}){said}"
    else:
        text = f"uventet svar fra meldingstjeneren ved {method} {path} ({code})"
    retryable = status >= 500 or status in _RETRYABLE_4XX
    return MshApiError(text, retryable=retryable, status=status, error=error)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the policy's own delay is used
