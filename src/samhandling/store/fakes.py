"""In-memory repositories and unit of work, for unit tests of the services.

They follow the same rules as the SQL ones (duplicate rule, state transitions with journal, outbox leases
and backoff, rollback of what is not committed); the storage tests run the same cases against both.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from samhandling.domain.clock import as_utc, utc_now
from samhandling.domain.deviations.deviation import Deviation
from samhandling.domain.identifiers import her_id_order
from samhandling.domain.incidents.hold import Hold, holding, recipient_chain
from samhandling.domain.incidents.incident import Incident
from samhandling.domain.messaging.messages import (
    Direction,
    InvalidTransitionError,
    JournalEntry,
    MessageState,
    StoredMessage,
    can_move,
)
from samhandling.domain.messaging.parties import Parties, Party, PartyKind
from samhandling.domain.privacy import redact_person_ids
from samhandling.store.checklist.repositories import FakeChecklist, StoredRun
from samhandling.store.deviations.repository import FakeDeviationRepository
from samhandling.store.incidents.repository import FakeIncidentRepository
from samhandling.store.messaging.handovers import HANDED_OVER_STATES
from samhandling.store.messaging.messages import (
    MAX_ERROR_TEXT,
    DuplicateMessageError,
    MessageQuery,
    UnknownMessageError,
    clean_error,
    new_message_problem,
)
from samhandling.store.messaging.outbox import DEFAULT_LEASE, Backoff, LeaseLostError, OutboxItem
from samhandling.store.messaging.parties import DuplicatePartyError, UnknownPartyError
from samhandling.store.messaging.patients import PatientEntry
from samhandling.store.monitoring.memory import FakeMonitorRepository, MonitorData
from samhandling.store.registers.memory import FakeRegisters, RegisterData
from samhandling.store.statistics.repository import FakeStatisticsRepository


@dataclass
class FakeStore:
    """Everything the fakes hold. Values are frozen, so a shallow copy is a snapshot."""

    messages: dict[int, StoredMessage] = field(default_factory=dict)
    journal: list[JournalEntry] = field(default_factory=list)
    parties: dict[str, Party] = field(default_factory=dict)
    outbox: dict[int, OutboxItem] = field(default_factory=dict)
    patients: dict[tuple[str, str], PatientEntry] = field(default_factory=dict)
    handovers: dict[int, datetime] = field(default_factory=dict)
    status_checks: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    last_ids: dict[str, int] = field(default_factory=dict)
    registers: RegisterData = field(default_factory=RegisterData)
    monitor: MonitorData = field(default_factory=MonitorData)
    checklist_runs: dict[str, StoredRun] = field(default_factory=dict)
    incidents: dict[int, Incident] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    deviations: dict[int, Deviation] = field(default_factory=dict)

    def snapshot(self) -> FakeStore:
        return FakeStore(**{f.name: type(getattr(self, f.name))(getattr(self, f.name)) for f in fields(self)})

    def restore(self, snapshot: FakeStore) -> None:
        for f in fields(self):
            setattr(self, f.name, type(getattr(snapshot, f.name))(getattr(snapshot, f.name)))

    def new_id(self, kind: str) -> int:
        self.last_ids[kind] = self.last_ids.get(kind, 0) + 1
        return self.last_ids[kind]


def _unique_key(m: StoredMessage) -> tuple[Direction, str, str | None, str | None] | None:
    """The duplicate key as the database's unique index sees it: an empty MsgId and NULLs never match."""
    if not m.msg_id or m.sender_her_id is None or m.recipient_her_id is None or m.conflicts_with is not None:
        return None
    return m.duplicate_key


class FakeMessageRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, message: StoredMessage, *, detail: str = "") -> StoredMessage:
        problem = new_message_problem(message)
        if problem:
            raise ValueError(problem)
        key = _unique_key(message)
        if key is not None:
            for existing in self._store.messages.values():
                if _unique_key(existing) == key and existing.id is not None:
                    raise DuplicateMessageError(existing.id)
        stored = replace(message, id=self._store.new_id("message"))
        assert stored.id is not None
        self._store.messages[stored.id] = stored
        self._write_journal(JournalEntry(message_id=stored.id, at=stored.created_at, state=stored.state, detail=detail))
        return stored

    def get(self, message_id: int) -> StoredMessage | None:
        return self._store.messages.get(message_id)

    def get_by_key(
        self,
        msg_id: str,
        sender_her_id: str | None,
        recipient_her_id: str | None,
        direction: Direction = Direction.INCOMING,
    ) -> StoredMessage | None:
        key = (direction, msg_id, sender_her_id, recipient_her_id)
        return next((m for m in self._sorted() if m.duplicate_key == key and m.conflicts_with is None), None)

    def list(self, query: MessageQuery | None = None) -> builtins.list[StoredMessage]:
        q = query or MessageQuery()
        found = sorted(
            (m for m in self._store.messages.values() if q.matches(m)),
            key=lambda m: (m.created_at, m.id or 0),
            reverse=not q.oldest_first,
        )
        end = None if q.limit is None else q.offset + q.limit
        return found[q.offset : end]

    def update_state(
        self,
        message_id: int,
        state: MessageState,
        *,
        detail: str = "",
        error_codes: Sequence[str] | None = None,
        at: datetime | None = None,
    ) -> StoredMessage:
        current = self.get(message_id)
        if current is None:
            raise UnknownMessageError(message_id)
        if not can_move(current.state, state):
            raise InvalidTransitionError(current.state, state)
        when = at or utc_now()
        codes = current.error_codes if error_codes is None else tuple(error_codes)
        updated = replace(current, state=state, updated_at=when, error_codes=codes)
        self._write_journal(JournalEntry(message_id=message_id, at=when, state=state, detail=detail))
        self._store.messages[message_id] = updated  # after the journal: a failure there changes nothing
        return updated

    def set_transport_ref(self, message_id: int, transport_ref: str) -> StoredMessage:
        current = self.get(message_id)
        if current is None:
            raise UnknownMessageError(message_id)
        self._store.messages[message_id] = changed = replace(current, transport_ref=transport_ref)
        return changed

    def set_link(self, message_id: int, linked_to_msg_id: str | None) -> StoredMessage:
        current = self.get(message_id)
        if current is None:
            raise UnknownMessageError(message_id)
        self._store.messages[message_id] = linked = replace(current, linked_to_msg_id=linked_to_msg_id)
        return linked

    def journal(self, message_id: int) -> builtins.list[JournalEntry]:
        return [e for e in self._store.journal if e.message_id == message_id]

    def note(self, message_id: int, detail: str, *, at: datetime | None = None) -> None:
        current = self.get(message_id)
        if current is None:
            raise UnknownMessageError(message_id)
        self._write_journal(JournalEntry(message_id=message_id, at=at or utc_now(), state=current.state,
                                         detail=detail))

    def record_receipt_conflict(self, message_id: int, detail: str, *, at: datetime | None = None) -> StoredMessage:
        self.note(message_id, detail, at=at)
        current = self._store.messages[message_id]
        self._store.messages[message_id] = changed = replace(
            current, receipt_conflict=redact_person_ids(detail)[:MAX_ERROR_TEXT])
        return changed

    def status_due(self, states: frozenset[MessageState], *, now: datetime, limit: int
                   ) -> builtins.list[StoredMessage]:
        at = as_utc("now", now)
        checks = self._store.status_checks
        due = [m for m in self._sorted()
               if m.direction is Direction.OUTGOING and not m.is_apprec and m.state in states
               and m.transport_ref is not None and (m.id not in checks or checks[m.id][1] <= at)]
        due.sort(key=lambda m: (checks[m.id][1] if m.id in checks else m.created_at, m.id or 0))
        return due[:limit]

    def status_asked(self, message_id: int, *, next_at: datetime) -> int:
        checks = self.status_checks(message_id) + 1
        self._store.status_checks[message_id] = (checks, as_utc("next_at", next_at))
        return checks

    def status_checks(self, message_id: int) -> int:
        found = self._store.status_checks.get(message_id)
        return found[0] if found else 0

    def find_apprec_targets(
        self, original_msg_id: str, *, apprec_sender_her_id: str | None = None
    ) -> builtins.list[StoredMessage]:
        return [
            m
            for m in self._sorted()
            if m.direction is Direction.OUTGOING
            and not m.is_apprec
            and m.msg_id == original_msg_id
            and (apprec_sender_her_id is None or m.recipient_her_id == apprec_sender_her_id)
        ]

    def apprecs_for(self, original_msg_id: str, *, direction: Direction | None = None) -> builtins.list[StoredMessage]:
        return [
            m
            for m in self._sorted()
            if m.is_apprec and m.original_msg_id == original_msg_id and (direction is None or m.direction == direction)
        ]

    def _sorted(self) -> builtins.list[StoredMessage]:
        return [self._store.messages[i] for i in sorted(self._store.messages)]

    def _write_journal(self, entry: JournalEntry) -> None:
        self._store.journal.append(replace(entry, detail=redact_person_ids(entry.detail)))


class FakePartyRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, party: Party) -> None:
        if party.her_id in self._store.parties:
            raise DuplicatePartyError(party.her_id)
        self._store.parties[party.her_id] = party

    def upsert(self, party: Party) -> None:
        self._store.parties[party.her_id] = party

    def get(self, her_id: str) -> Party | None:
        return self._store.parties.get(her_id)

    def list(
        self, *, local: bool | None = None, kind: PartyKind | None = None, municipality: str | None = None
    ) -> builtins.list[Party]:
        return [
            p
            for _, p in sorted(self._store.parties.items(), key=lambda item: her_id_order(item[0]))
            if (local is None or p.local == local)
            and (kind is None or p.kind == kind)
            and (municipality is None or p.municipality == municipality)
        ]

    def children(self, her_id: str) -> builtins.list[Party]:
        return self.all().children(her_id)

    def all(self) -> Parties:
        return Parties(self.list())


class FakePatientRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def upsert(self, entry: PatientEntry) -> None:
        self.upsert_many([entry])

    def upsert_many(self, entries: Sequence[PatientEntry]) -> None:
        for entry in entries:  # like the database's foreign key, checked at once
            if entry.party_her_id not in self._store.parties:
                raise UnknownPartyError(entry.party_her_id)
        self._store.patients.update({(e.party_her_id, e.patient_id): e for e in entries})

    def get(self, party_her_id: str, patient_id: str) -> PatientEntry | None:
        return self._store.patients.get((party_her_id, patient_id))

    def list(self, party_her_id: str) -> builtins.list[PatientEntry]:
        return [e for key, e in sorted(self._store.patients.items()) if key[0] == party_her_id]

    def count(self, party_her_id: str) -> int:
        return sum(1 for key in self._store.patients if key[0] == party_her_id)

    def clear(self, party_her_id: str) -> int:
        keys = [key for key in self._store.patients if key[0] == party_her_id]
        for key in keys:
            del self._store.patients[key]
        return len(keys)

    def known(self, party_her_id: str, patient_id: str) -> bool | None:
        if (party_her_id, patient_id) in self._store.patients:
            return True
        return False if self.count(party_her_id) else None


class FakeOutboxRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def enqueue(self, message_id: int, *, at: datetime | None = None) -> OutboxItem:
        if message_id not in self._store.messages:
            raise UnknownMessageError(message_id)
        queued = self.pending(message_id)
        if queued is not None:
            return queued
        when = at or utc_now()
        item = OutboxItem(id=self._store.new_id("outbox"), message_id=message_id, created_at=when, next_attempt_at=when)
        self._store.outbox[item.id] = item
        return item

    def get(self, item_id: int) -> OutboxItem | None:
        return self._store.outbox.get(item_id)

    def pending(self, message_id: int) -> OutboxItem | None:
        return next((i for i in self._store.outbox.values() if i.message_id == message_id and not i.done), None)

    def claim(
        self, worker: str, *, limit: int = 1, lease: timedelta = DEFAULT_LEASE, now: datetime | None = None
    ) -> builtins.list[OutboxItem]:
        when = now or utc_now()
        due = sorted(
            (i for i in self._store.outbox.values() if i.is_due(when) and not self._on_hold(i)),
            key=lambda i: (i.next_attempt_at, i.id),
        )[:limit]
        token = uuid.uuid4().hex
        claimed = [
            replace(i, claimed_by=worker, claim_token=token, lease_until=when + lease, attempts=i.attempts + 1)
            for i in due
        ]
        self._store.outbox.update({i.id: i for i in claimed})
        return claimed

    def _on_hold(self, item: OutboxItem) -> bool:
        message = self._store.messages.get(item.message_id)
        chain = recipient_chain(self._store.parties, message.recipient_her_id) if message is not None else []
        return holding(builtins.list(self._store.holds.values()), chain) is not None

    def claimants(self, *, now: datetime | None = None) -> builtins.list[str]:
        when = now or utc_now()
        return sorted({i.claimed_by for i in self._store.outbox.values()
                       if not i.done and i.claimed_by is not None and i.lease_until is not None
                       and i.lease_until > when})

    def release_claims(self, worker: str) -> int:
        held = [i for i in self._store.outbox.values() if not i.done and i.claimed_by == worker]
        for item in held:
            self._store.outbox[item.id] = replace(item, claimed_by=None, claim_token=None, lease_until=None)
        return len(held)

    def mark_done(self, item: OutboxItem, *, at: datetime | None = None) -> OutboxItem:
        current = self._held(item)
        return self._put(replace(current, done_at=at or utc_now(), lease_until=None))

    def mark_stopped(self, item: OutboxItem, error: str, *, at: datetime | None = None) -> OutboxItem:
        current = self._held(item)
        return self._put(replace(current, done_at=at or utc_now(), last_error=clean_error(error), claimed_by=None,
                                 claim_token=None, lease_until=None))

    def latest(self, message_id: int) -> OutboxItem | None:
        found = [i for i in self._store.outbox.values() if i.message_id == message_id]
        return max(found, key=lambda i: i.id) if found else None

    def withdraw(self, message_id: int, reason: str, *, at: datetime | None = None) -> bool:
        when = at or utc_now()
        current = self.pending(message_id)
        if current is None or (current.lease_until is not None and current.lease_until > when):
            return False
        self._put(replace(current, done_at=when, last_error=clean_error(reason), claimed_by=None, claim_token=None,
                          lease_until=None))
        return True

    def mark_failed(
        self, item: OutboxItem, error: str, *, backoff: Backoff | None = None, at: datetime | None = None
    ) -> OutboxItem:
        current = self._held(item)
        when = at or utc_now()
        return self._put(
            replace(
                current,
                next_attempt_at=when + (backoff or Backoff()).delay(item.attempts),
                last_error=clean_error(error),
                claimed_by=None,
                claim_token=None,
                lease_until=None,
            )
        )

    def _held(self, item: OutboxItem) -> OutboxItem:
        current = self.get(item.id)
        if current is None or item.claim_token is None or current.claim_token != item.claim_token or current.done:
            raise LeaseLostError(item.id)
        return current

    def _put(self, item: OutboxItem) -> OutboxItem:
        self._store.outbox[item.id] = item
        return item


class FakeHandoverRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def pending(self, limit: int = 100) -> builtins.list[StoredMessage]:
        return [m for _, m in sorted(self._store.messages.items())
                if m.direction is Direction.INCOMING and m.state in HANDED_OVER_STATES
                and m.id not in self._store.handovers][:limit]

    def mark(self, message_id: int, *, at: datetime) -> None:
        self._store.handovers.setdefault(message_id, at)


class FakeUnitOfWork:
    """A unit of work in memory. ``committed`` tells a test whether the service committed.

    The repositories can also be used outside a ``with`` block, to set up and inspect a test.
    """

    def __init__(self) -> None:
        self.store = FakeStore()
        self.messages = FakeMessageRepository(self.store)
        self.parties = FakePartyRepository(self.store)
        self.outbox = FakeOutboxRepository(self.store)
        self.patients = FakePatientRepository(self.store)
        self.handover = FakeHandoverRepository(self.store)
        self.registers = FakeRegisters(self.store)
        self.monitor = FakeMonitorRepository(self.store)
        self.checklist = FakeChecklist(self.store)
        self.incidents = FakeIncidentRepository(self.store)
        self.deviations = FakeDeviationRepository(self.store)
        self.statistics = FakeStatisticsRepository(self.store)
        self.committed = False
        self._saved: FakeStore | None = None

    def __enter__(self) -> Self:
        if self._saved is not None:
            raise RuntimeError("the unit of work is already open")
        self._saved = self.store.snapshot()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()
        self._saved = None

    def commit(self) -> None:
        # Like the database's deferred foreign key: every parent must exist when the transaction ends.
        for party in self.store.parties.values():
            if party.parent_her_id is not None and party.parent_her_id not in self.store.parties:
                raise ValueError(f"Overordnet part {party.parent_her_id} finnes ikke.")
        self._saved = self.store.snapshot()
        self.committed = True

    def rollback(self) -> None:
        if self._saved is not None:
            self.store.restore(self._saved)
