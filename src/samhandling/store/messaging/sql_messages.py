"""The message repository on SQL: stored messages with their receivers, their journal and their status checks.

It works inside the transaction of a unit of work (:mod:`samhandling.store.unit_of_work`) and never commits.
Operations that write more than one row (a message with its receivers and first journal entry, a state change
with its journal entry) run in a savepoint: they happen entirely or not at all, and a failed one leaves the
surrounding transaction usable.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, exists, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult, Row
from sqlalchemy.exc import IntegrityError

from samhandling.domain.clock import as_utc, utc_now
from samhandling.domain.messaging.messages import (
    Direction,
    InvalidTransitionError,
    JournalEntry,
    MessageState,
    StoredMessage,
    can_move,
)
from samhandling.domain.privacy import redact_person_ids
from samhandling.store.messaging.messages import (
    MAX_ERROR_TEXT,
    DuplicateMessageError,
    MessageQuery,
    UnknownMessageError,
    new_message_problem,
)
from samhandling.store.messaging.tables import journal, message_receivers, messages, status_checks


def inserted_id(result: CursorResult[Any]) -> int:
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
                new_id = inserted_id(result)
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
