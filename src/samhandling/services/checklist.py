"""Running the cooperation test checklist (forløpstester) between a hospital and a municipality.

The checklist is data (``samhandling/data/checklist-1.json``, :mod:`samhandling.domain.checklist`); this module
carries it out over the real transport and gathers the evidence the domain judges.

- **Automatic mode** (:func:`run_automatic`): both sides are samhandling nodes. The local message server starts
  as a process on a free port (:mod:`samhandling.services.region`); the two nodes run in this process, each with
  its own SQLite database in a temporary folder and the two parties (with everything under them) copied from the
  installation's register. Each case is submitted on the sending node (an answer with ``in_reply_to``, so that
  ConversationRef and the address come from the node itself), and node passes (:func:`run_once`) run on both
  sides until the message has arrived and its AppRec is back, or the case's time is up. Then the facts are read
  from both stores: where the message arrived, whether its bytes validate, the AppRec, ConversationRef and
  receiver of a reply, the text as received (æøå), completeness of an Innleggelsesrapport, and whether the
  receiver in the municipality is one of its services.
- **Partner mode** (:func:`run_partner`): one side is a real external system. This installation plays the other
  side through its configured transport: it sends its side's cases and waits (with a timeout) for the partner's
  messages, which it recognises by type and sender. What it cannot see (the partner's screen, what arrived
  there) it leaves as not run, for the tester to mark (:func:`mark_case`).

Every wait has a timeout, so a run never hangs. :class:`Tamper` is the one seam for changing what happens: it
may change a document or its address before it is sent, and what a side fetches or sends on the transport. The
tests use it to make a wrong reply address, broken æøå, a missing and a negative AppRec.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from samhandling.domain.checklist import (
    Answered,
    AnswerRef,
    AppRecOutcome,
    CaseOutcome,
    CaseResult,
    CaseSpec,
    Check,
    Checklist,
    ChecklistFormatError,
    ChecklistRun,
    CheckResult,
    Coverage,
    DocumentKind,
    Mark,
    MessageEvidence,
    MessageFacts,
    PartySnapshot,
    PlannedSend,
    Receiver,
    RunMode,
    Side,
    Trigger,
    coverage,
    judge_addressing,
    judge_case,
    judge_message,
    judge_plo_apprecs,
    planned_sends,
    read_checklist,
)
from samhandling.domain.identifiers import mask_person_id, person_id_problem
from samhandling.domain.messages import Direction, MessageState, StoredMessage, utc_now
from samhandling.domain.parties import Parties, Party, PartyKind
from samhandling.domain.registers import PartnerCategory
from samhandling.services.node import NodeParts, run_once
from samhandling.services.receive import ReceiveOptions
from samhandling.services.send import SendOptions, SendRefusedError, address, submit_bytes, submit_document
from samhandling.settings import Settings
from samhandling.standards import dialogmelding as dm
from samhandling.standards.message import compose, message_bytes
from samhandling.standards.msghead import Patient, person_ident, read_msghead
from samhandling.standards.parsing import parse_xml
from samhandling.standards.plo import examples
from samhandling.standards.plo.messages import Innleggelsesrapport
from samhandling.standards.schemas import SchemaSet
from samhandling.standards.validation import validate_message
from samhandling.store.repositories import Backoff, MessageQuery
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Delivery, Envelope, Inbound, ReceiverStatus, Transport

CHECKLIST_PACKAGE = "samhandling.data"
DEFAULT_CHECKLIST = "checklist-1.json"
DEFAULT_TIMEOUT = 30.0
"""Seconds a case may take in automatic mode (both sides are samhandling: a case takes well under a second)."""
DEFAULT_PARTNER_TIMEOUT = 600.0
"""Seconds to wait for the partner in partner mode: a person at the other end sends the messages by hand."""
POLL_INTERVAL = 0.05
DEFAULT_TEXT = "Test av æ, ø og å: Ærlig talt, Øyvind på Åsen liker blåbærsyltetøy."
CHECKLIST_BACKOFF = Backoff(first=timedelta(seconds=0.5), factor=2.0, ceiling=timedelta(seconds=5))

PatientFactory = Callable[[], Patient]


class ChecklistError(ValueError):
    """The run cannot start or a request cannot be met; one Norwegian line."""


# --- the checklist file --------------------------------------------------------------------------------


def bundled_checklist() -> Checklist:
    """The checklist shipped with samhandling (the procedure's 20 cases)."""
    data = resources.files(CHECKLIST_PACKAGE).joinpath(DEFAULT_CHECKLIST).read_bytes()
    return read_checklist(json.loads(data), DEFAULT_CHECKLIST)


def load_checklist(path: Path | None = None) -> Checklist:
    """A region's own checklist file, or the bundled one; :class:`ChecklistError` for one that cannot be used."""
    if path is None:
        return bundled_checklist()
    try:
        return read_checklist(json.loads(path.read_bytes()), str(path))
    except OSError as exc:
        raise ChecklistError(f"{path}: kan ikke lese filen ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise ChecklistError(f"{path}: ugyldig JSON på linje {exc.lineno}: {exc.msg}") from None
    except ChecklistFormatError as exc:
        raise ChecklistError(str(exc)) from None


# --- the parties of a run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Addresses:
    """The HER-ids of one side for the checklist's receiver roles."""

    organisation: str
    primary: str
    second: str

    def of(self, receiver: Receiver) -> str:
        return {Receiver.PRIMARY: self.primary, Receiver.SECOND: self.second,
                Receiver.ORGANISATION: self.organisation}[receiver]

    def roles(self, her_id: str | None) -> set[Receiver]:
        return {r for r in Receiver if self.of(r) == her_id}


@dataclass(frozen=True)
class RunSetup:
    """The two parties of a run as the register has them: snapshots for the form, every party under the two
    organisations (to register on the nodes and the message server), and the addresses per side."""

    hospital: PartySnapshot
    municipality: PartySnapshot
    parties: tuple[Party, ...]
    addresses: Mapping[Side, Addresses]
    members: Mapping[Side, frozenset[str]]

    def snapshot(self, side: Side) -> PartySnapshot:
        return self.hospital if side is Side.HOSPITAL else self.municipality

    def organisation(self, side: Side) -> str:
        return self.addresses[side].organisation

    def is_municipal_service(self, her_id: str | None) -> bool | None:
        if her_id is None:
            return None
        party = next((p for p in self.parties if p.her_id == her_id), None)
        if party is None:
            return None
        return party.kind is PartyKind.SERVICE and her_id in self.members[Side.MUNICIPALITY]


def resolve_parties(uow: UnitOfWork, hospital_her_id: str, municipality_her_id: str) -> RunSetup:
    """The run's parties from the register. A HER-id may name the organisation or one of its services (then that
    service is the side's first receiver and sender); ChecklistError when either is unknown."""
    with uow:
        parties = uow.parties.all()
        sides: dict[Side, tuple[Party, Addresses, list[Party]]] = {}
        for side, her_id in ((Side.HOSPITAL, hospital_her_id), (Side.MUNICIPALITY, municipality_her_id)):
            sides[side] = _side(parties, her_id, side)
        snapshots = {side: _snapshot(uow, organisation) for side, (organisation, _, _) in sides.items()}
    hospital_members = {p.her_id for p in sides[Side.HOSPITAL][2]}
    municipality_members = {p.her_id for p in sides[Side.MUNICIPALITY][2]}
    if hospital_members & municipality_members:
        raise ChecklistError("Sykehuset og kommunen må være to ulike organisasjoner i registeret.")
    return RunSetup(
        hospital=snapshots[Side.HOSPITAL],
        municipality=snapshots[Side.MUNICIPALITY],
        parties=tuple(sides[Side.HOSPITAL][2] + sides[Side.MUNICIPALITY][2]),
        addresses={side: value[1] for side, value in sides.items()},
        members={Side.HOSPITAL: frozenset(hospital_members), Side.MUNICIPALITY: frozenset(municipality_members)},
    )


def _side(parties: Parties, her_id: str, side: Side) -> tuple[Party, Addresses, list[Party]]:
    party = parties.get(her_id)
    if party is None:
        raise ChecklistError(f"HER-id {her_id} ({side.label}) finnes ikke i registeret over kommunikasjonsparter "
                             "(importer med «samhandling parties import»).")
    organisation = parties.organisation_of(her_id) or party
    if party.kind is PartyKind.PERSON:
        raise ChecklistError(f"HER-id {her_id} er en person; oppgi organisasjonen eller en tjeneste.")
    services = [p for p in parties.children(organisation.her_id) if p.kind is PartyKind.SERVICE]
    primary = party.her_id if party.kind is PartyKind.SERVICE else (services[0].her_id if services
                                                                   else organisation.her_id)
    others = [s.her_id for s in services if s.her_id != primary]
    second = others[0] if others else organisation.her_id
    members: list[Party] = []

    def walk(parent: Party, depth: int) -> None:
        members.append(parent)
        if depth < 20:
            for child in parties.children(parent.her_id):
                walk(child, depth + 1)

    walk(organisation, 0)
    return organisation, Addresses(organisation.her_id, primary, second), members


def _snapshot(uow: UnitOfWork, organisation: Party) -> PartySnapshot:
    profile = uow.registers.partners.get(organisation.her_id)
    municipality = (uow.registers.municipalities.get(organisation.municipality)
                    if organisation.municipality else None)
    return PartySnapshot(
        her_id=organisation.her_id, name=organisation.name,
        epj_system=profile.epj_system if profile else None, epj_version=profile.epj_version if profile else None,
        comm_module=profile.comm_module if profile else None, comm_version=profile.comm_version if profile else None,
        municipality_number=organisation.municipality,
        municipality_name=municipality.name if municipality is not None else None,
    )


# --- the seam: what a run sends and what the transport carries -------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    """A message a side is about to submit. ``text`` is the text the case asks for (what the receiver must
    see), ``document`` the business document built from it.

    ``receiver_her_id`` is None for a reply: the node addresses it to the sender of ``in_reply_to``. A
    :class:`Tamper` that sets it for a reply sends the reply elsewhere, as an EPJ that builds its own replies
    wrongly would (the message is then composed here and submitted as ready bytes)."""

    case: int
    side: Side
    kind: DocumentKind
    document: Any
    text: str | None
    sender_her_id: str
    receiver_her_id: str | None
    in_reply_to: str | None


class Tamper:
    """Changes what happens in a run; the default changes nothing.

    Subclass and override what you need (the tests do, to inject faults):

    - :meth:`outgoing`: the document and addressing of a message before its side submits it;
    - :meth:`inbound`: what a side fetches from the transport (change it, e.g. add the transport fault S01 so the
      receiver rejects it, or return None to leave it unfetched);
    - :meth:`outbound`: what a side hands to the transport (return None and it never leaves, e.g. an AppRec
      that should go missing; the node believes it was sent).

    ``case`` is the number of the case running when the transport is used.
    """

    def outgoing(self, outgoing: Outgoing) -> Outgoing:
        return outgoing

    def inbound(self, case: int, side: Side, inbound: Inbound) -> Inbound | None:
        return inbound

    def outbound(self, case: int, side: Side, envelope: Envelope) -> Envelope | None:
        return envelope


class _Current:
    """The case in progress, shared with the transports of the run."""

    case = 0


class TamperedTransport(Transport):
    """A side's transport with the run's :class:`Tamper` in between."""

    def __init__(self, inner: Transport, side: Side, tamper: Tamper, current: _Current) -> None:
        self.inner = inner
        self.side = side
        self.tamper = tamper
        self.current = current

    def send(self, envelope: Envelope) -> Delivery:
        changed = self.tamper.outbound(self.current.case, self.side, envelope)
        if changed is None:
            return Delivery(reference=f"holdt-tilbake-{uuid.uuid4()}")
        return self.inner.send(changed)

    def receive(self, her_ids: Sequence[str]) -> list[Inbound]:
        found = [self.tamper.inbound(self.current.case, self.side, i) for i in self.inner.receive(her_ids)]
        return [i for i in found if i is not None]

    def confirm(self, inbound: Inbound) -> None:
        self.inner.confirm(inbound)

    def status(self, reference: str) -> list[ReceiverStatus]:
        return self.inner.status(reference)

    def close(self) -> None:
        self.inner.close()


# --- documents ---------------------------------------------------------------------------------------


def build_document(kind: DocumentKind, *, text: str | None, answered: Any = None) -> Any:
    """The business document a case sends: the complete synthetic PLO 1.6 examples, or a dialog message with
    ``text``. A Svar på forespørsel carries the request it answers when ``answered`` is a Dialogmelding."""
    body = text or DEFAULT_TEXT
    builders: dict[DocumentKind, Callable[[], Any]] = {
        DocumentKind.INNLEGGELSESRAPPORT: examples.innleggelsesrapport,
        DocumentKind.INNLAGT: examples.melding_om_innlagt_pasient,
        DocumentKind.HELSEOPPLYSNINGER: examples.helseopplysninger,
        DocumentKind.UTSKRIVNINGSKLAR: examples.melding_om_utskrivningsklar_pasient,
        DocumentKind.AVMELDING: examples.avmelding_utskrivningsklar_pasient,
        DocumentKind.UTSKREVET: examples.melding_om_utskrevet_pasient,
        DocumentKind.FORESPORSEL: lambda: dm.foresporsel(sporsmal=body),
        DocumentKind.SVAR: lambda: dm.svar_pa_foresporsel(
            tekst=body, svar_pa=answered if isinstance(answered, dm.Dialogmelding) else None),
        DocumentKind.AVVIK: lambda: dm.avvik(tekst=body),
    }
    return builders[kind]()


def with_patient_id(document: Any, person_id: str) -> Any:
    """``document`` with the example patient's identifier replaced by ``person_id`` wherever it occurs."""
    if person_id == examples.PATIENT_FNR:
        return document

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(v) for v in value]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for f in dataclasses.fields(value):
                if not f.init:
                    continue
                current = getattr(value, f.name)
                if current == examples.PATIENT_FNR:
                    changes[f.name] = person_id
                elif isinstance(current, list) or dataclasses.is_dataclass(current):
                    changes[f.name] = walk(current)
            return replace(value, **changes) if changes else value
        return value

    return walk(document)


def document_text(document: Any) -> str | None:
    """The free text of a dialog message: the question of a Forespørsel, the text of a note (Svar, Avvik)."""
    if not isinstance(document, dm.Dialogmelding):
        return None
    if document.foresporsel and document.foresporsel[0].sporsmal is not None:
        return document.foresporsel[0].sporsmal.plain_text()
    if document.notat and document.notat[0].tekst_notat_innhold is not None:
        return document.notat[0].tekst_notat_innhold.plain_text()
    return None


COMPLETE_PARTS: tuple[tuple[str, Callable[[Innleggelsesrapport], bool]], ...] = (
    ("IPLOS (kartlegging av funksjonsnivå)", lambda d: d.info_kartlegging_funksjonsniva is not None),
    ("legemidler", lambda d: bool(d.legemiddelinfo)),
    ("pårørende", lambda d: bool(d.parorende_foresatt)),
    ("CAVE", lambda d: d.medisinskfaglige_opplysninger is not None and d.medisinskfaglige_opplysninger.cave
     is not None),
    ("diagnoser", lambda d: bool(d.info_medisinsk_diagnose)),
    ("tjenester", lambda d: bool(d.eksisterende_tjeneste)),
)
"""What "all information filled in" means for an Innleggelsesrapport in the checklist's case 1 and 3."""


def missing_parts(document: Any) -> tuple[str, ...]:
    if not isinstance(document, Innleggelsesrapport):
        return ("dokumentet er ikke en innleggelsesrapport",)
    return tuple(name for name, present in COMPLETE_PARTS if not present(document))


# --- one side of a run -----------------------------------------------------------------------------------


@dataclass
class SideNode:
    """One side of a run. A driven side is a samhandling node the runner sends from and runs passes on; an
    external side (partner mode) is a system the runner only sees through the driven side's store."""

    side: Side
    parts: NodeParts | None = None
    send_options: SendOptions | None = None

    @property
    def driven(self) -> bool:
        return self.parts is not None

    def uow(self) -> UnitOfWork:
        assert self.parts is not None
        return self.parts.new_uow()

    @property
    def schemas(self) -> SchemaSet | None:
        return self.parts.receive_options.schemas if self.parts is not None else None

    @property
    def max_bytes(self) -> int:
        return self.parts.receive_options.max_bytes if self.parts is not None else 50 * 1024 * 1024


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
    patient_id: str = examples.PATIENT_FNR
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
                 request: RunRequest, mode: RunMode, options: RunOptions, current: _Current | None = None,
                 started: datetime | None = None) -> None:
        self.checklist = checklist
        self.setup = setup
        self.sides = sides
        self.request = request
        self.mode = mode
        self.options = options
        self.current = current or _Current()
        self.started = started or utc_now()
        self.timeout = request.timeout if request.timeout is not None else (
            DEFAULT_TIMEOUT if mode is RunMode.AUTOMATIC else DEFAULT_PARTNER_TIMEOUT)
        self.sent: list[Sent] = []
        self.claimed: set[tuple[str, str | None]] = set()
        self.patient = Patient(family_name="Ørnhøi", given_name="Åse", ident=[person_ident(request.patient_id)])
        self.schemas_checked = any(s.schemas is not None for s in sides.values())
        self._evidence_files = 0

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
        evidence = tuple(self._evidence(case, s, waited) for s in mine)
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
        incoming = self._incoming(node, sent)
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
                       in_reply_to=parent, gen_date=datetime.now().replace(microsecond=0))
        return submit_bytes(node.uow(), node.send_options, message_bytes(head))

    def _received_document(self, node: SideNode, sent: Sent) -> Any:
        incoming = self._incoming(node, sent)
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
            incoming = self._incoming(receiver, sent)
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

    # -- evidence --

    def _incoming(self, node: SideNode, sent: Sent) -> StoredMessage | None:
        if sent.msg_id is None:
            return None
        with node.uow() as uow:
            found = uow.messages.list(MessageQuery(direction=Direction.INCOMING, msg_id=sent.msg_id, is_apprec=False,
                                                   limit=None, oldest_first=True))
        mine = [m for m in found if sent.sender_her_id is None or m.sender_her_id == sent.sender_her_id]
        return mine[0] if mine else None

    def _evidence(self, case: CaseSpec, sent: Sent, waited: float) -> MessageEvidence:
        answers = sent.answered.msg_id if sent.answered is not None else None
        base = MessageEvidence(case=case.number, side=sent.side, kind=sent.kind, msg_id=sent.msg_id,
                               sender_her_id=sent.sender_her_id, receiver_her_id=sent.intended_her_id,
                               answers_msg_id=answers)
        if sent.problem is not None or sent.msg_id is None:
            return replace(base, problem=sent.problem or "Meldingen ble ikke sendt.")
        facts, apprec_id, files = self._facts(sent, waited)
        self._write_evidence(case, sent, files)
        return replace(base, receiver_her_id=facts.recipient_her_id or facts.addressed_her_id or sent.intended_her_id,
                       apprec=facts.apprec, apprec_msg_id=apprec_id, apprec_errors=facts.apprec_errors,
                       checks=judge_message(case.checks, facts))

    def _facts(self, sent: Sent, waited: float) -> tuple[MessageFacts, str | None, list[tuple[str, str, bytes]]]:
        sender, receiver = self.sides[sent.side], self.sides[sent.side.other]
        outgoing: StoredMessage | None = None
        receipts: list[StoredMessage] = []
        if sender.driven:
            with sender.uow() as uow:
                outgoing = uow.messages.get(sent.stored_id or 0)
                if outgoing is not None:
                    receipts = [a for a in uow.messages.apprecs_for(sent.msg_id or "", direction=Direction.INCOMING)
                                if a.sender_her_id == outgoing.recipient_her_id]
        incoming = self._incoming(receiver, sent) if receiver.driven else None
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
        apprec, errors, apprec_id, apprec_raw = self._apprec(sent, outgoing, receipts, incoming, our_receipts,
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
            receiver_is_municipal_service=self.setup.is_municipal_service(target),
        )
        files: list[tuple[str, str, bytes]] = []
        if raw is not None:
            files.append((sent.kind.msg_type, sent.msg_id or "", outgoing.raw if outgoing is not None else raw))
        if apprec_raw is not None and apprec_id is not None:
            files.append(("APPREC", apprec_id, apprec_raw))
        return facts, apprec_id, files

    def _apprec(self, sent: Sent, outgoing: StoredMessage | None, receipts: list[StoredMessage],
                incoming: StoredMessage | None, our_receipts: list[StoredMessage], receiver_driven: bool
                ) -> tuple[AppRecOutcome, tuple[str, ...], str | None, bytes | None]:
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

    def _write_evidence(self, case: CaseSpec, sent: Sent, files: list[tuple[str, str, bytes]]) -> None:
        """One XML file per message and AppRec, exactly as exchanged: ``CC-NNN-SIDE-TYPE-MSGID.xml``."""
        target = self.options.evidence_dir
        if target is None:
            return
        target.mkdir(parents=True, exist_ok=True)
        for kind, msg_id, data in files:
            self._evidence_files += 1
            safe = "".join(ch for ch in msg_id if ch.isalnum() or ch == "-")[:64] or "uten-id"
            name = f"{case.number:02d}-{self._evidence_files:03d}-{sent.side.value}-{kind}-{safe}.xml"
            (target / name).write_bytes(data)


def _describe(ref: AnswerRef) -> str:
    if ref.case is not None:
        where = f" hos mottakeren «{ref.receiver.value}»" if ref.receiver else ""
        return f"fra tilfelle {ref.case}{where}"
    assert ref.kind is not None
    return f"siste {ref.kind.label}"


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


# --- automatic mode ----------------------------------------------------------------------------------------


def _node_settings(main: Settings, home: Path, url: str, token: str) -> Settings:
    """A checklist node's settings: everything explicit, so nothing of the installation's environment (its
    database, its transport) leaks in."""
    return Settings(
        home=home, schema_dir=main.effective_schema_dir, max_message_bytes=main.max_message_bytes,
        unknown_patient_rejects=True, msh_url=url, msh_token=token, msh_local=True, transport_dir=None,
        helseid_token_endpoint=None, helseid_client_id=None, helseid_key_file=None,
        database_url=f"sqlite:///{home / 'samhandling.db'}", epj_dir=home / "epj",
    )


@contextmanager
def automatic_sides(setup: RunSetup, settings: Settings, *, tamper: Tamper, current: _Current
                    ) -> Iterator[dict[Side, SideNode]]:
    """Two nodes and a local message server on a free port, for the length of the block; all torn down after."""
    from samhandling.bootstrap import bootstrap
    from samhandling.services.region import parties_json, start_message_server

    with ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="samhandling-sjekkliste-")))
        register = base / "parter.json"
        register.write_text(parties_json(list(setup.parties), set()), encoding="utf-8")
        server = start_message_server(base / "msh", register)
        stack.callback(server.stop)
        sides: dict[Side, SideNode] = {}
        for side, folder in ((Side.HOSPITAL, "sykehus"), (Side.MUNICIPALITY, "kommune")):
            organisation = setup.organisation(side)
            node = bootstrap(_node_settings(settings, base / folder, server.url, server.token([organisation])))
            stack.callback(node.close)
            with node.uow() as uow:
                for party in setup.parties:
                    uow.parties.add(replace(party, local=party.her_id == organisation))
                uow.commit()
            inner = node.transport()
            assert inner is not None
            transport = TamperedTransport(inner, side, tamper, current)
            stack.callback(transport.close)
            parts = NodeParts(new_uow=node.uow, transport=transport, receive_options=node.receive_options,
                              worker=f"sjekkliste-{folder}", backoff=CHECKLIST_BACKOFF)
            sides[side] = SideNode(side, parts, node.send_options)
        yield sides


def _check_patient(person_id: str) -> None:
    problem = person_id_problem(person_id)
    if problem:
        raise ChecklistError(f"Testpasienten: {problem}")


def run_automatic(new_uow: Callable[[], UnitOfWork], settings: Settings, request: RunRequest,
                  options: RunOptions | None = None, *, save: bool = True) -> ChecklistRun:
    """A whole automatic run between two samhandling nodes over the local message server; stored (with its
    report) in the installation's store unless ``save`` is false."""
    chosen = options or RunOptions()
    _check_patient(request.patient_id)
    checklist = chosen.checklist or bundled_checklist()
    setup = resolve_parties(new_uow(), request.hospital, request.municipality)
    current = _Current()
    started = utc_now()
    with automatic_sides(setup, settings, tamper=chosen.tamper, current=current) as sides:
        runner = ChecklistRunner(checklist, setup, sides, request=request, mode=RunMode.AUTOMATIC, options=chosen,
                                 current=current, started=started)
        run = runner.run()
    if save:
        save_run(new_uow(), run)
    return run


# --- partner mode ----------------------------------------------------------------------------------------


def run_partner(new_uow: Callable[[], UnitOfWork], settings: Settings, transport: Transport, request: RunRequest,
                options: RunOptions | None = None, *, save: bool = True) -> ChecklistRun:
    """A run against a real external system: this installation plays the side it serves, through ``transport``
    (its configured one), and waits for the partner's messages; what it cannot judge is left to be marked."""
    chosen = options or RunOptions()
    _check_patient(request.patient_id)
    checklist = chosen.checklist or bundled_checklist()
    setup = resolve_parties(new_uow(), request.hospital, request.municipality)
    with new_uow() as uow:
        parties = uow.parties.all()
    ours = [side for side in Side if parties.is_served_locally(setup.organisation(side))]
    if len(ours) != 1:
        raise ChecklistError("I partnermodus må denne installasjonen betjene nøyaktig én av partene (sykehuset "
                             "eller kommunen) som lokal part; den andre er partnerens system.")
    our = ours[0]
    current = _Current()
    tampered = TamperedTransport(transport, our, chosen.tamper, current)
    parts = NodeParts(new_uow=new_uow, transport=tampered,
                      receive_options=ReceiveOptions(schemas=settings.schemas, max_bytes=settings.max_message_bytes,
                                                     unknown_patient_rejects=settings.unknown_patient_rejects),
                      worker=f"sjekkliste:{os.getpid()}", backoff=CHECKLIST_BACKOFF)
    sides = {our: SideNode(our, parts, SendOptions(schemas=settings.schemas, max_bytes=settings.max_message_bytes)),
             our.other: SideNode(our.other)}
    runner = ChecklistRunner(checklist, setup, sides, request=request, mode=RunMode.PARTNER, options=chosen,
                             current=current)
    run = runner.run()
    if save:
        save_run(new_uow(), run)
    return run


# --- the store: save, mark, history, coverage ---------------------------------------------------------------


def save_run(uow: UnitOfWork, run: ChecklistRun) -> None:
    from samhandling.services.checklist_report import report_json

    with uow:
        uow.checklist.add(run, report_json(run))
        uow.commit()


def get_run(uow: UnitOfWork, run_id: str) -> ChecklistRun:
    with uow:
        stored = uow.checklist.get(run_id)
    if stored is None:
        raise ChecklistError(f"Ingen kjøring av sjekklisten med id {run_id}.")
    return stored.run


def mark_case(uow: UnitOfWork, run_id: str, number: int, result: CaseResult, *, by: str, note: str = "",
              now: datetime | None = None) -> ChecklistRun:
    """The tester's judgement of a case (one the runner left, or a correction), kept with who and when; the
    report is made again."""
    from samhandling.services.checklist_report import report_json

    if result is CaseResult.NOT_RUN:
        raise ChecklistError("Et tilfelle markeres som passed (bestått) eller failed (ikke bestått).")
    with uow:
        stored = uow.checklist.get(run_id)
        if stored is None:
            raise ChecklistError(f"Ingen kjøring av sjekklisten med id {run_id}.")
        try:
            changed = stored.run.with_mark(number, Mark(at=now or utc_now(), by=by, result=result,
                                                        note=" ".join(note.split())[:500]))
        except KeyError:
            raise ChecklistError(f"Kjøringen {run_id} har ikke tilfelle {number}.") from None
        except ValueError as exc:
            raise ChecklistError(str(exc)) from None
        uow.checklist.replace(changed, report_json(changed))
        uow.commit()
    return changed


def history(uow: UnitOfWork, *, municipality: str | None = None, hospital: str | None = None,
            limit: int | None = None) -> list[ChecklistRun]:
    with uow:
        return uow.checklist.list(municipality_her_id=municipality, hospital_her_id=hospital, limit=limit)


def checklist_coverage(uow: UnitOfWork) -> Coverage:
    """The procedure's rule over the stored runs and the register's partners (their EPJ systems now)."""
    with uow:
        runs = uow.checklist.list()
        parties = uow.parties.all()
        hospitals, municipalities = [], []
        for profile in uow.registers.partners.list():
            party = parties.get(profile.her_id)
            if party is None or not profile.active:
                continue
            if profile.category is PartnerCategory.HELSEFORETAK:
                hospitals.append(_snapshot(uow, party))
            elif profile.category is PartnerCategory.KOMMUNE:
                municipalities.append(_snapshot(uow, party))
    return coverage(runs, hospitals=hospitals, municipalities=municipalities)


def run_json(run: ChecklistRun) -> dict[str, Any]:
    """The run as ``checklist run --json`` prints it."""
    from samhandling.domain.checklist import evidence_json

    return {
        "run_id": run.run_id,
        "cases": [{"number": c.number, "title": c.title, "sender_side": c.sender_side, "result": c.result.value,
                   "evidence": [evidence_json(e) for e in c.evidence],
                   "checks": [{"check": k.check.value, "passed": k.passed, "detail": k.detail} for k in c.checks],
                   "notes": list(c.notes), "note": c.note}
                  for c in run.cases],
        "passed": run.passed,
        "failed": run.failed,
        "not_run": run.not_run,
    }
