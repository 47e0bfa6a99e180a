"""What a rule found: :class:`Finding` values, ONE per partner organisation and cause, listing every message it
concerns.

Patient data never enters a finding, an alert or a mail: only message ids, types, MsgIds, error codes, HER-ids,
counts and times. As a last guard every detail line has any run of eleven digits masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from samhandling.domain.calendar import OSLO
from samhandling.domain.clock import as_utc
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.privacy import redact_person_ids

AlertKey = tuple[AlertCause, str | None]
"""What an alert is about: the cause and the partner organisation's HER-id (None: no known partner)."""


@dataclass(frozen=True, kw_only=True)
class Finding:
    """What one rule found for one partner organisation and cause, at the time of the evaluation.

    ``message_ids`` are the stored messages it concerns (oldest first); ``since`` is when the oldest of them
    crossed the line. ``details`` are Norwegian lines without patient data; a run of eleven digits is masked.
    """

    cause: AlertCause
    partner_her_id: str | None
    message_ids: tuple[int, ...] = ()
    since: datetime
    details: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "cause", AlertCause(self.cause))
        object.__setattr__(self, "message_ids", tuple(self.message_ids))
        object.__setattr__(self, "since", as_utc("since", self.since))
        object.__setattr__(self, "details", tuple(redact_person_ids(line) for line in self.details))

    @property
    def key(self) -> AlertKey:
        return (self.cause, self.partner_her_id)


@dataclass(frozen=True)
class Hit:
    """One message's part of a finding."""

    message_id: int
    since: datetime
    line: str


def aggregate(hits: Mapping[AlertKey, list[Hit]]) -> list[Finding]:
    """One finding per key, its messages oldest first; the findings by cause, then partner."""
    order = list(AlertCause)
    findings = []
    for (cause, partner), unordered in hits.items():
        found = sorted(unordered, key=lambda hit: (hit.since, hit.message_id))
        findings.append(
            Finding(
                cause=cause,
                partner_her_id=partner,
                since=found[0].since,
                message_ids=tuple(hit.message_id for hit in found),
                details=tuple(hit.line for hit in found),
            )
        )
    return sorted(findings, key=lambda f: (order.index(f.cause), f.partner_her_id or ""))


def stamp(moment: datetime, tz: ZoneInfo = OSLO) -> str:
    """A moment as Norwegians write it, in local time: 02.04.2026 kl. 09.00."""
    return moment.astimezone(tz).strftime("%d.%m.%Y kl. %H.%M")
