"""The rules checked when a notice is sent, and the recipients' deadline to answer (procedure §3.3).

- **Lead**: a notice goes out at least one week (:data:`MIN_LEAD`) before the change starts. A shorter lead is
  refused unless the notice is sent as urgent with a reason, which is recorded as a deviation.
- **Freeze periods**: the schools' summer, Christmas and Easter holidays are freeze periods for planned
  upgrades, for our own organisation and for every affected partner (:mod:`samhandling.domain.notices.freeze`).
  A change overlapping one is refused, naming the period, unless overridden with a reason (a deviation).
- **Answer**: the recipient answers within two working days (:data:`ANSWER_WORKING_DAYS`): Norwegian working
  days, weekends and the public holidays of ``holidays.Norway`` excluded (the project's
  :class:`samhandling.domain.calendar.WorkingCalendar`). The deadline is the end of the second working day
  after the day the notice was sent (midnight Europe/Oslo): sent on a Friday, the answer is due by the end of
  Tuesday; sent on the Wednesday of Holy Week, by the end of the Wednesday after Easter
  Monday.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from samhandling.domain.calendar import WorkingCalendar
from samhandling.domain.clock import as_utc
from samhandling.domain.notices.freeze import FreezePeriod
from samhandling.domain.notices.model import NoticeError, Varsel, show_moment

MIN_LEAD = timedelta(days=7)
ANSWER_WORKING_DAYS = 2
_LONGEST = 400


@dataclass(frozen=True)
class Breach:
    """A rule the notice breaks, and the text naming it."""

    rule: str  # "lead" or "freeze"
    text: str
    periods: tuple[FreezePeriod, ...] = ()


def lead_breach(notice: Varsel, now: datetime) -> Breach | None:
    """The one-week rule: None when ``notice`` starts at least :data:`MIN_LEAD` after ``now``."""
    lead = notice.start - as_utc("now", now)
    if lead >= MIN_LEAD:
        return None
    if lead < timedelta(0):
        text = f"Endringen startet allerede {show_moment(notice.start)}."
    else:
        days = lead.total_seconds() / 86400
        text = (f"Endringen starter {show_moment(notice.start)}, om {days:.1f} døgn; prosedyren krever varsel "
                "minst én uke før.")
    return Breach("lead", text)


def freeze_breach(notice: Varsel, periods: Iterable[FreezePeriod]) -> Breach | None:
    """The freeze rule: None when the change window overlaps none of ``periods``."""
    hits = tuple(p for p in periods if p.overlaps(notice.start, notice.end))
    if not hits:
        return None
    names = "; ".join(p.describe() for p in hits)
    return Breach("freeze", f"Endringen faller i frysperiode: {names}.", hits)


def check_send(notice: Varsel, now: datetime, periods: Iterable[FreezePeriod], *, urgent_reason: str | None,
               freeze_reason: str | None) -> list[Breach]:
    """The breaches that stand: each rule broken and not overridden with a reason. A reason given for a rule
    that is not broken is not needed; the caller records only the overrides used."""
    if notice.end <= as_utc("now", now):
        raise NoticeError("Endringsvinduet er allerede over; et varsel om det kan ikke sendes.")
    standing = []
    lead = lead_breach(notice, now)
    if lead is not None and not (urgent_reason or "").strip():
        standing.append(lead)
    freeze = freeze_breach(notice, periods)
    if freeze is not None and not (freeze_reason or "").strip():
        standing.append(freeze)
    return standing


def answer_deadline(sent_at: datetime, calendar: WorkingCalendar | None = None) -> datetime:
    """The end of the second working day after the local day of ``sent_at`` (UTC)."""
    return end_of_working_days(sent_at, ANSWER_WORKING_DAYS, calendar)


def end_of_working_days(moment: datetime, count: int, calendar: WorkingCalendar | None = None) -> datetime:
    """The end (local midnight, in UTC) of the ``count``-th working day after the local day of ``moment``."""
    cal = calendar or WorkingCalendar()
    day = cal.local_date(as_utc("moment", moment))
    found = 0
    for _ in range(_LONGEST):
        day += timedelta(days=1)
        if cal.is_working_day(day):
            found += 1
            if found == count:
                after = day + timedelta(days=1)
                return datetime(after.year, after.month, after.day, tzinfo=cal.tz).astimezone(UTC)
    raise NoticeError("Kalenderen har ingen arbeidsdager i denne perioden.")
