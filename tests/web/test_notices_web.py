"""The public change channel and the acknowledgement link on the real web server (uvicorn on a free port): the
link in a notice delivered by a real SMTP server is followed with httpx; the Atom feed is read by feedparser and
the calendar by icalendar; nothing personal is in them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import feedparser
import httpx
import pytest
import uvicorn
from icalendar import Calendar

from samhandling.domain.notices.model import NoticeKind, local_moment
from samhandling.services.notices.acks import overdue
from samhandling.services.notices.authoring import cancel_notice, create_notice, publish_minor
from samhandling.services.notices.config import NoticeConfig
from samhandling.services.notices.sending import deliver_notices, send_notice
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork
from samhandling.web.app import create_app
from tests.support.monitoring import SmtpServer, free_port
from tests.support.notice_store import GJOVIK_MAIL, NOW, notice_uow, seed_registers, upgrade_notice
from tests.support.notices import LINK, config_for, to

__all__ = ["notice_uow"]  # a fixture of this module; smtp comes from tests.support.notices (conftest)


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class Web:
    base: str
    clock: Clock
    config: NoticeConfig


@pytest.fixture
def web(notice_uow: Callable[[], NoticeUnitOfWork], smtp: SmtpServer) -> Iterator[Web]:
    seed_registers(notice_uow)
    port = free_port()
    config = config_for(smtp)
    config = replace(config, public_url=f"http://127.0.0.1:{port}")
    clock = Clock(NOW)
    server = uvicorn.Server(uvicorn.Config(create_app(notice_uow, config, clock), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    yield Web(f"http://127.0.0.1:{port}", clock, config)
    server.should_exit = True
    thread.join(5)


def test_the_link_in_the_mail_acknowledges_on_the_web_server(
        web: Web, notice_uow: Callable[[], NoticeUnitOfWork], smtp: SmtpServer) -> None:
    base, clock, config = web.base, web.clock, web.config
    notice = create_notice(notice_uow, upgrade_notice(), by="kari", now=NOW)
    send_notice(notice_uow, config, notice.id or 0, by="kari", now=NOW)
    deliver_notices(notice_uow, config, now=clock)
    body = to(smtp.mails, GJOVIK_MAIL)[0].body
    link = next(line for line in body.splitlines() if line.startswith(base + "/endringer/bekreft/"))
    assert LINK.pattern  # the same link form as in the service tests
    with httpx.Client() as client:
        page = client.get(link)
        assert page.status_code == 200 and "Bekreft mottatt varsel" in page.text
        assert overdue(notice_uow, config, now=local_moment("2027-02-04 00:00"))  # a GET changes nothing
        done = client.post(link)
        assert done.status_code == 200 and "Takk! Varselet er bekreftet." in done.text
        again = client.post(link)
        assert "allerede bekreftet" in again.text
        forged = client.get(link[:-3] + "abc")
        assert forged.status_code == 400 and "signaturen stemmer ikke" in forged.text
        clock.moment = NOW + timedelta(days=40)
        assert "utløpt" in client.post(link).text
    late = [o.recipient.email for o in overdue(notice_uow, config, now=local_moment("2027-02-04 00:00"))]
    assert GJOVIK_MAIL not in late


def test_the_change_channel_as_html_atom_and_icalendar(
        web: Web, notice_uow: Callable[[], NoticeUnitOfWork]) -> None:
    base, config = web.base, web.config
    upgrade = create_notice(notice_uow, upgrade_notice(contact_phone="61 00 00 01"), by="kari", now=NOW)
    send_notice(notice_uow, config, upgrade.id or 0, by="kari", now=NOW)
    minor = create_notice(notice_uow, upgrade_notice(kind=NoticeKind.MINOR, title="Ny visning av meldingsloggen",
                                                     description="Ingen nedetid."), by="kari", now=NOW)
    publish_minor(notice_uow, minor.id or 0, by="kari", now=NOW + timedelta(minutes=5))
    dropped = create_notice(notice_uow, upgrade_notice("2027-03-03 22:00", "2027-03-03 23:00",
                                                       title="Bytte av brannmur"), by="kari", now=NOW)
    send_notice(notice_uow, config, dropped.id or 0, by="kari", now=NOW)
    cancel_notice(notice_uow, config, dropped.id or 0, by="kari", reason="Ikke nødvendig", now=NOW + timedelta(hours=1))
    create_notice(notice_uow, upgrade_notice(title="Hemmelig utkast"), by="kari", now=NOW)
    with httpx.Client(base_url=base) as client:
        page = client.get("/endringer")
        assert page.status_code == 200
        for text in ("Oppgradering av DIPS Arena", "Ny visning av meldingsloggen", "Bytte av brannmur", "avlyst",
                     "Påskeferie 2027", "standard", "/static/endringer.css"):
            assert text in page.text, text
        assert "Hemmelig utkast" not in page.text
        assert "61000001" not in page.text  # the contact person's phone is not public
        assert "<script" not in page.text and "http" not in page.text.split("<body>")[0].replace(
            "http-equiv", "")
        assert client.get("/static/endringer.css").status_code == 200
        atom = client.get("/endringer.atom")
        assert atom.headers["content-type"].startswith("application/atom+xml")
        ics = client.get("/endringer.ics")
    feed = feedparser.parse(atom.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    titles = [e.title for e in feed.entries]
    assert titles[0].startswith("Avlyst: ") and "Bytte av brannmur" in titles[0]
    assert any("Ny visning av meldingsloggen" in t for t in titles) and len(titles) == 3
    assert all("61000001" not in e.summary for e in feed.entries)
    calendar = Calendar.from_ical(ics.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert events["Oppgradering: Oppgradering av DIPS Arena"].decoded("dtstart") == local_moment("2027-02-10 22:00")
    assert str(events["Oppgradering: Bytte av brannmur"]["status"]) == "CANCELLED"
    assert "Frysperiode: Påskeferie 2027 (standard)" in events
    assert "Frysperiode: Juleferie 2027/2028 (standard)" in events
