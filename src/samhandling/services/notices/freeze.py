"""The freeze calendar: periods entered per organisation (``freeze import`` from CSV or iCalendar), the default
for Innlandet where nothing is entered, and the check of a window against them.

CSV columns (header required, ``;`` or ``,``): ``organisation`` (a partner's HER-id, or ``egen`` for our own),
``kind`` (``sommer``, ``jul``, ``paske``, ``annet``), ``first`` and ``last`` (YYYY-MM-DD, inclusive), and
optionally ``name``, ``source``, ``checked_on``. An iCalendar file (.ics, as the municipalities publish their
school calendars) gives one period per all-day VEVENT, for the organisation named on import; its kind is read
from the summary (sommer/jul/påske), else ``annet``. Every row is checked before anything is stored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar

from samhandling.domain.identifiers import HerId
from samhandling.domain.notices.freeze import OWN, FreezeKind, FreezePeriod, periods_for, periods_touching
from samhandling.domain.notices.model import NoticeError
from samhandling.services.notices.config import NoticeConfig
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork

OWN_WORDS = frozenset({"", "egen", "own", "vi"})


def organisation_key(text: str | None) -> str:
    value = (text or "").strip()
    if value.lower() in OWN_WORDS:
        return OWN
    try:
        return str(HerId(value))
    except ValueError as exc:
        raise NoticeError(f"Organisasjonen «{value[:20]}»: {exc}") from None


def _day(value: str, place: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise NoticeError(f"{place}: «{value[:20]}» er ikke en dato (YYYY-MM-DD).") from None


def _kind(text: str) -> FreezeKind:
    folded = text.lower()
    if "sommer" in folded:
        return FreezeKind.SUMMER
    if "jul" in folded:
        return FreezeKind.CHRISTMAS
    if "påske" in folded or "paske" in folded:
        return FreezeKind.EASTER
    return FreezeKind.OTHER


def read_csv(name: str, data: bytes, *, checked_on: date | None) -> list[FreezePeriod]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NoticeError(f"{name}: filen må være UTF-8.") from None
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=dialect))
    found = []
    for number, row in enumerate(rows, start=2):
        place = f"{name} linje {number}"
        missing = [c for c in ("organisation", "kind", "first", "last") if not (row.get(c) or "").strip()]
        if missing:
            raise NoticeError(f"{place}: mangler {', '.join(missing)}.")
        try:
            kind = FreezeKind(row["kind"].strip().lower())
        except ValueError:
            raise NoticeError(f"{place}: «{row['kind'][:20]}» er ikke sommer, jul, paske eller annet.") from None
        checked = (row.get("checked_on") or "").strip()
        try:
            found.append(FreezePeriod(
                organisation=organisation_key(row["organisation"]), kind=kind, first=_day(row["first"], place),
                last=_day(row["last"], place), name=row.get("name"), source=(row.get("source") or "").strip() or name,
                checked_on=_day(checked, place) if checked else checked_on))
        except NoticeError as exc:
            raise NoticeError(f"{place}: {exc}") from None
    return found


def read_ics(name: str, data: bytes, *, organisation: str, checked_on: date | None) -> list[FreezePeriod]:
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as exc:
        raise NoticeError(f"{name}: ikke en gyldig iCalendar-fil ({str(exc)[:80]}).") from None
    found = []
    for event in calendar.walk("VEVENT"):
        summary = str(event.get("summary", "")).strip()
        start = event.decoded("dtstart", None)
        end = event.decoded("dtend", None)
        if start is None:
            raise NoticeError(f"{name}: hendelsen «{summary[:40]}» mangler DTSTART.")
        first = start.date() if isinstance(start, datetime) else start
        if end is None:
            last = first
        else:
            stop = end.date() if isinstance(end, datetime) else end
            last = stop - timedelta(days=1) if not isinstance(end, datetime) else stop  # DTEND is exclusive
        try:
            found.append(FreezePeriod(organisation=organisation, kind=_kind(summary), first=first,
                                      last=max(first, last), name=summary or None, source=name,
                                      checked_on=checked_on))
        except NoticeError as exc:
            raise NoticeError(f"{name}, «{summary[:40]}»: {exc}") from None
    if not found:
        raise NoticeError(f"{name}: filen har ingen hendelser (VEVENT).")
    return found


@dataclass(frozen=True)
class FreezeImport:
    stored: int
    unchanged: int


def import_freeze(new_uow: Callable[[], NoticeUnitOfWork], name: str, data: bytes, *, organisation: str | None,
                  checked_on: date | None) -> FreezeImport:
    """Import a CSV or .ics file; everything or nothing."""
    if name.lower().endswith(".ics") or data.lstrip().startswith(b"BEGIN:VCALENDAR"):
        periods = read_ics(name, data, organisation=organisation_key(organisation), checked_on=checked_on)
    else:
        periods = read_csv(name, data, checked_on=checked_on)
    stored = 0
    with new_uow() as uow:
        known = {p.her_id for p in uow.registers.partners.list()}
        for period in periods:
            if period.organisation != OWN and period.organisation not in known:
                raise NoticeError(f"{name}: ukjent samarbeidspart {period.organisation}.")
            stored += uow.notices.put_freeze(period)
        uow.commit()
    return FreezeImport(stored, len(periods) - stored)


def organisations(uow: NoticeUnitOfWork) -> list[str]:
    ours = {p.her_id for p in uow.parties.list(local=True)}
    return [OWN, *sorted(p.her_id for p in uow.registers.partners.list() if p.active and p.her_id not in ours)]


def list_freeze(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, *, year: int,
                organisation: str | None = None) -> list[FreezePeriod]:
    """The periods beginning in ``year``: ours and every partner's (or only ``organisation``'s)."""
    with new_uow() as uow:
        stored = uow.notices.freeze_periods()
        whose = [organisation_key(organisation)] if organisation is not None else organisations(uow)
    found: list[FreezePeriod] = []
    for key in whose:
        found.extend(periods_for(key, [year], stored, config.freeze_defaults))
    return found


def check_freeze(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, start: datetime, end: datetime, *,
                 partner: str | None = None) -> list[FreezePeriod]:
    """The freeze periods the window touches: ours, and the partner's (every partner's without ``partner``)."""
    if end <= start:
        raise NoticeError("Slutten må komme etter starten.")
    with new_uow() as uow:
        stored = uow.notices.freeze_periods()
        whose = [OWN, organisation_key(partner)] if partner is not None else organisations(uow)
    found: list[FreezePeriod] = []
    for key in dict.fromkeys(whose):
        found.extend(periods_touching(key, start, end, stored, config.freeze_defaults))
    return found
