"""Freeze periods (frysperioder): the schools' summer, Christmas and Easter holidays, when planned upgrades are
not made (the cooperation procedure §3.3).

School holidays are set by each municipality (grunnskole) and county (videregående), so they differ inside one
hospital area: they are kept as data per organisation, with their source and the date they were checked. Where
an organisation has no periods entered for a year, :func:`default_periods` computes Innlandet's by rule and says
that it is a default:

- Easter: from the Monday of Holy Week to Easter Monday (Easter from ``holidays.Norway``);
- Christmas: from about 21 December to 2 January the year after;
- summer: from about 20 June to about 15 August.

The exact default dates are settings (:class:`FreezeDefaults`). A period is whole local days (Europe/Oslo),
``first`` to ``last`` inclusive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from holidays.countries.norway import Norway

from samhandling.domain.calendar import OSLO
from samhandling.domain.clock import as_utc
from samhandling.domain.notices.model import NoticeError
from samhandling.domain.registers.partners import clean_text

OWN = ""
"""The organisation key of our own organisation (a partner's is its HER-id)."""
DEFAULT_SOURCE = "Standard for Innlandet (beregnet etter regel)"


class FreezeKind(StrEnum):
    SUMMER = "sommer"
    CHRISTMAS = "jul"
    EASTER = "paske"
    OTHER = "annet"

    @property
    def label(self) -> str:
        return FREEZE_TEXT[self]


FREEZE_TEXT = {
    FreezeKind.SUMMER: "sommerferie",
    FreezeKind.CHRISTMAS: "juleferie",
    FreezeKind.EASTER: "påskeferie",
    FreezeKind.OTHER: "frysperiode",
}


@dataclass(frozen=True, kw_only=True)
class FreezePeriod:
    """A freeze period of one organisation (``organisation``: a HER-id, or :data:`OWN`)."""

    organisation: str
    kind: FreezeKind
    first: date
    last: date
    name: str | None = None
    source: str | None = None
    checked_on: date | None = None
    default: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FreezeKind(self.kind))
        object.__setattr__(self, "name", clean_text(self.name))
        object.__setattr__(self, "source", clean_text(self.source))
        if self.last < self.first:
            raise NoticeError(f"Frysperioden slutter ({self.last}) før den begynner ({self.first}).")
        if (self.last - self.first).days > 120:
            raise NoticeError(f"Frysperioden {self.first} – {self.last} er lengre enn 120 dager; er datoene riktige?")

    @property
    def title(self) -> str:
        return self.name or f"{self.kind.label} {self.first.year}"

    @property
    def starts(self) -> datetime:
        """The first moment of the period (UTC)."""
        return datetime(self.first.year, self.first.month, self.first.day, tzinfo=OSLO).astimezone(UTC)

    @property
    def ends(self) -> datetime:
        """The moment after the period (midnight after ``last``, UTC)."""
        after = self.last + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=OSLO).astimezone(UTC)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether the window ``start`` to ``end`` (UTC) shares any moment with the period."""
        return as_utc("start", start) < self.ends and self.starts < as_utc("end", end)

    def describe(self) -> str:
        whose = "egen organisasjon" if self.organisation == OWN else f"part {self.organisation}"
        note = " (standard)" if self.default else ""
        return f"{self.title} {self.first:%d.%m.%Y}–{self.last:%d.%m.%Y}, {whose}{note}"


@dataclass(frozen=True)
class FreezeDefaults:
    """The built-in default's dates as (month, day): Christmas from ``christmas_from`` to ``christmas_to`` the
    year after, summer from ``summer_from`` to ``summer_to``."""

    christmas_from: tuple[int, int] = (12, 21)
    christmas_to: tuple[int, int] = (1, 2)
    summer_from: tuple[int, int] = (6, 20)
    summer_to: tuple[int, int] = (8, 15)

    @classmethod
    def parse(cls, christmas: str, summer: str) -> FreezeDefaults:
        """From settings like ``"12-21/01-02"`` and ``"06-20/08-15"``."""
        c_from, c_to = _month_days("julefrys", christmas)
        s_from, s_to = _month_days("sommerfrys", summer)
        return cls(c_from, c_to, s_from, s_to)


def _month_days(name: str, text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    try:
        first, last = (part.strip() for part in text.split("/"))
        pairs = [(int(p[:2]), int(p[3:])) for p in (first, last)]
        for month, day in pairs:
            date(2024, month, day)
    except (ValueError, IndexError):
        raise NoticeError(f"{name}: «{text}» må ha formen MM-DD/MM-DD, for eksempel 12-21/01-02.") from None
    return pairs[0], pairs[1]


def easter_sunday(year: int) -> date:
    """Easter Sunday of ``year``, from ``holidays.Norway`` (Good Friday + 2 days)."""
    for day, name in Norway(years=year, language="en_US").items():
        if name == "Good Friday":
            return day + timedelta(days=2)
    raise NoticeError(f"Fant ikke påsken i {year}.")


def default_periods(organisation: str, year: int, defaults: FreezeDefaults = FreezeDefaults()) -> list[FreezePeriod]:
    """Innlandet's default freeze periods that begin in ``year``, by rule (see the module's text)."""
    easter = easter_sunday(year)
    common = {"organisation": organisation, "source": DEFAULT_SOURCE, "default": True}
    return [
        FreezePeriod(kind=FreezeKind.EASTER, first=easter - timedelta(days=6), last=easter + timedelta(days=1),
                     name=f"Påskeferie {year}", **common),  # type: ignore[arg-type]
        FreezePeriod(kind=FreezeKind.SUMMER, first=date(year, *defaults.summer_from),
                     last=date(year, *defaults.summer_to), name=f"Sommerferie {year}", **common),  # type: ignore[arg-type]
        FreezePeriod(kind=FreezeKind.CHRISTMAS, first=date(year, *defaults.christmas_from),
                     last=date(year + 1, *defaults.christmas_to), name=f"Juleferie {year}/{year + 1}",
                     **common),  # type: ignore[arg-type]
    ]


def periods_for(organisation: str, years: Iterable[int], stored: Iterable[FreezePeriod],
                defaults: FreezeDefaults = FreezeDefaults()) -> list[FreezePeriod]:
    """The freeze periods of ``organisation`` beginning in ``years``: the stored ones where the organisation
    has any for that year, otherwise the default (and the default's Christmas of the year before, which
    reaches into January)."""
    mine = [p for p in stored if p.organisation == organisation]
    found: list[FreezePeriod] = []
    for year in sorted(set(years)):
        entered = [p for p in mine if p.first.year == year]
        found.extend(entered if entered else default_periods(organisation, year, defaults))
    return sorted(dict.fromkeys(found), key=lambda p: (p.first, p.last, p.kind.value))


def periods_touching(organisation: str, start: datetime, end: datetime, stored: Iterable[FreezePeriod],
                     defaults: FreezeDefaults = FreezeDefaults()) -> list[FreezePeriod]:
    """The periods of ``organisation`` that overlap ``start`` to ``end``."""
    first = as_utc("start", start).astimezone(OSLO).year - 1
    last = as_utc("end", end).astimezone(OSLO).year
    candidates = periods_for(organisation, range(first, last + 1), list(stored), defaults)
    return [p for p in candidates if p.overlaps(start, end)]
