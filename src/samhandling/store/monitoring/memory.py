"""The monitoring's repository in memory (``uow.monitor`` on a :class:`samhandling.store.fakes.FakeStore`)."""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from samhandling.domain.clock import as_utc
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.receipts import WAITING_FOR_RECEIPT
from samhandling.domain.monitoring.transport import PendingSend, QueueSample
from samhandling.domain.privacy import redact_person_ids
from samhandling.store.messaging.messages import clean_error
from samhandling.store.messaging.outbox import OutboxItem
from samhandling.store.monitoring import repository
from samhandling.store.monitoring.repository import (
    FINAL_PROBLEM_STATES,
    INCOMING_PROBLEM_STATES,
    KEEP_QUEUE_SAMPLES,
    DuplicateOpenAlertError,
    UnknownAlertError,
)
from samhandling.store.monitoring.values import (
    AttemptKind,
    LineTest,
    MailKind,
    MessageCount,
    MonitorMail,
    TransportAttempt,
)


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


class MonitoringData(Protocol):
    """What this fake reads and writes of the in-memory store (the unit of work's ``FakeStore`` has it all;
    a snapshot replaces its containers, so the fake looks them up on each call)."""

    messages: dict[int, StoredMessage]
    monitor: MonitorData
    outbox: dict[int, OutboxItem]


class FakeMonitorRepository:
    """The monitor repository in memory, on a :class:`samhandling.store.fakes.FakeStore`."""

    def __init__(self, store: MonitoringData) -> None:
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
        keep = repository.KEEP_ATTEMPTS  # read at each call, so that it can be changed (the tests keep fewer)
        mine = [a for a in self._data.attempts if a.kind is attempt.kind]
        if len(mine) > keep:
            dropped = {id(a) for a in mine[: len(mine) - keep]}
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
        return m.state in INCOMING_PROBLEM_STATES
    if m.state in WAITING_FOR_RECEIPT:
        return m.state is MessageState.QUEUED or not m.is_apprec
    if m.is_apprec:
        return False
    return m.state is MessageState.RECEIPT_REJECTED or (
        m.state is MessageState.RECEIPT_OK and (bool(m.error_codes) or m.receipt_conflict is not None))
