"""The local message server: Norsk Helsenett's EDI 2.0 message API (MSH API v2) served by samhandling.

Same paths, request and response bodies and status codes as NHN's OpenAPI spec ("MSH API v2, Meldingstjener
Rest API"), for a set of parties on one machine: the embedded default of ``make demo``, the tests, and
partners who want to rehearse without NHN. What it does, as NHN does it:

- ``POST /Messages`` takes a base64 business document (a MsgHead, UTF-8 as the spec requires), reads its
  sender and receivers (the primary receiver and every copy receiver, each by its most specific HER-id:
  service-based addressing, HIS 1153) and delivers it to each receiver; it answers 201 with the new message
  id. The same MsgId from the same sender is the same message: the id of the stored one comes back and
  nothing is made, so a client that sends again after a crash does no harm.
- ``GET /Messages`` lists unread messages for the receivers asked for; ``GET /Messages/{id}``,
  ``…/business-document``, ``…/status`` and ``…/apprec`` work for the sender and for the receivers of the
  message; ``PUT /Messages/{id}/read/{herId}`` marks it read for that receiver.
- ``POST /Messages/{id}/apprec/{appRecSenderHerId}``: a receiver's application receipt. The server records
  the status and errors for that receiver and writes a real AppRec (HIS 80415, in the version the
  original's standard is answered with, HITS 1168 §8.2) that it delivers to the original sender as a new
  message.
- A receiver's transport delivery state becomes ``Acknowledged`` when it downloads the business document,
  marks the message read or answers it with an AppRec.

Authentication: ``Authorization: Bearer`` with a token of :mod:`samhandling.msh.tokens`; none or a bad one
is 401. A client acts for the HER-ids in its token and for the services and persons under them in the
parties register (``parties``; without it only the exact HER-ids); sending as, or reading for, anyone else
is 403, and the error names no party of someone else's message.

Errors have the spec's ``ErrorMessage`` body with a Norwegian ``error``. Nothing is logged of the messages'
content or of patients.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import uuid
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from lxml import etree
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from samhandling.domain.identifiers import is_uuid
from samhandling.domain.messages import redact_person_ids
from samhandling.domain.parties import Parties
from samhandling.msh.storage import (
    AppRecStatus,
    Delivery,
    MessageServerRepository,
    NewMessage,
    ReceiptError,
    ServerMessage,
    transaction,
)
from samhandling.msh.tokens import MAX_HER_ID, TokenError, her_id_problem, read_token
from samhandling.standards import apprec as ar
from samhandling.standards import registry
from samhandling.standards.binding import BindingError
from samhandling.standards.kith import CV
from samhandling.standards.message import to_bytes
from samhandling.standards.msghead import MSGHEAD_NS, MsgHead, read_msghead
from samhandling.standards.parsing import NotWellFormedError, TooLargeError, declared_encoding, parse_xml

log = logging.getLogger("samhandling.msh")

MAX_REQUEST_BYTES = 35 * 1024 * 1024  # the spec: "The request has a max limit of 35 MB"
MIN_INT32 = -(2**31)
OSLO = ZoneInfo("Europe/Oslo")  # MsgHead's GenDate without an offset is Norwegian local time
FALLBACK_APPREC_VERSION = "1.1"  # for a business document HITS 1168 §8.3 does not list
XML_CONTENT_TYPES = ("application/xml", "text/xml")
ERROR_CODE_VALIDATION = 1000  # the spec's example for "Model validation error occurred"
_INTEGER = re.compile(r"-?[0-9]{1,11}")
# Characters XML 1.0 does not allow (XML 1.0 §2.2, "Char"): they cannot go into an AppRec.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_APPREC_ROOTS = {f"{{{ar.APPREC_NS_1_0}}}AppRec", f"{{{ar.APPREC_NS_1_1}}}AppRec"}


# --- errors ------------------------------------------------------------------------------------------


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


class _InternalErrors:
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


# --- the client and its rights -----------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """An authenticated client: the HER-ids of its token, and the parties register that says which
    services and persons are under them."""

    her_ids: frozenset[str]
    parties: Parties

    def may_act_for(self, her_id: str) -> bool:
        if her_id in self.her_ids:
            return True
        try:
            return any(party.her_id in self.her_ids for party in self.parties.ancestors(her_id))
        except ValueError:  # a loop in the register: no rights through it
            return False


@dataclass(frozen=True)
class _Server:
    engine: Engine
    secret: bytes
    parties: Parties
    max_message_bytes: int


def _server(request: Request) -> _Server:
    server: _Server = request.app.state.msh
    return server


ServerDep = Annotated[_Server, Depends(_server)]


def authenticated(request: Request, server: ServerDep) -> Client:
    """The client of the bearer token; 401 without a valid one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Mangler token: bruk «Authorization: Bearer TOKEN»", headers={"WWW-Authenticate": "Bearer"})
    try:
        her_ids = read_token(server.secret, token.strip())
    except TokenError as exc:
        text = str(exc)
        raise ApiError(401, text[:1].upper() + text[1:],
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    return Client(her_ids, server.parties)


ClientDep = Annotated[Client, Depends(authenticated)]


def _nhn_headers(
    api_version: Annotated[str, Header(alias="api-version")],
    source_system: Annotated[str, Header(alias="nhn-source-system")],
) -> None:
    """Every operation requires ``api-version`` and ``nhn-source-system`` (any value)."""


def not_authorized_for(her_ids: Iterable[str]) -> ApiError:
    """403 naming HER-ids the client itself asked for (never a party of someone else's message)."""
    return ApiError(403, "Ikke autorisert for HER-id: " + ", ".join(her_ids))


NOT_AUTHORIZED_FOR_MESSAGE = "Ikke autorisert for meldingen"


# --- request bodies (the spec's schemas, additionalProperties false) ----------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


Int32 = Annotated[int, Field(ge=MIN_INT32, le=MAX_HER_ID)]


class EbXmlInfo(_Body):
    """ebXML values a client may set (HIS 1037, HIS 1209); the local server has no ebXML and ignores them,
    except ``useSenderLevel1HerId``."""

    cpa_id: str | None = Field(None, alias="cpaId")
    conversation_id: str | None = Field(None, alias="conversationId")
    service: str | None = None
    service_type: str | None = Field(None, alias="serviceType")
    action: str | None = None
    sender_role: str | None = Field(None, alias="senderRole")
    use_sender_level1_her_id: bool | None = Field(None, alias="useSenderLevel1HerId")
    receiver_role: str | None = Field(None, alias="receiverRole")
    application_name: str | None = Field(None, alias="applicationName")
    application_version: str | None = Field(None, alias="applicationVersion")
    middleware_name: str | None = Field(None, alias="middlewareName")
    middleware_version: str | None = Field(None, alias="middlewareVersion")
    compress_payload: bool | None = Field(None, alias="compressPayload")


class PostMessageRequest(_Body):
    business_document: str = Field(alias="businessDocument", min_length=1)
    content_type: str = Field(alias="contentType", min_length=1)
    content_transfer_encoding: str = Field(alias="contentTransferEncoding", min_length=1)
    eb_xml_overrides: EbXmlInfo | None = Field(None, alias="ebXmlOverrides")
    receiver_her_ids_subset: list[Int32] | None = Field(None, alias="receiverHerIdsSubset")


class AppRecErrorBody(_Body):
    error_code: str | None = Field(alias="errorCode")
    details: str | None = Field(alias="details")
    description: str | None = None
    oid: str | None = None


def _status_by_code(value: object) -> object:
    # The spec describes the status as "1 = Ok, 2 = Avvist, 3 = Ok, feil i delmelding" (its example is "1").
    if isinstance(value, str) and value in ("1", "2", "3"):
        return AppRecStatus.from_code(value).value
    return value


class PostAppRecRequest(_Body):
    app_rec_status: Annotated[
        Literal["Ok", "Rejected", "OkErrorInMessagePart"], BeforeValidator(_status_by_code)
    ] = Field(alias="appRecStatus")
    app_rec_error_list: list[AppRecErrorBody] | None = Field(None, alias="appRecErrorList")
    eb_xml_overrides: EbXmlInfo | None = Field(None, alias="ebXmlOverrides")


async def json_body(request: Request) -> bytes:
    """The request body: JSON (``application/json``, ``text/json`` or ``application/*+json``), at most 35 MB."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not (media_type in ("application/json", "text/json")
            or (media_type.startswith("application/") and media_type.endswith("+json"))):
        raise bad_request("Innholdet må være JSON (Content-Type: application/json)")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise bad_request(f"Forespørselen er større enn grensen på {MAX_REQUEST_BYTES} byte")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise bad_request(f"Forespørselen er større enn grensen på {MAX_REQUEST_BYTES} byte")
        chunks.append(chunk)
    return b"".join(chunks)


BodyDep = Annotated[bytes, Depends(json_body)]


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_body(model: type[ModelT], body: bytes) -> ModelT:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(part) for part in e['loc']) or '(innhold)'}: {e['msg']}" for e in exc.errors()]
        raise bad_request("Ugyldig innhold i forespørselen", validation_errors=problems) from None


# --- parameters --------------------------------------------------------------------------------------


def message_id_param(value: str) -> str:
    """The ``id`` path parameter: a GUID (HIS 80601's form, either case), compared in lower case."""
    if not is_uuid(value):
        raise bad_request("Meldings-id må være en GUID", validation_errors=[f"id: «{value}» er ikke en GUID"])
    return value.lower()


def int32_param(name: str, value: str, *, minimum: int = MIN_INT32) -> int:
    if not _INTEGER.fullmatch(value) or not minimum <= int(value) <= MAX_HER_ID:
        problem = f"{name}: må være et heltall fra {minimum} til {MAX_HER_ID}"
        raise bad_request(f"Ugyldig verdi for {name}", validation_errors=[problem])
    return int(value)


def her_id_param(name: str, value: str) -> str:
    """A HER-id path parameter (1 to 2147483647) as the store keeps it: a string of digits."""
    return str(int32_param(name, value, minimum=1))


class _Query:
    """Query parameters by name, case-insensitive as in NHN's (ASP.NET) API."""

    def __init__(self, request: Request) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            self._values.setdefault(key.lower(), []).append(value)

    def all(self, name: str) -> list[str]:
        return self._values.get(name.lower(), [])

    def one(self, name: str) -> str | None:
        values = self.all(name)
        if len(values) > 1:
            raise bad_request(f"{name} er oppgitt flere ganger")
        return values[0] if values else None


_BOOLEANS = {"true": True, "false": False}
_ORDER = {"ascending": False, "1": False, "descending": True, "2": True}  # OrderBy: 1 Ascending, 2 Descending


@dataclass(frozen=True)
class ListOptions:
    """The query of ``GET /Messages``."""

    receivers: list[str]
    sender_her_id: str | None = None
    business_document_id: str | None = None
    include_metadata: bool = False
    limit: int = 10
    newest_first: bool = False


def list_options(query: _Query) -> ListOptions:
    """The query of ``GET /Messages`` as the spec defines it; 400 for a value outside it."""
    raw_receivers = query.all("ReceiverHerIds")
    if not raw_receivers:
        raise bad_request("ReceiverHerIds mangler", validation_errors=["ReceiverHerIds: påkrevd"])
    receivers = [str(int32_param("ReceiverHerIds", value)) for value in raw_receivers]
    if len(set(receivers)) != len(receivers):
        raise bad_request("ReceiverHerIds har samme HER-id flere ganger")
    sender = query.one("SenderHerId")
    document_id = query.one("BusinessDocumentId")
    if document_id is not None and len(document_id) > 100:
        raise bad_request("BusinessDocumentId kan ha høyst 100 tegn")
    if document_id is not None and _NOT_XML.search(document_id):
        raise bad_request("BusinessDocumentId har tegn som ikke kan stå i en meldingsid")
    include = query.one("IncludeMetadata")
    if include is not None and include.lower() not in _BOOLEANS:
        raise bad_request("IncludeMetadata må være true eller false")
    fetch = query.one("MessagesToFetch")
    limit = int32_param("MessagesToFetch", fetch, minimum=1) if fetch is not None else 10
    if limit > 100:
        raise bad_request("MessagesToFetch må være et tall fra 1 til 100")
    order = query.one("OrderBy")
    if order is not None and order.lower() not in _ORDER:
        raise bad_request("OrderBy må være Ascending (1) eller Descending (2)")
    return ListOptions(
        receivers=receivers,
        sender_her_id=str(int32_param("SenderHerId", sender)) if sender is not None else None,
        business_document_id=document_id or None,  # empty: no filter (as ASP.NET binds it: null)
        include_metadata=_BOOLEANS[include.lower()] if include is not None else False,
        limit=limit,
        newest_first=_ORDER[order.lower()] if order is not None else False,
    )


# --- documents ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostedDocument:
    """What the server reads from a posted business document: its sender, and the receivers to deliver it
    to, each with its place among all the document's receivers."""

    sender_her_id: str
    receivers: tuple[tuple[str, int], ...]
    business_document_id: str
    gen_date: datetime
    is_apprec: bool
    data: bytes


def read_posted_document(posted: PostMessageRequest, *, max_bytes: int) -> PostedDocument:
    """Decode and read the business document of ``POST /Messages``; 400 for anything the server cannot
    deliver. A MsgHead is the normal case; a bare AppRec is delivered as it is addressed too."""
    if posted.content_transfer_encoding.strip().lower() != "base64":
        raise bad_request("contentTransferEncoding må være base64")
    if posted.content_type.split(";", 1)[0].strip().lower() not in XML_CONTENT_TYPES:
        raise bad_request("contentType må være application/xml: forretningsdokumentet er et XML-dokument")
    try:
        data = base64.b64decode("".join(posted.business_document.split()), validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("businessDocument er ikke gyldig base64") from None
    encoding = declared_encoding(data.removeprefix(b"\xef\xbb\xbf"))
    if encoding is None or encoding.lower() not in ("utf-8", "utf8"):
        raise bad_request("Forretningsdokumentet må være UTF-8 og si det i XML-deklarasjonen på første linje")
    try:
        root = parse_xml(data, max_bytes=max_bytes)
    except (NotWellFormedError, TooLargeError) as exc:
        raise bad_request(f"Forretningsdokumentet kan ikke leses: {exc}") from None
    try:
        if root.tag == f"{{{MSGHEAD_NS}}}MsgHead":
            found = _read_msghead(root, posted.eb_xml_overrides)
        elif root.tag in _APPREC_ROOTS:
            found = _read_bare_apprec(root)
        else:
            raise bad_request("Forretningsdokumentet må være en hodemelding (MsgHead) eller en applikasjonskvittering")
    except BindingError as exc:
        raise bad_request(f"Forretningsdokumentet kan ikke leses: {exc}") from None
    sender, receivers, document_id, gen_date, is_apprec = found
    if not document_id.strip():
        raise bad_request("Forretningsdokumentet mangler meldingsid (MsgId)")
    if sender is None:
        raise bad_request("Avsenderen i forretningsdokumentet har ingen HER-id")
    if any(receiver is None for receiver in receivers):
        raise bad_request("En mottaker i forretningsdokumentet har ingen HER-id")
    everyone = list(dict.fromkeys(r for r in receivers if r is not None))
    for her_id in (sender, *everyone):
        problem = her_id_problem(her_id)
        if problem:
            raise bad_request(f"Forretningsdokumentet: {problem}")
    chosen = everyone
    if posted.receiver_her_ids_subset is not None:
        subset = {str(her_id) for her_id in posted.receiver_her_ids_subset}
        unknown = sorted(subset - set(everyone))
        if unknown:
            raise bad_request("receiverHerIdsSubset: ikke mottaker i forretningsdokumentet: " + ", ".join(unknown))
        chosen = [her_id for her_id in everyone if her_id in subset]
        if not chosen:
            raise bad_request("receiverHerIdsSubset: ingen mottakere")
    placed = tuple((her_id, everyone.index(her_id)) for her_id in chosen)
    return PostedDocument(sender, placed, document_id.strip(), _utc(gen_date), is_apprec, data)


_Found = tuple[str | None, list[str | None], str, datetime, bool]


def _read_msghead(root: etree._Element, overrides: EbXmlInfo | None) -> _Found:
    head = read_msghead(root, strict=False)
    organisation = head.msg_info.sender.organisation
    level1 = overrides is not None and overrides.use_sender_level1_her_id is True
    sender = organisation.her_id() if level1 else organisation.addressee_her_id()
    receivers = [recipient.her_id for recipient in ar.recipients(head)]
    return sender, receivers, head.msg_id, head.msg_info.gen_date, False


def _read_bare_apprec(root: etree._Element) -> _Found:
    receipt = ar.read_apprec(root, strict=False)
    return receipt.sender_her_id, [receipt.receiver_her_id], receipt.id, receipt.gen_date, True


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=OSLO)
    return moment.astimezone(UTC)


def apprec_version(head: MsgHead) -> str:
    """The AppRec version that answers ``head``: its business document's standard decides (HITS 1168 §8.2);
    1.1 for one samhandling does not know."""
    content = head.business_document()
    standard = registry.standard_for(content) if content is not None else None
    if standard is None:
        return FALLBACK_APPREC_VERSION
    try:
        return ar.apprec_version_for(standard.standard, standard.version)
    except LookupError:
        return FALLBACK_APPREC_VERSION


@dataclass(frozen=True)
class _ReceiptErrorEntry(ar.AppRecError):
    """An AppRec error as a client sent it: no OT when it gave no details."""

    def cv(self) -> CV:
        return self.code.cv(self.text or None)


def receipt_errors(errors: Sequence[AppRecErrorBody]) -> list[ar.AppRecError]:
    """The errors of ``PostAppRecRequest`` for :func:`build_apprec`: a code of "Feilmeldinger for
    applikasjonskvittering" (code system 8221, HIS 80415:2012 §6.3), or of the code system ``oid`` names."""
    found: list[ar.AppRecError] = []
    for number, error in enumerate(errors):
        for name, text in (("errorCode", error.error_code), ("details", error.details),
                           ("description", error.description), ("oid", error.oid)):
            if text is not None and _NOT_XML.search(text):
                raise bad_request(f"appRecErrorList[{number}].{name} har tegn som ikke kan stå i XML")
        value = (error.error_code or "").strip()
        if not value:
            raise bad_request(f"appRecErrorList[{number}].errorCode mangler")
        if error.oid in (None, "", ar.OID_ERROR):
            code = ar.ERROR_CODES.get(value)
            if code is None:
                raise bad_request(f"appRecErrorList[{number}].errorCode: ukjent feilkode «{value}» i kodeverk 8221")
        else:
            code = ar.Code(value, error.description or value, error.oid)
        found.append(_ReceiptErrorEntry(code, (error.details or "").strip()))
    return found


# --- responses ---------------------------------------------------------------------------------------


def message_json(message: ServerMessage, receiver_her_id: str, *, metadata: bool = True) -> dict[str, Any]:
    """The spec's ``Message``: id and receiver, and with ``metadata`` the rest."""
    found: dict[str, Any] = {"id": message.id, "receiverHerId": int(receiver_her_id)}
    if metadata:
        found.update(
            contentType=message.content_type,
            senderHerId=int(message.sender_her_id),
            businessDocumentId=message.business_document_id,
            businessDocumentGenDate=message.gen_date.isoformat(),
            isAppRec=message.is_apprec,
        )
    return found


def apprec_info_json(delivery: Delivery) -> dict[str, Any]:
    errors = None
    if delivery.apprec_errors is not None:
        errors = [
            {"errorCode": e.error_code, "details": e.details}
            | ({"description": e.description} if e.description is not None else {})
            | ({"oid": e.oid} if e.oid is not None else {})
            for e in delivery.apprec_errors
        ]
    return {
        "receiverHerId": int(delivery.receiver_her_id),
        "appRecStatus": delivery.apprec_status.value if delivery.apprec_status is not None else None,
        "appRecErrorList": errors,
    }


def status_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "receiverHerId": int(delivery.receiver_her_id),
        "transportDeliveryState": delivery.state.value,
        "appRecStatus": delivery.apprec_status.value if delivery.apprec_status is not None else None,
    }


def created(message_id: str) -> JSONResponse:
    """201 with the new message's id as a JSON string, and where to fetch it."""
    return JSONResponse(message_id, status_code=201, headers={"Location": f"/Messages/{message_id}"})


# --- access to a stored message ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Access:
    """A message as one client may see it: is it the sender, and which deliveries are its own."""

    message: ServerMessage
    deliveries: list[Delivery]
    is_sender: bool
    own: list[Delivery]

    @property
    def visible(self) -> list[Delivery]:
        """The sender sees every receiver; a receiver only itself."""
        return self.deliveries if self.is_sender else self.own

    def delivery(self, her_id: str) -> Delivery | None:
        return next((d for d in self.deliveries if d.receiver_her_id == her_id), None)


def access(repo: MessageServerRepository, message_id: str, client: Client) -> _Access:
    """The message with ``message_id`` for ``client``: 404 if there is none, 403 if the client is neither
    its sender nor one of its receivers."""
    message = repo.get(message_id_param(message_id))
    if message is None:
        raise ApiError(404, f"Fant ingen melding med id {message_id}")
    deliveries = repo.deliveries(message)
    is_sender = client.may_act_for(message.sender_her_id)
    own = [d for d in deliveries if client.may_act_for(d.receiver_her_id)]
    if not is_sender and not own:
        raise ApiError(403, NOT_AUTHORIZED_FOR_MESSAGE)
    return _Access(message, deliveries, is_sender, own)


def _now() -> datetime:
    return datetime.now(UTC)


# --- the operations ----------------------------------------------------------------------------------

router = APIRouter(dependencies=[Depends(_nhn_headers)])


@router.get("/Messages")
def get_messages(request: Request, client: ClientDep, server: ServerDep) -> JSONResponse:
    """GetMessages: unread messages for the given receivers."""
    options = list_options(_Query(request))
    refused = [r for r in options.receivers if not client.may_act_for(r)]
    if refused:
        raise not_authorized_for(refused)
    with transaction(server.engine) as repo:
        found = repo.unread(
            options.receivers,
            sender_her_id=options.sender_her_id,
            business_document_id=options.business_document_id,
            limit=options.limit,
            newest_first=options.newest_first,
        )
    return JSONResponse([message_json(m, receiver, metadata=options.include_metadata) for m, receiver in found])


@router.post("/Messages")
def post_message(client: ClientDep, body: BodyDep, server: ServerDep) -> JSONResponse:
    """PostMessage: deliver a business document to its receivers (or find it, if it came before)."""
    posted = parse_body(PostMessageRequest, body)
    document = read_posted_document(posted, max_bytes=server.max_message_bytes)
    if not client.may_act_for(document.sender_her_id):
        raise not_authorized_for([document.sender_her_id])
    with transaction(server.engine) as repo:
        stored, is_new = repo.add(
            NewMessage(
                sender_her_id=document.sender_her_id,
                business_document_id=document.business_document_id,
                gen_date=document.gen_date,
                is_apprec=document.is_apprec,
                content_type=XML_CONTENT_TYPES[0],
                document=document.data,
                receivers=document.receivers,
            ),
            at=_now(),
        )
    log.info("msh.message.posted", extra={"message_id": stored.id, "receivers": len(document.receivers),
                                          "duplicate": not is_new})
    return created(stored.id)


@router.get("/Messages/{id}")
def get_message(id: str, client: ClientDep, server: ServerDep) -> JSONResponse:
    """GetMessage: the message's metadata, with the client's own receiver (the primary one for the sender)."""
    with transaction(server.engine) as repo:
        found = access(repo, id, client)
    receiver = (found.own or found.deliveries)[0].receiver_her_id
    return JSONResponse(message_json(found.message, receiver))


@router.get("/Messages/{id}/business-document")
def get_business_document(id: str, client: ClientDep, server: ServerDep) -> JSONResponse:
    """GetBusinessDocument: the document as posted, base64; a receiver that downloads it acknowledges it."""
    with transaction(server.engine) as repo:
        found = access(repo, id, client)
        data = repo.document(found.message)
        repo.acknowledge(found.message, [d.receiver_her_id for d in found.own], at=_now())
    return JSONResponse({
        "businessDocument": base64.b64encode(data).decode("ascii"),
        "contentType": found.message.content_type,
        "contentTransferEncoding": "base64",
    })


@router.get("/Messages/{id}/status")
def get_status(id: str, client: ClientDep, server: ServerDep) -> JSONResponse:
    """GetStatus: transport delivery state and AppRec status per receiver (the sender sees all of them)."""
    with transaction(server.engine) as repo:
        found = access(repo, id, client)
    return JSONResponse([status_json(d) for d in found.visible])


@router.get("/Messages/{id}/apprec")
def get_apprec_info(id: str, client: ClientDep, server: ServerDep) -> JSONResponse:
    """GetApprecInfo: the application receipt of each receiver, if it has come."""
    with transaction(server.engine) as repo:
        found = access(repo, id, client)
    return JSONResponse([apprec_info_json(d) for d in found.visible])


@router.put("/Messages/{id}/read/{herId}")
def mark_message_as_read(id: str, herId: str, client: ClientDep, server: ServerDep) -> Response:  # noqa: N803
    """MarkMessageAsRead: the receiver ``herId`` has read the message; it leaves that receiver's list."""
    receiver = her_id_param("herId", herId)
    if not client.may_act_for(receiver):
        raise not_authorized_for([receiver])
    with transaction(server.engine) as repo:
        found = access(repo, id, client)
        if found.delivery(receiver) is None:
            raise ApiError(404, f"HER-id {receiver} er ikke mottaker av meldingen")
        repo.mark_read(found.message, receiver, at=_now())
    return Response(status_code=204)


class _AlreadyAnsweredError(Exception):
    """Another request recorded this receiver's AppRec in the meantime."""


@router.post("/Messages/{id}/apprec/{appRecSenderHerId}")
def post_apprec(
    id: str,
    appRecSenderHerId: str,  # noqa: N803 (the spec's name)
    client: ClientDep,
    body: BodyDep,
    server: ServerDep,
) -> JSONResponse:
    """PostAppRec: the receiver ``appRecSenderHerId`` answers the message; the server writes the AppRec and
    delivers it to the original sender. Sending the same receipt again returns the same AppRec message."""
    request = parse_body(PostAppRecRequest, body)
    receiver = her_id_param("appRecSenderHerId", appRecSenderHerId)
    if not client.may_act_for(receiver):
        raise not_authorized_for([receiver])
    status = AppRecStatus(request.app_rec_status)
    given = [
        ReceiptError(error_code=e.error_code, details=e.details, description=e.description, oid=e.oid)
        for e in request.app_rec_error_list or ()
    ]
    errors = receipt_errors(request.app_rec_error_list or ())
    try:
        with transaction(server.engine) as repo:
            return _answer(repo, id, client, receiver, status, given, errors)
    except _AlreadyAnsweredError:
        pass  # a concurrent request recorded a receipt first (rolled back here): answer as to a repeat
    with transaction(server.engine) as repo:
        return _answer(repo, id, client, receiver, status, given, errors)


def _answer(
    repo: MessageServerRepository,
    message_id: str,
    client: Client,
    receiver: str,
    status: AppRecStatus,
    given: list[ReceiptError],
    errors: list[ar.AppRecError],
) -> JSONResponse:
    found = access(repo, message_id, client)
    delivery = found.delivery(receiver)
    if delivery is None:
        raise bad_request(f"HER-id {receiver} er ikke mottaker av meldingen")
    if found.message.is_apprec:
        raise bad_request("En applikasjonskvittering besvares ikke med en applikasjonskvittering (HITS 1168)")
    if delivery.apprec_status is not None:
        if (delivery.apprec_status, delivery.apprec_errors) == (status, tuple(given)) and delivery.apprec_message_id:
            return created(delivery.apprec_message_id)
        raise bad_request(f"Mottakeren {receiver} har allerede sendt applikasjonskvittering for meldingen")
    original = read_msghead(parse_xml(repo.document(found.message)), strict=False)
    now = _now()
    try:
        receipt = ar.build_apprec(
            original,
            version=apprec_version(original),
            status=status.code,
            errors=errors,
            recipient_her_id=receiver,
            gen_date=now.replace(microsecond=0),
        )
    except ValueError as exc:
        raise bad_request(f"Applikasjonskvitteringen kan ikke lages: {exc}") from None
    made, _ = repo.add(
        NewMessage(
            sender_her_id=receiver,
            business_document_id=receipt.id,
            gen_date=receipt.gen_date,
            is_apprec=True,
            content_type=XML_CONTENT_TYPES[0],
            document=to_bytes(ar.write_apprec(receipt)),
            receivers=((found.message.sender_her_id, 0),),
        ),
        at=now,
    )
    if not repo.record_apprec(found.message, receiver, status=status, errors=given, apprec=made, at=now):
        raise _AlreadyAnsweredError
    log.info("msh.apprec.posted", extra={"message_id": found.message.id, "apprec_message_id": made.id,
                                         "status": status.value, "version": receipt.version})
    return created(made.id)


# --- the application ---------------------------------------------------------------------------------


def _exception_handlers() -> dict[int | type[Exception], Callable[[Request, Any], Coroutine[Any, Any, Response]]]:
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
        exception_handlers=_exception_handlers(),
    )
    app.state.msh = _Server(engine, secret, parties or Parties(), max_message_bytes)
    app.include_router(router)
    app.add_middleware(_InternalErrors)
    return app
