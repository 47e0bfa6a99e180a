"""The facts of a period's business messages, read set-based: one query for the messages (without their bytes),
one for the journal moves that count (sent, receipts), both on indexed columns (``messages.created_at``,
``journal.message_id``). The fake reads the same from memory.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, and_, or_, select

from samhandling.domain.messaging.messages import Direction, JournalEntry, StoredMessage
from samhandling.domain.statistics.figures import MessageFacts, facts_from
from samhandling.store.messaging.tables import journal, messages

COUNTED_MOVES = ("sent", "receipt_ok", "receipt_rejected")


class StatisticsRepository(Protocol):
    def facts(self, start: datetime, end: datetime, *, msg_type: str | None = None,
              partner: str | None = None) -> builtins.list[MessageFacts]:
        """Every business message (no AppRec) created in [start, end), oldest first; ``partner`` is the
        recipient of an outgoing message, the sender of an incoming one."""
        ...


class SqlStatisticsRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def facts(self, start: datetime, end: datetime, *, msg_type: str | None = None,
              partner: str | None = None) -> builtins.list[MessageFacts]:
        c = messages.c
        conditions = [c.created_at >= start, c.created_at < end, c.is_apprec.is_(False)]
        if msg_type is not None:
            conditions.append(c.msg_type == msg_type)
        if partner is not None:
            conditions.append(or_(and_(c.direction == "outgoing", c.recipient_her_id == partner),
                                  and_(c.direction == "incoming", c.sender_her_id == partner)))
        rows = self._connection.execute(
            select(c.id, c.direction, c.msg_type, c.msg_id, c.sender_her_id, c.recipient_her_id, c.created_at,
                   c.error_codes, c.parent_ref, c.conversation_ref).where(*conditions).order_by(c.created_at, c.id)
        ).all()
        moves: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        in_period = select(c.id).where(*conditions).scalar_subquery()
        for m in self._connection.execute(
            select(journal.c.message_id, journal.c.state, journal.c.at)
            .where(journal.c.message_id.in_(in_period), journal.c.state.in_(COUNTED_MOVES))
            .order_by(journal.c.message_id, journal.c.id)
        ):
            moves[m.message_id].append((m.state, m.at))
        found = (
            facts_from(direction=Direction(r.direction), msg_type=r.msg_type, msg_id=r.msg_id, sender=r.sender_her_id,
                       recipient=r.recipient_her_id, created_at=r.created_at, error_codes=r.error_codes or (),
                       parent_ref=r.parent_ref, conversation_ref=r.conversation_ref, moves=moves.get(r.id, ()))
            for r in rows
        )
        return [f for f in found if f is not None]


class StatisticsData(Protocol):
    """What this fake reads and writes of the in-memory store (the unit of work's ``FakeStore`` has it all;
    a snapshot replaces its containers, so the fake looks them up on each call)."""

    journal: list[JournalEntry]
    messages: dict[int, StoredMessage]


class FakeStatisticsRepository:
    def __init__(self, store: StatisticsData) -> None:
        self._store = store

    def facts(self, start: datetime, end: datetime, *, msg_type: str | None = None,
              partner: str | None = None) -> builtins.list[MessageFacts]:
        moves: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        for entry in self._store.journal:
            if entry.state.value in COUNTED_MOVES:
                moves[entry.message_id].append((entry.state.value, entry.at))
        chosen = sorted(
            (m for m in self._store.messages.values()
             if start <= m.created_at < end and not m.is_apprec and (msg_type is None or m.msg_type == msg_type)),
            key=lambda m: (m.created_at, m.id or 0),
        )
        found = (
            facts_from(direction=m.direction, msg_type=m.msg_type, msg_id=m.msg_id, sender=m.sender_her_id,
                       recipient=m.recipient_her_id, created_at=m.created_at, error_codes=m.error_codes,
                       parent_ref=m.parent_ref, conversation_ref=m.conversation_ref, moves=moves.get(m.id or 0, ()))
            for m in chosen
        )
        return [f for f in found if f is not None and (partner is None or f.partner == partner)]
