"""The monitoring inside the node: one step of every node pass
(:attr:`samhandling.services.messaging.node.NodeParts.steps`).

Each pass it settles the line tests in flight (an AppRec came, or the timeout passed), starts the scheduled
line tests that are due (``SAMHANDLING_LINE_TESTS``, minutes per HER-id), and evaluates
(:func:`samhandling.services.monitoring.monitor.evaluate`) every ``SAMHANDLING_MONITOR_INTERVAL`` seconds, and at once
when a line test has finished. Once a day, from ``SAMHANDLING_DAILY_REPORT_AT`` (local time), it mails the
summary of the day before. The step never stops the node: a fault is logged and the next pass tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from samhandling.domain.clock import utc_now
from samhandling.domain.privacy import redact_person_ids
from samhandling.services.messaging.send import SendOptions
from samhandling.services.monitoring.daily_report import build_daily_report, report_text
from samhandling.services.monitoring.line_test import LineTestError, due_line_tests, settle_line_tests, start_line_test
from samhandling.services.monitoring.monitor import Evaluation, MonitorConfig, evaluate
from samhandling.services.monitoring.notify import deliver_mails, queue_daily_mail
from samhandling.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def parse_clock_time(text: str | None) -> time | None:
    """``HH:MM`` as a time of day; None for nothing. ValueError in Norwegian for anything else."""
    if text is None or not text.strip():
        return None
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(f"Klokkeslettet «{text}» må skrives TT:MM, for eksempel 07:00.") from None


@dataclass
class MonitorStep:
    """The monitoring's step of a node pass (built from the settings by
    :meth:`samhandling.bootstrap.Node.monitor_step`)."""

    new_uow: Callable[[], UnitOfWork]
    config: MonitorConfig
    send_options: SendOptions | None = None
    line_tests: Mapping[str, float] = field(default_factory=dict)
    line_test_timeout: timedelta = timedelta(minutes=10)
    interval: timedelta = timedelta(minutes=5)
    daily_report_at: time | None = None
    clock: Callable[[], datetime] = utc_now
    last_evaluation: datetime | None = None
    daily_done: date | None = None
    refused: set[str] = field(default_factory=set)
    """Scheduled HER-ids whose line test could not start (logged once)."""

    def __call__(self) -> Evaluation | None:
        try:
            return self.run()
        except Exception as exc:  # the node goes on; the next pass tries again
            log.error("monitor step failed", extra={"error": redact_person_ids(f"{type(exc).__name__}: {exc}")})
            return None

    def run(self) -> Evaluation | None:
        now = self.clock()
        finished = settle_line_tests(self.new_uow, timeout=self.line_test_timeout, now=now)
        self._start_line_tests(now)
        evaluation = None
        if finished or self.last_evaluation is None or now - self.last_evaluation >= self.interval:
            evaluation = evaluate(self.new_uow, self.config, now=now)
            self.last_evaluation = now
        self._daily_summary(now)
        return evaluation

    def _start_line_tests(self, now: datetime) -> None:
        if not self.line_tests or self.send_options is None:
            return
        for her_id in due_line_tests(self.new_uow, self.line_tests, now=now):
            try:
                test = start_line_test(self.new_uow, self.send_options, her_id, now=now)
            except LineTestError as exc:
                if her_id not in self.refused:  # say it once, not every pass
                    log.warning("line test not started", extra={"her_id": her_id, "reason": str(exc)})
                    self.refused.add(her_id)
                continue
            self.refused.discard(her_id)
            log.info("line test started", extra={"her_id": her_id, "line_test": test.id})

    def _daily_summary(self, now: datetime) -> None:
        """The summary of yesterday, once, from the set time of day on."""
        if self.daily_report_at is None or not self.config.notify.enabled:
            return
        local = now.astimezone(self.config.calendar.tz)
        if local.time() < self.daily_report_at:
            return
        day = local.date() - timedelta(days=1)
        if self.daily_done == day:
            return
        report = build_daily_report(self.new_uow, self.config, day=day, now=now)
        subject, body = report_text(report, self.config)
        with self.new_uow() as uow:
            queue_daily_mail(uow, day, subject, body, self.config.notify, at=now)
            uow.commit()
        deliver_mails(self.new_uow, self.config.notify)
        self.daily_done = day
