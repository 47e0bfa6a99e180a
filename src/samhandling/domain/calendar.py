"""Norwegian working time: which days are working days, and how much working time lies between two moments.

The daily monitoring counts the deadlines for application receipts in working time (the issue "Daily
monitoring of the message flow": warn after one working hour, alert after four). A working day is a weekday
(Monday to Friday by default) that is not a Norwegian public holiday and not one of the calendar's extra
closed days; its working hours are a local wall-clock window (08:00 to 16:00 by default) in the calendar's
zone (Europe/Oslo). The public holidays come from the ``holidays`` package (``holidays.Norway``: New Year's
Day, Maundy Thursday, Good Friday, Easter Monday, 1 May, Ascension Day, 17 May, Whit Monday, Christmas Day
and Boxing Day, and the Sundays among them). Christmas Eve and New Year's Eve are ordinary working days
there; a workplace that closes on them names them in ``extra_closed_days``.

Every amount is real elapsed time, computed in UTC: a working window that a change to or from summer time
falls inside is an hour shorter or longer. (With the default hours that never happens: Norway changes its
clocks at 02:00 or 03:00 on a Sunday.)

Nothing walks a span minute by minute or day by day. Weekdays are counted by whole weeks; each year's
closed weekdays and its few working days of changed length are found once (one pass over that year), cached,
and taken per year, so a span of centuries costs a few operations per year.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from holidays.countries.norway import Norway

from samhandling.domain.clock import OSLO as OSLO  # re-exported: the zone of the working calendar
from samhandling.domain.clock import as_utc

OPENING = time(8)
CLOSING = time(16)
MONDAY_TO_FRIDAY = frozenset(range(5))
"""Weekday numbers as :meth:`date.weekday` gives them: Monday is 0, Sunday 6."""

_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_LONGEST_SEARCH = 3660
"""Days :meth:`WorkingCalendar.working_days_before` looks back before it concludes that nothing is open."""


def norwegian_public_holidays(year: int) -> frozenset[date]:
    """Norway's public holidays (helligdager og høytidsdager) in ``year``, from the ``holidays`` package."""
    return frozenset(Norway(years=year))


@dataclass(frozen=True)
class _Year:
    """What one year adds to the arithmetic: its closed working weekdays, and its working days whose window
    is longer or shorter than usual (a change of clocks inside the window), with the difference."""

    closed: frozenset[date]
    stretched: dict[date, timedelta]
    stretch_total: timedelta


@dataclass(frozen=True, kw_only=True)
class WorkingCalendar:
    """Working days and working hours, and arithmetic with working time.

    ``start`` and ``end`` are the local wall-clock working hours of every working day; ``weekdays`` the
    working weekdays (0 is Monday); ``extra_closed_days`` dates closed besides the public holidays, which
    ``public_holidays`` gives per year (Norway's, from the ``holidays`` package, by default). Moments given
    must be aware datetimes; moments returned are in UTC.
    """

    start: time = OPENING
    end: time = CLOSING
    tz: ZoneInfo = OSLO
    weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    extra_closed_days: frozenset[date] = frozenset()
    public_holidays: Callable[[int], Collection[date]] = norwegian_public_holidays
    _length: timedelta = field(init=False, repr=False, compare=False)
    """The length of a working day without a change of clocks."""
    _years: dict[int, _Year] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "extra_closed_days", frozenset(self.extra_closed_days))
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("Arbeidstiden angis som lokal klokketid uten tidssone; sonen er kalenderens.")
        if not self.start < self.end:
            raise ValueError(f"Arbeidstiden må slutte etter at den begynner (fra {self.start} til {self.end}).")
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError("Arbeidsukedagene må være minst én av 0 (mandag) til 6 (søndag).")
        length = datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)
        object.__setattr__(self, "_length", length)

    # --- days ------------------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working weekday that is neither a public holiday nor an extra closed day."""
        day = self._as_date(day)
        return day.weekday() in self.weekdays and day not in self._year(day.year).closed

    def local_date(self, moment: datetime) -> date:
        """The calendar date of ``moment`` in the calendar's zone."""
        return as_utc("moment", moment).astimezone(self.tz).date()

    def working_hours(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of ``day`` as two moments in UTC, or None when ``day`` is not a working day."""
        return self._window(day) if self.is_working_day(day) else None

    def working_days_between(self, first: date, stop: date) -> int:
        """The number of working days from ``first`` up to, not including, ``stop`` (negative when ``stop``
        comes first). A datetime counts as its local date."""
        first, stop = self._as_date(first), self._as_date(stop)
        if stop < first:
            return -self._full_days(stop, first)[0]
        return self._full_days(first, stop)[0]

    def working_days_before(self, day: date, count: int) -> list[date]:
        """The ``count`` working days before ``day`` (not ``day`` itself), oldest first."""
        day = self._as_date(day)
        found: list[date] = []
        candidate, give_up = day, day - (_LONGEST_SEARCH + 7 * count) * _DAY
        while len(found) < count:
            candidate -= _DAY
            if candidate < give_up:
                raise ValueError("Kalenderen har ingen arbeidsdager i denne perioden.")
            if self.is_working_day(candidate):
                found.append(candidate)
        return found[::-1]

    # --- time ------------------------------------------------------------------------------------------

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """The working time from ``a`` to ``b``: the parts of working days' working hours between them
        (negative when ``b`` comes first)."""
        a, b = as_utc("a", a), as_utc("b", b)
        if b < a:
            return -self.working_time_between(b, a)
        first, last = self.local_date(a), self.local_date(b)
        if first == last:
            return self._overlap(first, a, b)
        middle = self._full_days(first + _DAY, last)[1]
        return self._overlap(first, a, b) + middle + self._overlap(last, a, b)

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The first moment at which ``duration`` of working time has passed since ``start`` (in UTC).

        A deadline that uses up a working day exactly falls at its closing time, not at the next opening.
        ``duration`` zero gives ``start`` itself.
        """
        at = as_utc("start", start)
        if duration < _ZERO:
            raise ValueError("Arbeidstiden som skal legges til, kan ikke være negativ.")
        if not duration:
            return at
        day = self.local_date(at)
        hours = self.working_hours(day)
        if hours is not None and at < hours[1]:
            begin = max(at, hours[0])
            if duration <= hours[1] - begin:
                return begin + duration
            duration -= hours[1] - begin
        # Find the day on which the rest is used up: the smallest n such that the whole days from the next
        # day up to and including day n hold ``duration``. Double, then halve; each try is arithmetic.
        first = day + _DAY
        low, high = 0, 1
        while self._full_days(first, first + high * _DAY)[1] < duration:
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            if self._full_days(first, first + middle * _DAY)[1] < duration:
                low = middle
            else:
                high = middle
        last = first + low * _DAY
        used = self._full_days(first, last)[1]
        return self._window(last)[0] + (duration - used)

    # --- arithmetic ------------------------------------------------------------------------------------

    def _as_date(self, day: date) -> date:
        return self.local_date(day) if isinstance(day, datetime) else day

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """``day``'s working hours in UTC, whether it is a working day or not."""
        opening = datetime.combine(day, self.start, tzinfo=self.tz).astimezone(UTC)
        closing = datetime.combine(day, self.end, tzinfo=self.tz).astimezone(UTC)
        return opening, closing

    def _overlap(self, day: date, a: datetime, b: datetime) -> timedelta:
        """The working time of ``day`` between ``a`` and ``b``."""
        hours = self.working_hours(day)
        if hours is None:
            return _ZERO
        return max(_ZERO, min(b, hours[1]) - max(a, hours[0]))

    def _full_days(self, first: date, stop: date) -> tuple[int, timedelta]:
        """The working days from ``first`` up to, not including, ``stop``, and their working time."""
        if stop <= first:
            return 0, _ZERO
        weeks, rest = divmod((stop - first).days, 7)
        count = weeks * len(self.weekdays)
        count += sum(1 for i in range(rest) if (first.weekday() + i) % 7 in self.weekdays)
        stretch = _ZERO
        for year in range(first.year, (stop - _DAY).year + 1):
            info = self._year(year)
            if first <= date(year, 1, 1) and year < MAXYEAR and date(year + 1, 1, 1) <= stop:
                count -= len(info.closed)
                stretch += info.stretch_total
            else:
                count -= sum(1 for day in info.closed if first <= day < stop)
                stretch += sum((d for day, d in info.stretched.items() if first <= day < stop), _ZERO)
        return count, count * self._length + stretch

    def _year(self, year: int) -> _Year:
        info = self._years.get(year)
        if info is None:
            info = self._years[year] = self._make_year(year)
        return info

    def _make_year(self, year: int) -> _Year:
        closed = frozenset(
            day
            for day in chain(self.public_holidays(year), self.extra_closed_days)
            if day.year == year and day.weekday() in self.weekdays
        )
        stretched: dict[date, timedelta] = {}
        for ordinal in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
            day = date.fromordinal(ordinal)
            if day.weekday() in self.weekdays and day not in closed:
                opening, closing = self._window(day)
                if closing - opening != self._length:
                    stretched[day] = closing - opening - self._length
        return _Year(closed=closed, stretched=stretched, stretch_total=sum(stretched.values(), _ZERO))
