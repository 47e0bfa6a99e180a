"""The repository of incidents and holds: ``uow.incidents`` (:class:`IncidentRepository`).

An incident is one row in ``incidents`` with its updates and calls in their own tables; :meth:`save` writes the
whole incident (its child rows are replaced).
Holds are rows in ``holds``; a released hold stays as history. Like the other repositories these never commit.
"""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, and_, delete, insert, literal, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from samhandling.domain.incidents.hold import ALL, Hold, HoldError, recipient_chain
from samhandling.domain.incidents.incident import (
    AffectedSide,
    Incident,
    IncidentSource,
    IncidentStatus,
    IncidentUpdate,
    PhoneCall,
)
from samhandling.domain.messaging.messages import StoredMessage
from samhandling.domain.messaging.parties import Party
from samhandling.store.errors import UnknownError
from samhandling.store.incidents.holding import covers
from samhandling.store.incidents.tables import holds, incident_calls, incident_updates, incidents
from samhandling.store.messaging.outbox import OutboxItem
from samhandling.store.messaging.tables import messages, outbox

if TYPE_CHECKING:
    from samhandling.domain.messaging.messages import StoredMessage


class UnknownIncidentError(UnknownError):
    def __init__(self, incident_id: int) -> None:
        super().__init__(f"Ingen hendelse med nummer {incident_id}.")
        self.incident_id = incident_id


class IncidentRepository(Protocol):
    def add(self, incident: Incident) -> Incident:
        """Store a new incident; returns it with its id."""
        ...

    def save(self, incident: Incident) -> None:
        """Store a changed incident. Raises :class:`UnknownIncidentError`."""
        ...

    def get(self, incident_id: int) -> Incident | None: ...

    def list(self, *, open_only: bool = False, resolved_since: datetime | None = None,
             limit: int | None = None) -> builtins.list[Incident]:
        """Newest detection first. ``resolved_since``: the open ones and those resolved at or after it."""
        ...

    def holds(self) -> builtins.list[Hold]:
        """The active holds, oldest first."""
        ...

    def add_hold(self, hold: Hold) -> None:
        """Raises HoldError when the target is held already."""
        ...

    def release_hold(self, target: str, *, at: datetime, by: str) -> Hold | None:
        """Release the active hold on ``target``; returns it, or None when there was none.

        The messages that waited for it are due at ``at``, all at the same moment, so the outbox takes them
        in the order they were created (a backoff from before the hold does not reorder them).
        """
        ...

    def waiting(self, target: str) -> builtins.list[int]:
        """The stored ids of the messages to ``target`` (every recipient for ``*``) still in the outbox,
        oldest first."""
        ...


# --- SQL -----------------------------------------------------------------------------------------------


class SqlIncidentRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, incident: Incident) -> Incident:
        new_id = self._c.execute(insert(incidents).values(**_values(incident)).returning(incidents.c.id)).scalar_one()
        stored = replace(incident, id=int(new_id))
        self._write_children(stored)
        return stored

    def save(self, incident: Incident) -> None:
        if incident.id is None:
            raise UnknownIncidentError(0)
        done = self._c.execute(update(incidents).where(incidents.c.id == incident.id).values(**_values(incident)))
        if done.rowcount == 0:
            raise UnknownIncidentError(incident.id)
        self._c.execute(delete(incident_updates).where(incident_updates.c.incident_id == incident.id))
        self._c.execute(delete(incident_calls).where(incident_calls.c.incident_id == incident.id))
        self._write_children(incident)

    def _write_children(self, incident: Incident) -> None:
        rows = [{"incident_id": incident.id, "position": n, "at": u.at, "by": u.by, "status": u.status.value,
                 "text": u.text} for n, u in enumerate(incident.updates)]
        if rows:
            self._c.execute(insert(incident_updates), rows)
        calls = [{"incident_id": incident.id, "position": n, "at": c.at, "caller": c.caller, "callee": c.callee,
                  "about": c.about, "message_id": c.message_id, "by": c.by}
                 for n, c in enumerate(incident.calls)]
        if calls:
            self._c.execute(insert(incident_calls), calls)

    def get(self, incident_id: int) -> Incident | None:
        row = self._c.execute(select(incidents).where(incidents.c.id == incident_id)).first()
        return None if row is None else self._load([row])[0]

    def list(self, *, open_only: bool = False, resolved_since: datetime | None = None,
             limit: int | None = None) -> builtins.list[Incident]:
        query = select(incidents).order_by(incidents.c.detected_at.desc(), incidents.c.id.desc())
        if open_only:
            query = query.where(incidents.c.status != IncidentStatus.RESOLVED.value)
        if resolved_since is not None:
            query = query.where(or_(incidents.c.status != IncidentStatus.RESOLVED.value,
                                    incidents.c.resolved_at >= resolved_since))
        if limit is not None:
            query = query.limit(limit)
        return self._load(builtins.list(self._c.execute(query)))

    def _load(self, rows: builtins.list[Row[Any]]) -> builtins.list[Incident]:
        ids = [row.id for row in rows]
        if not ids:
            return []
        updates: dict[int, builtins.list[IncidentUpdate]] = {i: [] for i in ids}
        for u in self._c.execute(select(incident_updates).where(incident_updates.c.incident_id.in_(ids))
                                 .order_by(incident_updates.c.incident_id, incident_updates.c.position)):
            updates[u.incident_id].append(IncidentUpdate(at=u.at, by=u.by, status=IncidentStatus(u.status),
                                                         text=u.text))
        calls: dict[int, builtins.list[PhoneCall]] = {i: [] for i in ids}
        for c in self._c.execute(select(incident_calls).where(incident_calls.c.incident_id.in_(ids))
                                 .order_by(incident_calls.c.incident_id, incident_calls.c.position)):
            calls[c.incident_id].append(PhoneCall(at=c.at, caller=c.caller, callee=c.callee, about=c.about,
                                                  message_id=c.message_id, by=c.by))
        return [_incident(row, tuple(updates[row.id]), tuple(calls[row.id])) for row in rows]

    def holds(self) -> builtins.list[Hold]:
        rows = self._c.execute(select(holds).where(holds.c.released_at.is_(None)).order_by(holds.c.since, holds.c.id))
        return [_hold(row) for row in rows]

    def add_hold(self, hold: Hold) -> None:
        try:
            with self._c.begin_nested():
                self._c.execute(insert(holds).values(target=hold.target, reason=hold.reason, since=hold.since,
                                                     by=hold.by, incident_id=hold.incident_id))
        except IntegrityError:
            raise HoldError(f"{hold.label[0].upper()}{hold.label[1:]} holdes allerede tilbake.") from None

    def release_hold(self, target: str, *, at: datetime, by: str) -> Hold | None:
        active = and_(holds.c.target == target, holds.c.released_at.is_(None))
        row = self._c.execute(select(holds).where(active)).first()
        if row is None:
            return None
        self._c.execute(update(holds).where(holds.c.id == row.id).values(released_at=at, released_by=by))
        waiting = self.waiting(target)
        if waiting:
            self._c.execute(update(outbox).where(outbox.c.done_at.is_(None), outbox.c.message_id.in_(waiting),
                                                 or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= at))
                            .values(next_attempt_at=at))
        return _hold(row)

    def waiting(self, target: str) -> builtins.list[int]:
        query = (select(outbox.c.message_id).join(messages, messages.c.id == outbox.c.message_id)
                 .where(outbox.c.done_at.is_(None)).order_by(messages.c.created_at, messages.c.id))
        if target != ALL:
            query = query.where(covers(literal(target), messages.c.recipient_her_id))
        return [int(i) for i in self._c.execute(query).scalars()]


def _values(incident: Incident) -> dict[str, Any]:
    return {
        "title": incident.title, "description": incident.description, "side": incident.side.value,
        "partner_her_ids": list(incident.partner_her_ids), "message_types": list(incident.message_types),
        "detected_at": incident.detected_at, "expected_end": incident.expected_end, "status": incident.status.value,
        "source": incident.source.value, "source_ref": incident.source_ref, "resolved_at": incident.resolved_at,
        "downtime_notice_at": incident.downtime_notice_at, "responsible": incident.responsible,
        "contact_person": incident.contact_person, "created_by": incident.created_by,
    }


def _incident(row: Row[Any], updates: tuple[IncidentUpdate, ...], calls: tuple[PhoneCall, ...]) -> Incident:
    return Incident(
        id=row.id, title=row.title, description=row.description, side=AffectedSide(row.side),
        partner_her_ids=tuple(row.partner_her_ids), message_types=tuple(row.message_types),
        detected_at=row.detected_at, expected_end=row.expected_end, status=IncidentStatus(row.status),
        source=IncidentSource(row.source), source_ref=row.source_ref, resolved_at=row.resolved_at,
        downtime_notice_at=row.downtime_notice_at, responsible=row.responsible, contact_person=row.contact_person,
        created_by=row.created_by, updates=updates, calls=calls,
    )


def _hold(row: Row[Any]) -> Hold:
    return Hold(target=row.target, reason=row.reason, since=row.since, by=row.by, incident_id=row.incident_id)


# --- in memory -----------------------------------------------------------------------------------------


class IncidentData(Protocol):
    """What this fake reads and writes of the in-memory store (the unit of work's ``FakeStore`` has it all;
    a snapshot replaces its containers, so the fake looks them up on each call)."""

    holds: dict[str, Hold]
    incidents: dict[int, Incident]
    messages: dict[int, StoredMessage]
    outbox: dict[int, OutboxItem]
    parties: dict[str, Party]

    def new_id(self, kind: str) -> int: ...


class FakeIncidentRepository:
    """Incidents in :attr:`FakeStore.incidents` and holds in :attr:`FakeStore.holds` (snapshotted with it)."""

    def __init__(self, store: IncidentData) -> None:
        self._store = store

    def add(self, incident: Incident) -> Incident:
        stored = replace(incident, id=self._store.new_id("incident"))
        assert stored.id is not None
        self._store.incidents[stored.id] = stored
        return stored

    def save(self, incident: Incident) -> None:
        if incident.id is None or incident.id not in self._store.incidents:
            raise UnknownIncidentError(incident.id or 0)
        self._store.incidents[incident.id] = incident

    def get(self, incident_id: int) -> Incident | None:
        return self._store.incidents.get(incident_id)

    def list(self, *, open_only: bool = False, resolved_since: datetime | None = None,
             limit: int | None = None) -> builtins.list[Incident]:
        found = sorted((i for i in self._store.incidents.values() if (i.is_open or not open_only) and (
                        resolved_since is None or i.resolved_at is None or i.resolved_at >= resolved_since)),
                       key=lambda i: (i.detected_at, i.id or 0), reverse=True)
        return found if limit is None else found[:limit]

    def holds(self) -> builtins.list[Hold]:
        return sorted(self._store.holds.values(), key=lambda h: h.since)

    def add_hold(self, hold: Hold) -> None:
        if hold.target in self._store.holds:
            raise HoldError(f"{hold.label[0].upper()}{hold.label[1:]} holdes allerede tilbake.")
        self._store.holds[hold.target] = hold

    def release_hold(self, target: str, *, at: datetime, by: str) -> Hold | None:
        released = self._store.holds.pop(target, None)
        if released is not None:
            for message_id in self.waiting(target):
                for item in [i for i in self._store.outbox.values() if i.message_id == message_id and not i.done]:
                    if item.lease_until is None or item.lease_until <= at:
                        self._store.outbox[item.id] = replace(item, next_attempt_at=at)
        return released

    def _chain(self, message: StoredMessage) -> builtins.list[str]:
        return recipient_chain(self._store.parties, message.recipient_her_id)

    def waiting(self, target: str) -> builtins.list[int]:
        found = []
        for item in self._store.outbox.values():
            message = self._store.messages.get(item.message_id)
            if not item.done and message is not None and (target == ALL or target in self._chain(message)):
                found.append((message.created_at, message.id or 0))
        return [i for _, i in sorted(found)]
