"""The checklist as data: its cases, and reading it from its JSON file.

The checklist itself is data (``samhandling/data/checklist-1.json``), read by :func:`read_checklist`: each
case (:class:`CaseSpec`) says who sends (K: the municipality, S: the hospital, or both), what
(:class:`~samhandling.domain.checklist.model.DocumentKind`), to which receivers or in answer to what
(:class:`AnswerRef`), and which checks apply; :func:`planned_sends` lists the messages a case sends.
Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from samhandling.domain.checklist.model import RUN_CHECKS, Check, DocumentKind, Receiver, Side


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
