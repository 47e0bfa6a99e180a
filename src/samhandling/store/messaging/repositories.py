"""Repositories: stored messages with their journal, communication parties, the outbox, and the patient
directory of local parties.

Each repository works inside the transaction of a unit of work (:mod:`samhandling.store.unit_of_work`)
and never commits. The protocols are what the services use; the ``Sql*`` classes implement them on one
database connection, the fakes in :mod:`samhandling.store.fakes` in memory.

Operations that write more than one row (a message with its receivers and first journal entry, a state
change with its journal entry) run in a savepoint: they happen entirely or not at all, and a failed one
leaves the surrounding transaction usable.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Select, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Row
from sqlalchemy.exc import IntegrityError

from samhandling.domain.clock import as_utc, utc_now
from samhandling.domain.identifiers import HerId, person_id_problem
from samhandling.domain.messaging.messages import (
    INITIAL_STATE,
    Direction,
    InvalidTransitionError,
    JournalEntry,
    MessageState,
    StoredMessage,
    can_move,
    outgoing_address_problem,
)
from samhandling.domain.privacy import redact_person_ids
from samhandling.domain.registers.parties import Parties, Party, PartyKind
from samhandling.store.incidents.holding import is_held
from samhandling.store.messaging.tables import (
    epj_handovers,
    journal,
    message_receivers,
    messages,
    outbox,
    parties,
    patients,
    status_checks,
)

DEFAULT_LEASE = timedelta(minutes=5)
MAX_ERROR_TEXT = 2000


class DuplicateMessageError(Exception):
    """The same MsgId from the same sender to the same recipient (and direction) is stored already."""

    def __init__(self, existing_id: int) -> None:
        super().__init__(f"Meldingen er lagret før, som melding {existing_id}.")
        self.existing_id = existing_id


class UnknownMessageError(LookupError):
    def __init__(self, message_id: int) -> None:
        super().__init__(f"Ingen lagret melding med id {message_id}.")
        self.message_id = message_id


class DuplicatePartyError(Exception):
    def __init__(self, her_id: str) -> None:
        super().__init__(f"Kommunikasjonsparten med HER-id {her_id} finnes allerede.")
        self.her_id = her_id


class UnknownPartyError(LookupError):
    def __init__(self, her_id: str) -> None:
        super().__init__(f"Ingen kommunikasjonspart med HER-id {her_id}.")
        self.her_id = her_id


class LeaseLostError(Exception):
    """The outbox item is no longer held by this claim: the lease ran out and another worker took it, or
    it is finished. The message may have been sent twice; the receiver's duplicate rule handles that."""

    def __init__(self, item_id: int) -> None:
        super().__init__(f"Utboksposten {item_id} er ikke lenger reservert for denne senderen.")
        self.item_id = item_id


def new_message_problem(message: StoredMessage) -> str | None:
    """Why ``message`` cannot be added as new, or None."""
    if message.id is not None:
        return "a new message has no id yet"
    initial = INITIAL_STATE[message.direction]
    if message.state is not initial:
        return f"a new {message.direction} message starts as {initial}, not {message.state}"
    return outgoing_address_problem(message)


# --- queries -----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MessageQuery:
    """Filters for listing stored messages; a field left as None (or empty) does not filter.

    ``party_her_id`` matches the sender, the recipient and every receiver. The newest come first unless
    ``oldest_first``.
    """

    direction: Direction | None = None
    states: frozenset[MessageState] = field(default_factory=frozenset)
    msg_id: str | None = None
    party_her_id: str | None = None
    msg_type: str | None = None
    conversation_ref: str | None = None
    linked_to_msg_id: str | None = None
    transport_ref: str | None = None
    patient_ref: str | None = field(default=None, repr=False)
    is_apprec: bool | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    updated_before: datetime | None = None
    oldest_first: bool = False
    limit: int | None = 100
    offset: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", frozenset(MessageState(s) for s in self.states))

    def matches(self, m: StoredMessage) -> bool:
        """Whether ``m`` passes the filters (paging and order aside)."""
        checks = (
            self.direction is None or m.direction == self.direction,
            not self.states or m.state in self.states,
            self.msg_id is None or m.msg_id == self.msg_id,
            self.party_her_id is None
            or self.party_her_id in (m.sender_her_id, m.recipient_her_id, *m.receiver_her_ids),
            self.msg_type is None or m.msg_type == self.msg_type,
            self.conversation_ref is None or m.conversation_ref == self.conversation_ref,
            self.linked_to_msg_id is None or m.linked_to_msg_id == self.linked_to_msg_id,
            self.transport_ref is None or m.transport_ref == self.transport_ref,
            self.patient_ref is None or m.patient_ref == self.patient_ref,
            self.is_apprec is None or m.is_apprec == self.is_apprec,
            self.created_from is None or m.created_at >= self.created_from,
            self.created_before is None or m.created_at < self.created_before,
            self.updated_before is None or m.updated_at < self.updated_before,
        )
        return all(checks)


# --- outbox values -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OutboxItem:
    """A message waiting for the transport. While claimed, ``claim_token`` identifies the claim and
    ``lease_until`` says how long it holds; ``attempts`` counts claims, including ones that crashed."""

    id: int
    message_id: int
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    claimed_by: str | None = None
    claim_token: str | None = None
    lease_until: datetime | None = None
    last_error: str | None = None
    done_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("created_at", "next_attempt_at", "lease_until", "done_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(name, value))

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def is_due(self, now: datetime) -> bool:
        """Unfinished, its time has come, and no live claim holds it."""
        return (
            self.done_at is None
            and self.next_attempt_at <= now
            and (self.lease_until is None or self.lease_until <= now)
        )


@dataclass(frozen=True)
class Backoff:
    """How long to wait after a failed attempt: ``first``, multiplied by ``factor`` for each further
    attempt, never more than ``ceiling``. The node never gives up on its own; a person follows up
    messages that stay queued."""

    first: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    ceiling: timedelta = timedelta(hours=1)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th attempt failed (1 for the first)."""
        exponent = min(max(attempts - 1, 0), 64)
        seconds = self.first.total_seconds() * self.factor**exponent
        return timedelta(seconds=min(seconds, self.ceiling.total_seconds()))


# --- patient directory values ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PatientEntry:
    """A patient in the patient directory of a local party (used for AppRec E35, "Pasienten finnes ikke i
    mottakersystemet", HIS 80415:2012 kap. 6.3).

    The identifier is a valid fødselsnummer, D-nummer or H-nummer (HIS 1001:2010); it and the name stay out
    of ``repr``, and anything shown to a person masks the identifier (``mask_person_id``).
    """

    party_her_id: str
    patient_id: str = field(repr=False)
    name: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        HerId(self.party_her_id)  # raises ValueError, in Norwegian
        problem = person_id_problem(self.patient_id)
        if problem:
            raise ValueError(problem)  # the problem text never repeats the identifier
        if self.name is not None and not self.name.strip():
            object.__setattr__(self, "name", None)


def clean_error(error: str) -> str:
    """An error text fit for storing: no person identifiers, bounded length."""
    return redact_person_ids(error)[:MAX_ERROR_TEXT]


# --- protocols ---------------------------------------------------------------------------------------


class MessageRepository(Protocol):
    def add(self, message: StoredMessage, *, detail: str = "") -> StoredMessage:
        """Store a new message in its initial state (queued or received) with its first journal entry;
        returns it with its id. Raises :class:`DuplicateMessageError`."""
        ...

    def get(self, message_id: int) -> StoredMessage | None: ...

    def get_by_key(
        self,
        msg_id: str,
        sender_her_id: str | None,
        recipient_her_id: str | None,
        direction: Direction = Direction.INCOMING,
    ) -> StoredMessage | None:
        """The message the duplicate rule would match (never one kept as a MsgId conflict)."""
        ...

    def list(self, query: MessageQuery | None = None) -> builtins.list[StoredMessage]: ...

    def update_state(
        self,
        message_id: int,
        state: MessageState,
        *,
        detail: str = "",
        error_codes: Sequence[str] | None = None,
        at: datetime | None = None,
    ) -> StoredMessage:
        """Move a message to ``state`` and journal it, both or neither. ``error_codes`` replaces the stored
        codes when given. Raises :class:`UnknownMessageError` and :class:`InvalidTransitionError`."""
        ...

    def set_transport_ref(self, message_id: int, transport_ref: str) -> StoredMessage:
        """Record the transport's id for the message (no journal entry)."""
        ...

    def set_link(self, message_id: int, linked_to_msg_id: str | None) -> StoredMessage:
        """Record the MsgId of the message a change or cancellation refers to. Not a state change: no
        journal entry, ``updated_at`` stays. Raises :class:`UnknownMessageError`."""
        ...

    def journal(self, message_id: int) -> builtins.list[JournalEntry]:
        """The message's state changes (and notes), oldest first."""
        ...

    def note(self, message_id: int, detail: str, *, at: datetime | None = None) -> None:
        """Journal ``detail`` on the message in the state it is in, without changing it. Raises
        :class:`UnknownMessageError`."""
        ...

    def record_receipt_conflict(self, message_id: int, detail: str, *, at: datetime | None = None) -> StoredMessage:
        """Keep a receipt that contradicts the one the sent message has (the first one stands), journaled.
        Raises :class:`UnknownMessageError`."""
        ...

    def status_due(self, states: frozenset[MessageState], *, now: datetime, limit: int
                   ) -> builtins.list[StoredMessage]:
        """Outgoing non-AppRec messages in ``states`` with a transport reference whose status is due at ``now``
        (never asked, or asked and due again), the longest-due first."""
        ...

    def status_asked(self, message_id: int, *, next_at: datetime) -> int:
        """Record that the transport was asked about the message and when to ask again; returns how many times
        it has been asked."""
        ...

    def status_checks(self, message_id: int) -> int:
        """How many times the transport has been asked about the message."""
        ...

    def find_apprec_targets(
        self, original_msg_id: str, *, apprec_sender_her_id: str | None = None
    ) -> builtins.list[StoredMessage]:
        """The outgoing messages an incoming AppRec with this OriginalMsgId answers; with the AppRec's sender,
        only the copy sent to that party."""
        ...

    def apprecs_for(self, original_msg_id: str, *, direction: Direction | None = None) -> builtins.list[StoredMessage]:
        """The AppRecs stored for a message, oldest first (e.g. the one to send again for a duplicate)."""
        ...


class PartyRepository(Protocol):
    def add(self, party: Party) -> None:
        """Raises :class:`DuplicatePartyError`."""
        ...

    def upsert(self, party: Party) -> None: ...

    def get(self, her_id: str) -> Party | None: ...

    def list(
        self, *, local: bool | None = None, kind: PartyKind | None = None, municipality: str | None = None
    ) -> builtins.list[Party]:
        """Parties by HER-id, filtered."""
        ...

    def children(self, her_id: str) -> builtins.list[Party]: ...

    def all(self) -> Parties:
        """Every party, as a collection that answers hierarchy questions."""
        ...


HANDED_OVER_STATES = frozenset({MessageState.ACCEPTED})
"""Received messages the EPJ gets: accepted business messages, and AppRecs matched to what it sent."""


class HandoverRepository(Protocol):
    def pending(self, limit: int = 100) -> builtins.list[StoredMessage]:
        """Received messages in a handed-over state that the EPJ has not got yet, oldest first."""
        ...

    def mark(self, message_id: int, *, at: datetime) -> None:
        """Remember that the message is in the EPJ's inbox (doing it twice is harmless)."""
        ...


class PatientRepository(Protocol):
    def upsert(self, entry: PatientEntry) -> None:
        """Add the patient to the party's directory, or update its name. Raises :class:`UnknownPartyError`."""
        ...

    def upsert_many(self, entries: Sequence[PatientEntry]) -> None:
        """:meth:`upsert` for many patients at once, all or none. Raises :class:`UnknownPartyError`."""
        ...

    def get(self, party_her_id: str, patient_id: str) -> PatientEntry | None: ...

    def list(self, party_her_id: str) -> builtins.list[PatientEntry]:
        """The party's directory, by patient identifier."""
        ...

    def count(self, party_her_id: str) -> int: ...

    def clear(self, party_her_id: str) -> int:
        """Empty the party's directory (it then has none); returns how many patients it held."""
        ...

    def known(self, party_her_id: str, patient_id: str) -> bool | None:
        """Whether the patient is in the directory of ``party_her_id``: None when that party has no directory
        (not one patient in it; then no E35 check is made), else True or False. The party itself only: a
        directory of the organisation above does not answer for its services."""
        ...


class OutboxRepository(Protocol):
    def enqueue(self, message_id: int, *, at: datetime | None = None) -> OutboxItem:
        """Queue a stored message for the transport, due at ``at`` (now). Returns the unfinished item if the
        message is queued already. Raises :class:`UnknownMessageError`."""
        ...

    def get(self, item_id: int) -> OutboxItem | None: ...

    def pending(self, message_id: int) -> OutboxItem | None:
        """The message's unfinished item, if any."""
        ...

    def claim(
        self, worker: str, *, limit: int = 1, lease: timedelta = DEFAULT_LEASE, now: datetime | None = None
    ) -> builtins.list[OutboxItem]:
        """Take up to ``limit`` due items for ``worker`` for the length of ``lease``, oldest due first.

        Items whose message goes to a recipient on hold (the emergency routine; a hold on ``*`` holds every
        recipient) are not due while the hold lasts. Commit the claim at once, then send, then mark the item
        done or failed in a new unit of work. An item whose worker crashed becomes due again when its lease
        runs out. No two claimers get the same item while a lease holds.
        """
        ...

    def mark_done(self, item: OutboxItem, *, at: datetime | None = None) -> OutboxItem:
        """Raises :class:`LeaseLostError` unless ``item``'s claim still holds the item."""
        ...

    def claimants(self, *, now: datetime | None = None) -> builtins.list[str]:
        """The workers holding a lease on an unfinished item at ``now``."""
        ...

    def release_claims(self, worker: str) -> int:
        """Give up every lease ``worker`` holds (its process is gone, so it sends nothing more): the items are due
        again at once instead of when the lease runs out. Returns how many were released."""
        ...

    def mark_failed(
        self, item: OutboxItem, error: str, *, backoff: Backoff | None = None, at: datetime | None = None
    ) -> OutboxItem:
        """Release the claim and make the item due again after the backoff. ``error`` must not contain
        message content (person identifiers are masked anyway). Raises :class:`LeaseLostError`."""
        ...

    def mark_stopped(self, item: OutboxItem, error: str, *, at: datetime | None = None) -> OutboxItem:
        """Finish the item without sending: the transport refused it for good. ``error`` is kept as the reason.
        Raises :class:`LeaseLostError`."""
        ...

    def latest(self, message_id: int) -> OutboxItem | None:
        """The message's newest item, finished or not (for the reason a message stopped)."""
        ...

    def withdraw(self, message_id: int, reason: str, *, at: datetime | None = None) -> bool:
        """Finish the message's unfinished item without sending (a person cancelled it) unless a worker holds a
        live claim on it. Returns whether there was an item to withdraw."""
        ...


# --- SQL ---------------------------------------------------------------------------------------------


def _inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _message_from(row: Row[Any], receivers: Sequence[str]) -> StoredMessage:
    return StoredMessage(
        id=row.id,
        direction=Direction(row.direction),
        msg_id=row.msg_id,
        msg_type=row.msg_type,
        standard=row.standard,
        sender_her_id=row.sender_her_id,
        receiver_her_ids=tuple(receivers),
        recipient_her_id=row.recipient_her_id,
        conversation_ref=row.conversation_ref,
        parent_ref=row.parent_ref,
        patient_ref=row.patient_ref,
        state=MessageState(row.state),
        raw=bytes(row.raw),
        created_at=row.created_at,
        updated_at=row.updated_at,
        linked_to_msg_id=row.linked_to_msg_id,
        error_codes=tuple(row.error_codes),
        is_apprec=row.is_apprec,
        original_msg_id=row.original_msg_id,
        transport_ref=row.transport_ref,
        receipt_conflict=row.receipt_conflict,
        conflicts_with=row.conflicts_with,
    )


class SqlMessageRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, message: StoredMessage, *, detail: str = "") -> StoredMessage:
        problem = new_message_problem(message)
        if problem:
            raise ValueError(problem)
        try:
            with self._connection.begin_nested():
                result = self._connection.execute(
                    insert(messages).values(
                        direction=message.direction.value,
                        msg_id=message.msg_id,
                        msg_type=message.msg_type,
                        standard=message.standard,
                        sender_her_id=message.sender_her_id,
                        recipient_her_id=message.recipient_her_id,
                        conversation_ref=message.conversation_ref,
                        parent_ref=message.parent_ref,
                        patient_ref=message.patient_ref,
                        state=message.state.value,
                        raw=message.raw,
                        created_at=message.created_at,
                        updated_at=message.updated_at,
                        linked_to_msg_id=message.linked_to_msg_id,
                        error_codes=list(message.error_codes),
                        is_apprec=message.is_apprec,
                        original_msg_id=message.original_msg_id,
                        transport_ref=message.transport_ref,
                        receipt_conflict=message.receipt_conflict,
                        conflicts_with=message.conflicts_with,
                    )
                )
                new_id = _inserted_id(result)
                if message.receiver_her_ids:
                    self._connection.execute(
                        insert(message_receivers),
                        [
                            {"message_id": new_id, "position": i, "her_id": her_id}
                            for i, her_id in enumerate(message.receiver_her_ids)
                        ],
                    )
                self._write_journal(
                    JournalEntry(message_id=new_id, at=message.created_at, state=message.state, detail=detail)
                )
        except IntegrityError as error:
            existing = self.get_by_key(*message.duplicate_key[1:], direction=message.direction)
            if existing is None or existing.id is None or not message.msg_id:
                raise
            raise DuplicateMessageError(existing.id) from error
        return replace(message, id=new_id)

    def get(self, message_id: int) -> StoredMessage | None:
        found = self._load(select(messages).where(messages.c.id == message_id))
        return found[0] if found else None

    def get_by_key(
        self,
        msg_id: str,
        sender_her_id: str | None,
        recipient_her_id: str | None,
        direction: Direction = Direction.INCOMING,
    ) -> StoredMessage | None:
        found = self._load(
            select(messages)
            .where(
                messages.c.direction == direction.value,
                messages.c.msg_id == msg_id,
                messages.c.sender_her_id.is_not_distinct_from(sender_her_id),
                messages.c.recipient_her_id.is_not_distinct_from(recipient_her_id),
                messages.c.conflicts_with.is_(None),
            )
            .order_by(messages.c.id)
            .limit(1)
        )
        return found[0] if found else None

    def list(self, query: MessageQuery | None = None) -> builtins.list[StoredMessage]:
        q = query or MessageQuery()
        c = messages.c
        conditions: builtins.list[Any] = []
        if q.direction is not None:
            conditions.append(c.direction == q.direction.value)
        if q.states:
            conditions.append(c.state.in_(sorted(s.value for s in q.states)))
        if q.party_her_id is not None:
            as_receiver = exists().where(
                message_receivers.c.message_id == c.id, message_receivers.c.her_id == q.party_her_id
            )
            conditions.append(or_(c.sender_her_id == q.party_her_id, c.recipient_her_id == q.party_her_id, as_receiver))
        for column, value in (
            (c.msg_id, q.msg_id),
            (c.msg_type, q.msg_type),
            (c.conversation_ref, q.conversation_ref),
            (c.linked_to_msg_id, q.linked_to_msg_id),
            (c.transport_ref, q.transport_ref),
            (c.patient_ref, q.patient_ref),
            (c.is_apprec, q.is_apprec),
        ):
            if value is not None:
                conditions.append(column == value)
        if q.created_from is not None:
            conditions.append(c.created_at >= q.created_from)
        if q.created_before is not None:
            conditions.append(c.created_at < q.created_before)
        if q.updated_before is not None:
            conditions.append(c.updated_at < q.updated_before)
        order = (c.created_at, c.id) if q.oldest_first else (c.created_at.desc(), c.id.desc())
        statement = select(messages).where(*conditions).order_by(*order).offset(q.offset)
        if q.limit is not None:
            statement = statement.limit(q.limit)
        return self._load(statement)

    def update_state(
        self,
        message_id: int,
        state: MessageState,
        *,
        detail: str = "",
        error_codes: Sequence[str] | None = None,
        at: datetime | None = None,
    ) -> StoredMessage:
        when = at or utc_now()
        with self._connection.begin_nested():
            current = self._connection.execute(
                select(messages.c.state).where(messages.c.id == message_id).with_for_update()
            ).scalar_one_or_none()
            if current is None:
                raise UnknownMessageError(message_id)
            if not can_move(MessageState(current), state):
                raise InvalidTransitionError(MessageState(current), state)
            values: dict[str, Any] = {"state": state.value, "updated_at": when}
            if error_codes is not None:
                values["error_codes"] = list(error_codes)
            self._connection.execute(update(messages).where(messages.c.id == message_id).values(**values))
            self._write_journal(JournalEntry(message_id=message_id, at=when, state=state, detail=detail))
        updated = self.get(message_id)
        assert updated is not None
        return updated

    def set_transport_ref(self, message_id: int, transport_ref: str) -> StoredMessage:
        self._connection.execute(
            update(messages).where(messages.c.id == message_id).values(transport_ref=transport_ref)
        )
        found = self.get(message_id)
        if found is None:
            raise UnknownMessageError(message_id)
        return found

    def set_link(self, message_id: int, linked_to_msg_id: str | None) -> StoredMessage:
        self._connection.execute(
            update(messages).where(messages.c.id == message_id).values(linked_to_msg_id=linked_to_msg_id)
        )
        found = self.get(message_id)
        if found is None:
            raise UnknownMessageError(message_id)
        return found

    def journal(self, message_id: int) -> builtins.list[JournalEntry]:
        rows = self._connection.execute(
            select(journal).where(journal.c.message_id == message_id).order_by(journal.c.id)
        )
        return [
            JournalEntry(message_id=r.message_id, at=r.at, state=MessageState(r.state), detail=r.detail) for r in rows
        ]

    def note(self, message_id: int, detail: str, *, at: datetime | None = None) -> None:
        current = self._connection.execute(
            select(messages.c.state).where(messages.c.id == message_id)
        ).scalar_one_or_none()
        if current is None:
            raise UnknownMessageError(message_id)
        self._write_journal(JournalEntry(message_id=message_id, at=at or utc_now(), state=MessageState(current),
                                         detail=detail))

    def record_receipt_conflict(self, message_id: int, detail: str, *, at: datetime | None = None) -> StoredMessage:
        with self._connection.begin_nested():
            self.note(message_id, detail, at=at)
            self._connection.execute(
                update(messages).where(messages.c.id == message_id)
                .values(receipt_conflict=redact_person_ids(detail)[:MAX_ERROR_TEXT])
            )
        found = self.get(message_id)
        assert found is not None
        return found

    def status_due(self, states: frozenset[MessageState], *, now: datetime, limit: int
                   ) -> builtins.list[StoredMessage]:
        c = messages.c
        due_at = func.coalesce(status_checks.c.next_at, c.created_at)
        statement = (
            select(messages)
            .outerjoin(status_checks, status_checks.c.message_id == c.id)
            .where(
                c.direction == Direction.OUTGOING.value,
                c.is_apprec.is_(False),
                c.state.in_(sorted(s.value for s in states)),
                c.transport_ref.is_not(None),
                or_(status_checks.c.next_at.is_(None), status_checks.c.next_at <= as_utc("now", now)),
            )
            .order_by(due_at, c.id)
            .limit(limit)
        )
        return self._load(statement)

    def status_asked(self, message_id: int, *, next_at: datetime) -> int:
        when = as_utc("next_at", next_at)
        with self._connection.begin_nested():
            checks = self.status_checks(message_id)
            if checks:
                self._connection.execute(
                    update(status_checks).where(status_checks.c.message_id == message_id)
                    .values(checks=checks + 1, next_at=when)
                )
            else:
                self._connection.execute(insert(status_checks).values(message_id=message_id, checks=1, next_at=when))
        return checks + 1

    def status_checks(self, message_id: int) -> int:
        found = self._connection.execute(
            select(status_checks.c.checks).where(status_checks.c.message_id == message_id)
        ).scalar_one_or_none()
        return int(found or 0)

    def find_apprec_targets(
        self, original_msg_id: str, *, apprec_sender_her_id: str | None = None
    ) -> builtins.list[StoredMessage]:
        statement = select(messages).where(
            messages.c.direction == Direction.OUTGOING.value,
            messages.c.is_apprec.is_(False),
            messages.c.msg_id == original_msg_id,
        )
        if apprec_sender_her_id is not None:
            statement = statement.where(messages.c.recipient_her_id == apprec_sender_her_id)
        return self._load(statement.order_by(messages.c.id))

    def apprecs_for(self, original_msg_id: str, *, direction: Direction | None = None) -> builtins.list[StoredMessage]:
        statement = select(messages).where(
            messages.c.is_apprec.is_(True), messages.c.original_msg_id == original_msg_id
        )
        if direction is not None:
            statement = statement.where(messages.c.direction == direction.value)
        return self._load(statement.order_by(messages.c.id))

    def _write_journal(self, entry: JournalEntry) -> None:
        self._connection.execute(
            insert(journal).values(
                message_id=entry.message_id,
                at=entry.at,
                state=entry.state.value,
                detail=redact_person_ids(entry.detail),
            )
        )

    def _load(self, statement: Select[Any]) -> builtins.list[StoredMessage]:
        rows = self._connection.execute(statement).all()
        if not rows:
            return []
        receivers: dict[int, builtins.list[str]] = {r.id: [] for r in rows}
        for r in self._connection.execute(
            select(message_receivers)
            .where(message_receivers.c.message_id.in_(receivers))
            .order_by(message_receivers.c.message_id, message_receivers.c.position)
        ):
            receivers[r.message_id].append(r.her_id)
        return [_message_from(r, receivers[r.id]) for r in rows]


def _party_from(row: Row[Any]) -> Party:
    return Party(
        her_id=row.her_id,
        name=row.name,
        kind=PartyKind(row.kind),
        parent_her_id=row.parent_her_id,
        local=row.local,
        municipality=row.municipality,
    )


def _party_values(party: Party) -> dict[str, Any]:
    return {
        "her_id": party.her_id,
        "name": party.name,
        "kind": party.kind.value,
        "parent_her_id": party.parent_her_id,
        "local": party.local,
        "municipality": party.municipality,
    }


class SqlPartyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, party: Party) -> None:
        try:
            with self._connection.begin_nested():
                self._connection.execute(insert(parties).values(**_party_values(party)))
        except IntegrityError as error:
            if self.get(party.her_id) is None:
                raise
            raise DuplicatePartyError(party.her_id) from error

    def upsert(self, party: Party) -> None:
        values = _party_values(party)
        dialect = self._connection.dialect.name
        statement: Any
        if dialect == "postgresql":
            statement = postgresql.insert(parties).values(**values)
        elif dialect == "sqlite":
            statement = sqlite.insert(parties).values(**values)
        else:
            raise NotImplementedError(f"upsert on {dialect}")
        changes = {k: v for k, v in values.items() if k != "her_id"}
        self._connection.execute(statement.on_conflict_do_update(index_elements=["her_id"], set_=changes))

    def get(self, her_id: str) -> Party | None:
        row = self._connection.execute(select(parties).where(parties.c.her_id == her_id)).first()
        return _party_from(row) if row is not None else None

    def list(
        self, *, local: bool | None = None, kind: PartyKind | None = None, municipality: str | None = None
    ) -> builtins.list[Party]:
        statement = select(parties).order_by(func.length(parties.c.her_id), parties.c.her_id)  # as numbers
        if local is not None:
            statement = statement.where(parties.c.local.is_(local))
        if kind is not None:
            statement = statement.where(parties.c.kind == kind.value)
        if municipality is not None:
            statement = statement.where(parties.c.municipality == municipality)
        return [_party_from(r) for r in self._connection.execute(statement)]

    def children(self, her_id: str) -> builtins.list[Party]:
        statement = select(parties).where(parties.c.parent_her_id == her_id).order_by(parties.c.name, parties.c.her_id)
        return [_party_from(r) for r in self._connection.execute(statement)]

    def all(self) -> Parties:
        return Parties(self.list())


class SqlPatientRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def upsert(self, entry: PatientEntry) -> None:
        self.upsert_many([entry])

    def upsert_many(self, entries: Sequence[PatientEntry]) -> None:
        if not entries:
            return
        dialect = self._connection.dialect.name
        statement: Any
        if dialect == "postgresql":
            statement = postgresql.insert(patients)
        elif dialect == "sqlite":
            statement = sqlite.insert(patients)
        else:
            raise NotImplementedError(f"upsert on {dialect}")
        statement = statement.on_conflict_do_update(
            index_elements=["party_her_id", "patient_id"], set_={"name": statement.excluded.name}
        )
        rows = [{"party_her_id": e.party_her_id, "patient_id": e.patient_id, "name": e.name} for e in entries]
        try:
            with self._connection.begin_nested():
                self._connection.execute(statement, rows)
        except IntegrityError as error:
            named = sorted({e.party_her_id for e in entries})
            known = set(self._connection.execute(select(parties.c.her_id).where(parties.c.her_id.in_(named))).scalars())
            unknown = [her_id for her_id in named if her_id not in known]
            if not unknown:
                raise
            raise UnknownPartyError(unknown[0]) from error

    def get(self, party_her_id: str, patient_id: str) -> PatientEntry | None:
        row = self._connection.execute(
            select(patients).where(patients.c.party_her_id == party_her_id, patients.c.patient_id == patient_id)
        ).first()
        return _patient_from(row) if row is not None else None

    def list(self, party_her_id: str) -> builtins.list[PatientEntry]:
        statement = select(patients).where(patients.c.party_her_id == party_her_id).order_by(patients.c.patient_id)
        return [_patient_from(r) for r in self._connection.execute(statement)]

    def count(self, party_her_id: str) -> int:
        statement = select(func.count()).select_from(patients).where(patients.c.party_her_id == party_her_id)
        return int(self._connection.execute(statement).scalar_one())

    def clear(self, party_her_id: str) -> int:
        held = self.count(party_her_id)
        self._connection.execute(delete(patients).where(patients.c.party_her_id == party_her_id))
        return held

    def known(self, party_her_id: str, patient_id: str) -> bool | None:
        if self.get(party_her_id, patient_id) is not None:
            return True
        any_patient = self._connection.execute(
            select(patients.c.patient_id).where(patients.c.party_her_id == party_her_id).limit(1)
        ).first()
        return None if any_patient is None else False


def _patient_from(row: Row[Any]) -> PatientEntry:
    return PatientEntry(party_her_id=row.party_her_id, patient_id=row.patient_id, name=row.name)


def _item_from(row: Row[Any]) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        message_id=row.message_id,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        attempts=row.attempts,
        claimed_by=row.claimed_by,
        claim_token=row.claim_token,
        lease_until=row.lease_until,
        last_error=row.last_error,
        done_at=row.done_at,
    )


class SqlOutboxRepository:
    """The outbox on SQL. On PostgreSQL a claim locks the due rows it takes with ``FOR UPDATE SKIP LOCKED``
    (a concurrent claimer passes over them); on SQLite the claim's ``BEGIN IMMEDIATE`` transaction is the
    only writer. Either way the claim then writes a lease, so the item stays taken after the commit."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def enqueue(self, message_id: int, *, at: datetime | None = None) -> OutboxItem:
        when = at or utc_now()
        known = self._connection.execute(select(messages.c.id).where(messages.c.id == message_id)).first()
        if known is None:
            raise UnknownMessageError(message_id)
        try:
            with self._connection.begin_nested():
                result = self._connection.execute(
                    insert(outbox).values(message_id=message_id, created_at=when, next_attempt_at=when, attempts=0)
                )
        except IntegrityError:
            queued = self.pending(message_id)
            if queued is None:
                raise
            return queued
        item = self.get(_inserted_id(result))
        assert item is not None
        return item

    def get(self, item_id: int) -> OutboxItem | None:
        row = self._connection.execute(select(outbox).where(outbox.c.id == item_id)).first()
        return _item_from(row) if row is not None else None

    def pending(self, message_id: int) -> OutboxItem | None:
        row = self._connection.execute(
            select(outbox).where(outbox.c.message_id == message_id, outbox.c.done_at.is_(None))
        ).first()
        return _item_from(row) if row is not None else None

    def claim(
        self, worker: str, *, limit: int = 1, lease: timedelta = DEFAULT_LEASE, now: datetime | None = None
    ) -> builtins.list[OutboxItem]:
        when = now or utc_now()
        recipient = (select(messages.c.recipient_her_id).where(messages.c.id == outbox.c.message_id)
                     .correlate(outbox).scalar_subquery())
        not_held = ~is_held(recipient)
        due = (
            select(outbox.c.id)
            .where(
                outbox.c.done_at.is_(None),
                outbox.c.next_attempt_at <= when,
                or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= when),
                not_held,
            )
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = builtins.list(self._connection.execute(due).scalars())
        if not ids:
            return []
        self._connection.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(
                claimed_by=worker,
                claim_token=uuid.uuid4().hex,
                lease_until=when + lease,
                attempts=outbox.c.attempts + 1,
            )
        )
        rows = self._connection.execute(
            select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.next_attempt_at, outbox.c.id)
        )
        return [_item_from(r) for r in rows]

    def mark_done(self, item: OutboxItem, *, at: datetime | None = None) -> OutboxItem:
        return self._finish_claim(item, done_at=at or utc_now(), lease_until=None)

    def claimants(self, *, now: datetime | None = None) -> builtins.list[str]:
        when = now or utc_now()
        rows = self._connection.execute(
            select(outbox.c.claimed_by).distinct()
            .where(outbox.c.done_at.is_(None), outbox.c.claimed_by.is_not(None), outbox.c.lease_until > when)
            .order_by(outbox.c.claimed_by)
        )
        return [r[0] for r in rows]

    def release_claims(self, worker: str) -> int:
        result = self._connection.execute(
            update(outbox)
            .where(outbox.c.done_at.is_(None), outbox.c.claimed_by == worker)
            .values(claimed_by=None, claim_token=None, lease_until=None)
        )
        return int(result.rowcount or 0)

    def mark_failed(
        self, item: OutboxItem, error: str, *, backoff: Backoff | None = None, at: datetime | None = None
    ) -> OutboxItem:
        when = at or utc_now()
        return self._finish_claim(
            item,
            next_attempt_at=when + (backoff or Backoff()).delay(item.attempts),
            last_error=clean_error(error),
            claimed_by=None,
            claim_token=None,
            lease_until=None,
        )

    def mark_stopped(self, item: OutboxItem, error: str, *, at: datetime | None = None) -> OutboxItem:
        return self._finish_claim(item, done_at=at or utc_now(), last_error=clean_error(error), claimed_by=None,
                                  claim_token=None, lease_until=None)

    def latest(self, message_id: int) -> OutboxItem | None:
        row = self._connection.execute(
            select(outbox).where(outbox.c.message_id == message_id).order_by(outbox.c.id.desc()).limit(1)
        ).first()
        return _item_from(row) if row is not None else None

    def withdraw(self, message_id: int, reason: str, *, at: datetime | None = None) -> bool:
        when = at or utc_now()
        result = self._connection.execute(
            update(outbox)
            .where(outbox.c.message_id == message_id, outbox.c.done_at.is_(None),
                   or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= when))
            .values(done_at=when, last_error=clean_error(reason), claimed_by=None, claim_token=None,
                    lease_until=None)
        )
        return bool(result.rowcount)

    def _finish_claim(self, item: OutboxItem, **values: Any) -> OutboxItem:
        if item.claim_token is None:
            raise LeaseLostError(item.id)
        result = self._connection.execute(
            update(outbox)
            .where(outbox.c.id == item.id, outbox.c.claim_token == item.claim_token, outbox.c.done_at.is_(None))
            .values(**values)
        )
        if result.rowcount != 1:
            raise LeaseLostError(item.id)
        updated = self.get(item.id)
        assert updated is not None
        return updated


class SqlHandoverRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._messages = SqlMessageRepository(connection)

    def pending(self, limit: int = 100) -> builtins.list[StoredMessage]:
        c = messages.c
        handed = exists().where(epj_handovers.c.message_id == c.id)
        return self._messages._load(
            select(messages)
            .where(c.direction == Direction.INCOMING.value,
                   c.state.in_(sorted(s.value for s in HANDED_OVER_STATES)), ~handed)
            .order_by(c.id)
            .limit(limit)
        )

    def mark(self, message_id: int, *, at: datetime) -> None:
        already = self._connection.execute(
            select(epj_handovers.c.message_id).where(epj_handovers.c.message_id == message_id)).first()
        if already is None:
            self._connection.execute(insert(epj_handovers).values(message_id=message_id,
                                                                  handed_over_at=as_utc("at", at)))
