"""``samhandling notices`` and ``freeze`` as a user meets them (in process; the sender
that is killed and the web server as real processes): partners and contact points
from the registers, a notice refused by the one-week rule and the freeze calendar (changing nothing), sent over
a real SMTP server, acknowledged by hand; freeze periods imported from CSV and iCalendar; and no double mail
when the sender is killed (SIGKILL) in the middle of sending."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.cli.test_registers_cli import CONTACTS, HAMAR
from tests.support.cli import run
from tests.support.monitoring import Inbox, free_port, start_smtp

OWN = "meldingsansvarlig@sykehuset.test,drift@sykehuset.test"


def ok(*args: str, home: Path, **env: str) -> str:
    result = run(*args, home=home, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def fails(*args: str, home: Path, text: str, **env: str) -> None:
    result = run(*args, home=home, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Feil: "), result.stderr
    assert text in lines[0], lines[0]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    ok(*HAMAR, home=tmp_path)
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS, encoding="utf-8")
    ok("contacts", "import", str(contacts), home=tmp_path)
    return tmp_path


def show(home: Path, notice: int, now: str) -> Any:
    return json.loads(ok("notices", "show", str(notice), "--now", now, "--json", home=home))


NEW = ["notices", "new", "--kind", "oppgradering", "--start", "2027-02-10 22:00", "--end", "2027-02-11 02:00",
       "--all", "--message-type", "PLO", "--now", "2027-02-01T09:00", "--by", "kari"]


def test_a_notice_from_draft_to_acknowledged(home: Path) -> None:
    smtp = start_smtp()
    env = {"SAMHANDLING_SMTP_URL": smtp.url, "SAMHANDLING_MELDINGSANSVARLIG": OWN,
           "SAMHANDLING_PUBLIC_URL": "http://endringer.test", "SAMHANDLING_ORGANISATION_NAME": "Sykehuset Innlandet"}
    try:
        assert "Utkast 1 er laget" in ok(*NEW, home=home, **env)
        fails("notices", "send", "1", "--now", "2027-02-05T09:00", home=home, text="minst én uke", **env)
        assert show(home, 1, "2027-02-05T09:00")["status"] == "draft" and smtp.mails == []
        out = ok("notices", "send", "1", "--now", "2027-02-01T09:00", home=home, **env)
        assert "sendt til 3 mottakere" in out and "3 e-post sendt" in out
        assert sorted(a for m in smtp.mails for a in m.rcpt_tos) == sorted(
            ["meldingsansvarlig@hamar.kommune.no", "meldingsansvarlig@sykehuset.test", "drift@sykehuset.test"])
        assert "http://endringer.test/endringer/bekreft/" in smtp.mails[0].body
        shown = show(home, 1, "2027-02-04T00:00")
        assert [r["state"] for r in shown["recipients"] if r["partner_her_id"]] == ["overdue"]
        overdue = json.loads(ok("notices", "overdue", "--now", "2027-02-04T00:00", "--json", home=home, **env))
        assert [o["email"] for o in overdue] == ["meldingsansvarlig@hamar.kommune.no"]
        fails("notices", "ack", "1", "9999999", home=home, text="er ikke mottaker", **env)
        ok("notices", "ack", "1", "1000001", "--now", "2027-02-02T10:00", home=home, **env)
        assert json.loads(ok("notices", "overdue", "--now", "2027-02-04T00:00", "--json", home=home, **env)) == []
        fails("notices", "edit", "1", "--start", "2027-02-17 22:00", "--end", "2027-02-18 01:00",
              "--now", "2027-02-02T10:00", home=home, text="begrunnelse", **env)
        ok("notices", "edit", "1", "--start", "2027-02-17 22:00", "--end", "2027-02-18 01:00", "--reason",
           "Utsatt en uke", "--now", "2027-02-02T10:00", home=home, **env)
        assert [m.subject.split(":")[0] for m in smtp.mails].count("Endret varsel") == 3
        assert show(home, 1, "2027-02-02T10:00")["version"] == 2
        ok("notices", "cancel", "1", "--reason", "Avlyst av leverandøren", "--now", "2027-02-03T10:00",
           home=home, **env)
        assert [m.subject.split(":")[0] for m in smtp.mails].count("Avlyst") == 3
        listed = json.loads(ok("notices", "list", "--json", home=home, **env))
        assert [n["status"] for n in listed] == ["cancelled"]
        fails("notices", "show", "42", home=home, text="Varsel 42 finnes ikke", **env)
        fails("notices", "new", "--kind", "oppgradering", "--start", "2027-03-28 02:30", "--end", "2027-03-28 04:00",
              "--all", home=home, text="finnes ikke i norsk tid", **env)
        fails("notices", "new", "--kind", "oppgradering", "--start", "2027-03-01 22:00", "--end", "2027-03-01 23:00",
              "--partner", "1234", home=home, text="Ukjent samarbeidspart: 1234", **env)
    finally:
        smtp.controller.stop()


def test_freeze_periods_import_list_and_check(home: Path) -> None:
    csv_file = home / "skolerute.csv"
    csv_file.write_text("organisation;kind;first;last;name;source\n"
                        "1000001;annet;2027-02-22;2027-02-26;Vinterferie Hamar 2027;Hamar kommunes skolerute\n",
                        encoding="utf-8")
    assert "Importerte 1 frysperioder" in ok("freeze", "import", str(csv_file), "--checked", "2027-01-15",
                                             home=home)
    ics = home / "innlandet-vgs.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//NO\r\nBEGIN:VEVENT\r\nUID:1@test\r\n"
                   "DTSTAMP:20270101T000000Z\r\nDTSTART;VALUE=DATE:20270621\r\nDTEND;VALUE=DATE:20270817\r\n"
                   "SUMMARY:Sommerferie 2027\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    ok("freeze", "import", str(ics), home=home)
    listed = json.loads(ok("freeze", "list", "--year", "2027", "--json", home=home))
    own = [p for p in listed if p["organisation"] == "egen"]
    assert [(p["name"], p["first"], p["last"], p["default"]) for p in own] == [
        ("Sommerferie 2027", "2027-06-21", "2027-08-16", False)]  # our data for 2027 replaces the default
    hamar = [p for p in listed if p["organisation"] == "1000001"]
    assert [p["name"] for p in hamar] == ["Vinterferie Hamar 2027"]
    result = run("freeze", "check", "2027-02-24 20:00", "2027-02-24 22:00", "--partner", "1000001", home=home)
    assert result.returncode == 1 and "Vinterferie Hamar 2027" in result.stdout
    result = run("freeze", "check", "2027-02-24 20:00", "2027-02-24 22:00", "--partner", "egen", home=home)
    assert result.returncode == 0 and "ikke i noen frysperiode" in result.stdout
    bad = home / "feil.csv"
    bad.write_text("organisation;kind;first;last\negen;vinter;2027-02-22;2027-02-26\n", encoding="utf-8")
    fails("freeze", "import", str(bad), home=home, text="feil.csv linje 2")
    assert len(json.loads(ok("freeze", "list", "--year", "2027", "--json", home=home))) == 2
    fails("freeze", "check", "2027-02-24 22:00", "2027-02-24 20:00", home=home, text="Slutten må komme etter")


class Stalling(Inbox):
    """Takes the first mail; holds the second in DATA until released, then refuses it (the sender was killed
    before the server took it)."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        if self.count == 2:
            import asyncio

            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 sender gone"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def stalling() -> Iterator[tuple[str, Stalling]]:
    inbox = Stalling()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    inbox.release.set()
    controller.stop()


@pytest.mark.process
def test_no_double_mail_after_sigkill_during_sending(home: Path, stalling: tuple[str, Stalling]) -> None:
    url, inbox = stalling
    closed = f"smtp://127.0.0.1:{free_port()}"
    env = {"SAMHANDLING_MELDINGSANSVARLIG": OWN, "SAMHANDLING_SMTP_URL": closed}
    ok(*NEW, home=home, **env)
    out = ok("notices", "send", "1", "--now", "2027-02-01T09:00", home=home, **env)
    assert "3 feilet og prøves igjen" in out  # the SMTP server is down: all three wait
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SAMHANDLING_")}
    environment.update(SAMHANDLING_HOME=str(home), SAMHANDLING_MELDINGSANSVARLIG=OWN, SAMHANDLING_SMTP_URL=url)
    sender = subprocess.Popen([sys.executable, "-m", "samhandling", "notices", "run", "--now", "2027-02-01T10:00"],
                              env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert inbox.holding.wait(60), "the second mail never reached the server"
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(10)
    finally:
        if sender.poll() is None:
            sender.kill()
        inbox.release.set()
    assert len(inbox.mails) == 1
    first = inbox.mails[0].rcpt_tos
    # Within the claim the killed sender's mails are left alone; after it they go, the first one never again.
    out = ok("notices", "run", "--now", "2027-02-01T10:01", home=home, **{**env, "SAMHANDLING_SMTP_URL": url})
    assert "0 e-post sendt" in out
    ok("notices", "run", "--now", "2027-02-01T10:05", home=home, **{**env, "SAMHANDLING_SMTP_URL": url})
    received = sorted(a for m in inbox.mails for a in m.rcpt_tos)
    assert received == sorted(["meldingsansvarlig@hamar.kommune.no", "meldingsansvarlig@sykehuset.test",
                               "drift@sykehuset.test"])
    assert received.count(first[0]) == 1
    ok("notices", "run", "--now", "2027-02-01T11:00", home=home, **{**env, "SAMHANDLING_SMTP_URL": url})
    assert len(inbox.mails) == 3


@pytest.mark.process
def test_samhandling_web_serves_the_change_channel(home: Path) -> None:
    import time

    import httpx

    ok(*NEW, home=home)
    ok("notices", "send", "1", "--now", "2027-02-01T09:00", home=home, SAMHANDLING_MELDINGSANSVARLIG=OWN)
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SAMHANDLING_")}
    environment["SAMHANDLING_HOME"] = str(home)
    server = subprocess.Popen([sys.executable, "-m", "samhandling", "web", "--port", str(port)], env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        page = None
        for _ in range(150):
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/endringer", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert page is not None and page.status_code == 200
        assert "Oppgradering av fagsystemet" in page.text  # the template's title (no profile of our own)
        assert httpx.get(f"http://127.0.0.1:{port}/endringer/bekreft/1.1.1.1.x").status_code == 400
    finally:
        server.terminate()
        server.wait(10)
