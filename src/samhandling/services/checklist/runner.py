"""Carrying out a checklist run: every case in turn, sending its messages, waiting for them, and judging it.

Part of running the cooperation test checklist (forløpstester, "Sjekkliste for normale test-tilfeller"; see
:mod:`samhandling.services.checklist.runs`). Each case is submitted on the sending side (an answer with
``in_reply_to``, so that ConversationRef and the address come from the node itself), and node passes
(:func:`run_once`) run on the driven sides until the message has arrived and its AppRec is back, or the case's
time is up; in partner mode the partner's messages are recognised by type and sender. Every wait has a timeout,
so a run never hangs. The summary case (all PLO AppRecs) is judged last, from the other cases' evidence.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from samhandling.domain.checklist.definition import AnswerRef, CaseSpec, Checklist, PlannedSend, planned_sends
from samhandling.domain.checklist.judging import (
    CheckResult,
    MessageEvidence,
    judge_addressing,
    judge_case,
    judge_plo_apprecs,
)
from samhandling.domain.checklist.model import Check, Receiver, RunMode, Side, Trigger
from samhandling.domain.checklist.run import CaseOutcome, ChecklistRun
from samhandling.domain.clock import message_time, utc_now
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.privacy import mask_person_id
from samhandling.services.checklist.documents import DEFAULT_TEXT, build_document, with_patient_id
from samhandling.services.checklist.evidence import EvidenceFolder, Sent, message_evidence, received_copy
from samhandling.services.checklist.setup import RunSetup
from samhandling.services.checklist.sides import CurrentCase, Outgoing, SideNode, Tamper
from samhandling.services.messaging.node import run_once
from samhandling.services.messaging.send import SendRefusedError, address, submit_bytes, submit_document
from samhandling.standards.message import compose, message_bytes
from samhandling.standards.msghead import Patient, person_ident, read_msghead
from samhandling.standards.parsing import parse_xml
from samhandling.standards.plo.examples.story import PATIENT_FNR
from samhandling.standards.validation import validate_message
from samhandling.store.messaging.messages import MessageQuery

DEFAULT_TIMEOUT = 30.0
"""Seconds a case may take in automatic mode (both sides are samhandling: a case takes well under a second)."""
DEFAULT_PARTNER_TIMEOUT = 600.0
"""Seconds to wait for the partner in partner mode: a person at the other end sends the messages by hand."""
POLL_INTERVAL = 0.05


@dataclass(frozen=True)
class Progress:
    """What the runner reports while it works (for a progress bar)."""

    event: str
    """"case" when a case starts, "waiting" while it waits (about once a second), "done" when it is judged."""
    index: int
    total: int
    case: CaseSpec
    text: str
    outcome: CaseOutcome | None = None


@dataclass(frozen=True, kw_only=True)
class RunRequest:
    """What a run is asked to do (the command line's options)."""

    hospital: str
    municipality: str
    trigger: Trigger = Trigger.SYSTEM
    changed: Side = Side.HOSPITAL
    tester_hospital: str | None = None
    tester_municipality: str | None = None
    patient_id: str = PATIENT_FNR
    timeout: float | None = None


@dataclass
class RunOptions:
    tamper: Tamper = field(default_factory=Tamper)
    progress: Callable[[Progress], None] | None = None
    evidence_dir: Path | None = None
    checklist: Checklist | None = None
    poll_interval: float = POLL_INTERVAL


class ChecklistRunner:
    """Carries out a checklist between two sides and judges every case."""

    def __init__(self, checklist: Checklist, setup: RunSetup, sides: Mapping[Side, SideNode], *,
                 request: RunRequest, mode: RunMode, options: RunOptions, current: CurrentCase | None = None,
                 started: datetime | None = None) -> None:
        self.checklist = checklist
        self.setup = setup
        self.sides = sides
        self.request = request
        self.mode = mode
        self.options = options
        self.current = current or CurrentCase()
        self.started = started or utc_now()
        self.timeout = request.timeout if request.timeout is not None else (
            DEFAULT_TIMEOUT if mode is RunMode.AUTOMATIC else DEFAULT_PARTNER_TIMEOUT)
        self.sent: list[Sent] = []
        self.claimed: set[tuple[str, str | None]] = set()
        self.patient = Patient(family_name="Ørnhøi", given_name="Åse", ident=[person_ident(request.patient_id)])
        self.schemas_checked = any(s.schemas is not None for s in sides.values())
        self.evidence = EvidenceFolder(options.evidence_dir)

    # -- the run --

    def run(self, run_id: str | None = None) -> ChecklistRun:
        outcomes: dict[int, CaseOutcome] = {}
        total = len(self.checklist.cases)
        ordered = [c for c in self.checklist.cases if not c.summary] + [c for c in self.checklist.cases if c.summary]
        for index, case in enumerate(ordered, start=1):
            self.current.case = case.number
            self._report(Progress("case", index, total, case, f"Tilfelle {case.number}: {case.title}"))
            outcome = self._summary(case, outcomes) if case.summary else self._case(case, index, total)
            outcomes[case.number] = outcome
            self._report(Progress("done", index, total, case, f"Tilfelle {case.number}: {outcome.result.label}",
                                  outcome))
        self.current.case = 0
        return ChecklistRun(
            run_id=run_id or new_run_id(), checklist_id=self.checklist.id, checklist_version=self.checklist.version,
            mode=self.mode, trigger=self.request.trigger, changed=self.request.changed, started_at=self.started,
            finished_at=utc_now(), hospital=self.setup.hospital, municipality=self.setup.municipality,
            tester_hospital=self.request.tester_hospital, tester_municipality=self.request.tester_municipality,
            patient=mask_person_id(self.request.patient_id), schemas_checked=self.schemas_checked,
            cases=tuple(outcomes[c.number] for c in self.checklist.cases),
        )

    def _report(self, progress: Progress) -> None:
        if self.options.progress is not None:
            self.options.progress(progress)

    def _case(self, case: CaseSpec, index: int, total: int) -> CaseOutcome:
        assert case.kind is not None
        mine = [self._start(case, planned) for planned in planned_sends(case)]
        waited = self._wait(case, mine, index, total)
        evidence = tuple(message_evidence(case, s, waited, sender=self.sides[s.side],
                                          receiver=self.sides[s.side.other], setup=self.setup, folder=self.evidence)
                         for s in mine)
        checks = judge_addressing(evidence) if Check.ADDRESSING in case.checks else ()
        notes = self._notes(evidence, checks)
        result = judge_case(evidence, checks)
        return CaseOutcome(number=case.number, title=case.title, sender_side=case.sender_label, result=result,
                           evidence=evidence, checks=checks, notes=notes, note=case.note)

    def _summary(self, case: CaseSpec, outcomes: Mapping[int, CaseOutcome]) -> CaseOutcome:
        every = [e for o in outcomes.values() for e in o.evidence if e.msg_id is not None and e.problem is None]
        plo = tuple(replace(e, checks=()) for e in every if e.kind.is_plo)
        check = judge_plo_apprecs(plo)
        notes = () if check.passed is not None else (check.detail + " Testeren må vurdere.",)
        return CaseOutcome(number=case.number, title=case.title, sender_side=case.sender_label,
                           result=judge_case(plo, (check,)), evidence=plo, checks=(check,), notes=notes,
                           note=case.note)

    @staticmethod
    def _notes(evidence: Sequence[MessageEvidence], checks: Sequence[CheckResult]) -> tuple[str, ...]:
        notes = [f"{e.side.value} {e.kind.label}: {e.problem}" for e in evidence if e.problem]
        open_checks = [(e, c) for e in evidence for c in e.checks if c.passed is None]
        notes += [f"{e.side.value} {e.kind.label}: {c.detail} Testeren må vurdere." for e, c in open_checks]
        notes += [f"{c.detail} Testeren må vurdere." for c in checks if c.passed is None]
        return tuple(notes)

    # -- starting a message --

    def _start(self, case: CaseSpec, planned: PlannedSend) -> Sent:
        assert case.kind is not None
        side = planned.side
        text = None if case.kind.is_plo else (case.text or DEFAULT_TEXT)
        sent = Sent(case=case.number, side=side, kind=case.kind, receiver_role=planned.receiver, text=text)
        self.sent.append(sent)
        if planned.answers is not None:
            sent.answered = self._answered(side, planned.answers)
            if sent.answered is None:
                sent.problem = f"Fant ingen mottatt melding å svare på ({_describe(planned.answers)})."
                return sent
        node = self.sides[side]
        if not node.driven:
            sent.intended_her_id = (sent.answered.sender_her_id if sent.answered is not None
                                    else self.setup.addresses[side.other].of(planned.receiver or Receiver.PRIMARY))
            return sent  # the partner sends it; the runner waits for it
        try:
            self._submit(node, case, sent)
        except (SendRefusedError, ValueError) as exc:
            sent.problem = f"Kunne ikke sendes: {exc}"
        return sent

    def _answered(self, side: Side, ref: AnswerRef) -> Sent | None:
        """The message ``side`` answers: one the other side sent, that reached ``side``."""
        found = [s for s in self.sent if s.side is side.other and s.msg_id is not None and s.problem is None
                 and (ref.case is None or s.case == ref.case) and (ref.kind is None or s.kind is ref.kind)]
        arrived = []
        for candidate in found:
            where = candidate.arrived_her_id or self._arrived_at(side, candidate)
            if where is None and self.sides[side].driven:
                continue
            roles = self.setup.addresses[side].roles(where or candidate.intended_her_id)
            if ref.receiver is None or ref.receiver in roles:
                arrived.append(candidate)
        if not arrived:
            return None
        return arrived[0] if ref.case is not None else arrived[-1]

    def _arrived_at(self, side: Side, sent: Sent) -> str | None:
        node = self.sides[side]
        if not node.driven or sent.msg_id is None:
            return None
        incoming = received_copy(node, sent)
        if incoming is not None:
            sent.arrived_her_id = incoming.recipient_her_id
            return incoming.recipient_her_id
        return None

    def _submit(self, node: SideNode, case: CaseSpec, sent: Sent) -> None:
        assert node.send_options is not None and case.kind is not None
        answered_document = None
        sender = self.setup.addresses[sent.side].primary
        receiver: str | None = self.setup.addresses[sent.side.other].of(sent.receiver_role or Receiver.PRIMARY)
        if sent.answered is not None:
            sender = sent.answered.arrived_her_id or sender
            receiver = None
            answered_document = self._received_document(node, sent.answered)
        document = with_patient_id(build_document(case.kind, text=sent.text, answered=answered_document),
                                   self.request.patient_id)
        outgoing = self.options.tamper.outgoing(Outgoing(
            case=case.number, side=sent.side, kind=case.kind, document=document, text=sent.text,
            sender_her_id=sender, receiver_her_id=receiver,
            in_reply_to=sent.answered.msg_id if sent.answered is not None else None))
        sent.intended_her_id = sent.answered.sender_her_id if sent.answered is not None else receiver
        if outgoing.in_reply_to is not None and outgoing.receiver_her_id is not None:
            stored = self._submit_misaddressed_reply(node, outgoing)
        else:
            stored = submit_document(
                node.uow(), node.send_options, outgoing.document, sender_her_id=outgoing.sender_her_id,
                receiver_her_id=outgoing.receiver_her_id if outgoing.in_reply_to is None else None,
                patient=None if outgoing.in_reply_to is not None else self.patient,
                in_reply_to=outgoing.in_reply_to)
        first = stored[0]
        sent.msg_id, sent.sender_her_id, sent.stored_id = first.msg_id, first.sender_her_id, first.id

    def _submit_misaddressed_reply(self, node: SideNode, outgoing: Outgoing) -> list[StoredMessage]:
        assert node.send_options is not None and outgoing.in_reply_to is not None
        assert outgoing.receiver_her_id is not None
        with node.uow() as uow:
            parties = uow.parties.all()
            found = uow.messages.list(MessageQuery(direction=Direction.INCOMING, msg_id=outgoing.in_reply_to,
                                                   is_apprec=False, limit=1))
        if not found:
            raise SendRefusedError(f"Fant ingen mottatt melding med MsgId {outgoing.in_reply_to} å svare på.")
        parent = read_msghead(parse_xml(found[0].raw), strict=False)
        head = compose(outgoing.document, sender=address(parties, outgoing.sender_her_id),
                       receiver=address(parties, outgoing.receiver_her_id), patient=parent.msg_info.patient,
                       in_reply_to=parent, gen_date=message_time())
        return submit_bytes(node.uow(), node.send_options, message_bytes(head))

    def _received_document(self, node: SideNode, sent: Sent) -> Any:
        incoming = received_copy(node, sent)
        if incoming is None:
            return None
        return validate_message(incoming.raw, schemas=None, max_bytes=node.max_bytes).document

    # -- waiting --

    def _wait(self, case: CaseSpec, mine: list[Sent], index: int, total: int) -> float:
        started = time.monotonic()
        deadline = started + self.timeout
        last_report = started
        while True:
            for side in (Side.HOSPITAL, Side.MUNICIPALITY):
                node = self.sides[side]
                if node.parts is not None:
                    run_once(node.parts)
            self._claim_partner_messages(mine)
            if all(self._settled(s) for s in mine):
                break
            now = time.monotonic()
            if now >= deadline:
                break
            if now - last_report >= 1.0:
                last_report = now
                self._report(Progress("waiting", index, total, case,
                                      f"Tilfelle {case.number}: venter ({int(deadline - now)} s igjen)"))
            time.sleep(min(self.options.poll_interval, max(deadline - now, 0)))
        waited = time.monotonic() - started
        for s in mine:
            if s.msg_id is None and s.problem is None:
                who = self.setup.snapshot(s.side).name
                s.problem = f"Ingen {s.kind.label} fra {who} innen {round(waited, 1):g} s."
        return waited

    def _settled(self, sent: Sent) -> bool:
        if sent.settled or sent.problem is not None:
            return True
        if sent.msg_id is None:
            return False
        sender, receiver = self.sides[sent.side], self.sides[sent.side.other]
        done = True
        if sender.driven:
            with sender.uow() as uow:
                message = uow.messages.get(sent.stored_id or 0)
            done = message is not None and message.state in (MessageState.RECEIPT_OK, MessageState.RECEIPT_REJECTED)
        if receiver.driven:
            incoming = received_copy(receiver, sent)
            done = done and incoming is not None
            if incoming is not None:
                sent.arrived_her_id = incoming.recipient_her_id
                if not sender.driven:
                    done = done and incoming.state is not MessageState.RECEIVED
        sent.settled = done
        return done

    def _claim_partner_messages(self, mine: list[Sent]) -> None:
        """Partner mode: attribute the partner's messages, oldest first, to the cases that expect them."""
        waiting = [s for s in mine if s.msg_id is None and s.problem is None and not self.sides[s.side].driven]
        if not waiting:
            return
        ours = self.sides[waiting[0].side.other]
        with ours.uow() as uow:
            found = uow.messages.list(MessageQuery(direction=Direction.INCOMING, is_apprec=False,
                                                   created_from=self.started, oldest_first=True, limit=None))
        for sent in waiting:
            members = self.setup.members[sent.side]
            for message in found:
                key = (message.msg_id, message.recipient_her_id)
                if (message.msg_type != sent.kind.msg_type or message.sender_her_id not in members
                        or key in self.claimed):
                    continue
                self.claimed.add(key)
                sent.msg_id, sent.sender_her_id = message.msg_id, message.sender_her_id
                sent.arrived_her_id, sent.stored_id = message.recipient_her_id, message.id
                break


def _describe(ref: AnswerRef) -> str:
    if ref.case is not None:
        where = f" hos mottakeren «{ref.receiver.value}»" if ref.receiver else ""
        return f"fra tilfelle {ref.case}{where}"
    assert ref.kind is not None
    return f"siste {ref.kind.label}"


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]
