"""The quiet-partner rule: a partner that sends on nearly every working day has sent nothing lately."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from samhandling.domain.calendar import WorkingCalendar
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.findings import Finding


def evaluate_partner_quiet(
    history: Mapping[str, Sequence[date]],
    now: datetime,
    calendar: WorkingCalendar,
    *,
    min_days: int = 18,
    baseline: int = 20,
    quiet_days: int = 1,
) -> list[Finding]:
    """``partner_quiet`` for each partner that normally sends every working day but has gone quiet.

    ``history`` holds, per partner organisation, the local dates on which it sent us anything. The last
    ``quiet_days`` working days before today are the quiet window; the ``baseline`` working days before it
    are the baseline. A partner that sent on at least ``min_days`` of the baseline days (18 of 20 by default,
    90 %) and on no day since the window began (today included) is quiet. A message today clears it.
    """
    if not 0 < min_days <= baseline or quiet_days < 1:
        raise ValueError(
            "Kravet for en stille part må være mellom 1 og antall dager i grunnlaget, og vinduet minst én arbeidsdag."
        )
    today = calendar.local_date(now)
    window = calendar.working_days_before(today, quiet_days)
    reference = set(calendar.working_days_before(window[0], baseline))
    findings = []
    for partner, days in sorted(history.items()):
        sent = set(days)
        active = len(sent & reference)
        if active < min_days or any(day >= window[0] for day in sent):
            continue
        hours = calendar.working_hours(window[0])
        assert hours is not None  # working_days_before gives working days only
        last = max(sent)
        details = (
            f"Siste melding fra parten: {last.strftime('%d.%m.%Y')}",
            f"Sendte på {active} av de {baseline} arbeidsdagene før "
            f"{'den siste arbeidsdagen' if quiet_days == 1 else f'de siste {quiet_days} arbeidsdagene'}",
        )
        findings.append(
            Finding(cause=AlertCause.PARTNER_QUIET, partner_her_id=partner, since=hours[0], details=details)
        )
    return findings
