"""Transport over Norsk Helsenett's EDI 2.0 message API (MSH API v2, "Meldingstjener Rest API").

Source: the OpenAPI description of MSH API v2 (``msh-api-v2.json``, info.version ``v2``; in the conformance
material under ``nhn/``). Every operation of the spec is one method of :class:`MshApiClient`, with typed
request and response dataclasses that read exactly the spec's camelCase JSON and ignore properties they do not
know (a server may add some). :class:`Edi2Transport` is the node's :class:`Transport` on top of it.

Every request carries the spec's two required headers, ``api-version`` and ``nhn-source-system``, and the
pluggable authentication of :mod:`samhandling.transport.auth` (the spec's ``Bearer`` security scheme).

Errors: a 4xx answer is a :class:`MshApiError` with ``retryable=False`` whose one-line Norwegian message carries
the server's ``ErrorMessage.error``; network errors and 5xx answers are tried again with exponential backoff
(:class:`RetryPolicy`) and then raised with ``retryable=True``. A POST, which the API does not deduplicate,
is repeated within a call only when the server cannot have taken it in (see :class:`RetryPolicy`).

Nothing here logs message content or patient data: log lines carry the method, the path (NHN's message id and
HER-ids) and the HTTP status only.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

import httpx

from samhandling.domain.text import one_line
from samhandling.standards.apprec.codes import STATUS_OK, STATUS_OK_ERROR_IN_PART, STATUS_REJECTED
from samhandling.standards.apprec.model import read_apprec
from samhandling.standards.binding import BindingError
from samhandling.standards.parsing import NotWellFormedError, TooLargeError, declared_encoding, parse_xml
from samhandling.transport.base import (
    Delivery,
    DeliveryState,
    Envelope,
    Inbound,
    ReceiverStatus,
    Transport,
    TransportError,
)

log = logging.getLogger(__name__)

_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")

DEFAULT_API_VERSION = "2"
"""The ``api-version`` header: the spec's example value for MSH API v2."""
DEFAULT_SOURCE_SYSTEM = "samhandling"
"""The ``nhn-source-system`` header ("Name and version for the client system")."""
MAX_REQUEST_BYTES = 35 * 1024 * 1024
"""POST /Messages: "The request has a max limit of 35 MB"."""
MAX_HER_ID = 2_147_483_647  # HER-ids are int32 in the spec (minimum 1)
MAX_MESSAGES_TO_FETCH = 100  # GET /Messages: MessagesToFetch is 1..100, default 10


class MshApiError(TransportError):
    """An operation of the message API failed.

    ``status`` is the HTTP status (None when no answer came), ``error`` the server's :class:`ErrorMessage`
    when it sent one.
    """

    def __init__(self, message: str, *, retryable: bool, status: int | None = None,
                 error: ErrorMessage | None = None) -> None:
        super().__init__(message, retryable=retryable)
        self.status = status
        self.error = error


# --- the spec's schemas ----------------------------------------------------------------------------


class AppRecStatus(StrEnum):
    """``AppRecStatus``: the application receipt's status, code system 8258 by name.

    The spec notes that ``OkErrorInMessagePart`` is "Not supported as of this writing" by NHN's server.
    """

    OK = "Ok"
    REJECTED = "Rejected"
    OK_ERROR_IN_MESSAGE_PART = "OkErrorInMessagePart"

    @property
    def code(self) -> str:
        """The 8258 code: ``"1"`` OK, ``"2"`` Avvist, ``"3"`` OK, feil i delmelding."""
        return _STATUS_TO_8258[self]

    @classmethod
    def from_code(cls, code: str) -> AppRecStatus:
        try:
            return _8258_TO_STATUS[code.strip()]
        except KeyError:
            raise ValueError(f"ukjent status {code!r} for applikasjonskvittering (kodeverk 8258: 1, 2 eller 3)"
                             ) from None


_STATUS_TO_8258 = {
    AppRecStatus.OK: STATUS_OK.value,
    AppRecStatus.REJECTED: STATUS_REJECTED.value,
    AppRecStatus.OK_ERROR_IN_MESSAGE_PART: STATUS_OK_ERROR_IN_PART.value,
}
_8258_TO_STATUS = {code: status for status, code in _STATUS_TO_8258.items()}


class OrderBy(StrEnum):
    """``OrderBy``: GET /Messages orders by the business document's GenDate."""

    ASCENDING = "Ascending"
    DESCENDING = "Descending"


@dataclass(frozen=True)
class Message:
    """``Message``: a message on the server. Without ``IncludeMetadata`` only ``id`` and ``receiver_her_id``
    are filled in."""

    id: str | None
    receiver_her_id: int | None = None
    content_type: str | None = None
    sender_her_id: int | None = None
    business_document_id: str | None = None
    """The MsgId of the business document."""
    business_document_gen_date: datetime | None = None
    is_app_rec: bool | None = None


@dataclass(frozen=True)
class BusinessDocument:
    """``GetBusinessDocumentResponse``: the payload as the server encoded it (always base64, says the spec)."""

    business_document: str = field(repr=False)
    content_type: str
    content_transfer_encoding: str

    def content(self) -> bytes:
        """The payload's bytes, decoded by its ``contentTransferEncoding``."""
        if self.content_transfer_encoding.strip().lower() != "base64":
            raise MshApiError(f"meldingstjeneren sendte forretningsdokumentet med ukjent koding "
                              f"«{one_line(self.content_transfer_encoding, 40)}» (forventet base64)",
                              retryable=False)
        try:
            return base64.b64decode("".join(self.business_document.split()), validate=True)
        except (binascii.Error, ValueError):
            raise MshApiError("meldingstjeneren sendte et forretningsdokument som ikke er gyldig base64",
                              retryable=False) from None


@dataclass(frozen=True)
class StatusInfo:
    """``StatusInfo``: the transport status of a sent message at one receiver."""

    receiver_her_id: int
    transport_delivery_state: DeliveryState
    app_rec_status: AppRecStatus | None = None


@dataclass(frozen=True)
class AppRecError:
    """``AppRecError``: one error of an application receipt. ``details`` is the error's text (AppRec's OT),
    ``description`` its display name (DN) and ``oid`` its code system (S)."""

    error_code: str | None
    details: str | None = None
    description: str | None = None
    oid: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"errorCode": self.error_code, "details": self.details}  # both required
        if self.description is not None:
            body["description"] = self.description
        if self.oid is not None:
            body["oid"] = self.oid
        return body


@dataclass(frozen=True)
class ApprecInfo:
    """``ApprecInfo``: the application receipt one receiver sent for a message, if any."""

    receiver_her_id: int
    app_rec_status: AppRecStatus | None = None
    app_rec_error_list: tuple[AppRecError, ...] = ()


_EBXML_NAMES = {
    "cpa_id": "cpaId",
    "conversation_id": "conversationId",
    "service": "service",
    "service_type": "serviceType",
    "action": "action",
    "sender_role": "senderRole",
    "use_sender_level1_her_id": "useSenderLevel1HerId",
    "receiver_role": "receiverRole",
    "application_name": "applicationName",
    "application_version": "applicationVersion",
    "middleware_name": "middlewareName",
    "middleware_version": "middlewareVersion",
    "compress_payload": "compressPayload",
}


@dataclass(frozen=True)
class EbXmlInfo:
    """``EbXmlInfo``: ebXML properties to override; the server resolves every one it is not given
    (HIS 1037:2011, HIS 1209:2018, HIS 1210:2018)."""

    cpa_id: str | None = None
    conversation_id: str | None = None
    service: str | None = None
    service_type: str | None = None
    action: str | None = None
    sender_role: str | None = None
    use_sender_level1_her_id: bool | None = None
    receiver_role: str | None = None
    application_name: str | None = None
    application_version: str | None = None
    middleware_name: str | None = None
    middleware_version: str | None = None
    compress_payload: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {name: value for attr, name in _EBXML_NAMES.items() if (value := getattr(self, attr)) is not None}


@dataclass(frozen=True)
class PostMessageRequest:
    """``PostMessageRequest``: a business document, base64-encoded, with its metadata."""

    business_document: str = field(repr=False)
    content_type: str = "application/xml"
    content_transfer_encoding: str = "base64"
    ebxml_overrides: EbXmlInfo | None = None
    receiver_her_ids_subset: tuple[int, ...] | None = None
    """Of the receivers in the document, only these are sent to."""

    @classmethod
    def of(cls, document: bytes, *, receiver_her_ids_subset: Iterable[int] | None = None,
           ebxml_overrides: EbXmlInfo | None = None) -> PostMessageRequest:
        """The request for an XML document (which the spec requires in UTF-8, declared on the first line:
        see :func:`as_utf8_document`)."""
        return cls(business_document=base64.b64encode(document).decode("ascii"), ebxml_overrides=ebxml_overrides,
                   receiver_her_ids_subset=tuple(receiver_her_ids_subset) if receiver_her_ids_subset is not None
                   else None)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"businessDocument": self.business_document, "contentType": self.content_type,
                                "contentTransferEncoding": self.content_transfer_encoding}
        if self.ebxml_overrides is not None:
            body["ebXmlOverrides"] = self.ebxml_overrides.to_json()
        if self.receiver_her_ids_subset is not None:
            body["receiverHerIdsSubset"] = [_her_id(h) for h in self.receiver_her_ids_subset]
        return body


@dataclass(frozen=True)
class PostAppRecRequest:
    """``PostAppRecRequest``: the server writes the AppRec document itself from the status and the errors.

    The spec: "AppRecErrorList must be populated if AppRecResult is 'Avvist'".
    """

    app_rec_status: AppRecStatus
    app_rec_error_list: tuple[AppRecError, ...] = ()
    ebxml_overrides: EbXmlInfo | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"appRecStatus": self.app_rec_status.value}
        if self.app_rec_error_list:
            body["appRecErrorList"] = [error.to_json() for error in self.app_rec_error_list]
        if self.ebxml_overrides is not None:
            body["ebXmlOverrides"] = self.ebxml_overrides.to_json()
        return body


@dataclass(frozen=True)
class ErrorMessage:
    """``ErrorMessage``: what the server says went wrong (its stack trace is never shown)."""

    request_id: str | None
    error: str | None = None
    error_code: int | None = None
    validation_errors: tuple[str, ...] = ()


# --- reading the spec's JSON -----------------------------------------------------------------------


def _unexpected(what: str, problem: str) -> MshApiError:
    return MshApiError(f"uventet svar fra meldingstjeneren ({what}): {problem}", retryable=False)


class _Object:
    """One JSON object of an answer, read by typed accessors. Properties the model does not know are ignored:
    a server may add some (the conformance material has an answer with one)."""

    def __init__(self, value: object, what: str) -> None:
        if not isinstance(value, dict):
            raise _unexpected(what, "forventet et JSON-objekt")
        self._data: dict[str, object] = value
        self._what = what

    def _get(self, name: str, required: bool) -> object:
        value = self._data.get(name)
        if value is None and required:
            raise _unexpected(self._what, f"«{name}» mangler")
        return value

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self._get(name, required)
        if value is not None and not isinstance(value, str):
            raise _unexpected(self._what, f"«{name}» er ikke en tekst")
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self._get(name, required)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _unexpected(self._what, f"«{name}» er ikke et heltall")
        return value

    def boolean(self, name: str) -> bool | None:
        value = self._get(name, False)
        if value is not None and not isinstance(value, bool):
            raise _unexpected(self._what, f"«{name}» er ikke sann/usann")
        return value

    def array(self, name: str) -> list[object]:
        value = self._get(name, False)
        if value is not None and not isinstance(value, list):
            raise _unexpected(self._what, f"«{name}» er ikke en liste")
        return value or []

    def date_time(self, name: str) -> datetime | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise _unexpected(self._what, f"«{name}» er ikke et tidspunkt") from None

    def enum(self, name: str, kind: type[_E], *, required: bool = False) -> _E | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            raise _unexpected(self._what, f"ukjent verdi «{one_line(value, 40)}» for «{name}»") from None


def _required(value: _T | None) -> _T:
    assert value is not None  # the accessor was called with required=True
    return value


def _array(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise _unexpected(what, "forventet en JSON-liste")
    return value


def _read_message(value: object) -> Message:
    o = _Object(value, "Message")
    return Message(
        id=o.text("id"),
        receiver_her_id=o.integer("receiverHerId"),
        content_type=o.text("contentType"),
        sender_her_id=o.integer("senderHerId"),
        business_document_id=o.text("businessDocumentId"),
        business_document_gen_date=o.date_time("businessDocumentGenDate"),
        is_app_rec=o.boolean("isAppRec"),
    )


def _read_business_document(value: object) -> BusinessDocument:
    o = _Object(value, "GetBusinessDocumentResponse")
    return BusinessDocument(
        business_document=_required(o.text("businessDocument", required=True)),
        content_type=_required(o.text("contentType", required=True)),
        content_transfer_encoding=_required(o.text("contentTransferEncoding", required=True)),
    )


def _read_status_info(value: object) -> StatusInfo:
    o = _Object(value, "StatusInfo")
    return StatusInfo(
        receiver_her_id=_required(o.integer("receiverHerId", required=True)),
        transport_delivery_state=_required(o.enum("transportDeliveryState", DeliveryState, required=True)),
        app_rec_status=o.enum("appRecStatus", AppRecStatus),
    )


def _read_apprec_error(value: object) -> AppRecError:
    o = _Object(value, "AppRecError")
    return AppRecError(error_code=o.text("errorCode"), details=o.text("details"),
                       description=o.text("description"), oid=o.text("oid"))


def _read_apprec_info(value: object) -> ApprecInfo:
    o = _Object(value, "ApprecInfo")
    return ApprecInfo(
        receiver_her_id=_required(o.integer("receiverHerId", required=True)),
        app_rec_status=o.enum("appRecStatus", AppRecStatus),
        app_rec_error_list=tuple(_read_apprec_error(e) for e in o.array("appRecErrorList")),
    )


def _read_error_message(response: httpx.Response) -> ErrorMessage | None:
    try:
        o = _Object(response.json(), "ErrorMessage")
        return ErrorMessage(
            request_id=o.text("requestId"),
            error=o.text("error"),
            error_code=o.integer("errorCode"),
            validation_errors=tuple(str(v) for v in o.array("validationErrors")),
        )
    except (ValueError, MshApiError):  # no JSON, or not an ErrorMessage: the status says enough
        return None


def _read_id(response: httpx.Response, what: str) -> str:
    """The id of a created message: the spec's 201 body is a JSON string in uuid format."""
    try:
        value = response.json()
    except ValueError:
        raise _unexpected(what, "svaret er ikke JSON") from None
    if not isinstance(value, str):
        raise _unexpected(what, "forventet meldingens id som en JSON-tekst")
    return _message_id(value, unexpected=what)


# --- identifiers -----------------------------------------------------------------------------------


def _message_id(value: str, *, unexpected: str | None = None) -> str:
    """A message id as the spec has it (a Guid), normalised; refused before it becomes part of a path."""
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        if unexpected is not None:
            raise _unexpected(unexpected, "meldingens id er ikke en Guid") from None
        raise MshApiError(f"«{one_line(str(value), 60)}» er ikke en meldings-id fra meldingstjeneren (en Guid)",
                          retryable=False) from None


def _her_id(value: str | int) -> int:
    """A HER-id as the API takes it: an int32 from 1 up."""
    try:
        number = value if isinstance(value, int) else int(value.strip())
    except ValueError:
        number = 0
    if isinstance(number, bool) or not 1 <= number <= MAX_HER_ID:
        raise MshApiError(f"HER-id «{one_line(str(value), 40)}» kan ikke brukes mot EDI 2.0-APIet "
                          "(et heltall fra 1 til 2147483647)", retryable=False)
    return number




# --- the client ------------------------------------------------------------------------------------


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
        return _read_id(self._call("POST", "/Messages", json=request.to_json()), "POST /Messages")

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
        params: list[tuple[str, str]] = [("ReceiverHerIds", str(_her_id(h))) for h in dict.fromkeys(receiver_her_ids)]
        if sender_her_id is not None:
            params.append(("SenderHerId", str(_her_id(sender_her_id))))
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
        return [_read_message(m) for m in _array(self._json(response, "GET /Messages"), "GET /Messages")]

    def get_message(self, message_id: str) -> Message:
        """GET /Messages/{id}."""
        path = f"/Messages/{_message_id(message_id)}"
        return _read_message(self._json(self._call("GET", path), "GET /Messages/{id}"))

    def get_business_document(self, message_id: str) -> BusinessDocument:
        """GET /Messages/{id}/business-document: the payload (see :meth:`BusinessDocument.content`)."""
        path = f"/Messages/{_message_id(message_id)}/business-document"
        return _read_business_document(self._json(self._call("GET", path), "GET /Messages/{id}/business-document"))

    def get_status(self, message_id: str) -> list[StatusInfo]:
        """GET /Messages/{id}/status: transport status (and AppRec status) per receiver of a sent message."""
        what = "GET /Messages/{id}/status"
        response = self._call("GET", f"/Messages/{_message_id(message_id)}/status")
        return [_read_status_info(s) for s in _array(self._json(response, what), what)]

    def get_apprec_info(self, message_id: str) -> list[ApprecInfo]:
        """GET /Messages/{id}/apprec: the application receipts received for a sent message, per receiver."""
        what = "GET /Messages/{id}/apprec"
        response = self._call("GET", f"/Messages/{_message_id(message_id)}/apprec")
        return [_read_apprec_info(i) for i in _array(self._json(response, what), what)]

    def post_apprec(self, message_id: str, apprec_sender_her_id: int, request: PostAppRecRequest) -> str:
        """POST /Messages/{id}/apprec/{appRecSenderHerId}: answer a received message; returns the AppRec's id."""
        path = f"/Messages/{_message_id(message_id)}/apprec/{_her_id(apprec_sender_her_id)}"
        return _read_id(self._call("POST", path, json=request.to_json()),
                        "POST /Messages/{id}/apprec/{appRecSenderHerId}")

    def mark_as_read(self, message_id: str, her_id: int) -> None:
        """PUT /Messages/{id}/read/{herId}: the receiver (or copy receiver) ``her_id`` has the message."""
        self._call("PUT", f"/Messages/{_message_id(message_id)}/read/{_her_id(her_id)}")

    # -- HTTP, errors and retries --

    @staticmethod
    def _json(response: httpx.Response, what: str) -> object:
        try:
            return response.json()
        except ValueError:
            raise _unexpected(what, "svaret er ikke JSON") from None

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
    error = _read_error_message(response)
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


# --- the payload ------------------------------------------------------------------------------------

_BOM = codecs.BOM_UTF8
_DECLARATION = re.compile(r"^<\?xml\s[^>]*?\?>")
_VERSION = re.compile(r"""version\s*=\s*["']([^"']+)["']""")
_STANDALONE = re.compile(r"""standalone\s*=\s*["'](yes|no)["']""")


def as_utf8_document(data: bytes) -> bytes:
    """The document as the spec asks for POST /Messages: UTF-8, declared on the first line.

    A UTF-8 document that declares so is returned unchanged. Another declared encoding (ISO-8859-1 is the
    other one Norwegian systems send) is read and re-encoded as UTF-8 with its declaration changed to say so;
    a document without a declaration gets one (without one it is read as UTF-8, else as ISO-8859-1, as
    :func:`samhandling.standards.parsing.parse_xml` does). The text of the document is not changed.
    """
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    declared = declared_encoding(data)
    if declared is not None and _codec_name(declared) == "utf-8":
        return data
    encoding = declared or "utf-8"
    try:
        text = data.decode(encoding)
    except LookupError:
        raise MshApiError(f"meldingen oppgir et ukjent tegnsett «{one_line(encoding, 40)}»",
                          retryable=False) from None
    except UnicodeDecodeError:
        if declared is not None:
            raise MshApiError(f"meldingen er ikke kodet i tegnsettet den oppgir («{one_line(encoding, 40)}»)",
                              retryable=False) from None
        text = data.decode("iso-8859-1")
    text = text.lstrip()
    declaration = _DECLARATION.match(text)
    version, standalone = "1.0", ""
    if declaration is not None:
        found = _VERSION.search(declaration.group(0))
        version = found.group(1) if found else version
        found = _STANDALONE.search(declaration.group(0))
        standalone = f' standalone="{found.group(1)}"' if found else ""
        text = text[declaration.end():]
    else:
        text = "\n" + text
    return f'<?xml version="{version}" encoding="UTF-8"{standalone}?>{text}'.encode()


def _codec_name(encoding: str) -> str | None:
    """Python's canonical name of an encoding, or None when it does not know it."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def apprec_request(payload: bytes, *, ebxml_overrides: EbXmlInfo | None = None) -> PostAppRecRequest:
    """The POST /Messages/{id}/apprec request for an AppRec document: its status (code system 8258 by name)
    and its errors, each with its code (V), text (OT) as ``details``, display name (DN) as ``description``
    and code system (S) as ``oid``."""
    try:
        apprec = read_apprec(parse_xml(payload), strict=False)
        status = AppRecStatus.from_code(apprec.status_code)
    except (NotWellFormedError, TooLargeError, BindingError, ValueError) as exc:
        raise MshApiError(f"kan ikke lese applikasjonskvitteringen som skal sendes: {one_line(str(exc))}",
                          retryable=False) from None
    errors = tuple(
        AppRecError(error_code=(e.v or "").strip() or None, details=e.ot, description=e.dn, oid=e.s)
        for e in apprec.error
    )
    return PostAppRecRequest(app_rec_status=status, app_rec_error_list=errors, ebxml_overrides=ebxml_overrides)


# --- the transport ---------------------------------------------------------------------------------


class Edi2Transport(Transport):
    """The node's transport over the EDI 2.0 API (see :class:`Transport` for the contract).

    - ``send`` posts a business message (POST /Messages) to the envelope's recipient only
      (``receiverHerIdsSubset``: the node stores and sends a message once per recipient). An AppRec answers
      the received message by NHN's id of it (``answers_reference``, POST /Messages/{id}/apprec/{herId} with the
      envelope's sender as the answering HER-id); the server writes the AppRec document itself from the stored
      AppRec's status and errors, so the document the original sender gets has NHN's MsgId and GenDate, not
      ours. An AppRec without ``answers_reference`` cannot be sent through this API.
    - ``receive`` lists unread messages per HER-id (GET /Messages, at most ``messages_per_receive`` each) and
      downloads each business document; ``confirm`` marks the message read for its receiver
      (PUT /Messages/{id}/read/{herId}). Until then the server keeps listing it.
    - ``status`` combines GET /Messages/{id}/status and GET /Messages/{id}/apprec per receiver.

    Idempotence of ``send``: the API has no idempotency key and does not deduplicate, so the adapter can only
    narrow the window. It never repeats a POST by itself once the server may have taken it in (see
    :class:`RetryPolicy`), sends the same bytes (same MsgId) every time and restricts the receivers to the
    envelope's. The local message server deduplicates by (sender, MsgId, receiver), so there the contract holds
    fully. Against NHN a repeat after a lost answer (a timeout after the server accepted the message, or a crash
    between the send and the commit) is sent twice; a resent POST is a new ebXML message, so ebXML duplicate
    elimination (HITS 1171 §5.2.1.11) does not catch it, and the recipient's system must ignore it by its MsgId
    (HITS 1168 §5.4). A repeated AppRec likewise goes twice (HITS 1168 §5.5 says not to resend one).
    """

    def __init__(self, client: MshApiClient, *, messages_per_receive: int = 10,
                 ebxml_overrides: EbXmlInfo | None = None) -> None:
        if not 1 <= messages_per_receive <= MAX_MESSAGES_TO_FETCH:
            raise ValueError(f"messages_per_receive må være fra 1 til {MAX_MESSAGES_TO_FETCH}")
        self.client = client
        self.messages_per_receive = messages_per_receive
        self.ebxml_overrides = ebxml_overrides

    def send(self, envelope: Envelope) -> Delivery:
        if envelope.is_apprec:
            return self._send_apprec(envelope)
        request = PostMessageRequest.of(as_utf8_document(envelope.payload),
                                        receiver_her_ids_subset=[_her_id(envelope.recipient_her_id)],
                                        ebxml_overrides=self.ebxml_overrides)
        return Delivery(reference=self.client.post_message(request))

    def _send_apprec(self, envelope: Envelope) -> Delivery:
        if envelope.answers_reference is None:
            raise MshApiError("en applikasjonskvittering kan ikke sendes over EDI 2.0-APIet uten meldingstjenerens "
                              "id for meldingen den besvarer (APIet sender kvitteringer bare som svar på en mottatt "
                              "melding)", retryable=False)
        request = apprec_request(envelope.payload, ebxml_overrides=self.ebxml_overrides)
        reference = self.client.post_apprec(envelope.answers_reference, _her_id(envelope.sender_her_id), request)
        return Delivery(reference=reference)

    def receive(self, her_ids: Sequence[str]) -> list[Inbound]:
        """What waits for the parties, per HER-id oldest first. A message whose document cannot be read (not base64, an
        unknown encoding, refused) is left unread and logged by NHN's id; it does not stop the others."""
        found: dict[tuple[str, str], Inbound] = {}
        for her_id in dict.fromkeys(her_ids):
            messages = self.client.get_messages([_her_id(her_id)], messages_to_fetch=self.messages_per_receive,
                                                include_metadata=True)
            for message in messages:
                if message.id is None:
                    log.warning("MSH API listed a message without id", extra={"her_id": her_id})
                    continue
                recipient = str(message.receiver_her_id) if message.receiver_her_id is not None else her_id
                if (message.id, recipient) in found:
                    continue
                try:
                    payload = self.client.get_business_document(message.id).content()
                except TransportError as exc:
                    if exc.retryable:
                        raise
                    log.warning("business document not readable, left unread",
                                extra={"nhn_message_id": message.id, "her_id": recipient, "error": str(exc)})
                    continue
                found[(message.id, recipient)] = Inbound(
                    reference=message.id, recipient_her_id=recipient, payload=payload,
                    sender_her_id=str(message.sender_her_id) if message.sender_her_id is not None else None,
                    msg_id=message.business_document_id, issued_at=message.business_document_gen_date)
        return list(found.values())

    def confirm(self, inbound: Inbound) -> None:
        self.client.mark_as_read(inbound.reference, _her_id(inbound.recipient_her_id))

    def status(self, reference: str) -> list[ReceiverStatus]:
        """Per receiver: the transport's delivery state and, once it has come, the AppRec's status and error
        codes. A receiver the server lists only with an AppRec counts as delivered (it answered)."""
        statuses = self.client.get_status(reference)
        receipts = {info.receiver_her_id: info for info in self.client.get_apprec_info(reference)}
        result: list[ReceiverStatus] = []
        for status in statuses:
            info = receipts.pop(status.receiver_her_id, None)
            result.append(_receiver_status(status.receiver_her_id, status.transport_delivery_state,
                                           status.app_rec_status, info))
        for her_id, info in receipts.items():
            result.append(_receiver_status(her_id, DeliveryState.ACKNOWLEDGED, None, info))
        return result

    def close(self) -> None:
        self.client.close()


def _receiver_status(her_id: int, delivery: DeliveryState, status: AppRecStatus | None,
                     info: ApprecInfo | None) -> ReceiverStatus:
    if info is not None and info.app_rec_status is not None:
        status = info.app_rec_status
    errors = tuple(e.error_code.strip() for e in info.app_rec_error_list if e.error_code) if info else ()
    return ReceiverStatus(recipient_her_id=str(her_id), delivery=delivery,
                          apprec_status=status.code if status is not None else None, apprec_errors=errors)
