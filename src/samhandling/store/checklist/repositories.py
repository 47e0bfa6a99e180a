"""The repository of checklist runs: ``uow.checklist`` (:class:`ChecklistRepository`).

A run is stored as one row in ``checklist_runs`` (its form fields as columns, the report as JSON) and one row
per case in ``checklist_cases`` (the result as a column, evidence, notes and marks as JSON). ``SqlChecklist``
works on the unit of work's connection, ``FakeChecklist`` in memory; like the other repositories they never
commit.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.engine import Row

from samhandling.domain.checklist.json_form import case_details_from_json, case_details_json
from samhandling.domain.checklist.model import CaseResult, RunMode, Side, Trigger
from samhandling.domain.checklist.run import CaseOutcome, ChecklistRun
from samhandling.domain.checklist.systems import PartySnapshot
from samhandling.store.checklist.tables import checklist_cases, checklist_runs
from samhandling.store.errors import DuplicateError, UnknownError


class DuplicateRunError(DuplicateError):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"Kjøringen {run_id} er lagret fra før.")
        self.run_id = run_id


class UnknownRunError(UnknownError):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"Ingen kjøring av sjekklisten med id {run_id}.")
        self.run_id = run_id


@dataclass(frozen=True)
class StoredRun:
    """A run with the report made of it when it was last stored."""

    run: ChecklistRun
    report: dict[str, Any]


class ChecklistRepository(Protocol):
    def add(self, run: ChecklistRun, report: dict[str, Any]) -> None:
        """Store a new run. Raises :class:`DuplicateRunError`."""
        ...

    def replace(self, run: ChecklistRun, report: dict[str, Any]) -> None:
        """Store a changed run (a case marked, the run finished). Raises :class:`UnknownRunError`."""
        ...

    def get(self, run_id: str) -> StoredRun | None: ...

    def list(
        self, *, hospital_her_id: str | None = None, municipality_her_id: str | None = None, limit: int | None = None
    ) -> builtins.list[ChecklistRun]:
        """Newest first."""
        ...


# --- SQL -----------------------------------------------------------------------------------------------


def _party_values(prefix: str, party: PartySnapshot) -> dict[str, Any]:
    return {
        f"{prefix}_her_id": party.her_id,
        f"{prefix}_name": party.name,
        f"{prefix}_epj_system": party.epj_system,
        f"{prefix}_epj_version": party.epj_version,
        f"{prefix}_comm_module": party.comm_module,
        f"{prefix}_comm_version": party.comm_version,
    }


def _run_values(run: ChecklistRun, report: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "checklist_id": run.checklist_id,
        "checklist_version": run.checklist_version,
        "mode": run.mode.value,
        "trigger": run.trigger.value,
        "changed_side": run.changed.value,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        **_party_values("hospital", run.hospital),
        **_party_values("municipality", run.municipality),
        "municipality_number": run.municipality.municipality_number,
        "municipality_number_name": run.municipality.municipality_name,
        "tester_hospital": run.tester_hospital,
        "tester_municipality": run.tester_municipality,
        "patient_masked": run.patient,
        "schemas_checked": run.schemas_checked,
        "passed": run.passed,
        "failed": run.failed,
        "not_run": run.not_run,
        "report": report,
    }


def _case_values(run_id: str, case: CaseOutcome) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "number": case.number,
        "title": case.title,
        "sender_side": case.sender_side,
        "result": case.result.value,
        "note": case.note,
        "details": case_details_json(case),
    }


def _party_from(row: Row[Any], prefix: str) -> PartySnapshot:
    values = row._mapping
    extra = {}
    if prefix == "municipality":
        extra = {"municipality_number": values["municipality_number"],
                 "municipality_name": values["municipality_number_name"]}
    return PartySnapshot(
        her_id=values[f"{prefix}_her_id"], name=values[f"{prefix}_name"], epj_system=values[f"{prefix}_epj_system"],
        epj_version=values[f"{prefix}_epj_version"], comm_module=values[f"{prefix}_comm_module"],
        comm_version=values[f"{prefix}_comm_version"], **extra,
    )


def _case_from(row: Row[Any]) -> CaseOutcome:
    details = case_details_from_json(row.details)
    return CaseOutcome(number=row.number, title=row.title, sender_side=row.sender_side,
                       result=CaseResult(row.result), evidence=details.evidence, checks=details.checks,
                       notes=details.notes, note=row.note, marks=details.marks)


def _run_from(row: Row[Any], cases: builtins.list[CaseOutcome]) -> ChecklistRun:
    return ChecklistRun(
        run_id=row.run_id, checklist_id=row.checklist_id, checklist_version=row.checklist_version,
        mode=RunMode(row.mode), trigger=Trigger(row.trigger), changed=Side(row.changed_side),
        started_at=row.started_at, finished_at=row.finished_at, hospital=_party_from(row, "hospital"),
        municipality=_party_from(row, "municipality"), tester_hospital=row.tester_hospital,
        tester_municipality=row.tester_municipality, patient=row.patient_masked, schemas_checked=row.schemas_checked,
        cases=tuple(cases),
    )


class SqlChecklist:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, run: ChecklistRun, report: dict[str, Any]) -> None:
        if self._exists(run.run_id):
            raise DuplicateRunError(run.run_id)
        with self._connection.begin_nested():
            self._connection.execute(insert(checklist_runs).values(**_run_values(run, report)))
            self._insert_cases(run)

    def replace(self, run: ChecklistRun, report: dict[str, Any]) -> None:
        if not self._exists(run.run_id):
            raise UnknownRunError(run.run_id)
        values = _run_values(run, report)
        values.pop("run_id")
        with self._connection.begin_nested():
            self._connection.execute(
                update(checklist_runs).where(checklist_runs.c.run_id == run.run_id).values(**values))
            self._connection.execute(delete(checklist_cases).where(checklist_cases.c.run_id == run.run_id))
            self._insert_cases(run)

    def get(self, run_id: str) -> StoredRun | None:
        row = self._connection.execute(select(checklist_runs).where(checklist_runs.c.run_id == run_id)).first()
        if row is None:
            return None
        return StoredRun(_run_from(row, self._cases(run_id)), dict(row.report))

    def list(
        self, *, hospital_her_id: str | None = None, municipality_her_id: str | None = None, limit: int | None = None
    ) -> builtins.list[ChecklistRun]:
        c = checklist_runs.c
        statement = select(checklist_runs).order_by(c.started_at.desc(), c.run_id.desc())
        if hospital_her_id is not None:
            statement = statement.where(c.hospital_her_id == hospital_her_id)
        if municipality_her_id is not None:
            statement = statement.where(c.municipality_her_id == municipality_her_id)
        if limit is not None:
            statement = statement.limit(limit)
        rows = builtins.list(self._connection.execute(statement))
        cases: dict[str, builtins.list[CaseOutcome]] = {r.run_id: [] for r in rows}
        if rows:
            found = self._connection.execute(
                select(checklist_cases).where(checklist_cases.c.run_id.in_(cases))
                .order_by(checklist_cases.c.run_id, checklist_cases.c.number))
            for case_row in found:
                cases[case_row.run_id].append(_case_from(case_row))
        return [_run_from(r, cases[r.run_id]) for r in rows]

    def _exists(self, run_id: str) -> bool:
        found = self._connection.execute(select(checklist_runs.c.run_id).where(checklist_runs.c.run_id == run_id))
        return found.first() is not None

    def _insert_cases(self, run: ChecklistRun) -> None:
        if run.cases:
            self._connection.execute(insert(checklist_cases), [_case_values(run.run_id, c) for c in run.cases])

    def _cases(self, run_id: str) -> builtins.list[CaseOutcome]:
        rows = self._connection.execute(
            select(checklist_cases).where(checklist_cases.c.run_id == run_id).order_by(checklist_cases.c.number))
        return [_case_from(r) for r in rows]


# --- in memory -----------------------------------------------------------------------------------------


class ChecklistData(Protocol):
    """What this fake reads and writes of the in-memory store (the unit of work's ``FakeStore`` has it all;
    a snapshot replaces its containers, so the fake looks them up on each call)."""

    checklist_runs: dict[str, StoredRun]


class FakeChecklist:
    """Runs in memory, in :attr:`samhandling.store.fakes.FakeStore.checklist_runs` (snapshotted with the store)."""

    def __init__(self, store: ChecklistData) -> None:
        self._store = store

    def add(self, run: ChecklistRun, report: dict[str, Any]) -> None:
        if run.run_id in self._store.checklist_runs:
            raise DuplicateRunError(run.run_id)
        self._store.checklist_runs[run.run_id] = StoredRun(run, dict(report))

    def replace(self, run: ChecklistRun, report: dict[str, Any]) -> None:
        if run.run_id not in self._store.checklist_runs:
            raise UnknownRunError(run.run_id)
        self._store.checklist_runs[run.run_id] = StoredRun(run, dict(report))

    def get(self, run_id: str) -> StoredRun | None:
        return self._store.checklist_runs.get(run_id)

    def list(
        self, *, hospital_her_id: str | None = None, municipality_her_id: str | None = None, limit: int | None = None
    ) -> builtins.list[ChecklistRun]:
        runs = [
            s.run for s in self._store.checklist_runs.values()
            if (hospital_her_id is None or s.run.hospital.her_id == hospital_her_id)
            and (municipality_her_id is None or s.run.municipality.her_id == municipality_her_id)
        ]
        runs.sort(key=lambda r: (r.started_at, r.run_id), reverse=True)
        return runs if limit is None else runs[:limit]
