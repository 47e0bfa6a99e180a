"""The one mail for an alert that opened or resolved: subject and body in Norwegian plain text, without
patient data (message ids, types and MsgIds only)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from samhandling.domain.calendar import OSLO
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.findings import stamp

MAX_MAIL_LINES = 25


def alert_mail(alert: Alert, partner_name: str | None, opened: bool, *, tz: ZoneInfo = OSLO) -> tuple[str, str]:
    """The subject and body (Norwegian plain text) of the one mail for an alert that opened or resolved.

    It says what happened, since when, which messages (by id, type and MsgId; never patient data) and what
    to do. Long message lists are cut after :data:`MAX_MAIL_LINES` lines.
    """
    if not opened and alert.resolved_at is None:
        raise ValueError("Et varsel som ikke er løst, får ingen e-post om at det er løst.")
    cause = alert.cause
    party = _party(alert, partner_name)
    tag = alert.severity.label if opened else "Løst"
    subject = f"[samhandling] {tag}: {cause.label} – {party}"
    lines = [cause.label if opened else f"Løst: {cause.label}", ""]
    lines.append(f"Samhandlingspart: {party}")
    lines.append(f"Alvorlighetsgrad: {alert.severity.label}")
    lines.append(f"Gjelder fra: {stamp(alert.since, tz)}")
    lines.append(f"Varselet ble åpnet: {stamp(alert.opened_at, tz)}")
    if alert.acknowledged_at is not None:
        lines.append(f"Bekreftet av: {alert.acknowledged_by}, {stamp(alert.acknowledged_at, tz)}")
    if alert.resolved_at is not None and not opened:
        who = alert.resolved_by or "automatisk"
        lines.append(f"Løst: {stamp(alert.resolved_at, tz)} ({who}). {alert.resolution}".rstrip())
    if alert.message_ids:
        lines += ["", f"Meldinger ({len(alert.message_ids)}):"]
    elif alert.details:
        lines += ["", "Detaljer:"]
    lines += [f"- {line}" for line in alert.details[:MAX_MAIL_LINES]]
    if len(alert.details) > MAX_MAIL_LINES:
        lines.append(f"- … og {len(alert.details) - MAX_MAIL_LINES} til; se oversikten i samhandling.")
    if opened:
        lines += [
            "",
            "Slik følger du opp:",
            cause.advice,
            "",
            "Du får én e-post når et varsel åpnes og én når det er løst. Bekreft varselet i samhandling "
            "når noen har tatt det; det løses av seg selv når årsaken er borte.",
        ]
    else:
        lines += ["", "Ingen flere e-poster kommer om dette varselet."]
    return subject, "\n".join(lines) + "\n"


def _party(alert: Alert, partner_name: str | None) -> str:
    if alert.partner_her_id is None:
        return "hele noden" if alert.cause.node_wide else "ukjent samhandlingspart"
    if partner_name:
        return f"{partner_name} (HER-id {alert.partner_her_id})"
    return f"HER-id {alert.partner_her_id}"
