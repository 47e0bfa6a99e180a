"""The mails of notices, in Norwegian: the notice itself (new, changed, cancelled), the completion notice and the
reminder of an overdue answer (our own meldingsansvarlig hears of unanswered ones through the monitoring). Each
has the full content in plain text and HTML (Jinja2 templates in ``templates/``) and, for the notice, an
iCalendar file of the change window. The outbox key names notice, version, what and recipient, so that the same
mail is never stored twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from icalendar import Calendar, Event
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from samhandling.domain.notices.model import NoticeStatus, Varsel, show_deadline, show_moment
from samhandling.domain.notices.rules import answer_deadline
from samhandling.services.notices.config import NoticeConfig
from samhandling.store.mail.repository import Attachment, OutgoingMail

TOPIC = "notice"

_env = Environment(loader=PackageLoader("samhandling.services.notices", "templates"),
                   autoescape=select_autoescape(["html.j2"]), undefined=StrictUndefined, keep_trailing_newline=True)
_text_env = Environment(loader=PackageLoader("samhandling.services.notices", "templates"), autoescape=False,
                        undefined=StrictUndefined, keep_trailing_newline=True)


class MailWhat(StrEnum):
    NOTICE = "varsel"
    CANCELLED = "avlyst"
    COMPLETED = "fullfort"
    REMINDER = "purring"


@dataclass(frozen=True)
class Letter:
    subject: str
    heading: str
    intro: str | None
    ask_ack: bool


def contact_line(n: Varsel, *, public: bool = True) -> str:
    parts = [n.contact_name]
    if n.contact_email:
        parts.append(n.contact_email)
    if n.contact_phone and (public or n.contact_phone_public):
        parts.append(n.contact_phone)
    return ", ".join(parts)


def letter(n: Varsel, what: MailWhat, organisation: str, reason: str | None) -> Letter:
    when = show_moment(n.start)
    if what is MailWhat.CANCELLED:
        return Letter(f"Avlyst: {n.title} ({when})", f"Avlyst: varsel om {n.kind.label.lower()} fra {organisation}",
                      f"Endringen er avlyst. Begrunnelse: {reason}" if reason else "Endringen er avlyst.", False)
    if what is MailWhat.COMPLETED:
        return Letter(f"Fullført: {n.title}", f"Fullført: {n.kind.label.lower()} fra {organisation}",
                      "Endringen er gjennomført, og meldingsutvekslingen går som normalt.", False)
    if what is MailWhat.REMINDER:
        return Letter(f"Påminnelse: bekreft varsel om {n.title} ({when})",
                      f"Påminnelse: varsel om {n.kind.label.lower()} fra {organisation}",
                      "Vi har ikke fått bekreftelse på varselet innen to arbeidsdager. Bekreft med lenken under.",
                      True)
    if n.version > 1:
        intro = f"Varselet er endret (versjon {n.version})" + (f": {reason}" if reason else ".")
        return Letter(f"Endret varsel: {n.title} ({when})", f"Endret varsel om {n.kind.label.lower()} fra "
                      f"{organisation}", intro, True)
    return Letter(f"Varsel: {n.title} ({when})", f"Varsel om {n.kind.label.lower()} fra {organisation}", None, True)


def notice_event(n: Varsel, domain: str) -> Event:
    event = Event()
    event.add("uid", f"varsel-{n.id}@{domain}")
    event.add("sequence", n.version)
    event.add("dtstamp", n.sent_at or n.created_at)
    event.add("dtstart", n.start)
    event.add("dtend", n.end)
    event.add("summary", f"{n.kind.label}: {n.title}")
    event.add("description", n.description + (f"\n\nBeredskapsrutine: {n.emergency_routine}"
                                              if n.emergency_routine else ""))
    event.add("status", "CANCELLED" if n.status is NoticeStatus.CANCELLED else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


def calendar_of(events: list[Event], name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//samhandling//endringer//NO")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Oslo")
    for event in events:
        cal.add_component(event)
    return cal


def notice_mail(n: Varsel, what: MailWhat, recipients: tuple[str, ...], config: NoticeConfig, *, now: datetime,
                key_for: str, recipient_id: int | None = None, token: str | None = None,
                reason: str | None = None) -> OutgoingMail:
    """The mail ``what`` about ``n`` to ``recipients``; ``token`` makes the acknowledgement link."""
    assert n.id is not None
    chosen = letter(n, what, config.organisation, reason)
    ack_url = config.ack_url(token) if (token and chosen.ask_ack) else None
    values = {
        "n": n, "heading": chosen.heading, "intro": chosen.intro, "subject": chosen.subject,
        "start": show_moment(n.start), "end": show_moment(n.end), "contact": contact_line(n),
        "ack_url": ack_url, "deadline": show_deadline(answer_deadline(now, config.calendar)),
        "channel_url": f"{config.public_url.rstrip('/')}/endringer", "organisation": config.organisation,
    }
    text = _text_env.get_template("notice.txt.j2").render(values)
    html = _env.get_template("notice.html.j2").render(values)
    attachments: tuple[Attachment, ...] = ()
    if what in (MailWhat.NOTICE, MailWhat.CANCELLED):
        domain = config.sender.rpartition("@")[2] or "localhost"
        ics = calendar_of([notice_event(n, domain)], "Varsel").to_ical().decode("utf-8")
        attachments = (Attachment(f"varsel-{n.id}.ics", "text/calendar", ics),)
    return OutgoingMail(key=f"{TOPIC}:{n.id}:v{n.version}:{what.value}:{key_for}", topic=TOPIC,
                        ref=None if recipient_id is None else str(recipient_id), recipients=recipients,
                        subject=chosen.subject, text_body=text, html_body=html, attachments=attachments,
                        created_at=now)
