"""The public change channel (procedure §3.3: smaller changes are published in a channel everyone can reach):
every notice sent or published, as an Atom feed (RFC 4287) and in an iCalendar feed with our own freeze periods,
so that partners can follow it in a feed reader or subscribe in Outlook. Nothing personal goes out: the
contact person's phone only when marked public; no recipients, no acknowledgements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from samhandling.domain.calendar import OSLO
from samhandling.domain.notices.freeze import OWN, FreezePeriod, periods_for
from samhandling.domain.notices.model import NoticeStatus, Varsel, show_moment
from samhandling.services.notices.config import NoticeConfig
from samhandling.services.notices.mails import calendar_of, contact_line, notice_event
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class ChannelEntry:
    notice: Varsel
    updated: datetime

    @property
    def contact(self) -> str:
        return contact_line(self.notice, public=False)

    @property
    def start_text(self) -> str:
        return show_moment(self.notice.start)

    @property
    def end_text(self) -> str:
        return show_moment(self.notice.end)

    @property
    def summary(self) -> str:
        n = self.notice
        parts = [f"{n.kind.label}, {n.status.label}. Fra {self.start_text} til {self.end_text}.",
                 n.description, f"Ansvarlig: {n.responsible}. Kontakt: {self.contact}."]
        if n.message_types:
            parts.append("Meldingstyper: " + ", ".join(n.message_types) + ".")
        if n.emergency_routine:
            parts.append(f"Beredskapsrutine: {n.emergency_routine}")
        return "\n\n".join(parts)


def channel_entries(new_uow: Callable[[], NoticeUnitOfWork]) -> list[ChannelEntry]:
    """Every notice in the channel (sent or published), the newest change first."""
    with new_uow() as uow:
        found = []
        for n in uow.notices.list():
            if n.published_at is None or n.status is NoticeStatus.DRAFT:
                continue
            edits = uow.notices.edits(n.id or 0)
            found.append(ChannelEntry(n, max([n.published_at, *(e.at for e in edits)])))
    return sorted(found, key=lambda e: (e.updated, e.notice.id or 0), reverse=True)


def atom_feed(entries: list[ChannelEntry], config: NoticeConfig, *, now: datetime) -> bytes:
    base = config.public_url.rstrip("/")
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})  # type: ignore[dict-item]
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", "nb")

    def add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        child = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            child.text = text
        return child

    add(feed, "id", f"{base}/endringer")
    add(feed, "title", f"Endringer og planlagt nedetid – {config.organisation}")
    add(feed, "subtitle", "Varsler om planlagte endringer, nedetid og mindre endringer i meldingsutvekslingen.")
    add(feed, "updated", (entries[0].updated if entries else now).isoformat())
    add(feed, "link", rel="self", href=f"{base}/endringer.atom", type="application/atom+xml")
    add(feed, "link", rel="alternate", href=f"{base}/endringer", type="text/html")
    author = add(feed, "author")
    add(author, "name", config.organisation)
    for entry in entries:
        n = entry.notice
        item = add(feed, "entry")
        add(item, "id", f"{base}/endringer#varsel-{n.id}")
        prefix = {NoticeStatus.CANCELLED: "Avlyst: ", NoticeStatus.COMPLETED: "Fullført: "}.get(n.status, "")
        add(item, "title", f"{prefix}{n.kind.label}: {n.title} ({entry.start_text})")
        add(item, "updated", entry.updated.isoformat())
        add(item, "published", (n.published_at or entry.updated).isoformat())
        add(item, "link", rel="alternate", href=f"{base}/endringer#varsel-{n.id}", type="text/html")
        add(item, "category", term=n.kind.value, label=n.kind.label)
        add(item, "summary", entry.summary, type="text")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def ics_feed(entries: list[ChannelEntry], freeze: list[FreezePeriod], config: NoticeConfig) -> bytes:
    from icalendar import Event

    domain = config.sender.rpartition("@")[2] or "localhost"
    events = [notice_event(e.notice, domain) for e in entries]
    for period in freeze:
        event = Event()
        event.add("uid", f"frys-{period.organisation or 'egen'}-{period.kind.value}-{period.first}@{domain}")
        event.add("dtstamp", period.starts)
        event.add("dtstart", period.first)
        event.add("dtend", period.ends.astimezone(OSLO).date())
        event.add("summary", f"Frysperiode: {period.title}" + (" (standard)" if period.default else ""))
        event.add("description", f"Ingen planlagte oppgraderinger. Kilde: {period.source or 'ukjent'}.")
        event.add("transp", "TRANSPARENT")
        events.append(event)
    return bytes(calendar_of(events, f"Endringer – {config.organisation}").to_ical())


def own_freeze(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, years: list[int]) -> list[FreezePeriod]:
    with new_uow() as uow:
        stored = uow.notices.freeze_periods(OWN)
    return periods_for(OWN, years, stored, config.freeze_defaults)
