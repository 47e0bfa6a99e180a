"""The monitoring's repository in SQL, on the unit of work's connection (``uow.monitor``).

The facts are read without patient data: messages come without their bytes and without the patient reference.
"""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult, Row
from sqlalchemy.exc import IntegrityError

from samhandling.domain.clock import as_utc
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.receipts import WAITING_FOR_RECEIPT
from samhandling.domain.monitoring.transport import PendingSend, QueueSample
from samhandling.domain.privacy import redact_person_ids
from samhandling.store.messaging.messages import clean_error
from samhandling.store.messaging.tables import messages, outbox
from samhandling.store.monitoring import repository
from samhandling.store.monitoring.repository import (
    FINAL_PROBLEM_STATES,
    INCOMING_PROBLEM_STATES,
    KEEP_QUEUE_SAMPLES,
    DuplicateOpenAlertError,
    UnknownAlertError,
)
from samhandling.store.monitoring.tables import (
    alerts,
    line_tests,
    monitor_handled,
    monitor_mails,
    queue_samples,
    transport_attempts,
)
from samhandling.store.monitoring.values import (
    AttemptKind,
    LineTest,
    MailKind,
    MessageCount,
    MonitorMail,
    TransportAttempt,
)


def _inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _alert_values(alert: Alert) -> dict[str, Any]:
    return {
        "cause": alert.cause.value,
        "partner_her_id": alert.partner_her_id or "",
        "opened_at": alert.opened_at,
        "since": alert.since,
        "last_seen_at": alert.last_seen_at,
        "message_ids": list(alert.message_ids),
        "details": list(alert.details),
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": alert.acknowledged_at,
        "resolved_at": alert.resolved_at,
        "resolved_by": alert.resolved_by,
        "resolution": redact_person_ids(alert.resolution),
    }


def _alert_from(row: Row[Any]) -> Alert:
    return Alert(
        id=row.id,
        cause=AlertCause(row.cause),
        partner_her_id=row.partner_her_id or None,
        opened_at=row.opened_at,
        since=row.since,
        last_seen_at=row.last_seen_at,
        message_ids=tuple(row.message_ids),
        details=tuple(row.details),
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution=row.resolution,
    )


_LIGHT_COLUMNS = [c for c in messages.c if c.name not in ("raw", "patient_ref")]


def _light_message(row: Row[Any]) -> StoredMessage:
    """A stored message as the rules see it: no bytes, no patient, no receiver list."""
    return StoredMessage(
        id=row.id,
        direction=Direction(row.direction),
        msg_id=row.msg_id,
        msg_type=row.msg_type,
        standard=row.standard,
        sender_her_id=row.sender_her_id,
        recipient_her_id=row.recipient_her_id,
        conversation_ref=row.conversation_ref,
        parent_ref=row.parent_ref,
        state=MessageState(row.state),
        raw=b"",
        created_at=row.created_at,
        updated_at=row.updated_at,
        linked_to_msg_id=row.linked_to_msg_id,
        error_codes=tuple(row.error_codes),
        is_apprec=row.is_apprec,
        original_msg_id=row.original_msg_id,
        transport_ref=row.transport_ref,
        receipt_conflict=row.receipt_conflict,
    )


def _line_test_values(test: LineTest) -> dict[str, Any]:
    return {
        "her_id": test.her_id,
        "partner_her_id": test.partner_her_id,
        "message_id": test.message_id,
        "msg_id": test.msg_id,
        "started_at": test.started_at,
        "finished_at": test.finished_at,
        "ok": test.ok,
        "round_trip_seconds": test.round_trip.total_seconds() if test.round_trip is not None else None,
        "detail": test.detail,
    }


def _line_test_from(row: Row[Any]) -> LineTest:
    return LineTest(
        id=row.id,
        her_id=row.her_id,
        partner_her_id=row.partner_her_id,
        message_id=row.message_id,
        msg_id=row.msg_id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        ok=row.ok,
        round_trip=timedelta(seconds=row.round_trip_seconds) if row.round_trip_seconds is not None else None,
        detail=row.detail,
    )


def _mail_from(row: Row[Any]) -> MonitorMail:
    return MonitorMail(
        id=row.id,
        kind=MailKind(row.kind),
        alert_id=row.alert_id,
        day=row.day,
        subject=row.subject,
        body=row.body,
        recipients=tuple(row.recipients),
        created_at=row.created_at,
        sent_at=row.sent_at,
        attempts=row.attempts,
        last_error=row.last_error,
        claim_until=row.claim_until,
    )


_WAITING = sorted(s.value for s in WAITING_FOR_RECEIPT)
_OUTGOING, _INCOMING = Direction.OUTGOING.value, Direction.INCOMING.value


class SqlMonitorRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- alerts ---

    def add_alert(self, alert: Alert) -> Alert:
        if alert.id is not None:
            raise ValueError("a new alert has no id yet")
        try:
            with self._connection.begin_nested():
                result = self._connection.execute(insert(alerts).values(**_alert_values(alert)))
        except IntegrityError as error:
            raise DuplicateOpenAlertError(alert.key) from error
        return replace(alert, id=_inserted_id(result))

    def save_alert(self, alert: Alert) -> Alert:
        if alert.id is None:
            raise ValueError("only a stored alert can be saved")
        result = self._connection.execute(update(alerts).where(alerts.c.id == alert.id).values(**_alert_values(alert)))
        if result.rowcount != 1:
            raise UnknownAlertError(alert.id)
        return alert

    def get_alert(self, alert_id: int) -> Alert | None:
        row = self._connection.execute(select(alerts).where(alerts.c.id == alert_id)).first()
        return _alert_from(row) if row is not None else None

    def open_alerts(self) -> builtins.list[Alert]:
        rows = self._connection.execute(
            select(alerts).where(alerts.c.resolved_at.is_(None)).order_by(alerts.c.opened_at, alerts.c.id)
        )
        return [_alert_from(r) for r in rows]

    def list_alerts(self, *, include_resolved: bool = False, limit: int | None = None) -> builtins.list[Alert]:
        statement = select(alerts).order_by(alerts.c.opened_at.desc(), alerts.c.id.desc()).limit(limit)
        if not include_resolved:
            statement = statement.where(alerts.c.resolved_at.is_(None))
        return [_alert_from(r) for r in self._connection.execute(statement)]

    def handled(self) -> frozenset[tuple[AlertCause, int]]:
        rows = self._connection.execute(select(monitor_handled.c.cause, monitor_handled.c.message_id))
        return frozenset((AlertCause(r.cause), r.message_id) for r in rows)

    def mark_handled(self, alert: Alert, *, at: datetime) -> None:
        known = set(
            self._connection.execute(select(messages.c.id).where(messages.c.id.in_(alert.message_ids))).scalars()
        )
        done = self.handled()
        rows = [
            {"cause": alert.cause.value, "message_id": m, "alert_id": alert.id, "handled_at": as_utc("at", at)}
            for m in dict.fromkeys(alert.message_ids)
            if m in known and (alert.cause, m) not in done
        ]
        if rows:
            self._connection.execute(insert(monitor_handled), rows)

    # --- facts ---

    def receipt_candidates(self) -> builtins.list[StoredMessage]:
        c = messages.c
        outgoing, incoming = c.direction == _OUTGOING, c.direction == _INCOMING
        handled = exists().where(monitor_handled.c.message_id == c.id)
        final = [s.value for s in FINAL_PROBLEM_STATES]
        wanted = or_(
            and_(outgoing, c.state.in_(_WAITING), or_(c.state == MessageState.QUEUED.value, c.is_apprec.is_(False))),
            and_(outgoing, c.is_apprec.is_(False), c.state == MessageState.RECEIPT_REJECTED.value),
            and_(
                outgoing,
                c.is_apprec.is_(False),
                c.state == MessageState.RECEIPT_OK.value,
                or_(func.json_array_length(c.error_codes) > 0, c.receipt_conflict.is_not(None)),
            ),
            and_(incoming, c.state.in_([s.value for s in INCOMING_PROBLEM_STATES])),
        )
        statement = (
            select(*_LIGHT_COLUMNS)
            .where(wanted, ~and_(c.state.in_(final), handled))
            .order_by(c.created_at, c.id)
        )
        return [_light_message(r) for r in self._connection.execute(statement)]

    def pending_sends(self) -> builtins.list[PendingSend]:
        statement = (
            select(outbox.c.message_id, outbox.c.created_at, outbox.c.attempts, outbox.c.last_error,
                   messages.c.recipient_her_id)
            .join(messages, messages.c.id == outbox.c.message_id)
            .where(outbox.c.done_at.is_(None))
            .order_by(outbox.c.created_at, outbox.c.id)
        )
        return [
            PendingSend(message_id=r.message_id, recipient_her_id=r.recipient_her_id, queued_at=r.created_at,
                        attempts=r.attempts, last_error=r.last_error)
            for r in self._connection.execute(statement)
        ]

    def outbox_size(self) -> int:
        statement = select(func.count()).select_from(outbox).where(outbox.c.done_at.is_(None))
        return int(self._connection.execute(statement).scalar_one())

    def incoming_activity(self, since: datetime) -> builtins.list[tuple[str, datetime]]:
        c = messages.c
        statement = select(c.sender_her_id, c.created_at).where(
            c.direction == _INCOMING, c.created_at >= as_utc("since", since), c.sender_her_id.is_not(None)
        )
        return [(r.sender_her_id, r.created_at) for r in self._connection.execute(statement)]

    def message_counts(self) -> builtins.list[MessageCount]:
        c = messages.c
        counterpart = case((c.direction == _OUTGOING, c.recipient_her_id), else_=c.sender_her_id)
        statement = select(c.direction, c.state, c.msg_type, c.is_apprec, counterpart.label("counterpart"),
                           func.count().label("n")).group_by(c.direction, c.state, c.msg_type, c.is_apprec,
                                                             counterpart)
        return [
            MessageCount(direction=Direction(r.direction), state=MessageState(r.state), msg_type=r.msg_type,
                         is_apprec=bool(r.is_apprec), counterpart_her_id=r.counterpart, count=int(r.n))
            for r in self._connection.execute(statement)
        ]

    def receipt_latencies(self) -> builtins.list[float]:
        c = messages.c
        answered = [MessageState.RECEIPT_OK.value, MessageState.RECEIPT_REJECTED.value]
        statement = select(c.created_at, c.updated_at).where(
            c.direction == _OUTGOING, c.is_apprec.is_(False), c.state.in_(answered)
        )
        return [max((r.updated_at - r.created_at).total_seconds(), 0.0) for r in self._connection.execute(statement)]

    def messages_between(self, start: datetime, end: datetime) -> builtins.list[StoredMessage]:
        c = messages.c
        statement = (
            select(*_LIGHT_COLUMNS)
            .where(c.created_at >= as_utc("start", start), c.created_at < as_utc("end", end))
            .order_by(c.created_at, c.id)
        )
        return [_light_message(r) for r in self._connection.execute(statement)]

    # --- transport health ---

    def record_attempt(self, attempt: TransportAttempt) -> None:
        t = transport_attempts.c
        keep = repository.KEEP_ATTEMPTS  # read at each call, so that it can be changed (the tests keep fewer)
        self._connection.execute(
            insert(transport_attempts).values(kind=attempt.kind.value, at=attempt.at, ok=attempt.ok,
                                              her_id=attempt.her_id, error=attempt.error)
        )
        newest = select(t.id).where(t.kind == attempt.kind.value).order_by(t.id.desc()).limit(keep).subquery()
        self._connection.execute(
            delete(transport_attempts).where(t.kind == attempt.kind.value, t.id.not_in(select(newest.c.id)))
        )

    def attempts(self, kind: AttemptKind, *, limit: int = 50) -> builtins.list[TransportAttempt]:
        t = transport_attempts.c
        rows = self._connection.execute(
            select(transport_attempts).where(t.kind == AttemptKind(kind).value).order_by(t.at.desc(), t.id.desc())
            .limit(limit)
        )
        return [TransportAttempt(kind=AttemptKind(r.kind), at=r.at, ok=r.ok, her_id=r.her_id, error=r.error)
                for r in rows]

    def add_queue_sample(self, sample: QueueSample) -> None:
        self._connection.execute(insert(queue_samples).values(at=sample.at, size=sample.size))
        self._connection.execute(delete(queue_samples).where(queue_samples.c.at < sample.at - KEEP_QUEUE_SAMPLES))

    def queue_samples(self, since: datetime) -> builtins.list[QueueSample]:
        q = queue_samples.c
        rows = self._connection.execute(
            select(q.at, q.size).where(q.at >= as_utc("since", since)).order_by(q.at, q.id)
        )
        return [QueueSample(at=r.at, size=r.size) for r in rows]

    # --- line tests ---

    def add_line_test(self, test: LineTest) -> LineTest:
        if test.id is not None:
            raise ValueError("a new line test has no id yet")
        result = self._connection.execute(insert(line_tests).values(**_line_test_values(test)))
        return replace(test, id=_inserted_id(result))

    def save_line_test(self, test: LineTest) -> LineTest:
        if test.id is None:
            raise ValueError("only a stored line test can be saved")
        self._connection.execute(update(line_tests).where(line_tests.c.id == test.id)
                                 .values(**_line_test_values(test)))
        return test

    def get_line_test(self, test_id: int) -> LineTest | None:
        row = self._connection.execute(select(line_tests).where(line_tests.c.id == test_id)).first()
        return _line_test_from(row) if row is not None else None

    def line_tests(
        self, *, pending: bool | None = None, her_id: str | None = None, limit: int | None = None
    ) -> builtins.list[LineTest]:
        lt = line_tests.c
        statement = select(line_tests).order_by(lt.started_at.desc(), lt.id.desc()).limit(limit)
        if pending is not None:
            statement = statement.where(lt.ok.is_(None) if pending else lt.ok.is_not(None))
        if her_id is not None:
            statement = statement.where(lt.her_id == her_id)
        return [_line_test_from(r) for r in self._connection.execute(statement)]

    def line_test_message_ids(self) -> builtins.set[int]:
        statement = select(line_tests.c.message_id).where(line_tests.c.message_id.is_not(None))
        return set(self._connection.execute(statement).scalars())

    def is_line_test(self, message_id: int) -> bool:
        statement = select(line_tests.c.id).where(line_tests.c.message_id == message_id).limit(1)
        return self._connection.execute(statement).first() is not None

    # --- mails ---

    def add_mail(self, mail: MonitorMail) -> MonitorMail | None:
        if mail.id is not None:
            raise ValueError("a new mail has no id yet")
        try:
            with self._connection.begin_nested():
                result = self._connection.execute(insert(monitor_mails).values(
                    kind=mail.kind.value, alert_id=mail.alert_id, day=mail.day, subject=mail.subject, body=mail.body,
                    recipients=list(mail.recipients), created_at=mail.created_at, sent_at=mail.sent_at,
                    attempts=mail.attempts, last_error=mail.last_error, claim_until=mail.claim_until,
                ))
        except IntegrityError:
            return None
        return replace(mail, id=_inserted_id(result))

    def unsent_mails(self, *, limit: int = 100) -> builtins.list[MonitorMail]:
        rows = self._connection.execute(
            select(monitor_mails).where(monitor_mails.c.sent_at.is_(None)).order_by(monitor_mails.c.id).limit(limit)
        )
        return [_mail_from(r) for r in rows]

    def claim_mail(self, mail_id: int, *, now: datetime, until: datetime) -> MonitorMail | None:
        m = monitor_mails.c
        result = self._connection.execute(
            update(monitor_mails)
            .where(m.id == mail_id, m.sent_at.is_(None), or_(m.claim_until.is_(None), m.claim_until <= now))
            .values(claim_until=as_utc("until", until))
        )
        if result.rowcount != 1:
            return None
        row = self._connection.execute(select(monitor_mails).where(m.id == mail_id)).first()
        return _mail_from(row) if row is not None else None

    def mail_sent(self, mail_id: int, *, at: datetime) -> None:
        self._connection.execute(
            update(monitor_mails).where(monitor_mails.c.id == mail_id)
            .values(sent_at=as_utc("at", at), attempts=monitor_mails.c.attempts + 1, last_error=None, claim_until=None)
        )

    def mail_failed(self, mail_id: int, error: str, *, at: datetime) -> None:
        self._connection.execute(
            update(monitor_mails).where(monitor_mails.c.id == mail_id)
            .values(attempts=monitor_mails.c.attempts + 1, last_error=clean_error(error), claim_until=None)
        )

    def list_mails(self, *, limit: int = 100) -> builtins.list[MonitorMail]:
        rows = self._connection.execute(select(monitor_mails).order_by(monitor_mails.c.id.desc()).limit(limit))
        return [_mail_from(r) for r in rows]
