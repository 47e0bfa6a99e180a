"""The values the monitoring's repository keeps besides the alerts: transport attempts (sends and polls), line
tests, the monitoring's mails, and the message counts the metrics read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from samhandling.domain.clock import as_utc
from samhandling.domain.messaging.messages import Direction, MessageState
from samhandling.domain.monitoring.transport import LineTestResult
from samhandling.domain.privacy import redact_person_ids
from samhandling.store.messaging.messages import clean_error


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
