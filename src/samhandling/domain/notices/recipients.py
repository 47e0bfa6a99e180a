"""Each recipient of a notice, and its state: ``sent → acknowledged | overdue`` (procedure §3.3: the recipient
answers within two working days).

A recipient is a partner's contact point for the notice's purpose, or our own meldingsansvarlig. A partner
without a contact point for the purpose is kept as a recipient without address: *not reached*. The delivery of
each version is the general mail outbox's (a mail keyed by notice, version and address); the recipient is
*sent* only once the SMTP server took that mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from samhandling.domain.calendar import WorkingCalendar
from samhandling.domain.clock import as_utc
from samhandling.domain.notices.rules import answer_deadline


class RecipientState(StrEnum):
    NOT_REACHED = "not_reached"
    PENDING = "pending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return RECIPIENT_TEXT[self]


RECIPIENT_TEXT = {
    RecipientState.NOT_REACHED: "ikke nådd (mangler kontaktpunkt)",
    RecipientState.PENDING: "venter på sending",
    RecipientState.SENT: "sendt, venter på svar",
    RecipientState.ACKNOWLEDGED: "bekreftet",
    RecipientState.OVERDUE: "svar forfalt",
}


@dataclass(frozen=True, kw_only=True)
class Recipient:
    """One recipient of one notice. ``partner_her_id`` None is our own meldingsansvarlig; ``email`` None a
    partner not reached. ``version`` is the notice version last queued for it, ``delivered_at`` when the SMTP
    server took that version's mail."""

    id: int | None = None
    notice_id: int
    partner_her_id: str | None
    email: str | None
    name: str | None = None
    version: int = 0
    queued_at: datetime | None = None
    delivered_at: datetime | None = None
    acknowledged_version: int | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    reminded_version: int | None = None
    reminded_at: datetime | None = None
    escalated_version: int | None = None

    def __post_init__(self) -> None:
        for name in ("queued_at", "delivered_at", "acknowledged_at", "reminded_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(name, value))

    @property
    def reached(self) -> bool:
        return self.email is not None

    @property
    def own(self) -> bool:
        return self.partner_her_id is None

    def deadline(self, calendar: WorkingCalendar | None = None) -> datetime | None:
        """When the answer to the version delivered is due; None before it is delivered."""
        return None if self.delivered_at is None else answer_deadline(self.delivered_at, calendar)

    def state(self, now: datetime, calendar: WorkingCalendar | None = None) -> RecipientState:
        if not self.reached:
            return RecipientState.NOT_REACHED
        if self.acknowledged_version is not None and self.acknowledged_version >= self.version:
            return RecipientState.ACKNOWLEDGED
        deadline = self.deadline(calendar)
        if deadline is None:
            return RecipientState.PENDING
        return RecipientState.OVERDUE if as_utc("now", now) >= deadline else RecipientState.SENT

    @property
    def key(self) -> str:
        return self.email or f"part:{self.partner_her_id}"
