"""One evaluation of the daily monitoring: gather the facts from the store, run the rules, reconcile them with
the open alerts, store the outcome and send the mail.

The rules are :mod:`samhandling.domain.monitoring` (receipt deadlines in working time and the 96 hours,
negative AppRecs, rejected and unanswerable incoming messages, sending and polling that keep failing, a
growing outbox, failed line tests, partners gone quiet); nothing here decides what is wrong. This module
only reads the facts (``uow.monitor``, without patient data), hands them to the rules, and keeps the alerts:
a new cause opens an alert and sends one mail, a cause that is gone resolves it and sends one more, a cause
that persists only updates it (:func:`samhandling.domain.monitoring.alerts.reconcile`).

A sent message whose receipt is overdue (or counts as rejected after 96 hours) also moves to the state
``receipt_missing``, so that it shows so in the message list; a late AppRec still moves it on.

Line test messages are watched by their own rule (a failed line test), not by the receipt rules.

An evaluation at a moment before an earlier one (``monitor run --now`` in the future, then the node at the
real time) leaves the alerts that earlier evaluation saw as they are: an alert is never resolved before it
was last seen. They are reconciled again once time has caught up with them, or resolved by hand.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from samhandling.domain.calendar import WorkingCalendar
from samhandling.domain.clock import as_utc, utc_now
from samhandling.domain.deviations.deviation import DeviationStatus
from samhandling.domain.deviations.overdue import evaluate_overdue_measures
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.messaging.parties import Parties
from samhandling.domain.monitoring.alerts import Alert, reconcile
from samhandling.domain.monitoring.alerts import acknowledge as acknowledge_rule
from samhandling.domain.monitoring.alerts import resolve as resolve_rule
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.findings import Finding
from samhandling.domain.monitoring.quiet_partners import evaluate_partner_quiet
from samhandling.domain.monitoring.receipts import ReceiptDeadlines, evaluate_receipts
from samhandling.domain.monitoring.transport import (
    PollResult,
    QueueSample,
    RejectedEpjFile,
    StoppedSend,
    evaluate_certificates,
    evaluate_epj_files,
    evaluate_line_tests,
    evaluate_polling,
    evaluate_queue,
    evaluate_sending,
    evaluate_stopped,
)
from samhandling.domain.registers.certificates import expiring
from samhandling.services.incidents.holds import held_message_ids
from samhandling.services.monitoring.notify import MailRun, NotifyConfig, deliver_mails, queue_alert_mail
from samhandling.standards.apprec.codes import ERROR_CODES
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.monitoring.repository import DuplicateOpenAlertError
from samhandling.store.monitoring.values import AttemptKind
from samhandling.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

OVERDUE_CAUSES = frozenset({AlertCause.RECEIPT_OVERDUE, AlertCause.RECEIPT_EXPIRED})
"""Causes that move a sent message to ``receipt_missing``."""
LATE_CAUSES = (AlertCause.RECEIPT_WARNING, AlertCause.RECEIPT_OVERDUE, AlertCause.RECEIPT_EXPIRED,
               AlertCause.NEVER_DELIVERED)
"""Causes of a message still waiting for its AppRec (``monitor status``: overdue messages)."""
ERROR_TEXTS: Mapping[str, str] = {code: c.name for code, c in ERROR_CODES.items()}
"""The display names of the AppRec error codes (code system 8221)."""
QUIET_HISTORY = timedelta(days=62)
"""How far back the quiet-partner rule looks (20 working days and the window, with room for holidays)."""
ATTEMPTS = 3


class UnknownAlertError(LookupError):
    def __init__(self, alert_id: int) -> None:
        super().__init__(f"Fant ikke varsel {alert_id} (se «samhandling alerts list --all»).")
        self.alert_id = alert_id


@dataclass(frozen=True)
class MonitorConfig:
    """What an evaluation needs besides the store: the calendar, the receipt deadlines and the mail (built from the
    settings by :meth:`samhandling.bootstrap.Node.monitor_config`)."""

    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    deadlines: ReceiptDeadlines = field(default_factory=ReceiptDeadlines)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    min_send_attempts: int = ATTEMPTS
    min_poll_failures: int = ATTEMPTS
    queue_window: timedelta = timedelta(hours=1)
    epj_error_dir: Path | None = None
    """The EPJ catalog's error/ folder, watched for refused files; None: not watched."""


def partner_resolver(parties: Parties) -> Callable[[str], str | None]:
    """HER-id → the partner organisation's HER-id: the topmost known organisation above it (or the party
    itself when none is known above it); None for a HER-id not in the register."""

    def partner_of(her_id: str) -> str | None:
        if her_id not in parties:
            return None
        organisation = parties.organisation_of(her_id)
        return organisation.her_id if organisation is not None else her_id

    return partner_of


@dataclass
class Facts:
    """What the rules were run on and what they found, at ``at``."""

    at: datetime
    findings: list[Finding]
    messages: dict[int, StoredMessage]
    parties: Parties


def _rejected_epj_files(folder: Path | None) -> list[RejectedEpjFile]:
    """The files in the EPJ catalog's error/ (not their reason files), with the first line of each reason."""
    if folder is None or not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.endswith(".reason.txt") or not path.is_file():
            continue
        reason_file = path.with_name(path.name + ".reason.txt")
        try:
            reason = reason_file.read_text(encoding="utf-8", errors="replace").strip() or "ukjent årsak"
            at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:
            reason, at = "årsaken kan ikke leses", utc_now()
        found.append(RejectedEpjFile(name=path.name, at=at, reason=reason.splitlines()[0]))
    return found


def _expired_certificates(uow: UnitOfWork, partner_of: Callable[[str], str | None], at: datetime
                          ) -> list[tuple[str | None, str, datetime, str]]:
    notices = expiring(uow.registers.certificates.list(), at, within_days=0)
    return [(partner_of(n.certificate.her_id), n.certificate.her_id, n.certificate.valid_to,
             f"{n.certificate.usage.value}-sertifikat {n.certificate.serial}") for n in notices if n.expired]


def _stopped_sends(uow: UnitOfWork) -> list[StoppedSend]:
    """Outgoing messages the transport refused for good, with the reason kept on their last outbox item."""
    found = []
    query = MessageQuery(direction=Direction.OUTGOING, states=frozenset({MessageState.SEND_STOPPED}), limit=None)
    for message in uow.messages.list(query):
        assert message.id is not None
        last = uow.outbox.latest(message.id)
        found.append(StoppedSend(message_id=message.id, msg_type=message.msg_type or "ukjent type",
                                 recipient_her_id=message.recipient_her_id, stopped_at=message.updated_at,
                                 reason=(last.last_error if last is not None else None) or "ukjent årsak"))
    return found


def gather(uow: UnitOfWork, config: MonitorConfig, at: datetime) -> Facts:
    """Read the facts and run every rule; writes nothing."""
    parties = uow.parties.all()
    partner_of = partner_resolver(parties)
    monitor = uow.monitor
    tests = monitor.line_test_message_ids()
    held = held_message_ids(uow)  # the emergency routine keeps them back: not failures
    candidates = [m for m in monitor.receipt_candidates()
                  if m.id not in tests and not (m.id in held and m.state is MessageState.QUEUED)]
    findings = evaluate_receipts(candidates, at, config.calendar, config.deadlines, partner_of,
                                 error_texts=ERROR_TEXTS, handled=monitor.handled())
    findings += evaluate_sending([p for p in monitor.pending_sends() if p.message_id not in held], partner_of,
                                 min_attempts=config.min_send_attempts)
    findings += evaluate_stopped(_stopped_sends(uow))
    findings += evaluate_epj_files(_rejected_epj_files(config.epj_error_dir))
    findings += evaluate_certificates(_expired_certificates(uow, partner_of, at))
    polls = [PollResult(at=a.at, ok=a.ok, error=a.error) for a in monitor.attempts(AttemptKind.POLL, limit=50)]
    findings += evaluate_polling(polls, min_failures=config.min_poll_failures)
    findings += evaluate_queue(monitor.queue_samples(at - config.queue_window), at, window=config.queue_window)
    results = [r for t in monitor.line_tests(pending=False, limit=500) if (r := t.result()) is not None]
    findings += evaluate_line_tests(results)
    open_deviations = [d for d in uow.deviations.list() if d.status is not DeviationStatus.CLOSED]
    findings += evaluate_overdue_measures(open_deviations, at.astimezone(config.calendar.tz).date())
    findings += evaluate_partner_quiet(_history(monitor.incoming_activity(at - QUIET_HISTORY), partner_of,
                                                config.calendar), at, config.calendar)
    from samhandling.services.notices.monitoring import notice_findings

    findings += notice_findings(uow, at)
    return Facts(at=at, findings=findings, messages={m.id: m for m in candidates if m.id is not None},
                 parties=parties)


def _history(activity: list[tuple[str, datetime]], partner_of: Callable[[str], str | None],
             calendar: WorkingCalendar) -> dict[str, list[date]]:
    days: dict[str, set[date]] = defaultdict(set)
    for sender, at in activity:
        partner = partner_of(sender)
        if partner is not None:
            days[partner].add(calendar.local_date(at))
    return {partner: sorted(found) for partner, found in days.items()}


# --- one evaluation ----------------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """What one evaluation did."""

    at: datetime
    findings: list[Finding] = field(default_factory=list)
    opened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    still_open: list[Alert] = field(default_factory=list)
    superseded: list[Alert] = field(default_factory=list)
    marked_missing: list[int] = field(default_factory=list)
    mail: MailRun = field(default_factory=MailRun)


def evaluate(new_uow: Callable[[], UnitOfWork], config: MonitorConfig, *, now: datetime | None = None,
             send_mail: bool = True) -> Evaluation:
    """One evaluation at ``now``: alerts opened, updated and resolved, messages marked, mail stored and sent."""
    at = as_utc("now", now or utc_now())
    for attempt in range(3):
        try:
            evaluation = _evaluate_once(new_uow, config, at)
            break
        except DuplicateOpenAlertError:  # another evaluation opened it meanwhile: read again
            if attempt == 2:
                raise
    if send_mail:
        evaluation.mail = deliver_mails(new_uow, config.notify)
    log.info("monitor evaluated", extra={"opened": len(evaluation.opened), "resolved": len(evaluation.resolved),
                                         "open": len(evaluation.opened) + len(evaluation.still_open),
                                         "mail_sent": len(evaluation.mail.sent),
                                         "mail_failed": len(evaluation.mail.failed)})
    return evaluation


def _evaluate_once(new_uow: Callable[[], UnitOfWork], config: MonitorConfig, at: datetime) -> Evaluation:
    with new_uow() as uow:
        open_alerts, later = [], set()
        for alert in uow.monitor.open_alerts():
            if alert.last_seen_at <= at:
                open_alerts.append(alert)
            else:  # seen by an evaluation at a later moment: left as it is
                later.add(alert.key)
        if later:
            log.warning("alerts from a later evaluation left as they are", extra={"alerts": len(later)})
        held = len(held_message_ids(uow))
        uow.monitor.add_queue_sample(QueueSample(at=at, size=max(uow.monitor.outbox_size() - held, 0)))
        facts = gather(uow, config, at)
        outcome = reconcile(open_alerts, [f for f in facts.findings if f.key not in later], at)
        evaluation = Evaluation(at=at, findings=facts.findings)
        evaluation.opened = [uow.monitor.add_alert(a) for a in outcome.opened]
        evaluation.still_open = [uow.monitor.save_alert(a) for a in outcome.still_open]
        evaluation.resolved = [uow.monitor.save_alert(a) for a in outcome.resolved]
        evaluation.superseded = [uow.monitor.save_alert(a) for a in outcome.superseded]
        for alert in evaluation.opened:
            queue_alert_mail(uow, alert, True, config.notify, at=at)
        for alert in evaluation.resolved:
            queue_alert_mail(uow, alert, False, config.notify, at=at)
        evaluation.marked_missing = _mark_missing(uow, facts, config, at)
        uow.commit()
    return evaluation


def _mark_missing(uow: UnitOfWork, facts: Facts, config: MonitorConfig, at: datetime) -> list[int]:
    """Move sent messages whose receipt is overdue to ``receipt_missing`` (journaled)."""
    moved = []
    for finding in facts.findings:
        if finding.cause not in OVERDUE_CAUSES:
            continue
        for message_id in finding.message_ids:
            message = facts.messages.get(message_id)
            if message is None or message.state not in (MessageState.SENT, MessageState.DELIVERED):
                continue
            _, alert = config.deadlines.for_type(message.msg_type)
            hours = alert / timedelta(hours=1)
            detail = (f"Ingen applikasjonskvittering innen fristen på {hours:g} arbeidstimer."
                      if finding.cause is AlertCause.RECEIPT_OVERDUE else
                      "Ingen applikasjonskvittering etter 96 timer: regnes som avvist (HITS 1168).")
            uow.messages.update_state(message_id, MessageState.RECEIPT_MISSING, at=at, detail=detail)
            moved.append(message_id)
    return moved


# --- status, acknowledge, resolve ------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueMessage:
    """A sent message still waiting for its AppRec past a deadline, as ``monitor status`` lists it."""

    message: StoredMessage
    cause: AlertCause
    partner_her_id: str | None


@dataclass
class MonitorStatus:
    at: datetime
    open_alerts: list[Alert]
    overdue: list[OverdueMessage]
    findings: list[Finding]
    unsent_mails: int
    parties: Parties


def status(new_uow: Callable[[], UnitOfWork], config: MonitorConfig, *, now: datetime | None = None
           ) -> MonitorStatus:
    """The open alerts, and the messages overdue at ``now`` (computed afresh; nothing is stored)."""
    at = as_utc("now", now or utc_now())
    with new_uow() as uow:
        facts = gather(uow, config, at)
        open_alerts = uow.monitor.open_alerts()
        unsent = len(uow.monitor.unsent_mails(limit=1000))
    overdue = []
    for finding in facts.findings:
        if finding.cause in LATE_CAUSES:
            overdue += [OverdueMessage(facts.messages[m], finding.cause, finding.partner_her_id)
                        for m in finding.message_ids if m in facts.messages]
    overdue.sort(key=lambda o: (o.message.created_at, o.message.id or 0))
    return MonitorStatus(at=at, open_alerts=open_alerts, overdue=overdue, findings=facts.findings,
                         unsent_mails=unsent, parties=facts.parties)


def acknowledge_alert(new_uow: Callable[[], UnitOfWork], alert_id: int, by: str, *, now: datetime | None = None
                      ) -> Alert:
    """Someone has taken the alert; it stays open until its cause is gone. Raises
    :class:`~samhandling.domain.monitoring.alerts.AlertTransitionError` and :class:`UnknownAlertError`."""
    at = as_utc("now", now or utc_now())
    with new_uow() as uow:
        alert = uow.monitor.get_alert(alert_id)
        if alert is None:
            raise UnknownAlertError(alert_id)
        acknowledged = uow.monitor.save_alert(acknowledge_rule(alert, by, at))
        uow.commit()
    return acknowledged


def resolve_alert(new_uow: Callable[[], UnitOfWork], config: MonitorConfig, alert_id: int, by: str, *,
                  note: str = "", now: datetime | None = None, send_mail: bool = True) -> tuple[Alert, MailRun]:
    """Resolve an alert by hand: its messages count as handled for its cause, and the one mail about its
    resolution goes out. Raises :class:`~samhandling.domain.monitoring.alerts.AlertTransitionError` and
    :class:`UnknownAlertError`."""
    at = as_utc("now", now or utc_now())
    with new_uow() as uow:
        alert = uow.monitor.get_alert(alert_id)
        if alert is None:
            raise UnknownAlertError(alert_id)
        resolved = uow.monitor.save_alert(resolve_rule(alert, by, at, note))
        uow.monitor.mark_handled(resolved, at=at)
        queue_alert_mail(uow, resolved, False, config.notify, at=at)
        uow.commit()
    mail = deliver_mails(new_uow, config.notify) if send_mail else MailRun()
    return resolved, mail
