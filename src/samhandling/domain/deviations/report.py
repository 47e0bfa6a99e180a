"""The deviation report for a period, for the cooperation committee (samarbeidsutvalget).

Deviations are counted by the period in which they occurred; measures done and overdue are counted as of the
report's day. The report is data; the report machinery renders it as JSON, CSV and PDF.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from samhandling.domain.deviations.deviation import (
    Deviation,
    DeviationCategory,
    DeviationStatus,
    MeasureStatus,
)

_OSLO = ZoneInfo("Europe/Oslo")
NO_PARTNER = "(ingen part)"


@dataclass(frozen=True)
class DeviationReport:
    first: date
    last: date
    today: date
    deviations: tuple[Deviation, ...]
    by_category: dict[DeviationCategory, int]
    by_partner: dict[str, int]
    by_status: dict[DeviationStatus, int]
    measures_done: int
    measures_dropped: int
    measures_planned: int
    measures_overdue: int

    @property
    def total(self) -> int:
        return len(self.deviations)


def deviation_report(deviations: Iterable[Deviation], first: date, last: date, today: date) -> DeviationReport:
    """The report of deviations that occurred from ``first`` to ``last`` (both included, Oslo dates)."""
    if last < first:
        raise ValueError(f"Perioden slutter ({last:%d.%m.%Y}) før den begynner ({first:%d.%m.%Y}).")
    chosen = tuple(sorted((d for d in deviations if first <= d.occurred_at.astimezone(_OSLO).date() <= last),
                          key=lambda d: (d.occurred_at, d.id or 0)))
    partners: Counter[str] = Counter()
    for deviation in chosen:
        for her_id in deviation.partner_her_ids or (NO_PARTNER,):
            partners[her_id] += 1
    measures = [m for d in chosen for m in d.measures]
    categories = Counter(d.category for d in chosen)
    statuses = Counter(d.status for d in chosen)
    return DeviationReport(
        first=first, last=last, today=today, deviations=chosen,
        by_category={c: categories[c] for c in DeviationCategory},
        by_partner=dict(sorted(partners.items())),
        by_status={s: statuses[s] for s in DeviationStatus},
        measures_done=sum(m.status is MeasureStatus.DONE for m in measures),
        measures_dropped=sum(m.status is MeasureStatus.DROPPED for m in measures),
        measures_planned=sum(m.status is MeasureStatus.PLANNED for m in measures),
        measures_overdue=sum(m.is_overdue(today) for m in measures),
    )
