"""The outbox: messages waiting for the transport, claimed under a lease and retried with backoff; its values,
the repository protocol the services use and its SQL implementation (the in-memory one is in
:mod:`samhandling.store.fakes`).

The SQL repository works inside the transaction of a unit of work (:mod:`samhandling.store.unit_of_work`) and
never commits.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, insert, or_, select, true, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from samhandling.domain.clock import as_utc, utc_now
from samhandling.store.messaging.messages import UnknownMessageError, clean_error
from samhandling.store.messaging.sql_messages import inserted_id
from samhandling.store.messaging.tables import messages, outbox

DEFAULT_LEASE = timedelta(minutes=5)


class LeaseLostError(Exception):
    """The outbox item is no longer held by this claim: the lease ran out and another worker took it, or
    it is finished. The message may have been sent twice; the receiver's duplicate rule handles that."""

    def __init__(self, item_id: int) -> None:
        super().__init__(f"Utboksposten {item_id} er ikke lenger reservert for denne senderen.")
        self.item_id = item_id


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

    def __init__(self, connection: Connection, *, held: Callable[[Any], ColumnElement[bool]] | None = None) -> None:
        """``held(recipient)``: whether a message to that recipient is kept back (the emergency routine's holds,
        handed in by the unit of work, so that messaging knows no other capability); none: nothing is held."""
        self._connection = connection
        self._held = held

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
        item = self.get(inserted_id(result))
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
        not_held = true() if self._held is None else ~self._held(recipient)
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
