"""The life of an alert: opened for a finding, acknowledged by a person, resolved automatically or by hand.

:func:`reconcile` holds the findings of an evaluation against the open alerts: a new cause opens an alert, a
cause that is gone resolves it, and one that persists only updates it, so a person gets one e-mail when an
alert opens and one when it resolves (:func:`samhandling.domain.monitoring.mail.alert_mail`), never a flood.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from samhandling.domain.clock import as_utc
from samhandling.domain.monitoring.causes import AlertCause, Severity
from samhandling.domain.monitoring.findings import AlertKey, Finding, stamp
from samhandling.domain.privacy import redact_person_ids


class AlertState(StrEnum):
    """Where an alert is in its life: open, acknowledged (someone has taken it), resolved."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return {AlertState.OPEN: "Åpent", AlertState.ACKNOWLEDGED: "Bekreftet", AlertState.RESOLVED: "Løst"}[self]


RESOLVED_AUTOMATICALLY = "Årsaken er ikke lenger til stede."


@dataclass(frozen=True, kw_only=True)
class Alert:
    """An alert: opened for a finding, acknowledged by a person, resolved automatically or by hand.

    ``id`` is the store's (None until stored). ``since`` is when its cause began, ``last_seen_at`` the last
    evaluation that still found it. ``resolved_by`` is None for an alert that resolved by itself;
    ``resolution`` says how, in Norwegian.
    """

    id: int | None = None
    cause: AlertCause
    partner_her_id: str | None
    opened_at: datetime
    since: datetime
    last_seen_at: datetime
    message_ids: tuple[int, ...] = ()
    details: tuple[str, ...] = ()
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "cause", AlertCause(self.cause))
        object.__setattr__(self, "message_ids", tuple(self.message_ids))
        object.__setattr__(self, "details", tuple(redact_person_ids(line) for line in self.details))
        for name in ("opened_at", "since", "last_seen_at", "acknowledged_at", "resolved_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(name, value))
        if (self.acknowledged_by is None) != (self.acknowledged_at is None):
            raise ValueError("acknowledged_by and acknowledged_at go together")
        if self.resolved_by is not None and self.resolved_at is None:
            raise ValueError("resolved_by needs resolved_at")

    @property
    def key(self) -> AlertKey:
        return (self.cause, self.partner_her_id)

    @property
    def severity(self) -> Severity:
        return self.cause.severity

    @property
    def state(self) -> AlertState:
        if self.resolved_at is not None:
            return AlertState.RESOLVED
        return AlertState.ACKNOWLEDGED if self.acknowledged_at is not None else AlertState.OPEN

    @property
    def resolved_by_hand(self) -> bool:
        return self.resolved_at is not None and self.resolved_by is not None


class AlertTransitionError(ValueError):
    """A move in an alert's life that is not allowed; the message says why, in Norwegian."""


def open_alert(finding: Finding, now: datetime) -> Alert:
    """A new alert for ``finding``, opened at ``now``."""
    at = as_utc("now", now)
    return Alert(
        cause=finding.cause,
        partner_her_id=finding.partner_her_id,
        opened_at=at,
        since=finding.since,
        last_seen_at=at,
        message_ids=finding.message_ids,
        details=finding.details,
    )


def acknowledge(alert: Alert, by: str, at: datetime) -> Alert:
    """``alert`` acknowledged by ``by``: someone has taken it. It stays open until its cause is gone."""
    when = _check_move(alert, by, at, "bekreftes")
    if alert.acknowledged_at is not None:
        raise AlertTransitionError(
            f"Varselet er allerede bekreftet av {alert.acknowledged_by} {stamp(alert.acknowledged_at)}."
        )
    return replace(alert, acknowledged_by=by.strip(), acknowledged_at=when)


def resolve(alert: Alert, by: str, at: datetime, note: str = "") -> Alert:
    """``alert`` resolved by hand by ``by``: the cause is dealt with. Messages it lists are then not raised
    again for the same cause (:func:`handled_messages`); a cause without messages that is still there at the
    next evaluation opens a new alert, so acknowledge rather than resolve what is not fixed yet."""
    when = _check_move(alert, by, at, "løses")
    return replace(
        alert, resolved_at=when, resolved_by=by.strip(), resolution=redact_person_ids(note.strip()) or "Løst manuelt."
    )


def _check_move(alert: Alert, by: str, at: datetime, verb: str) -> datetime:
    when = as_utc("at", at)
    if alert.resolved_at is not None:
        raise AlertTransitionError(f"Varselet er allerede løst ({stamp(alert.resolved_at)}) og kan ikke {verb}.")
    if not by.strip():
        raise AlertTransitionError(f"Oppgi hvem som gjør det når et varsel {verb}.")
    if when < alert.opened_at:
        raise AlertTransitionError(f"Et varsel kan ikke {verb} før det ble åpnet ({stamp(alert.opened_at)}).")
    return when


def handled_messages(alerts: Iterable[Alert]) -> frozenset[tuple[AlertCause, int]]:
    """The (cause, message id) pairs of alerts resolved by hand: ``handled`` for
    :func:`~samhandling.domain.monitoring.receipts.evaluate_receipts`."""
    return frozenset((a.cause, m) for a in alerts if a.resolved_by_hand for m in a.message_ids)


@dataclass(frozen=True)
class Reconciliation:
    """What an evaluation does to the alerts.

    Mail goes out for ``opened`` and ``resolved`` only (:attr:`notifications`). ``still_open`` alerts were
    updated quietly. ``superseded`` alerts were closed quietly too: every message they listed is now under
    another cause for the same partner (a warning that became an alert, an overdue receipt that came back
    negative), whose own alert says it all.
    """

    opened: list[Alert] = field(default_factory=list)
    still_open: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    superseded: list[Alert] = field(default_factory=list)

    @property
    def notifications(self) -> list[tuple[Alert, bool]]:
        """The alerts to mail about, with True for one that opened and False for one that resolved."""
        return [(a, True) for a in self.opened] + [(a, False) for a in self.resolved]


def reconcile(open_alerts: Iterable[Alert], findings: Iterable[Finding], now: datetime) -> Reconciliation:
    """Hold the open (and acknowledged) alerts against this evaluation's findings.

    A finding whose key has no open alert opens one. An open alert whose key has a finding is updated (its
    messages, details and last seen) but not reopened or notified again, and keeps its acknowledgement. An
    open alert whose key has no finding any more resolves automatically. Findings with the same key are
    taken together; a second open alert with the same key as another is closed as superseded.
    """
    at = as_utc("now", now)
    current = _merge(findings)
    result = Reconciliation()
    seen: set[AlertKey] = set()
    for alert in sorted(open_alerts, key=lambda a: (a.opened_at, a.id or 0)):
        if alert.resolved_at is not None:
            continue
        if alert.key in seen:
            result.superseded.append(replace(alert, resolved_at=at, resolution="Dobbelt varsel for samme årsak."))
            continue
        seen.add(alert.key)
        finding = current.get(alert.key)
        if finding is not None:
            result.still_open.append(
                replace(
                    alert,
                    last_seen_at=at,
                    message_ids=finding.message_ids,
                    details=finding.details,
                    since=min(alert.since, finding.since),
                )
            )
            continue
        successor = _successor(alert, current.values())
        if successor is not None:
            result.superseded.append(
                replace(alert, resolved_at=at, resolution=f"Erstattet av varselet «{successor.label}».")
            )
        else:
            result.resolved.append(replace(alert, resolved_at=at, resolution=RESOLVED_AUTOMATICALLY))
    result.opened.extend(open_alert(f, at) for key, f in current.items() if key not in seen)
    return result


def _merge(findings: Iterable[Finding]) -> dict[AlertKey, Finding]:
    merged: dict[AlertKey, Finding] = {}
    for finding in findings:
        earlier = merged.get(finding.key)
        if earlier is not None:
            ids = earlier.message_ids + tuple(m for m in finding.message_ids if m not in earlier.message_ids)
            finding = replace(
                earlier,
                message_ids=ids,
                since=min(earlier.since, finding.since),
                details=earlier.details + finding.details,
            )
        merged[finding.key] = finding
    return merged


def _successor(alert: Alert, findings: Iterable[Finding]) -> AlertCause | None:
    """The most serious other cause that now lists every message of ``alert``, for the same partner."""
    if not alert.message_ids:
        return None
    mine = set(alert.message_ids)
    taken: dict[AlertCause, set[int]] = defaultdict(set)
    for finding in findings:
        if finding.partner_her_id == alert.partner_her_id and finding.cause is not alert.cause:
            taken[finding.cause] |= mine & set(finding.message_ids)
    if set[int]().union(*taken.values()) != mine:
        return None
    return max((c for c, ids in taken.items() if ids), key=lambda c: c.severity.rank)
