"""Norwegian working time: working days across weekends and public holidays (Easter, 17 May, Whitsun,
Christmas), changes to and from summer time, long spans, and the arithmetic's properties (hypothesis)
against a plain day-by-day reference."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samhandling.domain.calendar import OSLO, WorkingCalendar, norwegian_public_holidays

CAL = WorkingCalendar()
HOUR = timedelta(hours=1)


def oslo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


# --- working days ------------------------------------------------------------------------------------------


def test_public_holidays_come_from_the_holidays_package() -> None:
    assert norwegian_public_holidays(2026) == frozenset(holidays.Norway(years=2026))
    assert date(2026, 5, 17) in norwegian_public_holidays(2026)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 6), True),  # a Friday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 4, 1), True),  # Wednesday before Easter
        (date(2026, 4, 2), False),  # Maundy Thursday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), True),
        (date(2026, 5, 1), False),  # Labour Day
        (date(2026, 5, 14), False),  # Ascension Day
        (date(2026, 5, 25), False),  # Whit Monday
        (date(2028, 5, 17), False),  # Constitution Day on a Wednesday
        (date(2026, 12, 24), True),  # Christmas Eve is not a public holiday
        (date(2026, 12, 25), False),
        (date(2027, 1, 1), False),
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working
    assert (CAL.working_hours(day) is not None) is working


def test_extra_closed_days_and_other_working_weeks() -> None:
    christmas = WorkingCalendar(extra_closed_days=frozenset({date(2026, 12, 24), date(2026, 12, 31)}))
    assert not christmas.is_working_day(date(2026, 12, 24))
    assert christmas.is_working_day(date(2026, 12, 23))
    saturdays = WorkingCalendar(weekdays=frozenset(range(6)))
    assert saturdays.is_working_day(date(2026, 3, 7))
    assert not saturdays.is_working_day(date(2026, 3, 8))


def test_working_days_between_counts_a_whole_year() -> None:
    # 2026: 261 weekdays, and 8 public holidays on weekdays (1 Jan, 2, 3 and 6 Apr, 1 and 14 May, 25 May, 25 Dec;
    # 17 May is a Sunday and 26 Dec a Saturday).
    assert CAL.working_days_between(date(2026, 1, 1), date(2027, 1, 1)) == 253
    assert CAL.working_days_between(date(2027, 1, 1), date(2026, 1, 1)) == -253
    assert CAL.working_days_between(date(2026, 4, 1), date(2026, 4, 8)) == 2  # Wednesday and Tuesday
    assert CAL.working_days_between(date(2026, 4, 1), date(2026, 4, 1)) == 0


def test_working_days_before() -> None:
    assert CAL.working_days_before(date(2026, 4, 7), 3) == [date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1)]
    assert CAL.working_days_before(date(2026, 3, 9), 1) == [date(2026, 3, 6)]
    assert CAL.working_days_before(date(2026, 3, 9), 0) == []


def test_holidays_are_looked_up_once_per_year() -> None:
    asked: list[int] = []

    def counting(year: int) -> frozenset[date]:
        asked.append(year)
        return norwegian_public_holidays(year)

    calendar = WorkingCalendar(public_holidays=counting)
    assert asked == []  # lazily
    calendar.working_time_between(oslo(2025, 6, 2, 9), oslo(2027, 6, 2, 9))
    calendar.working_time_between(oslo(2026, 1, 5, 9), oslo(2026, 12, 2, 9))
    calendar.is_working_day(date(2026, 5, 17))
    assert sorted(asked) == [2025, 2026, 2027]


def test_invalid_calendars_and_moments() -> None:
    with pytest.raises(ValueError, match="slutte etter"):
        WorkingCalendar(start=time(16), end=time(8))
    with pytest.raises(ValueError, match="Arbeidsukedagene"):
        WorkingCalendar(weekdays=frozenset())
    with pytest.raises(ValueError, match="naive"):
        CAL.working_time_between(datetime(2026, 3, 6, 9), oslo(2026, 3, 6, 10))
    with pytest.raises(ValueError, match="negativ"):
        CAL.add_working_time(oslo(2026, 3, 6, 9), -HOUR)


# --- working time ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (oslo(2026, 3, 6, 9), oslo(2026, 3, 6, 11), 2),  # within a day
        (oslo(2026, 3, 6, 6), oslo(2026, 3, 6, 20), 8),  # before opening to after closing
        (oslo(2026, 3, 6, 15), oslo(2026, 3, 9, 9), 2),  # over a weekend
        (oslo(2026, 3, 7, 10), oslo(2026, 3, 8, 10), 0),  # within a weekend
        (oslo(2026, 4, 1, 12), oslo(2026, 4, 7, 12), 8),  # over Easter: Wednesday afternoon, Tuesday morning
        (oslo(2024, 5, 16, 12), oslo(2024, 5, 21, 12), 8),  # 17 May 2024 a Friday, Whit Monday the 20th
        (oslo(2025, 12, 24, 12), oslo(2025, 12, 29, 12), 8),  # Christmas Day and Boxing Day on Thu and Fri
        (oslo(2026, 3, 27, 15), oslo(2026, 3, 30, 10), 3),  # over the change to summer time
        (oslo(2026, 10, 23, 15), oslo(2026, 10, 26, 10), 3),  # over the change back
        (oslo(2026, 1, 5, 8), oslo(2026, 1, 12, 8), 40),  # a whole week
    ],
)
def test_working_time_between(start: datetime, end: datetime, hours: float) -> None:
    assert CAL.working_time_between(start, end) == timedelta(hours=hours)
    assert CAL.working_time_between(end, start) == -timedelta(hours=hours)


@pytest.mark.parametrize(
    ("start", "hours", "deadline"),
    [
        (oslo(2026, 3, 6, 9), 1, oslo(2026, 3, 6, 10)),
        (oslo(2026, 3, 6, 12), 4, oslo(2026, 3, 6, 16)),  # a deadline that uses up the day ends at closing
        (oslo(2026, 3, 6, 15), 4, oslo(2026, 3, 9, 11)),  # Friday afternoon: Monday morning
        (oslo(2026, 3, 7, 12), 1, oslo(2026, 3, 9, 9)),  # sent on a Saturday
        (oslo(2026, 3, 6, 18), 1, oslo(2026, 3, 9, 9)),  # sent after closing
        (oslo(2026, 3, 6, 6), 1, oslo(2026, 3, 6, 9)),  # sent before opening
        (oslo(2026, 4, 1, 15), 4, oslo(2026, 4, 7, 11)),  # Easter 2026
        (oslo(2028, 5, 16, 15), 2, oslo(2028, 5, 18, 9)),  # 17 May 2028, a Wednesday
        (oslo(2024, 5, 16, 15), 2, oslo(2024, 5, 21, 9)),  # 17 May and Whit Monday 2024
        (oslo(2025, 12, 24, 15), 2, oslo(2025, 12, 29, 9)),  # Christmas 2025
        (oslo(2026, 12, 31, 15), 2, oslo(2027, 1, 4, 9)),  # New Year's Day 2027, a Friday
        (oslo(2026, 3, 27, 15), 2, oslo(2026, 3, 30, 9)),  # into summer time
        (oslo(2026, 10, 23, 15), 2, oslo(2026, 10, 26, 9)),  # out of summer time
        (oslo(2026, 1, 5, 8), 40, oslo(2026, 1, 9, 16)),  # a working week
        (oslo(2026, 3, 6, 9), 0, oslo(2026, 3, 6, 9)),
    ],
)
def test_add_working_time(start: datetime, hours: float, deadline: datetime) -> None:
    assert CAL.add_working_time(start, timedelta(hours=hours)) == deadline
    assert CAL.add_working_time(start, timedelta(hours=hours)).tzinfo is UTC


def test_christmas_eve_closed_by_setting() -> None:
    start = oslo(2026, 12, 23, 15)
    assert CAL.add_working_time(start, 4 * HOUR) == oslo(2026, 12, 24, 11)
    closed = WorkingCalendar(extra_closed_days=frozenset({date(2026, 12, 24), date(2026, 12, 31)}))
    assert closed.add_working_time(start, 4 * HOUR) == oslo(2026, 12, 28, 11)


def test_a_change_of_clocks_inside_the_working_hours_counts_real_time() -> None:
    # Working 01:00-04:00 every day: on 29 March 2026 the clocks skip from 02:00 to 03:00, on 25 October 2026
    # they go back from 03:00 to 02:00.
    night = WorkingCalendar(start=time(1), end=time(4), weekdays=frozenset(range(7)))
    assert night.working_time_between(oslo(2026, 3, 29), oslo(2026, 3, 30)) == 2 * HOUR
    assert night.working_time_between(oslo(2026, 10, 25), oslo(2026, 10, 26)) == 4 * HOUR
    assert night.working_time_between(oslo(2026, 3, 28), oslo(2026, 3, 31)) == 8 * HOUR
    assert night.working_days_between(date(2026, 3, 28), date(2026, 3, 31)) == 3
    assert night.add_working_time(oslo(2026, 3, 29), 2 * HOUR) == oslo(2026, 3, 29, 4)
    assert night.add_working_time(oslo(2026, 3, 28, 2), 5 * HOUR) == oslo(2026, 3, 30, 2)
    assert night.add_working_time(oslo(2026, 10, 25), 4 * HOUR) == datetime(2026, 10, 25, 3, tzinfo=UTC)
    open_days = 365 - len(norwegian_public_holidays(2026))  # every day but the public holidays
    assert night.working_time_between(oslo(2026, 1, 1), oslo(2027, 1, 1)) == open_days * 3 * HOUR


def test_a_span_of_centuries_is_arithmetic() -> None:
    calendar = WorkingCalendar()
    start, end = oslo(1950, 1, 1), oslo(2150, 6, 1, 12)
    began = clock.perf_counter()
    total = calendar.working_time_between(start, end)
    assert calendar.add_working_time(start, total) == end
    assert clock.perf_counter() - began < 2.0
    by_year = sum(
        (calendar.working_time_between(oslo(y, 1, 1), oslo(y + 1, 1, 1)) for y in range(1950, 2150)), timedelta(0)
    )
    assert total == by_year + calendar.working_time_between(oslo(2150, 1, 1), end)
    assert calendar.working_days_between(date(1950, 1, 1), date(2150, 1, 1)) * 8 * HOUR == by_year


# --- properties --------------------------------------------------------------------------------------------


@cache
def norway(year: int) -> holidays.HolidayBase:
    return holidays.Norway(years=year)


def reference_between(calendar: WorkingCalendar, a: datetime, b: datetime) -> timedelta:
    """Day by day, from the definition, with Norway's holidays straight from the package."""
    total = timedelta(0)
    day = a.astimezone(calendar.tz).date()
    while day <= b.astimezone(calendar.tz).date():
        if day.weekday() in calendar.weekdays and day not in norway(day.year):
            opening = datetime.combine(day, calendar.start, tzinfo=calendar.tz).astimezone(UTC)
            closing = datetime.combine(day, calendar.end, tzinfo=calendar.tz).astimezone(UTC)
            total += max(timedelta(0), min(b, closing) - max(a, opening))
        day += timedelta(days=1)
    return total


NIGHT = WorkingCalendar(start=time(1), end=time(4), weekdays=frozenset(range(7)))

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(UTC))
near_dst = st.datetimes(min_value=datetime(2026, 3, 20), max_value=datetime(2026, 11, 5), timezones=st.just(UTC))
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=3000))
calendars = st.sampled_from([CAL, NIGHT])


@st.composite
def working_moments(draw: st.DrawFn, calendar: WorkingCalendar = CAL) -> datetime:
    """A moment in (opening, closing] of a working day: one that a sum of working time can land on."""
    day = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2031, 12, 31)).filter(calendar.is_working_day))
    hours = calendar.working_hours(day)
    assert hours is not None
    offset = draw(st.timedeltas(min_value=timedelta(microseconds=1), max_value=hours[1] - hours[0]))
    return hours[0] + offset


@given(moments, durations)
def test_adding_then_measuring_gives_the_duration(start: datetime, duration: timedelta) -> None:
    assert CAL.working_time_between(start, CAL.add_working_time(start, duration)) == duration


@given(near_dst, st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200)))
def test_adding_then_measuring_across_clock_changes(start: datetime, duration: timedelta) -> None:
    assert NIGHT.working_time_between(start, NIGHT.add_working_time(start, duration)) == duration


@given(moments, working_moments())
def test_measuring_then_adding_lands_on_a_working_moment(a: datetime, b: datetime) -> None:
    a = min(a, b)
    assert CAL.add_working_time(a, CAL.working_time_between(a, b)) == b


@given(moments, moments, moments)
def test_measuring_is_additive_and_monotone(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc, ac = (CAL.working_time_between(x, y) for x, y in ((a, b), (b, c), (a, c)))
    assert ab + bc == ac
    assert timedelta(0) <= ab <= ac
    assert CAL.working_time_between(c, a) == -ac


@given(moments, durations, durations)
def test_adding_is_monotone(start: datetime, one: timedelta, other: timedelta) -> None:
    small, large = sorted((one, other))
    assert start <= CAL.add_working_time(start, small) <= CAL.add_working_time(start, large)


@settings(max_examples=60)
@given(calendars, st.one_of(moments, near_dst), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=70)))
def test_matches_the_day_by_day_reference(calendar: WorkingCalendar, a: datetime, span: timedelta) -> None:
    b = a + span
    assert calendar.working_time_between(a, b) == reference_between(calendar, a, b)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2031, 12, 31)), st.integers(0, 800))
def test_working_days_between_matches_counting(first: date, days: int) -> None:
    stop = first + timedelta(days=days)
    counted = sum(1 for n in range(days) if CAL.is_working_day(first + timedelta(days=n)))
    assert CAL.working_days_between(first, stop) == counted
