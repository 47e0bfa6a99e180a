"""The monitoring's repository: alerts, handled messages, transport health, line tests and the mails, and the
facts the rules of :mod:`samhandling.domain.monitoring.rules` are run on.

It hangs on a unit of work as ``uow.monitor``: :class:`SqlMonitorRepository` on the unit of work's connection,
:class:`FakeMonitorRepository` in memory. Like the other repositories it never commits.

The facts are read without patient data: messages come without their bytes and without the patient reference
(``raw`` is empty, ``patient_ref`` None), as the rules need neither.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, and_, case, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult, Row
from sqlalchemy.exc import IntegrityError

from samhandling.domain.clock import as_utc
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.monitoring.rules import (
    WAITING_FOR_RECEIPT,
    Alert,
    AlertCause,
    AlertKey,
    LineTestResult,
    PendingSend,
    QueueSample,
)
from samhandling.domain.privacy import redact_person_ids
from samhandling.store.messaging.messages import clean_error
from samhandling.store.messaging.tables import messages, outbox
from samhandling.store.monitoring.tables import (
    alerts,
    line_tests,
    monitor_handled,
    monitor_mails,
    queue_samples,
    transport_attempts,
)

if TYPE_CHECKING:
    from samhandling.store.fakes import FakeStore

KEEP_ATTEMPTS = 200
"""Transport attempts kept per kind (send, poll); older ones are deleted as new ones come."""
KEEP_QUEUE_SAMPLES = timedelta(days=1)
"""Queue samples are kept this long."""

FINAL_PROBLEM_STATES = frozenset(
    {MessageState.RECEIPT_REJECTED, MessageState.RECEIPT_OK, MessageState.REJECTED, MessageState.UNANSWERABLE,
     MessageState.FAILED, MessageState.MSGID_CONFLICT}
)
"""States in which a message can give a finding for good (a negative receipt, a rejection): once a person has
resolved such a message by hand, it is not read again."""
_INCOMING_PROBLEMS = (MessageState.REJECTED, MessageState.UNANSWERABLE, MessageState.FAILED,
                      MessageState.MSGID_CONFLICT)


class DuplicateOpenAlertError(Exception):
    """An open alert for the same cause and partner exists already (another evaluation opened it)."""

    def __init__(self, key: AlertKey) -> None:
        cause, partner = key
        super().__init__(f"Det finnes allerede et åpent varsel for {cause.value} og {partner or 'ingen part'}.")
        self.key = key


class UnknownAlertError(LookupError):
    def __init__(self, alert_id: int) -> None:
        super().__init__(f"Fant ikke varsel {alert_id}.")
        self.alert_id = alert_id


# --- values ------------------------------------------------------------------------------------------------


class AttemptKind(StrEnum):
    SEND = "send"
    POLL = "poll"


@dataclass(frozen=True, kw_only=True)
class TransportAttempt:
    """One send or poll of the transport: when, whether it worked, and the error (without patient data)."""

    kind: AttemptKind
    at: datetime
    ok: bool
    her_id: str | None = None
    error: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", AttemptKind(self.kind))
        object.__setattr__(self, "at", as_utc("at", self.at))
        object.__setattr__(self, "error", clean_error(self.error))


@dataclass(frozen=True, kw_only=True)
class LineTest:
    """One line test: a test message to ``her_id`` (whose partner organisation is ``partner_her_id``) and its
    outcome. ``ok`` is None while the AppRec is awaited; ``round_trip`` is from sending to the AppRec."""

    id: int | None = None
    her_id: str
    partner_her_id: str
    message_id: int | None
    msg_id: str
    started_at: datetime
    finished_at: datetime | None = None
    ok: bool | None = None
    round_trip: timedelta | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        for name in ("started_at", "finished_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(name, value))
        object.__setattr__(self, "detail", clean_error(self.detail))

    @property
    def pending(self) -> bool:
        return self.ok is None

    def result(self) -> LineTestResult | None:
        """The outcome for the rules; None while pending."""
        if self.ok is None or self.finished_at is None:
            return None
        return LineTestResult(partner_her_id=self.partner_her_id, at=self.finished_at, ok=self.ok, detail=self.detail)


class MailKind(StrEnum):
    OPENED = "opened"
    RESOLVED = "resolved"
    DAILY = "daily"


@dataclass(frozen=True, kw_only=True)
class MonitorMail:
    """A mail of the monitoring: about an alert (opened or resolved) or the daily summary of ``day``.

    It is stored before it is sent and kept after; ``sent_at`` is None until the SMTP server took it, and a
    failed attempt is counted with its error, so the next evaluation tries again.
    """

    id: int | None = None
    kind: MailKind
    alert_id: int | None = None
    day: date | None = None
    subject: str
    body: str
    recipients: tuple[str, ...]
    created_at: datetime
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    claim_until: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", MailKind(self.kind))
        object.__setattr__(self, "recipients", tuple(self.recipients))
        object.__setattr__(self, "subject", redact_person_ids(self.subject))
        object.__setattr__(self, "body", redact_person_ids(self.body))
        for name in ("created_at", "sent_at", "claim_until"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(name, value))
        if (self.kind is MailKind.DAILY) != (self.alert_id is None):
            raise ValueError("a daily mail has no alert, and every other mail has one")
        if self.kind is MailKind.DAILY and self.day is None:
            raise ValueError("a daily mail needs its day")


@dataclass(frozen=True, kw_only=True)
class MessageCount:
    """How many stored messages share a direction, state, type and counterpart (the partner's HER-id)."""

    direction: Direction
    state: MessageState
    msg_type: str
    is_apprec: bool
    counterpart_her_id: str | None
    count: int


# --- protocol ----------------------------------------------------------------------------------------------


class MonitorRepository(Protocol):
    # alerts
    def add_alert(self, alert: Alert) -> Alert:
        """Store a new alert; returns it with its id. Raises :class:`DuplicateOpenAlertError` when ``alert`` is
        open and an open alert with the same cause and partner exists."""
        ...

    def save_alert(self, alert: Alert) -> Alert:
        """Write back a stored alert's changes. Raises :class:`UnknownAlertError`."""
        ...

    def get_alert(self, alert_id: int) -> Alert | None: ...

    def open_alerts(self) -> builtins.list[Alert]:
        """Open and acknowledged alerts, oldest first."""
        ...

    def list_alerts(self, *, include_resolved: bool = False, limit: int | None = None) -> builtins.list[Alert]:
        """Alerts, newest first."""
        ...

    def handled(self) -> frozenset[tuple[AlertCause, int]]:
        """The (cause, message id) pairs resolved by hand."""
        ...

    def mark_handled(self, alert: Alert, *, at: datetime) -> None:
        """Remember every message of ``alert`` as handled for its cause."""
        ...

    # facts
    def receipt_candidates(self) -> builtins.list[StoredMessage]:
        """The messages the receipt rules look at, without bytes and patient: outgoing ones waiting for an AppRec
        (and AppRecs still in the outbox), outgoing ones with a negative AppRec or error codes, and incoming ones
        rejected or unanswerable, except those in a final state already resolved by hand. Oldest first."""
        ...

    def pending_sends(self) -> builtins.list[PendingSend]:
        """Unfinished outbox items with their attempts and last error."""
        ...

    def outbox_size(self) -> int: ...

    def incoming_activity(self, since: datetime) -> builtins.list[tuple[str, datetime]]:
        """(sender HER-id, time) of every message received since ``since``."""
        ...

    def message_counts(self) -> builtins.list[MessageCount]: ...

    def receipt_latencies(self) -> builtins.list[float]:
        """Seconds from creation to AppRec of every sent message that got one."""
        ...

    def messages_between(self, start: datetime, end: datetime) -> builtins.list[StoredMessage]:
        """Messages created in [start, end), without bytes and patient, oldest first."""
        ...

    # transport health
    def record_attempt(self, attempt: TransportAttempt) -> None:
        """Store a send or poll attempt, keeping the newest :data:`KEEP_ATTEMPTS` of its kind."""
        ...

    def attempts(self, kind: AttemptKind, *, limit: int = 50) -> builtins.list[TransportAttempt]:
        """The latest attempts of a kind, newest first."""
        ...

    def add_queue_sample(self, sample: QueueSample) -> None:
        """Store a sample, and forget samples older than :data:`KEEP_QUEUE_SAMPLES` before it."""
        ...

    def queue_samples(self, since: datetime) -> builtins.list[QueueSample]:
        """Samples since ``since``, oldest first."""
        ...

    # line tests
    def add_line_test(self, test: LineTest) -> LineTest: ...

    def save_line_test(self, test: LineTest) -> LineTest: ...

    def get_line_test(self, test_id: int) -> LineTest | None: ...

    def line_tests(
        self, *, pending: bool | None = None, her_id: str | None = None, limit: int | None = None
    ) -> builtins.list[LineTest]:
        """Line tests, newest first; ``pending`` True for those awaiting their AppRec, False for finished ones."""
        ...

    def line_test_message_ids(self) -> builtins.set[int]:
        """The stored messages that are line tests."""
        ...

    def is_line_test(self, message_id: int) -> bool:
        """Whether the stored message is the test message of a line test."""
        ...

    # mails
    def add_mail(self, mail: MonitorMail) -> MonitorMail | None:
        """Store a mail to send; None when the alert already has a mail of that kind, or the day its summary."""
        ...

    def unsent_mails(self, *, limit: int = 100) -> builtins.list[MonitorMail]:
        """Mails not sent yet, oldest first."""
        ...

    def claim_mail(self, mail_id: int, *, now: datetime, until: datetime) -> MonitorMail | None:
        """Take an unsent mail for sending until ``until``; None when it is sent or another sender holds it."""
        ...

    def mail_sent(self, mail_id: int, *, at: datetime) -> None: ...

    def mail_failed(self, mail_id: int, error: str, *, at: datetime) -> None: ...

    def list_mails(self, *, limit: int = 100) -> builtins.list[MonitorMail]:
        """Mails, newest first."""
        ...


# --- SQL ---------------------------------------------------------------------------------------------------


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
            and_(incoming, c.state.in_([s.value for s in _INCOMING_PROBLEMS])),
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
        self._connection.execute(
            insert(transport_attempts).values(kind=attempt.kind.value, at=attempt.at, ok=attempt.ok,
                                              her_id=attempt.her_id, error=attempt.error)
        )
        newest = (
            select(t.id).where(t.kind == attempt.kind.value).order_by(t.id.desc()).limit(KEEP_ATTEMPTS).subquery()
        )
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


# --- in memory ---------------------------------------------------------------------------------------------


class MonitorData:
    """What the fake monitor repository holds. ``MonitorData(other)`` is a snapshot of ``other`` (values are
    frozen), so :class:`samhandling.store.fakes.FakeStore` snapshots and restores it like its own dicts."""

    def __init__(self, source: MonitorData | None = None) -> None:
        self.alerts: dict[int, Alert] = dict(source.alerts) if source else {}
        self.handled: dict[tuple[AlertCause, int], datetime] = dict(source.handled) if source else {}
        self.attempts: builtins.list[TransportAttempt] = builtins.list(source.attempts) if source else []
        self.samples: builtins.list[QueueSample] = builtins.list(source.samples) if source else []
        self.line_tests: dict[int, LineTest] = dict(source.line_tests) if source else {}
        self.mails: dict[int, MonitorMail] = dict(source.mails) if source else {}
        self.last_id: int = source.last_id if source else 0

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id


class FakeMonitorRepository:
    """The monitor repository in memory, on a :class:`samhandling.store.fakes.FakeStore`."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    @property
    def _data(self) -> MonitorData:
        return self._store.monitor  # looked up each time: a rollback replaces it

    # --- alerts ---

    def add_alert(self, alert: Alert) -> Alert:
        if alert.id is not None:
            raise ValueError("a new alert has no id yet")
        if alert.resolved_at is None and any(a.key == alert.key for a in self.open_alerts()):
            raise DuplicateOpenAlertError(alert.key)
        stored = replace(alert, id=self._data.new_id(), resolution=redact_person_ids(alert.resolution))
        assert stored.id is not None
        self._data.alerts[stored.id] = stored
        return stored

    def save_alert(self, alert: Alert) -> Alert:
        if alert.id is None:
            raise ValueError("only a stored alert can be saved")
        if alert.id not in self._data.alerts:
            raise UnknownAlertError(alert.id)
        if alert.resolved_at is None and any(a.key == alert.key and a.id != alert.id for a in self.open_alerts()):
            raise DuplicateOpenAlertError(alert.key)
        self._data.alerts[alert.id] = replace(alert, resolution=redact_person_ids(alert.resolution))
        return alert

    def get_alert(self, alert_id: int) -> Alert | None:
        return self._data.alerts.get(alert_id)

    def open_alerts(self) -> builtins.list[Alert]:
        found = [a for a in self._data.alerts.values() if a.resolved_at is None]
        return sorted(found, key=lambda a: (a.opened_at, a.id or 0))

    def list_alerts(self, *, include_resolved: bool = False, limit: int | None = None) -> builtins.list[Alert]:
        found = [a for a in self._data.alerts.values() if include_resolved or a.resolved_at is None]
        return sorted(found, key=lambda a: (a.opened_at, a.id or 0), reverse=True)[:limit]

    def handled(self) -> frozenset[tuple[AlertCause, int]]:
        return frozenset(self._data.handled)

    def mark_handled(self, alert: Alert, *, at: datetime) -> None:
        for message_id in alert.message_ids:
            if message_id in self._store.messages:
                self._data.handled.setdefault((alert.cause, message_id), as_utc("at", at))

    # --- facts ---

    def _messages(self) -> builtins.list[StoredMessage]:
        ordered = sorted(self._store.messages.values(), key=lambda m: (m.created_at, m.id or 0))
        return [replace(m, raw=b"", patient_ref=None, receiver_her_ids=()) for m in ordered]

    def receipt_candidates(self) -> builtins.list[StoredMessage]:
        handled = {message_id for _, message_id in self._data.handled}
        return [m for m in self._messages() if _candidate(m) and not (m.state in FINAL_PROBLEM_STATES
                                                                        and m.id in handled)]

    def pending_sends(self) -> builtins.list[PendingSend]:
        items = sorted((i for i in self._store.outbox.values() if not i.done), key=lambda i: (i.created_at, i.id))
        return [
            PendingSend(message_id=i.message_id, recipient_her_id=self._store.messages[i.message_id].recipient_her_id,
                        queued_at=i.created_at, attempts=i.attempts, last_error=i.last_error)
            for i in items
        ]

    def outbox_size(self) -> int:
        return sum(1 for i in self._store.outbox.values() if not i.done)

    def incoming_activity(self, since: datetime) -> builtins.list[tuple[str, datetime]]:
        return [(m.sender_her_id, m.created_at) for m in self._store.messages.values()
                if m.direction is Direction.INCOMING and m.sender_her_id is not None and m.created_at >= since]

    def message_counts(self) -> builtins.list[MessageCount]:
        counts: dict[tuple[Direction, MessageState, str, bool, str | None], int] = {}
        for m in self._store.messages.values():
            counterpart = m.recipient_her_id if m.direction is Direction.OUTGOING else m.sender_her_id
            key = (m.direction, m.state, m.msg_type, m.is_apprec, counterpart)
            counts[key] = counts.get(key, 0) + 1
        return [MessageCount(direction=d, state=s, msg_type=t, is_apprec=a, counterpart_her_id=p, count=n)
                for (d, s, t, a, p), n in counts.items()]

    def receipt_latencies(self) -> builtins.list[float]:
        answered = (MessageState.RECEIPT_OK, MessageState.RECEIPT_REJECTED)
        return [max((m.updated_at - m.created_at).total_seconds(), 0.0) for m in self._store.messages.values()
                if m.direction is Direction.OUTGOING and not m.is_apprec and m.state in answered]

    def messages_between(self, start: datetime, end: datetime) -> builtins.list[StoredMessage]:
        return [m for m in self._messages() if start <= m.created_at < end]

    # --- transport health ---

    def record_attempt(self, attempt: TransportAttempt) -> None:
        self._data.attempts.append(attempt)
        mine = [a for a in self._data.attempts if a.kind is attempt.kind]
        if len(mine) > KEEP_ATTEMPTS:
            dropped = {id(a) for a in mine[: len(mine) - KEEP_ATTEMPTS]}
            self._data.attempts = [a for a in self._data.attempts if id(a) not in dropped]

    def attempts(self, kind: AttemptKind, *, limit: int = 50) -> builtins.list[TransportAttempt]:
        mine = [(i, a) for i, a in enumerate(self._data.attempts) if a.kind is AttemptKind(kind)]
        return [a for _, a in sorted(mine, key=lambda pair: (pair[1].at, pair[0]), reverse=True)][:limit]

    def add_queue_sample(self, sample: QueueSample) -> None:
        self._data.samples = [s for s in self._data.samples if s.at >= sample.at - KEEP_QUEUE_SAMPLES] + [sample]

    def queue_samples(self, since: datetime) -> builtins.list[QueueSample]:
        return sorted((s for s in self._data.samples if s.at >= since), key=lambda s: s.at)

    # --- line tests ---

    def add_line_test(self, test: LineTest) -> LineTest:
        if test.id is not None:
            raise ValueError("a new line test has no id yet")
        stored = replace(test, id=self._data.new_id())
        assert stored.id is not None
        self._data.line_tests[stored.id] = stored
        return stored

    def save_line_test(self, test: LineTest) -> LineTest:
        if test.id is None:
            raise ValueError("only a stored line test can be saved")
        self._data.line_tests[test.id] = test
        return test

    def get_line_test(self, test_id: int) -> LineTest | None:
        return self._data.line_tests.get(test_id)

    def line_tests(
        self, *, pending: bool | None = None, her_id: str | None = None, limit: int | None = None
    ) -> builtins.list[LineTest]:
        found = [t for t in self._data.line_tests.values()
                 if (pending is None or t.pending == pending) and (her_id is None or t.her_id == her_id)]
        return sorted(found, key=lambda t: (t.started_at, t.id or 0), reverse=True)[:limit]

    def line_test_message_ids(self) -> builtins.set[int]:
        return {t.message_id for t in self._data.line_tests.values() if t.message_id is not None}

    def is_line_test(self, message_id: int) -> bool:
        return any(t.message_id == message_id for t in self._data.line_tests.values())

    # --- mails ---

    def add_mail(self, mail: MonitorMail) -> MonitorMail | None:
        if mail.id is not None:
            raise ValueError("a new mail has no id yet")
        for other in self._data.mails.values():
            if mail.alert_id is not None and (other.alert_id, other.kind) == (mail.alert_id, mail.kind):
                return None
            if mail.kind is MailKind.DAILY and other.kind is MailKind.DAILY and other.day == mail.day:
                return None
        stored = replace(mail, id=self._data.new_id())
        assert stored.id is not None
        self._data.mails[stored.id] = stored
        return stored

    def unsent_mails(self, *, limit: int = 100) -> builtins.list[MonitorMail]:
        return [m for _, m in sorted(self._data.mails.items()) if m.sent_at is None][:limit]

    def claim_mail(self, mail_id: int, *, now: datetime, until: datetime) -> MonitorMail | None:
        mail = self._data.mails.get(mail_id)
        if mail is None or mail.sent_at is not None or (mail.claim_until is not None and mail.claim_until > now):
            return None
        self._data.mails[mail_id] = claimed = replace(mail, claim_until=until)
        return claimed

    def mail_sent(self, mail_id: int, *, at: datetime) -> None:
        mail = self._data.mails[mail_id]
        self._data.mails[mail_id] = replace(mail, sent_at=at, attempts=mail.attempts + 1, last_error=None,
                                            claim_until=None)

    def mail_failed(self, mail_id: int, error: str, *, at: datetime) -> None:
        mail = self._data.mails[mail_id]
        self._data.mails[mail_id] = replace(mail, attempts=mail.attempts + 1, last_error=clean_error(error),
                                            claim_until=None)

    def list_mails(self, *, limit: int = 100) -> builtins.list[MonitorMail]:
        return [m for _, m in sorted(self._data.mails.items(), reverse=True)][:limit]


def _candidate(m: StoredMessage) -> bool:
    """The filter of :meth:`SqlMonitorRepository.receipt_candidates`, in Python."""
    if m.direction is Direction.INCOMING:
        return m.state in _INCOMING_PROBLEMS
    if m.state in WAITING_FOR_RECEIPT:
        return m.state is MessageState.QUEUED or not m.is_apprec
    if m.is_apprec:
        return False
    return m.state is MessageState.RECEIPT_REJECTED or (
        m.state is MessageState.RECEIPT_OK and (bool(m.error_codes) or m.receipt_conflict is not None))
