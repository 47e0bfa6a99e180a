"""The receive pipeline: raw message bytes in, the stored message and its application receipts out.

The rules come from HIS 80415 (Applikasjonskvittering) and HITS 1168 (Bruk av applikasjonskvittering):

- One AppRec per local recipient (§5.1): the primary receiver and each copy receiver this node serves, with
  the role the recipient had (PRIM/SPR or COP, §6.2), in the AppRec version coupled to the message's
  standard (§8.3), addressed back to the sender (§6.1).
- A message addressed to another organisation is not answered (§5.3); one addressed to our organisation but
  to a service or person we cannot identify (an unknown HER-id, or no HER-id and a name we do not have) was
  misdirected and is rejected with E21 (HIS 80415:2012 §3.3.4), unless the organisation chose to accept such
  messages at organisation level (the standard asks the vendor to offer that choice).
- A patient sufficiently identified (HIS 80415:2012 §3.3.4) gets a positive AppRec even when an identifier is
  missing or wrong; that problem is kept on the message as a note (E30, E31, E32).
- A message whose sender cannot be identified cannot be answered; it is stored, marked and reported.
- A duplicate (same MsgId from the same sender to the same recipient, §5.4) is not imported again; the AppRec
  already made for it is sent again (the sender evidently did not get it).
- The same MsgId with *other content* is no duplicate (§5.4 speaks of a message "som mottas på nytt"): it is
  kept beside the first as a MsgId conflict, alerted, and neither imported nor answered (see
  :func:`_record_msgid_conflict`).
- Change, cancel and addition messages (PLO Forsendelsesstatus M/C/A) are linked to their original through
  ``ConversationRef/RefToParent``; one that arrives before its original is held and linked when it comes.
- An incoming AppRec moves the outgoing message it answers (matched by OriginalMsgId and its sender).
- A test message (``ProcessingStatus`` D, HIS 80601; a line test) is answered with an AppRec like any other
  but never handed to the EPJ, and neither is the AppRec answering our own line test.

Everything a message causes is written in one unit of work: the message, its journal, its AppRecs and their
place in the outbox, all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from lxml import etree

from samhandling.domain.clock import echoed, message_time, utc_now
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage, receipt_move
from samhandling.domain.registers.parties import Parties, PartyKind
from samhandling.standards import apprec as ar
from samhandling.standards.message import to_bytes
from samhandling.standards.msghead import HealthcareProfessional, MsgHead, Organisation, her_ident, party
from samhandling.standards.parsing import parse_xml
from samhandling.standards.plo import POMeldingsanvendelse, forsendelsesstatus
from samhandling.standards.plo.v20 import Pasientlogistikk as Pasientlogistikk20
from samhandling.standards.schemas import SchemaSet
from samhandling.standards.validation import (
    PERSON_ID_TYPES,
    Finding,
    ValidationReport,
    is_test_message,
    validate_message,
)
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Inbound

SIGNATURE_FAULTS = ("S01", "S02", "S03")
"""Codes a transport reports for a signature or certificate fault (8221: feil på signatur, ugyldig og
tilbaketrukket sertifikat); the receiver rejects the message with them."""

FOLLOW_UP_STATUSES = ("M", "C", "A")
"""PLO Forsendelsesstatus values that refer to an earlier message: endring, kansellering, tillegg."""

UNKNOWN_STANDARD_APPREC_VERSION = "1.0"
"""AppRec version for a message whose standard is unknown: 1.0 is the one every partner reads."""


class Disposition(StrEnum):
    """What became of a received message, for the caller and the journal."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    HELD = "held"
    DUPLICATE = "duplicate"
    UNANSWERABLE = "unanswerable"
    RECEIPT = "receipt"
    FAILED = "failed"
    MSGID_CONFLICT = "msgid_conflict"


@dataclass(frozen=True)
class ProducedAppRec:
    """An AppRec the node made (or made earlier, for a duplicate) for one local recipient."""

    to_her_id: str
    from_her_id: str
    role: str
    status: str
    errors: tuple[str, ...]
    version: str
    msg_id: str
    raw: bytes
    stored_id: int


@dataclass
class Reception:
    """The outcome of receiving one message."""

    msg_id: str | None
    msg_type: str | None
    disposition: Disposition
    errors: list[str] = field(default_factory=list)
    """The AppRec error codes found in the message (including warnings that did not reject it)."""
    apprecs: list[ProducedAppRec] = field(default_factory=list)
    stored_ids: list[int] = field(default_factory=list)
    linked_to: str | None = None
    reason: str = ""
    """Why the message could not be answered, or what a receipt matched; Norwegian, without patient data."""
    notes: list[Finding] = field(default_factory=list)
    """What was found but did not reject the message (HIS 80415:2012 §3.3.4), kept on the stored message."""

    @property
    def duplicate(self) -> bool:
        return self.disposition is Disposition.DUPLICATE


@dataclass(frozen=True)
class _Recipient:
    her_id: str
    """The local party that answers (and whose copy is stored): as addressed, or the organisation level."""
    misdirected: bool  # addressed to our organisation, but to a service or person we do not serve
    addressee: str = ""
    """The HER-id as the message addresses this recipient (what the AppRec mirrors); default ``her_id``."""
    unit: str = ""
    """The service or person we could not identify, in Norwegian (for E21 or the note), else empty."""

    @property
    def addressed_as(self) -> str:
        return self.addressee or self.her_id


@dataclass(frozen=True)
class ReceiveOptions:
    schemas: SchemaSet | None
    max_bytes: int
    unknown_patient_rejects: bool = True
    """E35: reject a message about a patient not in the recipient's patient directory (else only note it)."""
    test_environment: bool = False
    """Judge by a test environment: NHN's synthetic test persons are valid identifiers (SAMHANDLING_ENVIRONMENT)."""
    unknown_service_accepted: bool = False
    """HIS 80415:2012 §3.3.4, E21: "Leverandøren av fagsystemet skal tilby sine kunder en mulighet for å velge om
    negativ applikasjonskvittering skal sendes etter denne regelen." False rejects a message to a service or
    person of our organisation that we cannot identify; True accepts it at organisation level."""


def receive_message(
    data: bytes,
    uow: UnitOfWork,
    options: ReceiveOptions,
    *,
    transport_faults: Sequence[str] = (),
    transport_ref: str | None = None,
    origin: Inbound | None = None,
    now: datetime | None = None,
) -> Reception:
    """Run the receive pipeline on one message and commit what it produced.

    ``transport_ref`` is the transport's id of the message, kept so that the AppRec can answer by it;
    ``origin`` what the transport knows of it besides (its sender and MsgId, for a message whose header cannot
    be read).
    """
    at = now or utc_now()
    report = validate_message(data, schemas=options.schemas, max_bytes=options.max_bytes,
                              test_environment=options.test_environment)
    with uow:
        if isinstance(report.document, ar.AppRec):
            result = _receive_apprec(data, report.document, report, uow, at, transport_ref)
        else:
            result = _receive_business_message(data, report, uow, options, transport_faults, at, transport_ref,
                                                origin)
        uow.commit()
    return result


def receive_inbound(inbound: Inbound, uow: UnitOfWork, options: ReceiveOptions, *, now: datetime | None = None
                    ) -> Reception:
    """:func:`receive_message` for what a transport delivered."""
    return receive_message(inbound.payload, uow, options, transport_faults=inbound.faults,
                           transport_ref=inbound.reference, origin=inbound, now=now)


def store_unprocessable(data: bytes, uow: UnitOfWork, reason: str, *, origin: Inbound | None = None,
                        now: datetime | None = None) -> Reception:
    """Keep a message the pipeline failed on (a fault of ours, not of the message), exactly as it came.

    It is stored as :attr:`MessageState.FAILED` with ``reason`` (one line, without patient data) in its journal,
    under the key fields that can still be read (from its header, else from the transport), so that the node can
    take it off the transport, go on with what comes after it, and the monitoring can tell a person. No AppRec
    is made: whether the message is fine is exactly what the node could not find out.
    """
    at = now or utc_now()
    head = _lenient_head(data)
    transport_ref = origin.reference if origin is not None else None
    with uow:
        stored = uow.messages.add(StoredMessage(
            direction=Direction.INCOMING,
            msg_id=(head.msg_id if head is not None else (origin.msg_id if origin is not None else None)) or "",
            msg_type=(head.msg_type if head is not None else "") or "",
            standard="",
            sender_her_id=(head.msg_info.sender.organisation.addressee_her_id() if head is not None
                           else (origin.sender_her_id if origin is not None else None)),
            receiver_her_ids=_receiver_her_ids(head) if head is not None else (),
            recipient_her_id=origin.recipient_her_id if origin is not None else (
                head.msg_info.receiver.organisation.addressee_her_id() if head is not None else None),
            patient_ref=_patient_ref(head) if head is not None else None,
            state=MessageState.RECEIVED,
            raw=data,
            created_at=at,
            updated_at=at,
            transport_ref=transport_ref,
        ), detail="Mottatt.")
        assert stored.id is not None
        uow.messages.update_state(stored.id, MessageState.FAILED, at=at,
                                  detail=f"Kunne ikke behandles: {reason}")
        uow.commit()
    return Reception(msg_id=stored.msg_id or None, msg_type=stored.msg_type or None, disposition=Disposition.FAILED,
                     stored_ids=[stored.id], reason=reason)


def _lenient_head(data: bytes) -> MsgHead | None:
    """The header as far as it reads, for a message the pipeline failed on; None when not even that works."""
    try:
        return validate_message(data, schemas=None, max_bytes=len(data) + 1).head
    except Exception:  # the pipeline already failed on this message; its header is a bonus
        return None


# --- business messages ----------------------------------------------------------------------------------

def _receive_business_message(
    data: bytes,
    report: ValidationReport,
    uow: UnitOfWork,
    options: ReceiveOptions,
    transport_faults: Sequence[str],
    at: datetime,
    transport_ref: str | None,
    origin: Inbound | None = None,
) -> Reception:
    head = report.head
    codes = [*report.codes, *(f for f in transport_faults if f not in report.codes)]
    if head is None:
        if _answerable_by_transport(origin, uow.parties.all()):
            assert origin is not None
            return _answer_unreadable(data, report, codes, origin, uow, at)
        return _unanswerable(data, uow, report, codes, at, transport_ref,
                             "Meldingen kan ikke tolkes, så avsender er ukjent.")
    sender = head.msg_info.sender.organisation.addressee_her_id()
    if sender is None:
        return _unanswerable(data, uow, report, codes, at, transport_ref,
                             "Avsender har ingen HER-id og kan ikke få kvittering.")
    recipients = _local_recipients(head, uow.parties.all(), accept_unknown=options.unknown_service_accepted)
    if not recipients:
        return _unanswerable(data, uow, report, codes, at, transport_ref,
                             "Meldingen er ikke adressert til en part denne noden betjener (HITS 1168 §5.3).")

    result = Reception(msg_id=head.msg_id, msg_type=head.msg_type, disposition=Disposition.ACCEPTED, errors=codes)
    for recipient in recipients:
        existing = uow.messages.get_by_key(head.msg_id, sender, recipient.her_id, Direction.INCOMING)
        if existing is not None:
            if same_content(existing.raw, data):
                _answer_duplicate(existing, recipient, uow, result, at)
            else:
                _record_msgid_conflict(data, head, report, existing, recipient, uow, result, at, transport_ref)
            continue
        _receive_for(data, head, report, recipient, sender, codes, uow, options, result, at, transport_ref)
    return result


def _local_recipients(head: MsgHead, parties: Parties, *, accept_unknown: bool = False) -> list[_Recipient]:
    """The recipients this node answers for: the primary receiver first, then copy receivers."""
    addressed: list[Organisation] = [head.msg_info.receiver.organisation]
    addressed += [r.organisation for r in head.msg_info.other_receiver if r.organisation is not None]
    found: list[_Recipient] = []
    for organisation in addressed:
        recipient = _recipient_for(organisation, parties, accept_unknown)
        if recipient is None or any(r.her_id == recipient.her_id for r in found):
            continue
        found.append(recipient)
    return found


def _recipient_for(organisation: Organisation, parties: Parties, accept_unknown: bool) -> _Recipient | None:
    """Who of ours ``organisation`` (a Receiver or OtherReceiver as MsgHead names it) is, or None if not ours.

    Service-based addressing (HIS 1153) names the organisation and then the service or person within it. The
    deepest level we serve is the anchor; every level named below it must be one of ours too: by its HER-id, or,
    when it carries none (only a local ``LOK`` identifier, say), by its name among the anchor's parties. A level
    we cannot identify makes the message misdirected: "Det KAN returneres negativ applikasjonskvittering hvis
    mottakende tjeneste ikke kan identifiseres som registrert tjeneste ved organisasjonen. Dersom meldingen
    avvises skal feilkode E21 Mottaker finnes ikke fra kodeverk 8221 benyttes." (HIS 80415:2012 §3.3.4).
    """
    levels = _addressed_levels(organisation)
    served = [n for n, (_, her_id) in enumerate(levels) if her_id and parties.is_served_locally(her_id)]
    if not served:
        return None
    anchor_index = served[-1]
    anchor = levels[anchor_index][1] or ""
    addressee = organisation.addressee_her_id() or anchor
    for name, her_id in levels[anchor_index + 1:]:
        if her_id is None:
            match = next((p for p in parties.children(anchor) if p.name.strip().casefold() == name.casefold()),
                         None)
            if match is not None:
                anchor = match.her_id
                continue
            unit = f"«{name}» (uten HER-id)" if name else "en enhet uten navn og HER-id"
        else:
            unit = f"HER-id {her_id}"
        if accept_unknown:
            return _Recipient(anchor, misdirected=False, addressee=addressee, unit=unit)
        return _Recipient(addressee if her_id is not None else anchor, misdirected=True, addressee=addressee,
                          unit=unit)
    return _Recipient(anchor, misdirected=False, addressee=addressee)


def _addressed_levels(organisation: Organisation) -> list[tuple[str, str | None]]:
    """Name and HER-id of each level MsgHead names, from the organisation down to the service and the person."""
    levels: list[tuple[str, str | None]] = []
    level: Organisation | None = organisation
    while level is not None:
        levels.append(((level.organisation_name or "").strip(), level.her_id()))
        person = level.healthcare_professional
        if person is not None:
            name = " ".join(p.strip() for p in (person.given_name, person.middle_name, person.family_name)
                            if p and p.strip())
            levels.append((name, person.her_id()))
        level = level.organisation
    return levels


def _receive_for(
    data: bytes,
    head: MsgHead,
    report: ValidationReport,
    recipient: _Recipient,
    sender: str,
    codes: list[str],
    uow: UnitOfWork,
    options: ReceiveOptions,
    result: Reception,
    at: datetime,
    transport_ref: str | None,
) -> None:
    findings = list(report.findings)
    findings += [Finding(code, "/", _TRANSPORT_FAULTS.get(code, "Transporten meldte feil på signatur eller "
                                                                 "sertifikat.")) for code in codes
                 if code in SIGNATURE_FAULTS]
    warnings: list[Finding] = list(report.notes)
    if recipient.misdirected:
        findings.append(Finding("E21", "/MsgHead/MsgInfo/Receiver",
                                f"Mottaker finnes ikke: {recipient.unit} er ikke en tjeneste eller person hos oss. "
                                "Meldingen er feiladressert (HIS 80415:2012 §3.3.4)."))
    elif recipient.unit:
        warnings.append(Finding("E21", "/MsgHead/MsgInfo/Receiver",
                                f"Mottaker finnes ikke: {recipient.unit} er ikke en tjeneste eller person hos oss; "
                                f"tatt imot på organisasjonsnivå (HER-id {recipient.her_id}) etter innstillingen."))
    patient_id = _patient_ref(head)
    if patient_id is not None and _patient_known(uow, recipient.her_id, patient_id) is False:
        unknown = Finding("E35", "/MsgHead/MsgInfo/Patient",
                          "Pasienten finnes ikke i mottakersystemet (ikke i pasientregisteret til mottakeren).")
        (findings if options.unknown_patient_rejects else warnings).append(unknown)
    rejecting = [f for f in findings if f.code in ar.ERROR_CODES]
    info = head.msg_info
    parent_ref = info.conversation_ref.ref_to_parent if info.conversation_ref else None
    follows_up = _forsendelsesstatus(report) in FOLLOW_UP_STATUSES and bool(parent_ref)
    stored = uow.messages.add(StoredMessage(
        direction=Direction.INCOMING,
        msg_id=head.msg_id,
        msg_type=head.msg_type,
        standard=report.standard.label if report.standard is not None else "",
        sender_her_id=sender,
        receiver_her_ids=_receiver_her_ids(head),
        recipient_her_id=recipient.her_id,
        conversation_ref=info.conversation_ref.ref_to_conversation if info.conversation_ref else None,
        parent_ref=parent_ref,
        patient_ref=_patient_ref(head),
        state=MessageState.RECEIVED,
        raw=data,
        created_at=at,
        updated_at=at,
        linked_to_msg_id=parent_ref if follows_up else None,
        transport_ref=transport_ref,
    ), detail="Mottatt.")
    assert stored.id is not None
    result.stored_ids.append(stored.id)
    found_codes = list(dict.fromkeys(f.code for f in [*findings, *warnings]))
    for code in found_codes:
        if code not in result.errors:
            result.errors.append(code)
    result.notes.extend(w for w in warnings if w not in result.notes)

    if rejecting:
        uow.messages.update_state(stored.id, MessageState.REJECTED, error_codes=found_codes, at=at,
                                  detail="Avvist: " + ", ".join(found_codes))
        result.disposition = Disposition.REJECTED
    else:
        _accept_or_hold(stored, uow, result, at, warnings=found_codes, notes=warnings)
        if is_test_message(head):  # answered below, but not for the EPJ: counts as handed over
            uow.handover.mark(stored.id, at=at)

    _make_apprec(head, report, recipient, rejecting, uow, result, at)


_TRANSPORT_FAULTS = {
    "S01": "Transporten meldte feil på signaturen.",
    "S02": "Transporten meldte ugyldig sertifikat.",
    "S03": "Transporten meldte tilbaketrukket sertifikat.",
}


def _accept_or_hold(stored: StoredMessage, uow: UnitOfWork, result: Reception, at: datetime,
                    warnings: list[str], notes: Sequence[Finding] = ()) -> None:
    """Accept the message; a follow-up whose original has not come is held (it is linked either way).

    ``warnings`` are codes noted without rejecting (E35 when the setting says so, E30/E31/E32 for a patient
    sufficiently identified otherwise); they are kept with it, and ``notes`` say what each one is.
    """
    assert stored.id is not None
    note = f" Merknad: {', '.join(warnings)}." if warnings else ""
    if notes:
        note = " Merknad (avviser ikke): " + " ".join(str(n) for n in _one_per_code(list(notes)))
    if stored.linked_to_msg_id is not None:
        original = uow.messages.get_by_key(stored.linked_to_msg_id, stored.sender_her_id, stored.recipient_her_id,
                                           Direction.INCOMING)
        if original is None or original.state is MessageState.HELD:
            # The message it refers to has not come, or is itself waiting for its own original.
            uow.messages.update_state(stored.id, MessageState.HELD, at=at, error_codes=warnings,
                                      detail="Holdt tilbake til meldingen den viser til, kommer." + note)
            result.disposition = Disposition.HELD
            return
        result.linked_to = original.msg_id
    uow.messages.update_state(stored.id, MessageState.ACCEPTED, at=at, error_codes=warnings,
                              detail="Godtatt." + note)
    _release_held(stored, uow, at)


def _release_held(original: StoredMessage, uow: UnitOfWork, at: datetime) -> None:
    """Follow-up messages that came before ``original`` are linked to it now."""
    waiting = uow.messages.list(MessageQuery(direction=Direction.INCOMING, states=frozenset({MessageState.HELD}),
                                             linked_to_msg_id=original.msg_id, limit=None, oldest_first=True))
    for held in waiting:
        if held.id is not None and (held.sender_her_id, held.recipient_her_id) == (
                original.sender_her_id, original.recipient_her_id):
            released = uow.messages.update_state(held.id, MessageState.ACCEPTED, at=at,
                                                 detail="Meldingen den viser til, er kommet; knyttet til den.")
            _release_held(released, uow, at)


def _forsendelsesstatus(report: ValidationReport) -> str | None:
    if isinstance(report.document, POMeldingsanvendelse | Pasientlogistikk20):
        return forsendelsesstatus(report.document)
    return None


def _make_apprec(head: MsgHead, report: ValidationReport, recipient: _Recipient, rejecting: list[Finding],
                 uow: UnitOfWork, result: Reception, at: datetime) -> None:
    version = _apprec_version(report)
    errors = [ar.AppRecError(ar.ERROR_CODES[f.code], f"{f.path}: {f.text}") for f in _one_per_code(rejecting)]
    status = ar.STATUS_REJECTED.value if errors else ar.STATUS_OK.value
    receipt = ar.build_apprec(head, version=version, status=status, errors=errors,
                              recipient_her_id=recipient.addressed_as, gen_date=message_time(at))
    sender = head.msg_info.sender.organisation.addressee_her_id() or ""
    _store_apprec(receipt, version, head.msg_id, recipient.her_id, sender, tuple(e.code.value for e in errors),
                  status, uow, result, at)


def _store_apprec(receipt: ar.AppRec, version: str, original_msg_id: str, from_her_id: str, to_her_id: str,
                  codes: tuple[str, ...], status: str, uow: UnitOfWork, result: Reception, at: datetime) -> None:
    """Store the AppRec ``from_her_id`` sends ``to_her_id`` and put it in the outbox."""
    raw = to_bytes(ar.write_apprec(receipt))
    stored = uow.messages.add(StoredMessage(
        direction=Direction.OUTGOING,
        msg_id=receipt.id,
        msg_type="APPREC",
        standard=f"AppRec {version}",
        sender_her_id=from_her_id,
        receiver_her_ids=(to_her_id,),
        recipient_her_id=to_her_id,
        state=MessageState.QUEUED,
        raw=raw,
        created_at=at,
        updated_at=at,
        is_apprec=True,
        original_msg_id=original_msg_id,
        error_codes=codes,
    ), detail="Applikasjonskvittering laget.")
    assert stored.id is not None
    uow.outbox.enqueue(stored.id, at=at)
    result.apprecs.append(ProducedAppRec(
        to_her_id=to_her_id, from_her_id=from_her_id, role=_role_of(receipt), status=status, errors=codes,
        version=version, msg_id=stored.msg_id, raw=raw, stored_id=stored.id,
    ))


def _role_of(receipt: ar.AppRec) -> str:
    """The role the answering recipient has in the AppRec (PRIM/SPR/REQ or COP)."""
    return (receipt.sender.role.v or "") if receipt.sender.role is not None else ""


def _one_per_code(findings: list[Finding]) -> list[Finding]:
    """The first finding of each code: an AppRec names each error once, with where it was first found."""
    seen: dict[str, Finding] = {}
    for finding in findings:
        seen.setdefault(finding.code, finding)
    return list(seen.values())


def _apprec_version(report: ValidationReport) -> str:
    if report.standard is None:
        return UNKNOWN_STANDARD_APPREC_VERSION
    try:
        return ar.apprec_version_for(report.standard.standard, report.standard.version)
    except LookupError:
        return UNKNOWN_STANDARD_APPREC_VERSION


def _answer_duplicate(existing: StoredMessage, recipient: _Recipient, uow: UnitOfWork, result: Reception,
                      at: datetime) -> None:
    """Send the AppRec made for the first copy again; import nothing (HITS 1168 §5.4)."""
    result.disposition = Disposition.DUPLICATE
    if existing.id is not None:
        result.stored_ids.append(existing.id)
    result.errors = list(existing.error_codes) or result.errors
    sent = [a for a in uow.messages.apprecs_for(existing.msg_id, direction=Direction.OUTGOING)
            if a.sender_her_id == recipient.her_id and a.recipient_her_id == existing.sender_her_id]
    if not sent:
        return
    receipt = sent[0]
    assert receipt.id is not None
    uow.outbox.enqueue(receipt.id, at=at)
    parsed = ar.read_apprec(parse_xml(receipt.raw), strict=False)
    result.apprecs.append(ProducedAppRec(
        to_her_id=receipt.recipient_her_id or "", from_her_id=recipient.her_id, role=_role_of(parsed),
        status=parsed.status_code or "", errors=tuple(parsed.error_codes), version=parsed.version,
        msg_id=receipt.msg_id, raw=receipt.raw, stored_id=receipt.id,
    ))


def same_content(first: bytes, second: bytes) -> bool:
    """Whether two copies of a message are the same message: the same bytes, or the same XML once both are
    canonicalised (another encoding, declaration or attribute order is the same message sent again)."""
    if first == second:
        return True
    try:
        return _canonical(first) == _canonical(second)
    except Exception:  # a copy that does not even parse is not the same message as one that does
        return False


def _canonical(data: bytes) -> str:
    """Canonical XML (C14N 2.0) of a message, for comparing two copies of it."""
    return str(etree.canonicalize(etree.tostring(parse_xml(data), encoding="unicode")))


def _record_msgid_conflict(data: bytes, head: MsgHead, report: ValidationReport, first: StoredMessage,
                           recipient: _Recipient, uow: UnitOfWork, result: Reception, at: datetime,
                           transport_ref: str | None) -> None:
    """A MsgId we already stored from this sender to this recipient, with other content.

    HITS 1168 §5.4 defines a duplicate as a message "som mottas på nytt med samme meldingsidentifikator": the
    same message again. Different content under the same MsgId is another message, so it is not silently taken
    as the first: its bytes are kept beside the first (:attr:`MessageState.MSGID_CONFLICT`, pointing at it), both
    journals name the other, and the monitoring alerts meldingsansvarlig.

    What goes back: no AppRec. The sender matches AppRecs by MsgId and already has (or will get) the one made for
    the first message; HITS 1168 §5.1: "Det skal ikke under noen omstendighet sendes en ny applikasjonskvittering
    på samme fagmelding med samme eller annen status enn den opprinnelige", and an AppRec for the second content
    would carry the same OriginalMsgId. The sender is told "gjennom avviksrutiner" (ibid.; HIS 80415:2012 §3.2
    point 7: "telefon eller på annen måte"), which the alert asks for; the new content is never imported.
    A copy of the conflicting message that arrives again is a duplicate of it and changes nothing.
    """
    assert first.id is not None
    earlier = [m for m in uow.messages.list(MessageQuery(direction=Direction.INCOMING, msg_id=head.msg_id,
                                                         states=frozenset({MessageState.MSGID_CONFLICT}),
                                                         limit=None))
               if m.conflicts_with == first.id and same_content(m.raw, data)]
    result.disposition = Disposition.MSGID_CONFLICT
    result.reason = (f"MsgId brukt om igjen med annet innhold enn melding {first.id}; ikke tatt inn og ikke "
                     "kvittert (HITS 1168 §5.1, §5.4).")
    if earlier:
        result.stored_ids.append(earlier[0].id or 0)
        return
    info = head.msg_info
    stored = uow.messages.add(StoredMessage(
        direction=Direction.INCOMING, msg_id=head.msg_id, msg_type=head.msg_type,
        standard=report.standard.label if report.standard is not None else "",
        sender_her_id=first.sender_her_id, receiver_her_ids=_receiver_her_ids(head),
        recipient_her_id=recipient.her_id,
        conversation_ref=info.conversation_ref.ref_to_conversation if info.conversation_ref else None,
        parent_ref=info.conversation_ref.ref_to_parent if info.conversation_ref else None,
        patient_ref=_patient_ref(head), state=MessageState.RECEIVED, raw=data, created_at=at, updated_at=at,
        transport_ref=transport_ref, conflicts_with=first.id,
    ), detail="Mottatt.")
    assert stored.id is not None
    uow.messages.update_state(stored.id, MessageState.MSGID_CONFLICT, at=at, error_codes=report.codes,
                              detail=f"MsgId brukt om igjen med annet innhold: melding {first.id} har samme MsgId "
                                     "fra samme avsender. Ikke tatt inn og ikke kvittert; avsenderen må sende "
                                     "på nytt med ny MsgId.")
    uow.messages.note(first.id, f"En annen melding (melding {stored.id}) kom med samme MsgId og annet innhold; "
                                "denne meldingen gjelder fortsatt.", at=at)
    result.stored_ids.append(stored.id)


def _unanswerable(data: bytes, uow: UnitOfWork, report: ValidationReport, codes: list[str], at: datetime,
                  transport_ref: str | None, reason: str) -> Reception:
    head = report.head
    stored = uow.messages.add(StoredMessage(
        direction=Direction.INCOMING,
        msg_id=head.msg_id if head is not None else "",
        msg_type=(head.msg_type if head is not None else report.msg_type) or "",
        standard=report.standard.label if report.standard is not None else "",
        sender_her_id=head.msg_info.sender.organisation.addressee_her_id() if head is not None else None,
        receiver_her_ids=_receiver_her_ids(head) if head is not None else (),
        recipient_her_id=head.msg_info.receiver.organisation.addressee_her_id() if head is not None else None,
        patient_ref=_patient_ref(head) if head is not None else None,
        state=MessageState.RECEIVED,
        raw=data,
        created_at=at,
        updated_at=at,
        transport_ref=transport_ref,
    ), detail="Mottatt.")
    assert stored.id is not None
    uow.messages.update_state(stored.id, MessageState.UNANSWERABLE, error_codes=codes, detail=reason, at=at)
    return Reception(msg_id=head.msg_id if head is not None else None, msg_type=stored.msg_type or None,
                     disposition=Disposition.UNANSWERABLE, errors=codes, stored_ids=[stored.id], reason=reason)


def _answerable_by_transport(origin: Inbound | None, parties: Parties) -> bool:
    """Whether the transport tells enough to answer a message whose header cannot be read: who sent it, its
    MsgId, and a recipient this node serves."""
    return (origin is not None and bool(origin.sender_her_id) and bool(origin.msg_id)
            and parties.is_served_locally(origin.recipient_her_id))


def _answer_unreadable(data: bytes, report: ValidationReport, codes: list[str], origin: Inbound, uow: UnitOfWork,
                       at: datetime) -> Reception:
    """A message whose MsgHead cannot be read, from a sender the transport names: stored as rejected and
    answered with a negative AppRec (T01, T99 or T10) built from what the transport knows (HIS 80415:2012
    §3.3.4)."""
    sender, msg_id = origin.sender_her_id or "", origin.msg_id or ""
    parties = uow.parties.all()
    stored = uow.messages.add(StoredMessage(
        direction=Direction.INCOMING, msg_id=msg_id, msg_type=report.msg_type or "",
        standard=report.standard.label if report.standard is not None else "",
        sender_her_id=sender, receiver_her_ids=(origin.recipient_her_id,), recipient_her_id=origin.recipient_her_id,
        state=MessageState.RECEIVED, raw=data, created_at=at, updated_at=at, transport_ref=origin.reference,
    ), detail="Mottatt; hodemeldingen kan ikke leses, avsender og MsgId er transportens.")
    assert stored.id is not None
    rejecting = [f for f in report.findings if f.code in ar.ERROR_CODES] or [
        Finding("T01", "/", "Meldingen kan ikke leses.")]
    found_codes = list(dict.fromkeys([*(f.code for f in rejecting), *codes]))
    uow.messages.update_state(stored.id, MessageState.REJECTED, error_codes=found_codes, at=at,
                              detail="Avvist: " + ", ".join(found_codes))
    errors = [ar.AppRecError(ar.ERROR_CODES[f.code], f"{f.path}: {f.text}") for f in _one_per_code(rejecting)]
    receipt = ar.build_apprec_for_unreadable(
        version=UNKNOWN_STANDARD_APPREC_VERSION, errors=errors,
        answering=_organisation(parties, origin.recipient_her_id), original_sender=_organisation(parties, sender),
        original_msg_id=msg_id, original_issued=echoed(origin.issued_at or at),
        gen_date=message_time(at))
    result = Reception(msg_id=msg_id, msg_type=report.msg_type, disposition=Disposition.REJECTED,
                       errors=found_codes, stored_ids=[stored.id])
    _store_apprec(receipt, UNKNOWN_STANDARD_APPREC_VERSION, msg_id, origin.recipient_her_id, sender,
                  tuple(e.code.value for e in errors), ar.STATUS_REJECTED.value, uow, result, at)
    return result


def _organisation(parties: Parties, her_id: str) -> Organisation:
    """``her_id`` as MsgHead would address it: the organisation, with the service or person under it, named as the
    register names them (an unknown party by its HER-id alone)."""
    chain = parties.path(her_id)
    if not chain:
        return party(f"HER-id {her_id}", her_id)
    person = None
    if chain[-1].kind is PartyKind.PERSON and len(chain) > 1:
        leaf = chain.pop()
        person = HealthcareProfessional(family_name=leaf.name, ident=[her_ident(leaf.her_id)])
    nested: Organisation | None = None
    for level in reversed(chain):
        nested = party(level.name, level.her_id, service=nested)
        if person is not None:
            nested.healthcare_professional, person = person, None
    assert nested is not None
    return nested


def _patient_known(uow: UnitOfWork, her_id: str, patient_id: str) -> bool | None:
    """Whether the recipient's patient directory knows the patient: the nearest level that keeps a directory
    answers (a ward without one is covered by its organisation's); None when no level keeps one."""
    parties = uow.parties.all()
    for level in [her_id, *(p.her_id for p in parties.ancestors(her_id))]:
        known = uow.patients.known(level, patient_id)
        if known is not None:
            return known
    return None


def _receiver_her_ids(head: MsgHead) -> tuple[str, ...]:
    info = head.msg_info
    ids = [info.receiver.organisation.addressee_her_id()]
    ids += [r.organisation.addressee_her_id() for r in info.other_receiver if r.organisation is not None]
    return tuple(i for i in ids if i)


def _patient_ref(head: MsgHead) -> str | None:
    patient = head.msg_info.patient
    if patient is None:
        return None
    ident = patient.ident_of(*PERSON_ID_TYPES) or (patient.ident[0] if patient.ident else None)
    return ident.id.strip() if ident is not None else None


# --- receipts -------------------------------------------------------------------------------------------

def _receive_apprec(data: bytes, receipt: ar.AppRec, report: ValidationReport, uow: UnitOfWork,
                    at: datetime, transport_ref: str | None) -> Reception:
    """An AppRec answering something we sent: move that message to receipt OK or rejected."""
    original = receipt.original_id
    sender = receipt.sender_her_id
    result = Reception(msg_id=receipt.id, msg_type="APPREC", disposition=Disposition.RECEIPT,
                       errors=list(receipt.error_codes), linked_to=original)
    existing = uow.messages.get_by_key(receipt.id, sender, receipt.receiver_her_id, Direction.INCOMING)
    if existing is not None:
        result.disposition = Disposition.DUPLICATE
        result.stored_ids.append(existing.id or 0)
        return result
    stored = uow.messages.add(StoredMessage(
        direction=Direction.INCOMING, msg_id=receipt.id, msg_type="APPREC",
        standard=report.standard.label if report.standard is not None else "AppRec",
        sender_her_id=sender, receiver_her_ids=tuple(i for i in (receipt.receiver_her_id,) if i),
        recipient_her_id=receipt.receiver_her_id, state=MessageState.RECEIVED, raw=data, created_at=at,
        updated_at=at, is_apprec=True, original_msg_id=original, error_codes=tuple(receipt.error_codes),
        transport_ref=transport_ref,
    ), detail="Applikasjonskvittering mottatt.")
    assert stored.id is not None
    result.stored_ids.append(stored.id)
    targets = uow.messages.find_apprec_targets(original or "", apprec_sender_her_id=sender) if original else []
    if not targets:
        result.reason = "Kvitteringen svarer ikke på noen melding vi har sendt."
        uow.messages.update_state(stored.id, MessageState.REJECTED, detail=result.reason, at=at,
                                  error_codes=list(receipt.error_codes))
        return result
    state = MessageState.RECEIPT_REJECTED if receipt.rejected else MessageState.RECEIPT_OK
    detail = ("Negativ applikasjonskvittering: " + ", ".join(receipt.error_codes) if receipt.rejected
              else "Positiv applikasjonskvittering.")
    conflicts = 0
    for target in targets:
        assert target.id is not None
        move = receipt_move(target.state, state)
        if move:
            uow.messages.update_state(target.id, state, detail=detail, error_codes=list(receipt.error_codes), at=at)
        elif move is None:  # the message has the other receipt already: the first one stands (HITS 1168 §5.1)
            conflicts += 1
            uow.messages.record_receipt_conflict(target.id, conflict_text(target, state, receipt.error_codes,
                                                                          "applikasjonskvitteringen"), at=at)
        # move is False: the transport's status told us this receipt already; nothing changes
    link = "Knyttet til sendt melding." if not conflicts else (
        "Knyttet til sendt melding, men motstrider kvitteringen den alt har; den første kvitteringen gjelder.")
    uow.messages.update_state(stored.id, MessageState.ACCEPTED, detail=link, at=at)
    if all(uow.monitor.is_line_test(t.id or 0) for t in targets):  # our own line test: not for the EPJ
        uow.handover.mark(stored.id, at=at)
    result.reason = f"Kvittering på {len(targets)} sendt(e) melding(er)."
    if conflicts:
        result.reason += f" {conflicts} av dem hadde alt en annen kvittering (konflikt)."
    return result


def conflict_text(message: StoredMessage, learned: MessageState, codes: Sequence[str], source: str) -> str:
    """The journal's words for a receipt that contradicts the one ``message`` has."""
    said = f"«{learned.label}»" + (f" ({', '.join(codes)})" if codes else "")
    has = f"«{message.state.label}»" + (f" ({', '.join(message.error_codes)})" if message.error_codes else "")
    return (f"Motstridende kvittering: {source} sier {said}, men meldingen har alt {has}. Den første "
            "kvitteringen gjelder; finn ut med mottakeren hvilken som er riktig.")
