"""One clock: the store keeps UTC, a person sees Norwegian time, a message carries its offset.

- Every moment is kept as an aware datetime in UTC (:func:`utc_now`, :func:`as_utc`).
- Everything shown to a person is Europe/Oslo time (:func:`shown`, :func:`shown_date`), whatever the server's
  own zone (``TZ``) is, and correct across the changes to and from summer time.
- Every ``xs:dateTime`` written into a message (MsgHead ``GenDate``, AppRec ``GenDate`` and ``IssueDate``) is
  Oslo time *with its offset* (:func:`message_time`), e.g. ``2026-03-29T03:30:00+02:00``. HIS 80601:2006
  (MsgHead v1.2) types GenDate as ``dateTime``, which XML Schema Part 2 §3.2.7 allows with a time zone; its
  examples (``<GenDate>2005-11-21T09:30:47</GenDate>``) are Norwegian local time without one. We write the offset
  because a local time without it is ambiguous in the hour the clocks go back, and a receiver reading it as
  Norwegian time gets the same moment either way. A time *read* without an offset is Norwegian local time
  (:func:`from_message`).

Nothing here does I/O besides reading the system clock in :func:`utc_now`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(name: str, value: datetime) -> datetime:
    """``value`` in UTC; ValueError for a naive datetime, whose zone would be a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (UTC), not a naive one")
    return value.astimezone(UTC)


def in_oslo(moment: datetime) -> datetime:
    """``moment`` (aware) as Norwegian time."""
    return as_utc("moment", moment).astimezone(OSLO)


def message_time(moment: datetime | None = None) -> datetime:
    """The value for an ``xs:dateTime`` written into a message: Oslo time, whole seconds, with its offset."""
    return in_oslo(moment if moment is not None else utc_now()).replace(microsecond=0)


def from_message(value: datetime) -> datetime:
    """A time read from a message as an aware datetime: without an offset it is Norwegian local time."""
    return value.replace(tzinfo=OSLO) if value.tzinfo is None or value.utcoffset() is None else value


def echoed(value: datetime) -> datetime:
    """A time taken from a received message into our answer (AppRec ``IssueDate``): the same moment; one
    written without an offset stays as it was written, one with an offset is given in Oslo time."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(microsecond=0)
    return message_time(value)


def shown(moment: datetime | None, *, seconds: bool = False) -> str:
    """A moment as a Norwegian reads it: ``04.12.2026 18:20`` in Oslo time; empty for None."""
    if moment is None:
        return ""
    return in_oslo(moment).strftime("%d.%m.%Y %H:%M:%S" if seconds else "%d.%m.%Y %H:%M")


def written(moment: datetime | None) -> str:
    """A moment as Norwegians write it in running text: ``04.12.2026 kl. 18.20`` in Oslo time; empty for None."""
    if moment is None:
        return ""
    return in_oslo(moment).strftime("%d.%m.%Y kl. %H.%M")


def shown_date(moment: datetime | date | None) -> str:
    """The Oslo date of a moment (or a date) as ``04.12.2026``; empty for None."""
    if moment is None:
        return ""
    day = in_oslo(moment).date() if isinstance(moment, datetime) else moment
    return day.strftime("%d.%m.%Y")


def oslo_date(moment: datetime) -> date:
    """The date in Norway at ``moment``."""
    return in_oslo(moment).date()


def oslo_today() -> date:
    """Today's date in Norway (not the server's)."""
    return oslo_date(utc_now())
