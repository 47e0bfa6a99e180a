"""The local message server's side of the MSH API v2 wire format: request bodies, parameters, response bodies.

As the spec (``msh-api-v2.json`` of the conformance material, under ``nhn/``) defines them: the request
schemas ``PostMessageRequest``, ``PostAppRecRequest``, ``EbXmlInfo`` and ``AppRecError`` with
``additionalProperties: false`` (JSON, at most 35 MB); the headers every operation requires; the path
parameters ``id`` (a GUID) and the HER-ids (int32); the query of ``GET /Messages``, by name case-insensitive
as in NHN's ASP.NET API; and the response schemas ``Message``, ``GetBusinessDocumentResponse``, ``StatusInfo``
and ``ApprecInfo``. A value outside the spec is a 400 ``ErrorMessage``
(:func:`samhandling.msh.errors.bad_request`).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from samhandling.domain.identifiers import is_uuid
from samhandling.msh.errors import bad_request
from samhandling.msh.storage import AppRecStatus, Delivery, ServerMessage
from samhandling.msh.tokens import MAX_HER_ID

MAX_REQUEST_BYTES = 35 * 1024 * 1024  # the spec: "The request has a max limit of 35 MB"
MIN_INT32 = -(2**31)
_INTEGER = re.compile(r"-?[0-9]{1,11}")
# Characters XML 1.0 does not allow (XML 1.0 §2.2, "Char"): they cannot go into an AppRec.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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
    """``body`` as ``model``; 400 naming each problem."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(part) for part in e['loc']) or '(innhold)'}: {e['msg']}" for e in exc.errors()]
        raise bad_request("Ugyldig innhold i forespørselen", validation_errors=problems) from None


# --- parameters --------------------------------------------------------------------------------------


def nhn_headers(
    api_version: Annotated[str, Header(alias="api-version")],
    source_system: Annotated[str, Header(alias="nhn-source-system")],
) -> None:
    """Every operation requires ``api-version`` and ``nhn-source-system`` (any value)."""


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


class Query:
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


def list_options(query: Query) -> ListOptions:
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
    if document_id is not None and NOT_XML.search(document_id):
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


# --- response bodies ---------------------------------------------------------------------------------


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


def business_document_json(message: ServerMessage, data: bytes) -> dict[str, Any]:
    """The spec's ``GetBusinessDocumentResponse``: the document as posted, base64."""
    return {
        "businessDocument": base64.b64encode(data).decode("ascii"),
        "contentType": message.content_type,
        "contentTransferEncoding": "base64",
    }


def apprec_info_json(delivery: Delivery) -> dict[str, Any]:
    """The spec's ``ApprecInfo``: a receiver's AppRec status and errors (null until it has answered)."""
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
    """The spec's ``StatusInfo``: a receiver's transport delivery state and AppRec status."""
    return {
        "receiverHerId": int(delivery.receiver_her_id),
        "transportDeliveryState": delivery.state.value,
        "appRecStatus": delivery.apprec_status.value if delivery.apprec_status is not None else None,
    }


def created(message_id: str) -> JSONResponse:
    """201 with the new message's id as a JSON string, and where to fetch it."""
    return JSONResponse(message_id, status_code=201, headers={"Location": f"/Messages/{message_id}"})
