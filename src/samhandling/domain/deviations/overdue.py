"""Overdue measures as a monitoring finding: measures past their deadline are alerted once, to our own
meldingsansvarlig (a node-wide alert, not the partner's troubleshooting contact), and the alert resolves itself
when every one of them is done or dropped."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from samhandling.domain.calendar import OSLO
from samhandling.domain.deviations.deviation import Deviation, DeviationStatus
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.findings import Finding
from samhandling.domain.text import one_line


def evaluate_overdue_measures(deviations: Iterable[Deviation], today: date) -> list[Finding]:
    """One finding listing every overdue measure of the open deviations, or none."""
    lines: list[tuple[date, str]] = []
    for deviation in deviations:
        if deviation.status is DeviationStatus.CLOSED:
            continue
        for number, measure in enumerate(deviation.measures, 1):
            if measure.is_overdue(today):
                text = (f"Avvik {deviation.id}, tiltak {number}: «{one_line(measure.description, 80)}» "
                        f"({measure.owner}), frist {measure.deadline:%d.%m.%Y}")
                lines.append((measure.deadline, text))
    if not lines:
        return []
    lines.sort()
    first_deadline = lines[0][0]
    since = datetime.combine(first_deadline, time(23, 59, 59), OSLO)  # overdue from the end of the deadline's day
    return [Finding(cause=AlertCause.MEASURE_OVERDUE, partner_her_id=None, since=since,
                    details=tuple(text for _, text in lines))]


