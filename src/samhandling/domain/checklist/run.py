"""A run of the checklist (:class:`ChecklistRun`) and the outcome of each of its cases (:class:`CaseOutcome`),
with the testers' marks (:class:`Mark`) on what the runner could not judge. Nothing here does I/O. The test
patient appears only masked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from samhandling.domain.checklist.judging import CheckResult, MessageEvidence
from samhandling.domain.checklist.model import CHECK_TEXT, CaseResult, RunMode, Side, Trigger
from samhandling.domain.checklist.systems import PartySnapshot
from samhandling.domain.clock import as_utc


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
