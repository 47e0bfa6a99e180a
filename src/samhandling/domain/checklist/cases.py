"""The cooperation test checklist (forløpstester) between the hospital and a municipality, and its results.

The cooperation procedure (samhandlingsprosedyren, section 3.5, and its appendix "Sjekkliste for normale
test-tilfeller") requires flow tests when a new communication partner starts, when a communication module
changes, when a system that affects messages changes, and when a new message version comes. The hospital
tests every change against at least one municipal partner per municipal EPJ system; a municipality tests
every change against the hospital.

The checklist itself is data (``samhandling/data/checklist-1.json``), read by :func:`read_checklist`: each
case says who sends (K: the municipality, S: the hospital, or both), what (:class:`DocumentKind`), to which
receivers or in answer to what, and which checks apply. A run (:class:`ChecklistRun`) gives every case a
result (:class:`CaseResult`) with its evidence: per message the ids, the AppRec outcome and each check with
what was wrong. Judging is here (:func:`judge_message`, :func:`judge_case`); gathering the facts is the
runner's (:mod:`samhandling.services.checklist.runs`). :func:`coverage` applies the procedure's rule to the runs.

Nothing here does I/O. The test patient appears only masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from samhandling.domain.clock import as_utc
from samhandling.domain.text import cut

MOJIBAKE = ("Ã¦", "Ã¸", "Ã¥", "Ã†", "Ã˜", "Ã…", "Ã\u0086", "Ã\u0098", "Ã\u0085", "\ufffd")
"""What æ, ø and å become when UTF-8 is read as ISO-8859-1 or Windows-1252, and the replacement character a
decoder leaves for bytes it cannot read: the signs of a system with the wrong encoding."""

NORWEGIAN_LETTERS = frozenset("æøåÆØÅ")


class Side(StrEnum):
    """Who sends, in the checklist's own letters: K the municipality (kommunen), S the hospital (sykehuset)."""

    MUNICIPALITY = "K"
    HOSPITAL = "S"

    @property
    def label(self) -> str:
        return "kommunen" if self is Side.MUNICIPALITY else "sykehuset"

    @property
    def other(self) -> Side:
        return Side.HOSPITAL if self is Side.MUNICIPALITY else Side.MUNICIPALITY


class Trigger(StrEnum):
    """Why the flow test is run (samhandlingsprosedyren 3.5)."""

    NEW_PARTNER = "ny-part"
    COMMUNICATION_MODULE = "kommunikasjonsmodul"
    SYSTEM = "system"
    MESSAGE_VERSION = "meldingsversjon"


TRIGGER_TEXT: Mapping[Trigger, str] = {
    Trigger.NEW_PARTNER: "Ny kommunikasjonspart",
    Trigger.COMMUNICATION_MODULE: "Endret kommunikasjonsmodul",
    Trigger.SYSTEM: "Endring i system som påvirker meldingene",
    Trigger.MESSAGE_VERSION: "Ny meldingsversjon",
}


class RunMode(StrEnum):
    """Automatic: both sides are samhandling nodes. Partner: one side is a real external system."""

    AUTOMATIC = "automatic"
    PARTNER = "partner"


MODE_TEXT: Mapping[RunMode, str] = {
    RunMode.AUTOMATIC: "Automatisk (begge sider er samhandling-noder)",
    RunMode.PARTNER: "Mot partnerens system",
}


class DocumentKind(StrEnum):
    """What a case sends: a document kind the runner knows how to build."""

    INNLEGGELSESRAPPORT = "innleggelsesrapport"
    INNLAGT = "innlagt"
    HELSEOPPLYSNINGER = "helseopplysninger"
    UTSKRIVNINGSKLAR = "utskrivningsklar"
    AVMELDING = "avmelding"
    UTSKREVET = "utskrevet"
    FORESPORSEL = "foresporsel"
    SVAR = "svar"
    AVVIK = "avvik"

    @property
    def msg_type(self) -> str:
        """The MsgHead message type (code system 8279) the document travels as."""
        return MSG_TYPES[self]

    @property
    def is_plo(self) -> bool:
        return self in PLO_KINDS

    @property
    def label(self) -> str:
        return KIND_TEXT[self]


MSG_TYPES: Mapping[DocumentKind, str] = {
    DocumentKind.INNLEGGELSESRAPPORT: "INNLEGGELSESRAPPORT",
    DocumentKind.INNLAGT: "LOG_INNLAGT",
    DocumentKind.HELSEOPPLYSNINGER: "HELSEOPPL_SOKNAD",
    DocumentKind.UTSKRIVNINGSKLAR: "LOG_UTSKRIVNINGSKLAR",
    DocumentKind.AVMELDING: "LOG_AVMELDING",
    DocumentKind.UTSKREVET: "LOG_UTSKREVET",
    DocumentKind.FORESPORSEL: "DIALOG_FORESPORSEL",
    DocumentKind.SVAR: "DIALOG_SVAR",
    DocumentKind.AVVIK: "DIALOG_AVVIK",
}

KIND_TEXT: Mapping[DocumentKind, str] = {
    DocumentKind.INNLEGGELSESRAPPORT: "Innleggelsesrapport",
    DocumentKind.INNLAGT: "Melding om innlagt pasient",
    DocumentKind.HELSEOPPLYSNINGER: "Helseopplysninger",
    DocumentKind.UTSKRIVNINGSKLAR: "Melding om utskrivningsklar pasient",
    DocumentKind.AVMELDING: "Avmelding utskrivningsklar pasient",
    DocumentKind.UTSKREVET: "Melding om utskrevet pasient",
    DocumentKind.FORESPORSEL: "Forespørsel",
    DocumentKind.SVAR: "Svar på forespørsel",
    DocumentKind.AVVIK: "Avvik",
}

PLO_KINDS = frozenset({
    DocumentKind.INNLEGGELSESRAPPORT, DocumentKind.INNLAGT, DocumentKind.HELSEOPPLYSNINGER,
    DocumentKind.UTSKRIVNINGSKLAR, DocumentKind.AVMELDING, DocumentKind.UTSKREVET,
})
DIALOG_KINDS = frozenset(set(DocumentKind) - PLO_KINDS)


class Check(StrEnum):
    """What the runner checks. Per message unless said otherwise."""

    DELIVERED = "delivered"
    VALID = "valid"
    """The bytes as received validate against the official schemas and the built-in rules (HIS 80415 §6.3)."""
    APPREC = "apprec"
    """The receiver answered with a positive AppRec, and the sender got it (HITS 1168)."""
    REPLY = "reply"
    """A reply has ConversationRef/RefToParent to what it answers and goes to its sender (HITS 1218 §3)."""
    TEXT = "text"
    """The text arrives exactly as sent, æ, ø and å included (the messages are UTF-8, HIS 80601)."""
    COMPLETE = "complete"
    """An Innleggelsesrapport carries IPLOS, medication, next of kin, CAVE, diagnoses and services (HIS 1143 §3)."""
    ADDRESSING = "addressing"
    """Per case: the messages of each sending side reached at least two different receivers."""
    SERVICES = "services"
    """Per message to the municipality: its receiver is a service in the municipality, and it was reached."""
    ALL_PLO_APPREC = "all_plo_apprec"
    """Per run: every PLO message of the run got a positive AppRec."""


CHECK_TEXT: Mapping[Check, str] = {
    Check.DELIVERED: "Levert til mottakeren",
    Check.VALID: "Gyldig mot de offisielle skjemaene",
    Check.APPREC: "Positiv applikasjonskvittering",
    Check.REPLY: "Svar til avsenderen, med ConversationRef til meldingen det svares på",
    Check.TEXT: "Æ, ø og å kommer fram uendret",
    Check.COMPLETE: "All informasjon med (IPLOS, legemidler, pårørende, CAVE, diagnoser, tjenester)",
    Check.ADDRESSING: "Adressert fleksibelt til ulike mottakere",
    Check.SERVICES: "Tjenester i kommunen kan være mottakere",
    Check.ALL_PLO_APPREC: "Positiv applikasjonskvittering på hver PLO-melding som er sendt",
}

CHECK_SHORT: Mapping[Check, str] = {
    Check.DELIVERED: "levert",
    Check.VALID: "gyldig",
    Check.APPREC: "positiv AppRec",
    Check.REPLY: "svar til avsender med ConversationRef",
    Check.TEXT: "æøå uendret",
    Check.COMPLETE: "all informasjon med",
    Check.ADDRESSING: "fleksibel adressering",
    Check.SERVICES: "tjeneste i kommunen nådd",
    Check.ALL_PLO_APPREC: "positiv AppRec på alle PLO-meldinger",
}

CASE_CHECKS = frozenset({Check.ADDRESSING})
RUN_CHECKS = frozenset({Check.ALL_PLO_APPREC})


class Receiver(StrEnum):
    """Which receiver on the other side a message goes to, resolved against the register for each run."""

    PRIMARY = "primary"
    """The first service of the party (or the party named for the run, if it is a service)."""
    SECOND = "second"
    """Another service of the same organisation; the organisation itself when it has no other service."""
    ORGANISATION = "organisation"


class CaseResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"

    @property
    def label(self) -> str:
        return RESULT_TEXT[self]


RESULT_TEXT: Mapping[CaseResult, str] = {
    CaseResult.PASSED: "Bestått",
    CaseResult.FAILED: "Ikke bestått",
    CaseResult.NOT_RUN: "Ikke kjørt",
}


class AppRecOutcome(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    MISSING = "missing"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return APPREC_TEXT[self]


APPREC_TEXT: Mapping[AppRecOutcome, str] = {
    AppRecOutcome.POSITIVE: "positiv",
    AppRecOutcome.NEGATIVE: "negativ",
    AppRecOutcome.MISSING: "mangler",
    AppRecOutcome.UNKNOWN: "ukjent",
}


# --- the checklist as data ----------------------------------------------------------------------------


class ChecklistFormatError(ValueError):
    """A checklist file that cannot be used; one Norwegian line naming the case and field."""


@dataclass(frozen=True)
class AnswerRef:
    """What a message answers: the message of an earlier case sent by the other side (the one that reached
    ``receiver`` on the answering side, else the first), or the latest message of ``kind`` from the other side."""

    case: int | None = None
    kind: DocumentKind | None = None
    receiver: Receiver | None = None

    def __post_init__(self) -> None:
        if (self.case is None) == (self.kind is None):
            raise ValueError("et svar viser til enten et tilfelle (case) eller en meldingstype (kind)")


@dataclass(frozen=True, kw_only=True)
class CaseSpec:
    """One case of the checklist.

    A case sends one message per side in ``senders`` and per receiver in ``receivers`` (or, when it answers,
    per message in ``answers``; an answer goes to the sender of what it answers). A case without ``kind``
    sends nothing: it judges the messages of the whole run (case 19, the AppRec of every PLO message).
    """

    number: int
    title: str
    senders: tuple[Side, ...]
    kind: DocumentKind | None
    receivers: tuple[Receiver, ...] = (Receiver.PRIMARY,)
    answers: tuple[AnswerRef, ...] = ()
    text: str | None = None
    checks: tuple[Check, ...] = ()
    note: str | None = None

    @property
    def summary(self) -> bool:
        return self.kind is None

    @property
    def sender_label(self) -> str:
        """The form's column: "K", "S" or "K og S"."""
        return " og ".join(s.value for s in self.senders)


@dataclass(frozen=True)
class PlannedSend:
    """One message a case sends: from ``side``, to ``receiver`` or in answer to ``answers``."""

    side: Side
    receiver: Receiver | None
    answers: AnswerRef | None


def planned_sends(case: CaseSpec) -> tuple[PlannedSend, ...]:
    """The messages of a case, municipality first when both sides send."""
    if case.summary:
        return ()
    order = sorted(case.senders, key=lambda s: s is Side.HOSPITAL)
    if case.answers:
        return tuple(PlannedSend(side, None, ref) for side in order for ref in case.answers)
    return tuple(PlannedSend(side, receiver, None) for side in order for receiver in case.receivers)


@dataclass(frozen=True, kw_only=True)
class Checklist:
    id: str
    version: str
    title: str
    source: str
    cases: tuple[CaseSpec, ...]

    def case(self, number: int) -> CaseSpec:
        for case in self.cases:
            if case.number == number:
                return case
        raise KeyError(number)


def read_checklist(document: object, name: str = "sjekklisten") -> Checklist:
    """A checklist from its parsed JSON; :class:`ChecklistFormatError` naming the place of the first fault.

    ``{"id", "version", "title", "source", "cases": [{"number", "title", "sender": "K"|"S"|"KS", "send": kind
    or null, "receivers": [...], "answers": [{"case": N, "receiver": ...} | {"kind": ...}], "text", "checks":
    [...], "note"}]}``. An answer must refer to an earlier case that sends, and numbers are unique.
    """
    if not isinstance(document, dict):
        raise ChecklistFormatError(f"{name}: må være et JSON-objekt")
    head = {key: _text(document, key, name) for key in ("id", "version", "title", "source")}
    entries = document.get("cases")
    if not isinstance(entries, list) or not entries:
        raise ChecklistFormatError(f'{name}: "cases" må være en ikke-tom liste')
    cases: list[CaseSpec] = []
    for i, entry in enumerate(entries):
        where = f"{name}: cases[{i}]"
        case = _read_case(entry, where)
        if any(c.number == case.number for c in cases):
            raise ChecklistFormatError(f"{where}: tilfelle {case.number} står to ganger")
        for ref in case.answers:
            if ref.case is None:
                continue
            earlier = next((c for c in cases if c.number == ref.case), None)
            if earlier is None or earlier.summary:
                raise ChecklistFormatError(f"{where}: svarer på tilfelle {ref.case}, som ikke er et tidligere "
                                           "tilfelle som sender meldinger")
            if not {s.other for s in case.senders} <= set(earlier.senders):
                raise ChecklistFormatError(f"{where}: tilfelle {ref.case} sendes ikke av den andre siden")
        cases.append(case)
    return Checklist(id=head["id"], version=head["version"], title=head["title"], source=head["source"],
                     cases=tuple(cases))


_KNOWN_CASE_KEYS = frozenset({"number", "title", "sender", "send", "receivers", "answers", "text", "checks",
                              "note"})


def _read_case(entry: object, where: str) -> CaseSpec:
    if not isinstance(entry, dict):
        raise ChecklistFormatError(f"{where}: må være et objekt")
    unknown = sorted(set(entry) - _KNOWN_CASE_KEYS)
    if unknown:
        raise ChecklistFormatError(f"{where}: ukjent felt «{unknown[0]}»")
    number = entry.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ChecklistFormatError(f"{where}.number: må være et positivt heltall")
    where = f"{where} (tilfelle {number})"
    sender = entry.get("sender")
    if sender not in ("K", "S", "KS"):
        raise ChecklistFormatError(f"{where}.sender: må være K, S eller KS")
    senders = tuple(Side(letter) for letter in sender)
    kind = _enum(DocumentKind, entry.get("send"), f"{where}.send") if entry.get("send") is not None else None
    receivers = tuple(_enum(Receiver, r, f"{where}.receivers") for r in _list(entry, "receivers", where))
    answers = tuple(_answer(a, f"{where}.answers[{j}]") for j, a in enumerate(_list(entry, "answers", where)))
    checks = tuple(_enum(Check, c, f"{where}.checks") for c in _list(entry, "checks", where))
    if kind is None and (receivers or answers):
        raise ChecklistFormatError(f"{where}: et tilfelle uten melding (send: null) kan ikke ha mottakere eller svar")
    if kind is None and not set(checks) <= RUN_CHECKS:
        raise ChecklistFormatError(f"{where}: et tilfelle uten melding kan bare ha kontrollene "
                                   + ", ".join(sorted(RUN_CHECKS)))
    if kind is not None and set(checks) & RUN_CHECKS:
        raise ChecklistFormatError(f"{where}: kontrollen {Check.ALL_PLO_APPREC} hører til et tilfelle uten melding")
    if receivers and answers:
        raise ChecklistFormatError(f"{where}: et svar går til avsenderen; oppgi enten receivers eller answers")
    if answers and Check.REPLY not in checks:
        checks = (*checks, Check.REPLY)
    if not checks:
        raise ChecklistFormatError(f"{where}.checks: minst én kontroll")
    text = entry.get("text")
    note = entry.get("note")
    for key, value in (("text", text), ("note", note)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ChecklistFormatError(f"{where}.{key}: må være en ikke-tom tekst")
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ChecklistFormatError(f"{where}.title: må være en ikke-tom tekst")
    return CaseSpec(number=number, title=title.strip(), senders=senders, kind=kind,
                    receivers=receivers or ((Receiver.PRIMARY,) if kind is not None and not answers else ()),
                    answers=answers, text=text, checks=checks, note=note)


def _text(document: Mapping[str, object], key: str, where: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ChecklistFormatError(f'{where}: "{key}" må være en ikke-tom tekst')
    return value.strip()


def _list(entry: Mapping[str, object], key: str, where: str) -> list[object]:
    value = entry.get(key, [])
    if not isinstance(value, list):
        raise ChecklistFormatError(f"{where}.{key}: må være en liste")
    return value


_E = TypeVar("_E", bound=StrEnum)


def _enum(kind: type[_E], value: object, where: str) -> _E:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ChecklistFormatError(f"{where}: ukjent verdi «{value}» (tillatt: {allowed})") from None


def _answer(value: object, where: str) -> AnswerRef:
    if not isinstance(value, dict) or not set(value) <= {"case", "kind", "receiver"}:
        raise ChecklistFormatError(f'{where}: må være {{"case": N}} eller {{"kind": type}}, eventuelt med "receiver"')
    case = value.get("case")
    if case is not None and (not isinstance(case, int) or isinstance(case, bool)):
        raise ChecklistFormatError(f"{where}.case: må være et tilfellenummer")
    kind = _enum(DocumentKind, value["kind"], f"{where}.kind") if value.get("kind") is not None else None
    receiver = _enum(Receiver, value["receiver"], f"{where}.receiver") if value.get("receiver") is not None else None
    try:
        return AnswerRef(case=case, kind=kind, receiver=receiver)
    except ValueError as exc:
        raise ChecklistFormatError(f"{where}: {exc}") from None


# --- evidence and judging ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """One check of one message (or case): passed, failed, or None when it could not be judged."""

    check: Check
    passed: bool | None
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class Answered:
    """The message a reply answers, as the answering side received it."""

    msg_id: str
    sender_her_id: str | None


@dataclass(frozen=True, kw_only=True)
class MessageFacts:
    """What the runner found out about one message; None where it cannot know (the other side is external).

    ``recipient_her_id`` is where the message arrived, ``addressed_her_id`` the primary receiver in its MsgHead,
    ``intended_her_id`` where the case meant it to go (for a reply: the sender of what it answers).
    """

    delivered: bool | None
    recipient_her_id: str | None = None
    addressed_her_id: str | None = None
    intended_her_id: str | None = None
    findings: tuple[str, ...] | None = None
    schema_checked: bool = False
    apprec: AppRecOutcome = AppRecOutcome.UNKNOWN
    apprec_errors: tuple[str, ...] = ()
    apprec_by_us: bool = False
    """The AppRec was sent by samhandling for a partner's message (partner mode)."""
    waited_seconds: float = 0.0
    answered: Answered | None = None
    parent_ref: str | None = None
    text_sent: str | None = None
    text_received: str | None = None
    missing_parts: tuple[str, ...] | None = None
    to_municipality: bool = False
    receiver_is_municipal_service: bool | None = None


def judge_message(checks: Iterable[Check], facts: MessageFacts) -> tuple[CheckResult, ...]:
    """The per-message checks of a case, judged on the facts (case and run checks are left out)."""
    results: list[CheckResult] = []
    for check in checks:
        if check in CASE_CHECKS or check in RUN_CHECKS:
            continue
        if check is Check.SERVICES and not facts.to_municipality:
            continue  # only messages to the municipality are addressed to its services
        results.append(_JUDGES[check](facts))
    return tuple(results)


def _delivered(f: MessageFacts) -> CheckResult:
    if f.delivered is None:
        if f.apprec is AppRecOutcome.POSITIVE or f.apprec is AppRecOutcome.NEGATIVE:
            return CheckResult(Check.DELIVERED, True, "Mottakeren svarte med applikasjonskvittering.")
        return CheckResult(Check.DELIVERED, None, "Kan ikke ses herfra; mottakerens system må bekrefte.")
    if not f.delivered:
        return CheckResult(Check.DELIVERED, False, f"Meldingen kom ikke fram innen {f.waited_seconds:g} s.")
    return CheckResult(Check.DELIVERED, True, f"Mottatt hos HER-id {f.recipient_her_id}.")


def _valid(f: MessageFacts) -> CheckResult:
    if f.findings is None:
        return CheckResult(Check.VALID, None, "Meldingen er ikke tilgjengelig for validering.")
    if f.findings:
        return CheckResult(Check.VALID, False, "; ".join(f.findings[:5]))
    if not f.schema_checked:
        return CheckResult(Check.VALID, True, "Ingen feil i de innebygde reglene; skjemavalidering var av "
                                              "(de offisielle skjemaene er ikke installert).")
    return CheckResult(Check.VALID, True, "Gyldig mot de offisielle skjemaene.")


def _apprec(f: MessageFacts) -> CheckResult:
    codes = f" ({', '.join(f.apprec_errors)})" if f.apprec_errors else ""
    if f.apprec is AppRecOutcome.POSITIVE:
        if f.apprec_by_us:
            return CheckResult(Check.APPREC, True, "samhandling svarte med positiv kvittering" + codes + ".")
        return CheckResult(Check.APPREC, True, "Positiv kvittering mottatt" + codes + ".")
    if f.apprec is AppRecOutcome.NEGATIVE:
        who = "samhandling avviste meldingen" if f.apprec_by_us else "Negativ kvittering mottatt"
        return CheckResult(Check.APPREC, False, who + codes + ".")
    if f.apprec is AppRecOutcome.MISSING:
        return CheckResult(Check.APPREC, False, f"Ingen kvittering innen {f.waited_seconds:g} s.")
    if f.waited_seconds:
        return CheckResult(Check.APPREC, None, f"Ingen kvittering fra mottakerens system innen {f.waited_seconds:g} s.")
    return CheckResult(Check.APPREC, None, "Kvitteringen er ikke kjent.")


def _reply(f: MessageFacts) -> CheckResult:
    if f.answered is None:
        return CheckResult(Check.REPLY, None, "Meldingen det svares på, er ikke kjent.")
    problems = []
    if f.parent_ref != f.answered.msg_id:
        found = f.parent_ref or "ingen"
        problems.append(f"ConversationRef/RefToParent er {found}, ikke {f.answered.msg_id}")
    if f.answered.sender_her_id is not None and f.addressed_her_id != f.answered.sender_her_id:
        problems.append(f"adressert til HER-id {f.addressed_her_id or 'ingen'}, ikke til avsenderen "
                        f"{f.answered.sender_her_id}")
    if problems:
        text = "; ".join(problems)
        return CheckResult(Check.REPLY, False, text[0].upper() + text[1:] + ".")
    return CheckResult(Check.REPLY, True, f"Svar på {f.answered.msg_id} til avsenderen HER-id "
                                          f"{f.answered.sender_her_id}.")


def _text_check(f: MessageFacts) -> CheckResult:
    received = f.text_received
    if received is None:
        return CheckResult(Check.TEXT, None, "Teksten er ikke tilgjengelig.")
    if f.text_sent is not None:
        if received == f.text_sent:
            return CheckResult(Check.TEXT, True, "Teksten kom fram tegn for tegn, med æ, ø og å.")
        return CheckResult(Check.TEXT, False, f"Sendt «{cut(f.text_sent, 80)}», mottatt «{cut(received, 80)}».")
    if any(sign in received for sign in MOJIBAKE):
        return CheckResult(Check.TEXT, False, f"Tegn er ødelagt: «{cut(received, 80)}».")
    if NORWEGIAN_LETTERS & set(received):
        return CheckResult(Check.TEXT, True, f"Mottatt «{cut(received, 80)}».")
    return CheckResult(Check.TEXT, None, "Teksten har ingen æ, ø eller å; testeren må vurdere.")


def _complete(f: MessageFacts) -> CheckResult:
    if f.missing_parts is None:
        return CheckResult(Check.COMPLETE, None, "Dokumentet er ikke tilgjengelig.")
    if f.missing_parts:
        return CheckResult(Check.COMPLETE, False, "Mangler: " + ", ".join(f.missing_parts) + ".")
    return CheckResult(Check.COMPLETE, True, "IPLOS, legemidler, pårørende, CAVE, diagnoser og tjenester er med.")


def _services(f: MessageFacts) -> CheckResult:
    target = f.recipient_her_id or f.addressed_her_id
    if f.receiver_is_municipal_service is None:
        return CheckResult(Check.SERVICES, None, "Mottakeren er ikke kjent i registeret.")
    if not f.receiver_is_municipal_service:
        return CheckResult(Check.SERVICES, False, f"HER-id {target} er ikke en tjeneste i kommunen (registrer "
                                                  "tjenestene i kommunen som kommunikasjonsparter).")
    if f.delivered is False:
        return CheckResult(Check.SERVICES, False, f"Tjenesten HER-id {target} ble ikke nådd.")
    return CheckResult(Check.SERVICES, True, f"Tjenesten HER-id {target} ble nådd.")


_JUDGES = {
    Check.DELIVERED: _delivered,
    Check.VALID: _valid,
    Check.APPREC: _apprec,
    Check.REPLY: _reply,
    Check.TEXT: _text_check,
    Check.COMPLETE: _complete,
    Check.SERVICES: _services,
}


@dataclass(frozen=True, kw_only=True)
class MessageEvidence:
    """One message of a case, as the report shows it: who sent it to whom, its ids, its AppRec, the checks."""

    case: int
    side: Side
    kind: DocumentKind
    msg_id: str | None
    sender_her_id: str | None
    receiver_her_id: str | None
    answers_msg_id: str | None = None
    apprec: AppRecOutcome = AppRecOutcome.UNKNOWN
    apprec_msg_id: str | None = None
    apprec_errors: tuple[str, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    problem: str | None = None
    """Why the message could not be sent or found (then it has no checks)."""

    @property
    def msg_type(self) -> str:
        return self.kind.msg_type

    @property
    def failed(self) -> bool:
        return any(c.passed is False for c in self.checks)


def judge_addressing(evidence: Sequence[MessageEvidence]) -> tuple[CheckResult, ...]:
    """Per sending side: its messages reached at least two different receivers, every one of them. Not judged
    for a side whose messages were not all sent (or, in partner mode, did not all come)."""
    results = []
    for side in (Side.MUNICIPALITY, Side.HOSPITAL):
        mine = [e for e in evidence if e.side is side]
        if not mine:
            continue
        delivered = [c.passed for e in mine for c in e.checks if c.check is Check.DELIVERED]
        receivers = sorted({e.receiver_her_id for e in mine if e.receiver_her_id})
        if any(e.problem is not None for e in mine):
            results.append(CheckResult(Check.ADDRESSING, None, f"{side.value}: ikke alle meldingene ble sendt."))
        elif len(receivers) < 2:
            found = ", ".join(receivers) or "ingen"
            results.append(CheckResult(Check.ADDRESSING, False, f"{side.value}: bare én mottaker ({found}); "
                                       "registrer flere tjenester for parten."))
        elif False in delivered:
            results.append(CheckResult(Check.ADDRESSING, False, f"{side.value}: ikke alle mottakerne ble nådd."))
        elif None in delivered:
            results.append(CheckResult(Check.ADDRESSING, None, f"{side.value}: mottak kan ikke ses herfra."))
        else:
            results.append(CheckResult(Check.ADDRESSING, True, f"{side.value}: nådde " + ", ".join(receivers) + "."))
    return tuple(results)


def judge_plo_apprecs(evidence: Sequence[MessageEvidence]) -> CheckResult:
    """Case 19: every PLO message sent in the run got a positive AppRec."""
    plo = [e for e in evidence if e.kind.is_plo and e.msg_id is not None]
    if not plo:
        return CheckResult(Check.ALL_PLO_APPREC, None, "Ingen PLO-meldinger ble sendt.")
    bad = [e for e in plo if e.apprec is not AppRecOutcome.POSITIVE and e.apprec is not AppRecOutcome.UNKNOWN]
    unknown = [e for e in plo if e.apprec is AppRecOutcome.UNKNOWN]
    if bad:
        listed = ", ".join(f"tilfelle {e.case} ({e.kind.label}: {e.apprec.label})" for e in bad)
        return CheckResult(Check.ALL_PLO_APPREC, False, f"Ikke positiv kvittering: {listed}.")
    if unknown:
        listed = ", ".join(f"tilfelle {e.case}" for e in unknown)
        return CheckResult(Check.ALL_PLO_APPREC, None, f"Kvitteringen er ikke kjent for {listed}.")
    return CheckResult(Check.ALL_PLO_APPREC, True, f"Positiv kvittering på alle {len(plo)} PLO-meldingene.")


def judge_case(evidence: Sequence[MessageEvidence], checks: Sequence[CheckResult] = (),
               *, not_run: str | None = None) -> CaseResult:
    """Failed when anything failed; not run when nothing was judged, something could not be judged, or the
    case could not be carried out; passed otherwise."""
    every = [c for e in evidence for c in e.checks] + list(checks)
    if any(c.passed is False for c in every):
        return CaseResult.FAILED
    if not_run is not None or not every or any(e.problem for e in evidence):
        return CaseResult.NOT_RUN
    if any(c.passed is None for c in every):
        return CaseResult.NOT_RUN
    return CaseResult.PASSED


@dataclass(frozen=True, kw_only=True)
class Mark:
    """A tester's judgement of a case the runner left (or a correction), with who and when."""

    at: datetime
    by: str
    result: CaseResult
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc("at", self.at))
        object.__setattr__(self, "result", CaseResult(self.result))
        if not self.by.strip():
            raise ValueError("En markering må si hvem som gjorde den.")
        if self.result is CaseResult.NOT_RUN:
            raise ValueError("En test-tilfelle markeres som bestått eller ikke bestått.")


@dataclass(frozen=True, kw_only=True)
class CaseOutcome:
    """The result of one case, with its evidence and the testers' marks (the last mark decides)."""

    number: int
    title: str
    sender_side: str
    result: CaseResult
    evidence: tuple[MessageEvidence, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    """Checks of the whole case (addressing) or run (case 19)."""
    notes: tuple[str, ...] = ()
    """What the runner has to say: why a case was not run, what the tester must judge."""
    note: str | None = None
    """The checklist's own note, e.g. that case 17 repeats case 16."""
    marks: tuple[Mark, ...] = ()

    @property
    def to_mark(self) -> bool:
        """Left to the tester: not run by the runner and not marked yet."""
        return self.result is CaseResult.NOT_RUN and not self.marks

    def problems(self) -> list[str]:
        """What was wrong, one line each (for the report)."""
        found = [f"{CHECK_TEXT[c.check]}: {c.detail}" for c in self.checks if c.passed is False]
        for e in self.evidence:
            if e.problem:
                found.append(e.problem)
            found += [f"{e.side.value} {e.kind.label}: {CHECK_TEXT[c.check]}: {c.detail}"
                      for c in e.checks if c.passed is False]
        return found

    def with_mark(self, mark: Mark) -> CaseOutcome:
        return replace(self, result=mark.result, marks=(*self.marks, mark))


@dataclass(frozen=True, kw_only=True)
class PartySnapshot:
    """A party of the run as the register had it then: the form's columns for EPJ and "Link"."""

    her_id: str
    name: str
    epj_system: str | None = None
    epj_version: str | None = None
    comm_module: str | None = None
    comm_version: str | None = None
    municipality_number: str | None = None
    municipality_name: str | None = None

    @property
    def configuration(self) -> Configuration:
        return Configuration(epj_system=self.epj_system, epj_version=self.epj_version,
                             comm_module=self.comm_module, comm_version=self.comm_version)


@dataclass(frozen=True, kw_only=True)
class ChecklistRun:
    """One run of the checklist between a hospital and a municipality."""

    run_id: str
    checklist_id: str
    checklist_version: str
    mode: RunMode
    trigger: Trigger
    changed: Side
    """Whose change the run tests."""
    started_at: datetime
    finished_at: datetime | None
    hospital: PartySnapshot
    municipality: PartySnapshot
    tester_hospital: str | None = None
    tester_municipality: str | None = None
    patient: str
    """The test patient's identifier, masked (never the full number)."""
    schemas_checked: bool = False
    cases: tuple[CaseOutcome, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", RunMode(self.mode))
        object.__setattr__(self, "trigger", Trigger(self.trigger))
        object.__setattr__(self, "changed", Side(self.changed))
        object.__setattr__(self, "started_at", as_utc("started_at", self.started_at))
        if self.finished_at is not None:
            object.__setattr__(self, "finished_at", as_utc("finished_at", self.finished_at))
        if any(ch.isdigit() for ch in self.patient[6:]):
            raise ValueError("Testpasienten lagres bare maskert.")

    def count(self, result: CaseResult) -> int:
        return sum(1 for c in self.cases if c.result is result)

    @property
    def passed(self) -> int:
        return self.count(CaseResult.PASSED)

    @property
    def failed(self) -> int:
        return self.count(CaseResult.FAILED)

    @property
    def not_run(self) -> int:
        return self.count(CaseResult.NOT_RUN)

    @property
    def all_passed(self) -> bool:
        return bool(self.cases) and self.passed == len(self.cases)

    def case(self, number: int) -> CaseOutcome:
        for case in self.cases:
            if case.number == number:
                return case
        raise KeyError(number)

    def with_mark(self, number: int, mark: Mark) -> ChecklistRun:
        """The run with case ``number`` marked; KeyError for a case the run does not have."""
        self.case(number)
        return replace(self, cases=tuple(c.with_mark(mark) if c.number == number else c for c in self.cases))


# --- coverage: the procedure's rule ----------------------------------------------------------------


def _fold(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


@dataclass(frozen=True, kw_only=True)
class Configuration:
    """A side's systems: EPJ and communication module ("Link"), with versions."""

    epj_system: str | None = None
    epj_version: str | None = None
    comm_module: str | None = None
    comm_version: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (_fold(self.epj_system), _fold(self.epj_version), _fold(self.comm_module), _fold(self.comm_version))

    @property
    def label(self) -> str:
        epj = " ".join(v for v in (self.epj_system, self.epj_version) if v) or "EPJ ikke registrert"
        link = " ".join(v for v in (self.comm_module, self.comm_version) if v) or "Link ikke registrert"
        return f"{epj} / {link}"


@dataclass(frozen=True, kw_only=True)
class TestedSystem:
    epj_system: str
    municipality_her_id: str
    municipality_name: str
    run_id: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class HospitalChangeCoverage:
    """One configuration of a hospital's systems (a change): which municipal EPJ systems a passed run covered,
    and which are missing."""

    hospital_her_id: str
    hospital_name: str
    configuration: Configuration
    current: bool
    tested: tuple[TestedSystem, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MunicipalityCoverage:
    """Whether a municipality's current systems were tested against the hospital in a passed run."""

    her_id: str
    name: str
    configuration: Configuration
    tested: bool
    last_passed_run: str | None
    last_passed_at: datetime | None
    last_passed_configuration: Configuration | None


@dataclass(frozen=True, kw_only=True)
class Coverage:
    hospitals: tuple[HospitalChangeCoverage, ...]
    municipalities: tuple[MunicipalityCoverage, ...]
    without_epj: tuple[str, ...]
    """Municipalities (names) without an EPJ system in the register: they cannot count for the rule."""


def coverage(runs: Sequence[ChecklistRun], *, hospitals: Sequence[PartySnapshot],
             municipalities: Sequence[PartySnapshot]) -> Coverage:
    """The procedure's rule (samhandlingsprosedyren 3.5): every hospital change (a configuration of its EPJ and
    communication module) is flow-tested against at least one municipality per municipal EPJ system, and every
    municipality's change against the hospital. Only runs where every case passed count; the systems are the
    ones each run recorded, the requirement the EPJ systems of ``municipalities`` (the register now)."""
    passed = sorted((r for r in runs if r.all_passed), key=lambda r: r.started_at)
    required: dict[str, str] = {}
    for m in municipalities:
        if m.epj_system:
            required.setdefault(_fold(m.epj_system), m.epj_system)
    without = tuple(sorted(m.name for m in municipalities if not m.epj_system))

    hospital_rows: list[HospitalChangeCoverage] = []
    registered = {h.her_id: h for h in hospitals}
    known = dict(registered)
    for run in runs:
        known.setdefault(run.hospital.her_id, run.hospital)
    for her_id, hospital in sorted(known.items()):
        configurations: dict[tuple[str, str, str, str], Configuration] = {}
        for run in sorted((r for r in runs if r.hospital.her_id == her_id), key=lambda r: r.started_at):
            configurations.setdefault(run.hospital.configuration.key, run.hospital.configuration)
        current = registered[her_id].configuration if her_id in registered else None
        if current is not None:
            configurations.setdefault(current.key, current)
        for key, configuration in configurations.items():
            tested: dict[str, TestedSystem] = {}
            for run in passed:
                if run.hospital.her_id != her_id or run.hospital.configuration.key != key:
                    continue
                system = _fold(run.municipality.epj_system)
                if system:
                    tested[system] = TestedSystem(
                        epj_system=run.municipality.epj_system or "", municipality_her_id=run.municipality.her_id,
                        municipality_name=run.municipality.name, run_id=run.run_id, at=run.started_at)
            missing = tuple(sorted(name for folded, name in required.items() if folded not in tested))
            hospital_rows.append(HospitalChangeCoverage(
                hospital_her_id=her_id, hospital_name=hospital.name, configuration=configuration,
                current=current is not None and key == current.key,
                tested=tuple(sorted(tested.values(), key=lambda t: _fold(t.epj_system))), missing=missing))

    municipality_rows = []
    for m in sorted(municipalities, key=lambda m: _fold(m.name)):
        own = [r for r in passed if r.municipality.her_id == m.her_id]
        matching = [r for r in own if r.municipality.configuration.key == m.configuration.key]
        last = (matching or own)[-1] if own else None
        municipality_rows.append(MunicipalityCoverage(
            her_id=m.her_id, name=m.name, configuration=m.configuration, tested=bool(matching),
            last_passed_run=last.run_id if last else None, last_passed_at=last.started_at if last else None,
            last_passed_configuration=last.municipality.configuration if last else None))
    return Coverage(hospitals=tuple(hospital_rows), municipalities=tuple(municipality_rows), without_epj=without)


# --- JSON ------------------------------------------------------------------------------------------


def check_json(check: CheckResult) -> dict[str, Any]:
    return {"check": check.check.value, "text": CHECK_TEXT[check.check], "passed": check.passed,
            "detail": check.detail}


def check_from_json(value: Mapping[str, Any]) -> CheckResult:
    return CheckResult(Check(value["check"]), value.get("passed"), value.get("detail", ""))


def evidence_json(e: MessageEvidence) -> dict[str, Any]:
    return {
        "case": e.case, "side": e.side.value, "kind": e.kind.value, "msg_type": e.msg_type, "msg_id": e.msg_id,
        "sender_her_id": e.sender_her_id, "receiver_her_id": e.receiver_her_id,
        "answers_msg_id": e.answers_msg_id, "apprec": e.apprec.value, "apprec_msg_id": e.apprec_msg_id,
        "apprec_errors": list(e.apprec_errors), "checks": [check_json(c) for c in e.checks], "problem": e.problem,
    }


def evidence_from_json(value: Mapping[str, Any]) -> MessageEvidence:
    return MessageEvidence(
        case=int(value["case"]), side=Side(value["side"]), kind=DocumentKind(value["kind"]), msg_id=value.get("msg_id"),
        sender_her_id=value.get("sender_her_id"), receiver_her_id=value.get("receiver_her_id"),
        answers_msg_id=value.get("answers_msg_id"), apprec=AppRecOutcome(value.get("apprec", "unknown")),
        apprec_msg_id=value.get("apprec_msg_id"), apprec_errors=tuple(value.get("apprec_errors", ())),
        checks=tuple(check_from_json(c) for c in value.get("checks", ())), problem=value.get("problem"),
    )


def mark_json(mark: Mark) -> dict[str, Any]:
    return {"at": mark.at.isoformat(), "by": mark.by, "result": mark.result.value, "note": mark.note}


def mark_from_json(value: Mapping[str, Any]) -> Mark:
    return Mark(at=datetime.fromisoformat(value["at"]), by=value["by"], result=CaseResult(value["result"]),
                note=value.get("note", ""))


@dataclass(frozen=True, kw_only=True)
class CaseDetails:
    """What a stored case keeps beyond its columns: evidence, case checks, notes and marks."""

    evidence: tuple[MessageEvidence, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    notes: tuple[str, ...] = ()
    marks: tuple[Mark, ...] = field(default=())


def case_details_json(case: CaseOutcome) -> dict[str, Any]:
    return {"evidence": [evidence_json(e) for e in case.evidence], "checks": [check_json(c) for c in case.checks],
            "notes": list(case.notes), "marks": [mark_json(m) for m in case.marks]}


def case_details_from_json(value: Mapping[str, Any]) -> CaseDetails:
    return CaseDetails(
        evidence=tuple(evidence_from_json(e) for e in value.get("evidence", ())),
        checks=tuple(check_from_json(c) for c in value.get("checks", ())),
        notes=tuple(value.get("notes", ())),
        marks=tuple(mark_from_json(m) for m in value.get("marks", ())),
    )
