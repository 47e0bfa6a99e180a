"""Receiving a business message (anything but an AppRec): find the local recipients, check the message for each,
store it, accept, hold or reject it and make its AppRecs.

- A patient sufficiently identified (HIS 80415:2012 §3.3.4) gets a positive AppRec even when an identifier is
  missing or wrong; that problem is kept on the message as a note (E30, E31, E32).
- A message whose sender cannot be identified cannot be answered; it is stored, marked and reported. One whose
  header cannot be read is answered from what the transport knows of it, when that is enough.
- Change, cancel and addition messages (PLO Forsendelsesstatus M/C/A) are linked to their original through
  ``ConversationRef/RefToParent``; one that arrives before its original is held and linked when it comes.
- A test message (``ProcessingStatus`` D, HIS 80601; a line test) is answered with an AppRec like any other
  but never handed to the EPJ.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from samhandling.domain.clock import echoed, message_time
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.messaging.parties import Parties
from samhandling.services.messaging.addressing import Recipient, local_recipients, organisation_for, receiver_her_ids
from samhandling.services.messaging.apprecs import (
    UNKNOWN_STANDARD_APPREC_VERSION,
    make_apprec,
    one_per_code,
    store_apprec,
)
from samhandling.services.messaging.duplicates import answer_duplicate, record_msgid_conflict, same_content
from samhandling.services.messaging.patient_identification import patient_known, patient_ref
from samhandling.services.messaging.reception import Disposition, ReceiveOptions, Reception
from samhandling.standards.apprec.answer import AppRecError, build_apprec_for_unreadable
from samhandling.standards.apprec.codes import ERROR_CODES, STATUS_REJECTED
from samhandling.standards.msghead import MsgHead
from samhandling.standards.plo import POMeldingsanvendelse, forsendelsesstatus
from samhandling.standards.plo.v20 import Pasientlogistikk as Pasientlogistikk20
from samhandling.standards.validation import Finding, ValidationReport, is_test_message
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Inbound

SIGNATURE_FAULTS = ("S01", "S02", "S03")
"""Codes a transport reports for a signature or certificate fault (8221: feil på signatur, ugyldig og
tilbaketrukket sertifikat); the receiver rejects the message with them."""

FOLLOW_UP_STATUSES = ("M", "C", "A")
"""PLO Forsendelsesstatus values that refer to an earlier message: endring, kansellering, tillegg."""


def receive_business_message(
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
    recipients = local_recipients(head, uow.parties.all(), accept_unknown=options.unknown_service_accepted)
    if not recipients:
        return _unanswerable(data, uow, report, codes, at, transport_ref,
                             "Meldingen er ikke adressert til en part denne noden betjener (HITS 1168 §5.3).")

    result = Reception(msg_id=head.msg_id, msg_type=head.msg_type, disposition=Disposition.ACCEPTED, errors=codes)
    for recipient in recipients:
        existing = uow.messages.get_by_key(head.msg_id, sender, recipient.her_id, Direction.INCOMING)
        if existing is not None:
            if same_content(existing.raw, data):
                answer_duplicate(existing, recipient, uow, result, at)
            else:
                record_msgid_conflict(data, head, report, existing, recipient, uow, result, at, transport_ref)
            continue
        _receive_for(data, head, report, recipient, sender, codes, uow, options, result, at, transport_ref)
    return result


def _receive_for(
    data: bytes,
    head: MsgHead,
    report: ValidationReport,
    recipient: Recipient,
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
    patient_id = patient_ref(head)
    if patient_id is not None and patient_known(uow, recipient.her_id, patient_id) is False:
        unknown = Finding("E35", "/MsgHead/MsgInfo/Patient",
                          "Pasienten finnes ikke i mottakersystemet (ikke i pasientregisteret til mottakeren).")
        (findings if options.unknown_patient_rejects else warnings).append(unknown)
    rejecting = [f for f in findings if f.code in ERROR_CODES]
    info = head.msg_info
    parent_ref = info.conversation_ref.ref_to_parent if info.conversation_ref else None
    follows_up = _forsendelsesstatus(report) in FOLLOW_UP_STATUSES and bool(parent_ref)
    stored = uow.messages.add(StoredMessage(
        direction=Direction.INCOMING,
        msg_id=head.msg_id,
        msg_type=head.msg_type,
        standard=report.standard.label if report.standard is not None else "",
        sender_her_id=sender,
        receiver_her_ids=receiver_her_ids(head),
        recipient_her_id=recipient.her_id,
        conversation_ref=info.conversation_ref.ref_to_conversation if info.conversation_ref else None,
        parent_ref=parent_ref,
        patient_ref=patient_ref(head),
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

    make_apprec(head, report, recipient, rejecting, uow, result, at)


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
        note = " Merknad (avviser ikke): " + " ".join(str(n) for n in one_per_code(list(notes)))
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


def _unanswerable(data: bytes, uow: UnitOfWork, report: ValidationReport, codes: list[str], at: datetime,
                  transport_ref: str | None, reason: str) -> Reception:
    head = report.head
    stored = uow.messages.add(StoredMessage(
        direction=Direction.INCOMING,
        msg_id=head.msg_id if head is not None else "",
        msg_type=(head.msg_type if head is not None else report.msg_type) or "",
        standard=report.standard.label if report.standard is not None else "",
        sender_her_id=head.msg_info.sender.organisation.addressee_her_id() if head is not None else None,
        receiver_her_ids=receiver_her_ids(head) if head is not None else (),
        recipient_her_id=head.msg_info.receiver.organisation.addressee_her_id() if head is not None else None,
        patient_ref=patient_ref(head) if head is not None else None,
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
    rejecting = [f for f in report.findings if f.code in ERROR_CODES] or [
        Finding("T01", "/", "Meldingen kan ikke leses.")]
    found_codes = list(dict.fromkeys([*(f.code for f in rejecting), *codes]))
    uow.messages.update_state(stored.id, MessageState.REJECTED, error_codes=found_codes, at=at,
                              detail="Avvist: " + ", ".join(found_codes))
    errors = [AppRecError(ERROR_CODES[f.code], f"{f.path}: {f.text}") for f in one_per_code(rejecting)]
    receipt = build_apprec_for_unreadable(
        version=UNKNOWN_STANDARD_APPREC_VERSION, errors=errors,
        answering=organisation_for(parties, origin.recipient_her_id), original_sender=organisation_for(parties, sender),
        original_msg_id=msg_id, original_issued=echoed(origin.issued_at or at),
        gen_date=message_time(at))
    result = Reception(msg_id=msg_id, msg_type=report.msg_type, disposition=Disposition.REJECTED,
                       errors=found_codes, stored_ids=[stored.id])
    store_apprec(receipt, UNKNOWN_STANDARD_APPREC_VERSION, msg_id, origin.recipient_her_id, sender,
                  tuple(e.code.value for e in errors), STATUS_REJECTED.value, uow, result, at)
    return result
