"""The evidence of a checklist case: what each message of the run did, read from the stores of both sides.

Part of running the cooperation test checklist (forløpstester, "Sjekkliste for normale test-tilfeller"; see
:mod:`samhandling.services.checklist.runs`). For every message of a case the facts the domain judges
(:func:`samhandling.domain.checklist.judging.judge_message`) are gathered: where it arrived, whether its bytes
validate, its AppRec, the ConversationRef and receiver of a reply, the text as received (æøå), completeness of an
Innleggelsesrapport, and whether the receiver in the municipality is one of its services. The messages and
AppRecs, exactly as exchanged, may be written to an evidence folder.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from samhandling.domain.checklist.definition import CaseSpec
from samhandling.domain.checklist.judging import Answered, MessageEvidence, MessageFacts, judge_message
from samhandling.domain.checklist.model import AppRecOutcome, DocumentKind, Receiver, Side
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.services.checklist.documents import document_text, missing_parts
from samhandling.services.checklist.setup import RunSetup
from samhandling.services.checklist.sides import SideNode
from samhandling.standards.validation import validate_message
from samhandling.store.messaging.messages import MessageQuery

EvidenceFile = tuple[str, str, bytes]
"""A message or AppRec as exchanged: its type, MsgId and bytes."""


@dataclass
class Sent:
    """A message of the run: submitted by a driven side, or expected from (and then found for) an external one."""

    case: int
    side: Side
    kind: DocumentKind
    receiver_role: Receiver | None = None
    answered: Sent | None = None
    text: str | None = None
    msg_id: str | None = None
    sender_her_id: str | None = None
    intended_her_id: str | None = None
    stored_id: int | None = None
    arrived_her_id: str | None = None
    problem: str | None = None
    settled: bool = False


def received_copy(node: SideNode, sent: Sent) -> StoredMessage | None:
    """The message as it arrived in ``node``'s store (the first copy from its sender), if it has."""
    if sent.msg_id is None:
        return None
    with node.uow() as uow:
        found = uow.messages.list(MessageQuery(direction=Direction.INCOMING, msg_id=sent.msg_id, is_apprec=False,
                                               limit=None, oldest_first=True))
    mine = [m for m in found if sent.sender_her_id is None or m.sender_her_id == sent.sender_her_id]
    return mine[0] if mine else None


def message_evidence(case: CaseSpec, sent: Sent, waited: float, *, sender: SideNode, receiver: SideNode,
                     setup: RunSetup, folder: EvidenceFolder) -> MessageEvidence:
    """The evidence of one message of ``case``, judged by the case's checks; its files go to ``folder``."""
    answers = sent.answered.msg_id if sent.answered is not None else None
    base = MessageEvidence(case=case.number, side=sent.side, kind=sent.kind, msg_id=sent.msg_id,
                           sender_her_id=sent.sender_her_id, receiver_her_id=sent.intended_her_id,
                           answers_msg_id=answers)
    if sent.problem is not None or sent.msg_id is None:
        return replace(base, problem=sent.problem or "Meldingen ble ikke sendt.")
    facts, apprec_id, files = message_facts(sent, waited, sender=sender, receiver=receiver, setup=setup)
    folder.write(case, sent, files)
    return replace(base, receiver_her_id=facts.recipient_her_id or facts.addressed_her_id or sent.intended_her_id,
                   apprec=facts.apprec, apprec_msg_id=apprec_id, apprec_errors=facts.apprec_errors,
                   checks=judge_message(case.checks, facts))


def message_facts(sent: Sent, waited: float, *, sender: SideNode, receiver: SideNode, setup: RunSetup
                  ) -> tuple[MessageFacts, str | None, list[EvidenceFile]]:
    """What happened to ``sent``, as far as the driven sides' stores show it, with the AppRec's MsgId and the
    files to keep as evidence."""
    outgoing: StoredMessage | None = None
    receipts: list[StoredMessage] = []
    if sender.driven:
        with sender.uow() as uow:
            outgoing = uow.messages.get(sent.stored_id or 0)
            if outgoing is not None:
                receipts = [a for a in uow.messages.apprecs_for(sent.msg_id or "", direction=Direction.INCOMING)
                            if a.sender_her_id == outgoing.recipient_her_id]
    incoming = received_copy(receiver, sent) if receiver.driven else None
    our_receipts: list[StoredMessage] = []
    if incoming is not None and not sender.driven:
        with receiver.uow() as uow:
            our_receipts = [a for a in uow.messages.apprecs_for(sent.msg_id or "", direction=Direction.OUTGOING)
                            if a.sender_her_id == incoming.recipient_her_id]
    raw = incoming.raw if incoming is not None else (outgoing.raw if outgoing is not None else None)
    validator = receiver if receiver.driven else sender
    report = validate_message(raw, schemas=validator.schemas, max_bytes=validator.max_bytes) \
        if raw is not None else None
    head = report.head if report is not None else None
    info = head.msg_info if head is not None else None
    apprec, errors, apprec_id, apprec_raw = apprec_outcome(outgoing, receipts, incoming, our_receipts,
                                                           receiver.driven)
    target = incoming.recipient_her_id if incoming is not None else (
        info.receiver.organisation.addressee_her_id() if info is not None else None)
    facts = MessageFacts(
        delivered=(incoming is not None) if receiver.driven else None,
        recipient_her_id=incoming.recipient_her_id if incoming is not None else None,
        addressed_her_id=info.receiver.organisation.addressee_her_id() if info is not None else None,
        intended_her_id=sent.intended_her_id,
        findings=tuple(str(f) for f in report.findings) if report is not None else None,
        schema_checked=bool(report is not None and report.schema_checked),
        apprec=apprec, apprec_errors=errors, apprec_by_us=not sender.driven, waited_seconds=round(waited, 1),
        answered=Answered(msg_id=sent.answered.msg_id or "", sender_her_id=sent.answered.sender_her_id)
        if sent.answered is not None else None,
        parent_ref=info.conversation_ref.ref_to_parent if info is not None and info.conversation_ref else None,
        text_sent=sent.text if sender.driven else None,
        text_received=document_text(report.document) if report is not None and incoming is not None else None,
        missing_parts=missing_parts(report.document) if report is not None and report.document is not None
        else None,
        to_municipality=sent.side is Side.HOSPITAL,
        receiver_is_municipal_service=setup.is_municipal_service(target),
    )
    files: list[EvidenceFile] = []
    if raw is not None:
        files.append((sent.kind.msg_type, sent.msg_id or "", outgoing.raw if outgoing is not None else raw))
    if apprec_raw is not None and apprec_id is not None:
        files.append(("APPREC", apprec_id, apprec_raw))
    return facts, apprec_id, files


def apprec_outcome(outgoing: StoredMessage | None, receipts: list[StoredMessage], incoming: StoredMessage | None,
                   our_receipts: list[StoredMessage], receiver_driven: bool
                   ) -> tuple[AppRecOutcome, tuple[str, ...], str | None, bytes | None]:
    """The AppRec of a message: its outcome, error codes, MsgId and bytes."""
    if outgoing is not None:  # we sent it: the AppRec we received
        receipt = receipts[0] if receipts else None
        if outgoing.state is MessageState.RECEIPT_OK:
            outcome = AppRecOutcome.POSITIVE
        elif outgoing.state is MessageState.RECEIPT_REJECTED:
            outcome = AppRecOutcome.NEGATIVE
        else:
            outcome = AppRecOutcome.MISSING if receiver_driven else AppRecOutcome.UNKNOWN
        errors = outgoing.error_codes if outcome is not AppRecOutcome.MISSING else ()
        return (outcome, tuple(errors), receipt.msg_id if receipt else None, receipt.raw if receipt else None)
    if incoming is not None:  # the partner sent it: the AppRec we answered with
        receipt = our_receipts[0] if our_receipts else None
        if incoming.state in (MessageState.ACCEPTED, MessageState.HELD):
            outcome = AppRecOutcome.POSITIVE
        elif incoming.state is MessageState.REJECTED:
            outcome = AppRecOutcome.NEGATIVE
        else:
            outcome = AppRecOutcome.MISSING
        return (outcome, tuple(incoming.error_codes), receipt.msg_id if receipt else None,
                receipt.raw if receipt else None)
    return AppRecOutcome.UNKNOWN, (), None, None


@dataclass
class EvidenceFolder:
    """Where a run keeps its evidence (nowhere when ``target`` is None): one XML file per message and AppRec,
    exactly as exchanged, named ``CC-NNN-SIDE-TYPE-MSGID.xml``."""

    target: Path | None
    written: int = 0

    def write(self, case: CaseSpec, sent: Sent, files: list[EvidenceFile]) -> None:
        if self.target is None:
            return
        self.target.mkdir(parents=True, exist_ok=True)
        for kind, msg_id, data in files:
            self.written += 1
            safe = "".join(ch for ch in msg_id if ch.isalnum() or ch == "-")[:64] or "uten-id"
            name = f"{case.number:02d}-{self.written:03d}-{sent.side.value}-{kind}-{safe}.xml"
            (self.target / name).write_bytes(data)
