"""The schemas of MSH API v2 as typed dataclasses, and reading the spec's JSON into them.

Source: the OpenAPI description of MSH API v2 (``msh-api-v2.json``, info.version ``v2``; in the conformance
material under ``nhn/``). The request and response dataclasses read exactly the spec's camelCase JSON and
ignore properties they do not know (a server may add some).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

import httpx

from samhandling.domain.text import one_line
from samhandling.standards.apprec.codes import STATUS_OK, STATUS_OK_ERROR_IN_PART, STATUS_REJECTED
from samhandling.transport.base import DeliveryState
from samhandling.transport.edi2.errors import ErrorMessage, MshApiError, unexpected_answer
from samhandling.transport.edi2.identifiers import api_her_id, api_message_id

_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")


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
            body["receiverHerIdsSubset"] = [api_her_id(h) for h in self.receiver_her_ids_subset]
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


class _Object:
    """One JSON object of an answer, read by typed accessors. Properties the model does not know are ignored:
    a server may add some (the conformance material has an answer with one)."""

    def __init__(self, value: object, what: str) -> None:
        if not isinstance(value, dict):
            raise unexpected_answer(what, "forventet et JSON-objekt")
        self._data: dict[str, object] = value
        self._what = what

    def _get(self, name: str, required: bool) -> object:
        value = self._data.get(name)
        if value is None and required:
            raise unexpected_answer(self._what, f"«{name}» mangler")
        return value

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self._get(name, required)
        if value is not None and not isinstance(value, str):
            raise unexpected_answer(self._what, f"«{name}» er ikke en tekst")
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self._get(name, required)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise unexpected_answer(self._what, f"«{name}» er ikke et heltall")
        return value

    def boolean(self, name: str) -> bool | None:
        value = self._get(name, False)
        if value is not None and not isinstance(value, bool):
            raise unexpected_answer(self._what, f"«{name}» er ikke sann/usann")
        return value

    def array(self, name: str) -> list[object]:
        value = self._get(name, False)
        if value is not None and not isinstance(value, list):
            raise unexpected_answer(self._what, f"«{name}» er ikke en liste")
        return value or []

    def date_time(self, name: str) -> datetime | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise unexpected_answer(self._what, f"«{name}» er ikke et tidspunkt") from None

    def enum(self, name: str, kind: type[_E], *, required: bool = False) -> _E | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            raise unexpected_answer(self._what, f"ukjent verdi «{one_line(value, 40)}» for «{name}»") from None


def _required(value: _T | None) -> _T:
    assert value is not None  # the accessor was called with required=True
    return value


def json_array(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise unexpected_answer(what, "forventet en JSON-liste")
    return value


def read_message(value: object) -> Message:
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


def read_business_document(value: object) -> BusinessDocument:
    o = _Object(value, "GetBusinessDocumentResponse")
    return BusinessDocument(
        business_document=_required(o.text("businessDocument", required=True)),
        content_type=_required(o.text("contentType", required=True)),
        content_transfer_encoding=_required(o.text("contentTransferEncoding", required=True)),
    )


def read_status_info(value: object) -> StatusInfo:
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


def read_apprec_info(value: object) -> ApprecInfo:
    o = _Object(value, "ApprecInfo")
    return ApprecInfo(
        receiver_her_id=_required(o.integer("receiverHerId", required=True)),
        app_rec_status=o.enum("appRecStatus", AppRecStatus),
        app_rec_error_list=tuple(_read_apprec_error(e) for e in o.array("appRecErrorList")),
    )


def read_error_message(response: httpx.Response) -> ErrorMessage | None:
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


def read_id(response: httpx.Response, what: str) -> str:
    """The id of a created message: the spec's 201 body is a JSON string in uuid format."""
    try:
        value = response.json()
    except ValueError:
        raise unexpected_answer(what, "svaret er ikke JSON") from None
    if not isinstance(value, str):
        raise unexpected_answer(what, "forventet meldingens id som en JSON-tekst")
    return api_message_id(value, unexpected=what)
