"""The monitoring's repository: alerts, handled messages, transport health, line tests and the mails, and the
facts the rules of :mod:`samhandling.domain.monitoring` are run on.

It hangs on a unit of work as ``uow.monitor``: :class:`~samhandling.store.monitoring.sql.SqlMonitorRepository`
on the unit of work's connection, :class:`~samhandling.store.monitoring.memory.FakeMonitorRepository` in
memory. Like the other repositories it never commits. This module holds what both promise: the protocol, its
errors, and how long it keeps transport attempts and queue samples.

The facts are read without patient data: messages come without their bytes and without the patient reference
(``raw`` is empty, ``patient_ref`` None), as the rules need neither.
"""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta
from typing import Protocol

from samhandling.domain.messaging.messages import MessageState, StoredMessage
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.findings import AlertKey
from samhandling.domain.monitoring.transport import PendingSend, QueueSample
from samhandling.store.errors import DuplicateError, UnknownError
from samhandling.store.monitoring.values import AttemptKind, LineTest, MessageCount, MonitorMail, TransportAttempt

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
INCOMING_PROBLEM_STATES = (MessageState.REJECTED, MessageState.UNANSWERABLE, MessageState.FAILED,
                           MessageState.MSGID_CONFLICT)
"""States in which a received message is among the receipt candidates (rejected, unanswerable, failed, its
MsgId used again)."""


class DuplicateOpenAlertError(DuplicateError):
    """An open alert for the same cause and partner exists already (another evaluation opened it)."""

    def __init__(self, key: AlertKey) -> None:
        cause, partner = key
        super().__init__(f"Det finnes allerede et åpent varsel for {cause.value} og {partner or 'ingen part'}.")
        self.key = key


class UnknownAlertError(UnknownError):
    def __init__(self, alert_id: int) -> None:
        super().__init__(f"Fant ikke varsel {alert_id}.")
        self.alert_id = alert_id


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
