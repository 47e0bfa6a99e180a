"""Business documents at the local message server: reading a posted one, and the AppRec the server writes.

``POST /Messages`` of MSH API v2 (``msh-api-v2.json`` of the conformance material, under ``nhn/``) carries the
business document base64 in ``PostMessageRequest.businessDocument``; the spec requires UTF-8.
:func:`read_posted_document` decodes it and reads its sender and receivers: from a MsgHead the sender's
organisation and the primary and every copy receiver, each by its most specific HER-id (service-based
addressing, HIS 1153); from a bare AppRec (HIS 80415) its sender and receiver.

``POST /Messages/{id}/apprec/{appRecSenderHerId}`` makes the server write a real AppRec with
:mod:`samhandling.standards.apprec.answer` (:func:`build_receipt`): :func:`apprec_version` chooses its version from
the original's standard (HITS 1168 §8.2), and :func:`receipt_errors` maps the request's ``appRecErrorList``
to its errors (code system 8221, HIS 80415:2012 §6.3). Anything the server cannot deliver or write is a 400
``ErrorMessage``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lxml import etree

from samhandling.msh.api_models import NOT_XML, AppRecErrorBody, EbXmlInfo, PostMessageRequest
from samhandling.msh.errors import bad_request
from samhandling.msh.storage import AppRecStatus
from samhandling.msh.tokens import her_id_problem
from samhandling.standards import registry
from samhandling.standards.apprec.answer import AppRecError, build_apprec, recipients
from samhandling.standards.apprec.codes import ERROR_CODES, OID_ERROR, Code
from samhandling.standards.apprec.model import APPREC_NS_1_0, APPREC_NS_1_1, AppRec, read_apprec
from samhandling.standards.apprec.versions import apprec_version_for
from samhandling.standards.binding import BindingError
from samhandling.standards.kith import CV
from samhandling.standards.msghead import MSGHEAD_NS, MsgHead, read_msghead
from samhandling.standards.parsing import NotWellFormedError, TooLargeError, declared_encoding, parse_xml

OSLO = ZoneInfo("Europe/Oslo")  # MsgHead's GenDate without an offset is Norwegian local time
FALLBACK_APPREC_VERSION = "1.1"  # for a business document HITS 1168 §8.3 does not list
XML_CONTENT_TYPES = ("application/xml", "text/xml")
_APPREC_ROOTS = {f"{{{APPREC_NS_1_0}}}AppRec", f"{{{APPREC_NS_1_1}}}AppRec"}


# --- a posted business document ----------------------------------------------------------------------


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


# Sender, receivers, MsgId, GenDate and whether it is an AppRec, as the document says them.
_Found = tuple[str | None, list[str | None], str, datetime, bool]


def _read_msghead(root: etree._Element, overrides: EbXmlInfo | None) -> _Found:
    head = read_msghead(root, strict=False)
    organisation = head.msg_info.sender.organisation
    level1 = overrides is not None and overrides.use_sender_level1_her_id is True
    sender = organisation.her_id() if level1 else organisation.addressee_her_id()
    receivers = [recipient.her_id for recipient in recipients(head)]
    return sender, receivers, head.msg_id, head.msg_info.gen_date, False


def _read_bare_apprec(root: etree._Element) -> _Found:
    receipt = read_apprec(root, strict=False)
    return receipt.sender_her_id, [receipt.receiver_her_id], receipt.id, receipt.gen_date, True


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=OSLO)
    return moment.astimezone(UTC)


# --- the AppRec the server writes --------------------------------------------------------------------


def apprec_version(head: MsgHead) -> str:
    """The AppRec version that answers ``head``: its business document's standard decides (HITS 1168 §8.2);
    1.1 for one samhandling does not know."""
    content = head.business_document()
    standard = registry.standard_for(content) if content is not None else None
    if standard is None:
        return FALLBACK_APPREC_VERSION
    try:
        return apprec_version_for(standard.standard, standard.version)
    except LookupError:
        return FALLBACK_APPREC_VERSION


def build_receipt(
    document: bytes, *, status: AppRecStatus, errors: Sequence[AppRecError], receiver_her_id: str, at: datetime
) -> AppRec:
    """The AppRec with which the receiver ``receiver_her_id`` answers the stored MsgHead ``document``, made
    at ``at``; 400 if it cannot be made."""
    original = read_msghead(parse_xml(document), strict=False)
    try:
        return build_apprec(
            original,
            version=apprec_version(original),
            status=status.code,
            errors=errors,
            recipient_her_id=receiver_her_id,
            gen_date=at.replace(microsecond=0),
        )
    except ValueError as exc:
        raise bad_request(f"Applikasjonskvitteringen kan ikke lages: {exc}") from None


@dataclass(frozen=True)
class _ReceiptErrorEntry(AppRecError):  # noqa: N818 (an AppRec error entry, not an exception)
    """An AppRec error as a client sent it: no OT when it gave no details."""

    def cv(self) -> CV:
        return self.code.cv(self.text or None)


def receipt_errors(errors: Sequence[AppRecErrorBody]) -> list[AppRecError]:
    """The errors of ``PostAppRecRequest`` for :func:`build_receipt`: a code of "Feilmeldinger for
    applikasjonskvittering" (code system 8221, HIS 80415:2012 §6.3), or of the code system ``oid`` names."""
    found: list[AppRecError] = []
    for number, error in enumerate(errors):
        for name, text in (("errorCode", error.error_code), ("details", error.details),
                           ("description", error.description), ("oid", error.oid)):
            if text is not None and NOT_XML.search(text):
                raise bad_request(f"appRecErrorList[{number}].{name} har tegn som ikke kan stå i XML")
        value = (error.error_code or "").strip()
        if not value:
            raise bad_request(f"appRecErrorList[{number}].errorCode mangler")
        if error.oid in (None, "", OID_ERROR):
            code = ERROR_CODES.get(value)
            if code is None:
                raise bad_request(f"appRecErrorList[{number}].errorCode: ukjent feilkode «{value}» i kodeverk 8221")
        else:
            code = Code(value, error.description or value, error.oid)
        found.append(_ReceiptErrorEntry(code, (error.details or "").strip()))
    return found
