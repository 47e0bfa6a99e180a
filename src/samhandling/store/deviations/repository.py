"""The repository of the deviation register: ``uow.deviations`` (:class:`DeviationRepository`).

A deviation is one row in ``deviations`` with its measures and "partner told" records in their own tables;
:meth:`save` writes the whole deviation. Like the other repositories these never commit.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.engine import Row

from samhandling.domain.deviations.deviation import (
    Deviation,
    DeviationCategory,
    DeviationSeverity,
    DeviationSource,
    DeviationStatus,
    Measure,
    MeasureStatus,
    PartnerTold,
)
from samhandling.store.deviations.tables import deviation_measures, deviation_told, deviations
from samhandling.store.errors import UnknownError


class UnknownDeviationError(UnknownError):
    def __init__(self, deviation_id: int) -> None:
        super().__init__(f"Ingen avvik med nummer {deviation_id}.")
        self.deviation_id = deviation_id


@dataclass(frozen=True)
class DeviationQuery:
    status: DeviationStatus | None = None
    partner_her_id: str | None = None
    occurred_from: datetime | None = None
    occurred_before: datetime | None = None
    source: DeviationSource | None = None
    source_ref: str | None = None
    limit: int | None = None

    def matches(self, d: Deviation) -> bool:
        return ((self.status is None or d.status is self.status)
                and (self.partner_her_id is None or self.partner_her_id in d.partner_her_ids)
                and (self.occurred_from is None or d.occurred_at >= self.occurred_from)
                and (self.occurred_before is None or d.occurred_at < self.occurred_before)
                and (self.source is None or d.source is self.source)
                and (self.source_ref is None or d.source_ref == self.source_ref))


class DeviationRepository(Protocol):
    def add(self, deviation: Deviation) -> Deviation:
        """Store a new deviation; returns it with its id."""
        ...

    def save(self, deviation: Deviation) -> None:
        """Store a changed deviation. Raises :class:`UnknownDeviationError`."""
        ...

    def get(self, deviation_id: int) -> Deviation | None: ...

    def list(self, query: DeviationQuery = DeviationQuery()) -> builtins.list[Deviation]:
        """Oldest occurrence first."""
        ...


# --- SQL -----------------------------------------------------------------------------------------------


class SqlDeviationRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, deviation: Deviation) -> Deviation:
        new_id = self._c.execute(insert(deviations).values(**_values(deviation)).returning(deviations.c.id))
        stored = replace(deviation, id=int(new_id.scalar_one()))
        self._write_children(stored)
        return stored

    def save(self, deviation: Deviation) -> None:
        if deviation.id is None:
            raise UnknownDeviationError(0)
        done = self._c.execute(update(deviations).where(deviations.c.id == deviation.id).values(**_values(deviation)))
        if done.rowcount == 0:
            raise UnknownDeviationError(deviation.id)
        self._c.execute(delete(deviation_measures).where(deviation_measures.c.deviation_id == deviation.id))
        self._c.execute(delete(deviation_told).where(deviation_told.c.deviation_id == deviation.id))
        self._write_children(deviation)

    def _write_children(self, deviation: Deviation) -> None:
        measures = [{"deviation_id": deviation.id, "position": n, "description": m.description, "owner": m.owner,
                     "deadline": m.deadline, "status": m.status.value, "done_at": m.done_at,
                     "overdue_alerted_at": m.overdue_alerted_at} for n, m in enumerate(deviation.measures)]
        if measures:
            self._c.execute(insert(deviation_measures), measures)
        told = [{"deviation_id": deviation.id, "position": n, "at": t.at, "by": t.by, "to": t.to}
                for n, t in enumerate(deviation.told)]
        if told:
            self._c.execute(insert(deviation_told), told)

    def get(self, deviation_id: int) -> Deviation | None:
        row = self._c.execute(select(deviations).where(deviations.c.id == deviation_id)).first()
        return None if row is None else self._load([row])[0]

    def list(self, query: DeviationQuery = DeviationQuery()) -> builtins.list[Deviation]:
        sql = select(deviations).order_by(deviations.c.occurred_at, deviations.c.id)
        if query.status is not None:
            sql = sql.where(deviations.c.status == query.status.value)
        if query.occurred_from is not None:
            sql = sql.where(deviations.c.occurred_at >= query.occurred_from)
        if query.occurred_before is not None:
            sql = sql.where(deviations.c.occurred_at < query.occurred_before)
        if query.source is not None:
            sql = sql.where(deviations.c.source == query.source.value)
        if query.source_ref is not None:
            sql = sql.where(deviations.c.source_ref == query.source_ref)
        found = [d for d in self._load(builtins.list(self._c.execute(sql))) if query.matches(d)]  # partner: JSON
        return found if query.limit is None else found[:query.limit]

    def _load(self, rows: builtins.list[Row[Any]]) -> builtins.list[Deviation]:
        ids = [row.id for row in rows]
        if not ids:
            return []
        measures: dict[int, builtins.list[Measure]] = {i: [] for i in ids}
        for m in self._c.execute(select(deviation_measures).where(deviation_measures.c.deviation_id.in_(ids))
                                 .order_by(deviation_measures.c.deviation_id, deviation_measures.c.position)):
            measures[m.deviation_id].append(Measure(
                description=m.description, owner=m.owner, deadline=m.deadline, status=MeasureStatus(m.status),
                done_at=m.done_at, overdue_alerted_at=m.overdue_alerted_at, id=m.position + 1))
        told: dict[int, builtins.list[PartnerTold]] = {i: [] for i in ids}
        for t in self._c.execute(select(deviation_told).where(deviation_told.c.deviation_id.in_(ids))
                                 .order_by(deviation_told.c.deviation_id, deviation_told.c.position)):
            told[t.deviation_id].append(PartnerTold(at=t.at, by=t.by, to=t.to))
        return [_deviation(row, tuple(measures[row.id]), tuple(told[row.id])) for row in rows]


def _values(d: Deviation) -> dict[str, Any]:
    return {
        "title": d.title, "description": d.description, "occurred_at": d.occurred_at, "category": d.category.value,
        "severity": d.severity.value, "status": d.status.value, "source": d.source.value, "source_ref": d.source_ref,
        "partner_her_ids": list(d.partner_her_ids), "message_ids": list(d.message_ids),
        "registered_by": d.registered_by, "registered_at": d.registered_at, "closed_at": d.closed_at,
    }


def _deviation(row: Row[Any], measures: tuple[Measure, ...], told: tuple[PartnerTold, ...]) -> Deviation:
    return Deviation(
        id=row.id, title=row.title, description=row.description, occurred_at=row.occurred_at,
        category=DeviationCategory(row.category), severity=DeviationSeverity(row.severity),
        status=DeviationStatus(row.status), source=DeviationSource(row.source), source_ref=row.source_ref,
        partner_her_ids=tuple(row.partner_her_ids), message_ids=tuple(row.message_ids),
        registered_by=row.registered_by, registered_at=row.registered_at, closed_at=row.closed_at,
        measures=measures, told=told,
    )


# --- in memory -----------------------------------------------------------------------------------------


class DeviationData(Protocol):
    """What this fake reads and writes of the in-memory store (the unit of work's ``FakeStore`` has it all;
    a snapshot replaces its containers, so the fake looks them up on each call)."""

    deviations: dict[int, Deviation]

    def new_id(self, kind: str) -> int: ...


class FakeDeviationRepository:
    """Deviations in :attr:`FakeStore.deviations` (snapshotted with the store)."""

    def __init__(self, store: DeviationData) -> None:
        self._store = store

    def add(self, deviation: Deviation) -> Deviation:
        stored = replace(deviation, id=self._store.new_id("deviation"))
        assert stored.id is not None
        self._store.deviations[stored.id] = _numbered(stored)
        return self._store.deviations[stored.id]

    def save(self, deviation: Deviation) -> None:
        if deviation.id is None or deviation.id not in self._store.deviations:
            raise UnknownDeviationError(deviation.id or 0)
        self._store.deviations[deviation.id] = _numbered(deviation)

    def get(self, deviation_id: int) -> Deviation | None:
        return self._store.deviations.get(deviation_id)

    def list(self, query: DeviationQuery = DeviationQuery()) -> builtins.list[Deviation]:
        found = sorted((d for d in self._store.deviations.values() if query.matches(d)),
                       key=lambda d: (d.occurred_at, d.id or 0))
        return found if query.limit is None else found[:query.limit]


def _numbered(deviation: Deviation) -> Deviation:
    """Measures are numbered 1, 2, … in the order added, as the SQL store numbers them."""
    return replace(deviation, measures=tuple(replace(m, id=n) for n, m in enumerate(deviation.measures, 1)))
