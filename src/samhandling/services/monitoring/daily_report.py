"""The daily summary of the message flow: what was sent and received per partner and message type, which
receipts are missing or negative, the line tests, and the open alerts.

``samhandling monitor report`` shows it (for today so far, or ``--day``); the node mails the summary of the
day before to our meldingsansvarlig once a day (``SAMHANDLING_DAILY_REPORT_AT``). Like everything of the
monitoring it holds no patient data: counts, message ids, types, MsgIds, codes, HER-ids and times.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from samhandling.domain.clock import as_utc, utc_now
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.messaging.parties import Parties
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.findings import Finding
from samhandling.domain.privacy import redact_person_ids
from samhandling.services.monitoring.monitor import MonitorConfig, OverdueMessage, partner_resolver, status
from samhandling.store.monitoring.values import LineTest
from samhandling.store.unit_of_work import UnitOfWork

MISSING_CAUSES = (AlertCause.RECEIPT_OVERDUE, AlertCause.RECEIPT_EXPIRED, AlertCause.NEVER_DELIVERED)
"""A message past the alert deadline without AppRec: its receipt is missing."""
APPREC = "APPREC"


NEVER_SENT = frozenset({MessageState.SEND_STOPPED, MessageState.CANCELLED})


@dataclass
class TrafficRow:
    """Messages of one type to and from one partner organisation during the day, and how the sent ones stand."""

    partner_her_id: str | None
    msg_type: str
    sent: int = 0
    received: int = 0
    receipt_ok: int = 0
    receipt_rejected: int = 0
    waiting: int = 0
    rejected_by_us: int = 0
    not_sent: int = 0
    """Outgoing messages the transport refused for good, or a person cancelled: never sent."""


@dataclass
class DailyReport:
    day: date
    start: datetime
    end: datetime
    at: datetime
    rows: list[TrafficRow] = field(default_factory=list)
    missing: list[OverdueMessage] = field(default_factory=list)
    negative: list[Finding] = field(default_factory=list)
    open_alerts: list[Alert] = field(default_factory=list)
    line_tests: list[LineTest] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return sum(r.sent for r in self.rows if r.msg_type != APPREC)

    @property
    def received(self) -> int:
        return sum(r.received for r in self.rows if r.msg_type != APPREC)

    def party(self, her_id: str | None) -> str:
        if her_id is None:
            return "ukjent samhandlingspart"
        name = self.names.get(her_id)
        return f"{name} (HER-id {her_id})" if name else f"HER-id {her_id}"


def build_daily_report(new_uow: Callable[[], UnitOfWork], config: MonitorConfig, *, day: date | None = None,
                       now: datetime | None = None) -> DailyReport:
    """The summary of the local calendar day ``day`` (default: the day of ``now``, so far), with the receipts
    missing and negative and the alerts open at ``now``."""
    at = as_utc("now", now or utc_now())
    cal = config.calendar
    day = day or cal.local_date(at)
    start = datetime.combine(day, time(0), tzinfo=cal.tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=cal.tz)
    current = status(new_uow, config, now=at)
    with new_uow() as uow:
        messages = uow.monitor.messages_between(start, min(end, max(at, start)))
        tests = [t for t in uow.monitor.line_tests(limit=1000) if start <= t.started_at < end]
    report = DailyReport(day=day, start=as_utc("start", start), end=as_utc("end", end), at=at,
                         open_alerts=current.open_alerts, line_tests=sorted(tests, key=lambda t: t.started_at))
    report.rows = _traffic(messages, current.parties)
    report.missing = [o for o in current.overdue if o.cause in MISSING_CAUSES]
    report.negative = [f for f in current.findings if f.cause is AlertCause.NEGATIVE_RECEIPT]
    report.names = {p.her_id: p.name for p in current.parties}
    return report


def _traffic(messages: list[StoredMessage], parties: Parties) -> list[TrafficRow]:
    partner_of = partner_resolver(parties)
    rows: dict[tuple[str | None, str], TrafficRow] = {}
    for m in messages:
        outgoing = m.direction is Direction.OUTGOING
        counterpart = m.recipient_her_id if outgoing else m.sender_her_id
        partner = partner_of(counterpart) if counterpart else None
        kind = APPREC if m.is_apprec else (m.msg_type or "ukjent")
        row = rows.setdefault((partner, kind), TrafficRow(partner_her_id=partner, msg_type=kind))
        if outgoing and m.state in NEVER_SENT:
            row.not_sent += 1
        elif outgoing:
            row.sent += 1
            if m.state is MessageState.RECEIPT_OK:
                row.receipt_ok += 1
            elif m.state is MessageState.RECEIPT_REJECTED:
                row.receipt_rejected += 1
            elif not m.is_apprec:
                row.waiting += 1
        else:
            row.received += 1
            if m.state is MessageState.REJECTED:
                row.rejected_by_us += 1
    return sorted(rows.values(), key=lambda r: (r.partner_her_id or "~", r.msg_type == APPREC, r.msg_type))


# --- presentation ------------------------------------------------------------------------------------------


def _when(moment: datetime, config: MonitorConfig) -> str:
    return moment.astimezone(config.calendar.tz).strftime("%d.%m.%Y kl. %H.%M")


def report_text(report: DailyReport, config: MonitorConfig) -> tuple[str, str]:
    """The subject and body (Norwegian plain text) of the summary, as mailed and as printed."""
    day = report.day.strftime("%d.%m.%Y")
    subject = (f"[samhandling] Daglig oppsummering {day}: {report.sent} sendt, {report.received} mottatt, "
               f"{len(report.missing)} mangler kvittering, {len(report.negative)} med negativ kvittering, "
               f"{len(report.open_alerts)} åpne varsler")
    lines = [f"Daglig oppsummering av meldingsflyten {day}", f"Laget {_when(report.at, config)}.", ""]
    lines.append("Sendt og mottatt per samhandlingspart og meldingstype:")
    if not report.rows:
        lines.append("- Ingen meldinger.")
    by_partner: dict[str | None, list[TrafficRow]] = defaultdict(list)
    for row in report.rows:
        by_partner[row.partner_her_id].append(row)
    for partner, rows in by_partner.items():
        lines.append(f"{report.party(partner)}:")
        for row in rows:
            text = f"  {row.msg_type}: sendt {row.sent}"
            if row.sent and row.msg_type != APPREC:
                text += (f" ({row.receipt_ok} positiv kvittering, {row.receipt_rejected} avvist, "
                         f"{row.waiting} venter)")
            if row.not_sent:
                text += f", ikke sendt {row.not_sent}"
            text += f", mottatt {row.received}"
            if row.rejected_by_us:
                text += f" ({row.rejected_by_us} avvist av oss)"
            lines.append(text)
    lines += ["", f"Kvitteringer som mangler ({len(report.missing)}):"]
    lines += [f"- Melding {o.message.id}: {o.message.msg_type}, MsgId {o.message.msg_id}, til "
              f"{report.party(o.partner_her_id)}, laget {_when(o.message.created_at, config)}: {o.cause.label}"
              for o in report.missing] or ["- Ingen."]
    count = sum(len(f.message_ids) for f in report.negative)
    lines += ["", f"Negative kvitteringer ({count}):"]
    lines += [f"- {report.party(f.partner_her_id)}: {line}" for f in report.negative for line in f.details] or [
        "- Ingen."]
    lines += ["", f"Linjetester ({len(report.line_tests)}):"]
    lines += [f"- {report.party(t.partner_her_id)}, {_when(t.started_at, config)}: "
              f"{'OK' if t.ok else 'venter' if t.ok is None else 'FEILET'}. {t.detail}".rstrip()
              for t in report.line_tests] or ["- Ingen."]
    lines += ["", f"Åpne varsler ({len(report.open_alerts)}):"]
    for alert in report.open_alerts:
        taken = f", bekreftet av {alert.acknowledged_by}" if alert.acknowledged_by else ""
        lines.append(f"- Varsel {alert.id} ({alert.severity.label.lower()}): {alert.cause.label} – "
                     f"{_alert_party(report, alert)}, siden {_when(alert.since, config)}{taken}")
    if not report.open_alerts:
        lines.append("- Ingen.")
    lines += ["", "Se detaljer med «samhandling monitor status» og «samhandling alerts list»."]
    return subject, redact_person_ids("\n".join(lines) + "\n")


def _alert_party(report: DailyReport, alert: Alert) -> str:
    if alert.partner_her_id is None:
        return "hele noden" if alert.cause.node_wide else "ukjent samhandlingspart"
    return report.party(alert.partner_her_id)


def report_json(report: DailyReport) -> dict[str, Any]:
    return {
        "day": report.day.isoformat(),
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "at": report.at.isoformat(),
        "sent": report.sent,
        "received": report.received,
        "traffic": [
            {"partner_her_id": r.partner_her_id, "partner_name": report.names.get(r.partner_her_id or ""),
             "msg_type": r.msg_type, "sent": r.sent, "not_sent": r.not_sent, "received": r.received,
             "receipt_ok": r.receipt_ok,
             "receipt_rejected": r.receipt_rejected, "waiting": r.waiting, "rejected_by_us": r.rejected_by_us}
            for r in report.rows
        ],
        "receipts_missing": [
            {"id": o.message.id, "msg_id": o.message.msg_id, "msg_type": o.message.msg_type,
             "partner_her_id": o.partner_her_id, "cause": o.cause.value, "created_at": o.message.created_at.isoformat()}
            for o in report.missing
        ],
        "receipts_negative": [
            {"partner_her_id": f.partner_her_id, "message_ids": list(f.message_ids), "details": list(f.details)}
            for f in report.negative
        ],
        "line_tests": [line_test_json(t) for t in report.line_tests],
        "open_alerts": [a.id for a in report.open_alerts],
    }


def line_test_json(test: LineTest) -> dict[str, Any]:
    return {
        "id": test.id,
        "her_id": test.her_id,
        "partner_her_id": test.partner_her_id,
        "message_id": test.message_id,
        "msg_id": test.msg_id,
        "started_at": test.started_at.isoformat(),
        "finished_at": test.finished_at.isoformat() if test.finished_at else None,
        "ok": test.ok,
        "round_trip_seconds": test.round_trip.total_seconds() if test.round_trip is not None else None,
        "detail": test.detail,
    }
