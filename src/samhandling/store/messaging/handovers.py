"""Handovers to the EPJ: which received messages the EPJ has got into its inbox; the repository protocol the
services use and its SQL implementation (the in-memory one is in :mod:`samhandling.store.fakes`).
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, exists, insert, select

from samhandling.domain.clock import as_utc
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.store.messaging.sql_messages import SqlMessageRepository
from samhandling.store.messaging.tables import epj_handovers, messages

HANDED_OVER_STATES = frozenset({MessageState.ACCEPTED})
"""Received messages the EPJ gets: accepted business messages, and AppRecs matched to what it sent."""


class HandoverRepository(Protocol):
    def pending(self, limit: int = 100) -> builtins.list[StoredMessage]:
        """Received messages in a handed-over state that the EPJ has not got yet, oldest first."""
        ...

    def mark(self, message_id: int, *, at: datetime) -> None:
        """Remember that the message is in the EPJ's inbox (doing it twice is harmless)."""
        ...


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
