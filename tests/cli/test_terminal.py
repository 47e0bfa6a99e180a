"""Issue 12: what a meldingsansvarlig meets at the terminal, run in process as a user runs it."""

from __future__ import annotations

import json
import socket
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from samhandling.domain.clock import OSLO
from tests.cli.test_messages_cli import hospital_home
from tests.conftest import needs_real_thread_waits
from tests.support.cli import run_cli
from tests.support.parties import HOSPITAL_PARTIES
from tests.support.region import local_server

INNLEGGELSESRAPPORT = "plo-1.6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Ny.xml"


def test_show_wraps_clinical_text_and_drops_no_word(samples_dir: Path, tmp_path: Path) -> None:
    path = samples_dir / INNLEGGELSESRAPPORT
    notes = [" ".join(el.text.split()) for el in etree.parse(str(path)).iter("{*}Notat") if el.text]
    assert notes
    for columns in (40, 80, 200):
        result = run_cli("show", path, home=tmp_path, columns=columns)
        assert result.returncode == 0, result.stderr
        assert max(len(line) for line in result.stdout.splitlines()) <= columns
        shown = " ".join(word for line in result.stdout.splitlines() for word in line.split()
                         if word.strip("│├└─"))
        for note in notes:
            for word in note.split():
                assert word in shown, (columns, word)


def _queued_foresporsel(tmp_path: Path, schema_dir: Path) -> Path:
    home = hospital_home(tmp_path)
    request = tmp_path / "foresporsel.json"
    request.write_text(json.dumps({
        "sender": "91090", "receiver": "5078",
        "patient": {"id": "13116900216", "family_name": "Testesen", "given_name": "Åse"},
        "document": {"type": "foresporsel", "text": "Når kan pasienten komme hjem?"},
    }, ensure_ascii=False), encoding="utf-8")
    sent = run_cli("send", request, home=home, env={"SAMHANDLING_SCHEMA_DIR": str(schema_dir)})
    assert sent.returncode == 0, sent.stderr
    return home


@needs_real_thread_waits  # the local server's thread waits on timed thread waits
def test_outbox_send_shows_the_reason_per_message_and_fails(tmp_path: Path, schema_dir: Path) -> None:
    home = _queued_foresporsel(tmp_path, schema_dir)
    parties = [*HOSPITAL_PARTIES]
    with local_server(tmp_path, parties) as server:
        result = run_cli("outbox", "send", home=home,
                         env={"SAMHANDLING_MSH_URL": server.url, "SAMHANDLING_MSH_TOKEN": "ikke-et-token"})
    assert result.returncode == 1
    assert "Sendt: 0, feilet: 1" in result.stdout
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Ikke sendt:")]
    assert "DIALOG_FORESPORSEL" in line and "HER 5078" in line and "401" in line
    assert "send failed" not in result.stderr, result.stderr


def test_outbox_send_when_the_server_is_down(tmp_path: Path, schema_dir: Path) -> None:
    home = _queued_foresporsel(tmp_path, schema_dir)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = run_cli("outbox", "send", home=home,
                     env={"SAMHANDLING_MSH_URL": f"http://127.0.0.1:{port}", "SAMHANDLING_MSH_TOKEN": "t"})
    assert result.returncode == 1
    assert "Ikke sendt: DIALOG_FORESPORSEL" in result.stderr


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("SAMHANDLING_POLL_INTERVAL", "abc", "innstillingen SAMHANDLING_POLL_INTERVAL=«abc» må være et tall"),
    ("SAMHANDLING_POLL_INTERVAL", "-1", "innstillingen SAMHANDLING_POLL_INTERVAL=«-1» må være større enn 0"),
    ("SAMHANDLING_DATABASE_URL", "tull://x", "innstillingen SAMHANDLING_DATABASE_URL må være en SQLAlchemy-URL"),
    ("SAMHANDLING_RECEIPT_DEADLINES", "{", "innstillingen SAMHANDLING_RECEIPT_DEADLINES må være gyldig JSON"),
])
def test_a_bad_setting_is_one_norwegian_line(tmp_path: Path, variable: str, value: str, expected: str) -> None:
    result = run_cli("messages", "list", home=tmp_path, env={variable: value})
    assert result.returncode == 2
    assert result.stderr.startswith("Feil: " + expected), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Intern feil" not in result.stderr and "ValidationError" not in result.stderr


def test_a_home_that_is_a_file_is_named(tmp_path: Path) -> None:
    home = tmp_path / "fil"
    home.write_text("")
    result = run_cli("messages", "list", home=home)
    assert result.returncode == 2
    assert "SAMHANDLING_HOME" in result.stderr and "må være en mappe" in result.stderr


def test_a_misspelled_variable_is_reported(tmp_path: Path) -> None:
    result = run_cli("messages", "list", home=tmp_path, env={"SAMHANDLING_POL_INTERVAL": "5"})
    assert result.returncode == 0
    assert ("Merk: SAMHANDLING_POL_INTERVAL er ingen innstilling og brukes ikke "
            "(mente du SAMHANDLING_POLL_INTERVAL?).") in result.stderr


def test_ctrl_c_in_a_command_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("samhandling.cli.common.load_settings", interrupted)
    result = run_cli("messages", "list", home=tmp_path)
    assert result.returncode == 130
    assert result.stderr.strip() == "Avbrutt."


def test_ctrl_c_while_starting_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    class Interrupting:
        def find_spec(self, name: str, *_: object) -> None:
            if name == "samhandling.cli.app":
                raise KeyboardInterrupt

    monkeypatch.delitem(sys.modules, "samhandling.cli.app")
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    from samhandling.entry import main

    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "Avbrutt.\n"


def test_bad_usage_is_one_line_and_points_to_the_help(tmp_path: Path) -> None:
    result = run_cli("messages", "show", home=tmp_path)
    assert result.returncode == 2
    first, second = result.stderr.strip().splitlines()
    assert first.startswith("Feil: ") and second == "Se «samhandling messages show --help»."


@pytest.mark.parametrize("args", [
    ("monitor", "run", "--now", "2026-12-07T12:00"),
    ("alerts", "ack", "1", "--by", "Kari", "--now", "2026-12-07T12:00"),
    ("alerts", "resolve", "1", "--by", "Kari", "--now", "2026-12-07T12:00"),
    ("monitor", "report", "--send", "--now", "2026-12-07T12:00"),
])
def test_now_is_refused_on_commands_that_store(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run_cli(*args, home=tmp_path)
    assert result.returncode == 2
    assert "--now brukes til å lese" in result.stderr and "--test" in result.stderr
    assert not (tmp_path / "samhandling.db").exists()  # refused before anything was opened or stored


def test_now_still_reads(tmp_path: Path) -> None:
    result = run_cli("monitor", "status", "--now", "2026-12-07T12:00", home=tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
def test_one_clock_oslo_for_people_offsets_in_messages(tmp_path: Path, schema_dir: Path, zone: str) -> None:
    home = _queued_foresporsel(tmp_path, schema_dir)
    env = {"TZ": zone}
    (stored,) = json.loads(run_cli("messages", "list", "--json", home=home, env=env).stdout)
    created = datetime.fromisoformat(stored["created_at"])
    raw = bootstrap_raw(home, stored["id"])
    gen_date = datetime.fromisoformat(etree.fromstring(raw).findtext(".//{*}GenDate") or "")
    assert gen_date.utcoffset() == created.astimezone(OSLO).utcoffset()  # Oslo time, with its offset
    assert abs(gen_date - created) < timedelta(seconds=2)
    listed = run_cli("messages", "list", home=home, env=env, columns=200).stdout
    assert created.astimezone(OSLO).strftime("%d.%m.%Y %H:%M") in listed
    shown = run_cli("messages", "show", str(stored["id"]), home=home, env=env, columns=200).stdout
    assert created.astimezone(OSLO).strftime("%d.%m.%Y %H:%M") in shown


def bootstrap_raw(home: Path, message_id: int) -> bytes:
    from samhandling.bootstrap import bootstrap
    from samhandling.settings import Settings

    node = bootstrap(Settings(home=home))
    with node.uow() as uow:
        message = uow.messages.get(message_id)
    node.close()
    assert message is not None
    return message.raw


@pytest.mark.parametrize(("moment", "written"), [
    ("2026-03-29T00:59:59+00:00", "2026-03-29T01:59:59+01:00"),  # the last second of winter time
    ("2026-03-29T01:00:00+00:00", "2026-03-29T03:00:00+02:00"),  # summer time begins
    ("2026-10-25T00:30:00+00:00", "2026-10-25T02:30:00+02:00"),  # the hour that comes twice: first
    ("2026-10-25T01:30:00+00:00", "2026-10-25T02:30:00+01:00"),  # and second time
])
def test_message_time_across_daylight_saving(moment: str, written: str) -> None:
    from samhandling.domain.clock import message_time
    from samhandling.standards.binding import format_scalar

    assert format_scalar(message_time(datetime.fromisoformat(moment))) == written


@needs_real_thread_waits  # the local server's thread waits on timed thread waits
def test_an_apprec_that_can_never_be_sent_is_stopped_shown_and_cancelled(tmp_path: Path, samples_dir: Path,
                                                                          schema_dir: Path) -> None:
    home = hospital_home(tmp_path)
    env = {"SAMHANDLING_SCHEMA_DIR": str(schema_dir)}
    received = run_cli("receive", samples_dir / INNLEGGELSESRAPPORT, home=home, env=env)
    assert received.returncode == 0, received.stderr
    with local_server(tmp_path, [*HOSPITAL_PARTIES]) as server:
        env |= {"SAMHANDLING_MSH_URL": server.url, "SAMHANDLING_MSH_TOKEN": server.token(["59", "90998", "91090"])}
        sent = run_cli("outbox", "send", home=home, env=env)
        assert sent.returncode == 1
        assert "Kan ikke sendes (prøves ikke igjen): APPREC" in sent.stderr and "EDI 2.0-APIet" in sent.stderr
        again = run_cli("outbox", "send", home=home, env=env)  # not tried again by itself
        assert again.returncode == 0 and "Sendt: 0, feilet: 0" in again.stdout

    listed = json.loads(run_cli("outbox", "list", "--json", home=home).stdout)
    (stopped,) = listed
    assert stopped["stopped"] is True and stopped["state"] == "send_stopped" and "EDI 2.0" in stopped["reason"]
    text = run_cli("outbox", "list", home=home, columns=300).stdout
    assert "«Kan ikke sendes»" in text and "årsak:" in text and "0 meldinger venter, 1 kan ikke sendes." in text

    later = (datetime.now(OSLO) + timedelta(hours=100)).isoformat()  # past 96 hours: still no receipt deadline
    status = json.loads(run_cli("monitor", "status", "--json", "--now", later, home=home).stdout)
    assert [f["cause"] for f in status["findings"]] == ["send_stopped"]
    assert status["overdue_messages"] == []
    report = json.loads(run_cli("monitor", "report", "--json", home=home).stdout)
    assert report["sent"] == 0
    assert [(r["msg_type"], r["sent"], r["not_sent"]) for r in report["traffic"] if r["msg_type"] == "APPREC"] == [
        ("APPREC", 0, 1)]

    ran = json.loads(run_cli("monitor", "run", "--json", home=home).stdout)
    assert len(ran["opened"]) == 1 and ran["open"] == ran["opened"]
    (alert,) = json.loads(run_cli("alerts", "list", "--json", home=home).stdout)
    assert alert["cause"] == "send_stopped" and alert["title"] == "Melding kan ikke sendes"
    assert alert["partner_her_id"] is None and alert["message_ids"] == [stopped["id"]]

    cancelled = run_cli("outbox", "cancel", str(stopped["id"]), "--by", "Kari", home=home)
    assert cancelled.returncode == 0, cancelled.stderr
    assert f"Melding {stopped['id']} er avbrutt og sendes ikke." in cancelled.stdout
    assert json.loads(run_cli("outbox", "list", "--json", home=home).stdout) == []
    assert "Utboksen er tom" in run_cli("outbox", "list", home=home).stdout
    twice = run_cli("outbox", "cancel", str(stopped["id"]), "--by", "Kari", home=home)
    assert twice.returncode == 2 and "venter ikke i utboksen" in twice.stderr
    resolved = json.loads(run_cli("monitor", "run", "--json", home=home).stdout)
    assert resolved["resolved"] == [alert["id"]] and resolved["open"] == []


@needs_real_thread_waits  # the local server's thread waits on timed thread waits
def test_outbox_retry_puts_a_stopped_message_back(tmp_path: Path, samples_dir: Path, schema_dir: Path) -> None:
    home = hospital_home(tmp_path)
    run_cli("receive", samples_dir / INNLEGGELSESRAPPORT, home=home, env={"SAMHANDLING_SCHEMA_DIR": str(schema_dir)})
    with local_server(tmp_path, [*HOSPITAL_PARTIES]) as server:
        env = {"SAMHANDLING_MSH_URL": server.url, "SAMHANDLING_MSH_TOKEN": server.token(["59", "90998", "91090"])}
        assert run_cli("outbox", "send", home=home, env=env).returncode == 1
        (stopped,) = json.loads(run_cli("outbox", "list", "--json", home=home).stdout)
        retried = run_cli("outbox", "retry", str(stopped["id"]), "--by", "Kari", home=home)
        assert retried.returncode == 0, retried.stderr
        (waiting,) = json.loads(run_cli("outbox", "list", "--json", home=home).stdout)
        assert waiting["state"] == "queued" and waiting["stopped"] is False
        assert "Kan ikke sendes" in run_cli("outbox", "send", home=home, env=env).stderr
    unknown = run_cli("outbox", "retry", "999", "--by", "Kari", home=home)
    assert unknown.returncode == 2 and "fant ingen utgående melding med id 999" in unknown.stderr


def _checklist_home(tmp_path: Path, *, one_service: bool = False) -> Path:
    from tests.cli.test_checklist_cli import PARTIES

    parties = [p for p in PARTIES["parties"] if not (one_service and p["her_id"] == "8202")]
    register = tmp_path / "parter.json"
    register.write_text(json.dumps({"parties": parties}, ensure_ascii=False), encoding="utf-8")
    home = tmp_path / "hjem"
    assert run_cli("parties", "import", register, home=home).returncode == 0
    return home


def test_checklist_refuses_swapped_sides_before_the_run(tmp_path: Path) -> None:
    home = _checklist_home(tmp_path)
    result = run_cli("checklist", "run", "--hospital", "8200", "--municipality", "8100", home=home)
    assert result.returncode == 2
    assert ("--hospital 8200 (Gjøvik kommune) er registrert som kommune, ikke helseforetak; "
            "har du byttet om --hospital og --municipality?") in result.stderr
    assert json.loads(run_cli("checklist", "history", "--json", home=home).stdout) == []


def test_checklist_refuses_a_gp_office_as_municipality(tmp_path: Path) -> None:
    home = _checklist_home(tmp_path)
    assert run_cli("partners", "add", "8200", "--category", "legekontor", home=home).returncode == 0
    result = run_cli("checklist", "run", "--hospital", "8100", "--municipality", "8200", home=home)
    assert result.returncode == 2
    assert "--municipality 8200 (Gjøvik kommune) er registrert som legekontor, ikke kommune" in result.stderr


def test_checklist_says_before_the_run_that_the_municipality_needs_two_services(tmp_path: Path) -> None:
    home = _checklist_home(tmp_path, one_service=True)
    result = run_cli("checklist", "run", "--hospital", "8100", "--municipality", "8200", home=home)
    assert result.returncode == 2
    assert "kommunen Gjøvik kommune (HER-id 8200) har bare én tjeneste i registeret" in result.stderr
    assert "tilfelle 9, 10, 11 og 13" in result.stderr and "registrer en tjeneste til" in result.stderr


@pytest.mark.parametrize(("target", "expected"), [
    ("finnes-ikke/rapport.pdf", "finnes ikke"),
    ("rapport.docx", "rapporten skrives som .pdf, .html eller .json"),
    (".", "rapporten skrives som"),
])
def test_checklist_checks_the_report_path_before_the_run(tmp_path: Path, target: str, expected: str) -> None:
    home = _checklist_home(tmp_path)
    result = run_cli("checklist", "run", "--hospital", "8100", "--municipality", "8200",
                     "--report", tmp_path / target, home=home)
    assert result.returncode == 2 and expected in result.stderr, result.stderr


def test_help_and_usage_errors_are_norwegian(tmp_path: Path) -> None:
    helped = run_cli("messages", "list", "--help", home=tmp_path, columns=120)
    assert helped.returncode == 0
    assert "Bruk: samhandling messages list [VALG]" in helped.stdout
    assert "Vis denne hjelpen og avslutt." in helped.stdout
    for english in ("Usage", "Options", "Show this message", "list[", "default:", "<text", "<integer"):
        assert english not in helped.stdout, english
    for args, expected in [
        (("messages", "list", "--limit", "x"), "Feil: ugyldig verdi for '--limit': må være et heltall"),
        (("messages", "list", "--limit", "0"), "Feil: ugyldig verdi for '--limit': må være minst 1"),
        (("messages", "list", "--ukjent"), "Feil: ukjent valg --ukjent"),
        (("finnes-ikke",), "Feil: ukjent kommando «finnes-ikke»"),
        (("messages", "show"), "Feil: mangler argumentet"),
    ]:
        result = run_cli(*args, home=tmp_path)
        assert result.returncode == 2
        assert result.stderr.splitlines()[0].startswith(expected), result.stderr


def test_the_console_log_is_plain_norwegian_by_default() -> None:
    import logging

    from samhandling.eventlog import JsonLines, PlainLines

    record = logging.LogRecord("samhandling.node", logging.WARNING, __file__, 1, "send failed", (), None)
    record.message_id = 12
    record.error = "avvist for 15076500565"
    record.created = datetime(2026, 7, 1, 10, 0, tzinfo=OSLO).timestamp()
    line = PlainLines().format(record)
    assert line == ("01.07.2026 10:00:00 advarsel: sending feilet, prøves igjen "
                    "(message_id=12, error=avvist for 150765*****)")
    assert json.loads(JsonLines().format(record))["event"] == "send failed"


def test_a_missing_pango_is_one_line_saying_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from samhandling.services.pdf import PdfUnavailableError, html_to_pdf

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as it does without Pango
    with pytest.raises(PdfUnavailableError, match=r"apt-get install libpango-1\.0-0"):
        html_to_pdf("<p>x</p>")


def test_one_contact_point_is_singular(tmp_path: Path) -> None:
    home = _checklist_home(tmp_path)
    assert run_cli("partners", "add", "8200", "--category", "kommune", home=home).returncode == 0
    sheet = tmp_path / "kontakter.csv"
    sheet.write_text("partner_her_id,purpose,name,email,phone,staffed_24_7\n"
                     "8200,feilsoking,Meldingsansvarlig Gjøvik,meldingsansvarlig@gjovik.kommune.no,61 18 90 00,false\n",
                     encoding="utf-8")
    result = run_cli("contacts", "import", sheet, home=home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Importerte 1 kontaktpunkt: 1 nye")


def test_messages_show_takes_either_id_and_speaks_norwegian(tmp_path: Path, schema_dir: Path) -> None:
    home = _queued_foresporsel(tmp_path, schema_dir)
    (stored,) = json.loads(run_cli("messages", "list", "--json", home=home).stdout)
    listed = run_cli("messages", "list", home=home, columns=60).stdout
    msg_id_column = "".join(line.split("│")[4].strip() for line in listed.splitlines() if line.startswith("│"))
    assert msg_id_column == stored["msg_id"]  # wrapped in a narrow terminal, never cut
    by_number = run_cli("messages", "show", str(stored["id"]), home=home, columns=120)
    by_msg_id = run_cli("messages", "show", stored["msg_id"], home=home, columns=120)
    assert by_number.returncode == 0 and by_number.stdout == by_msg_id.stdout
    assert "Retning: ut (sendt)" in by_number.stdout and "Tilstand: I utboksen" in by_number.stdout
    assert "direction:" not in by_number.stdout and "state:" not in by_number.stdout
    assert "Når kan pasienten komme hjem?" in by_number.stdout  # the readable message
    assert "13116900216" not in by_number.stdout and "131169*****" in by_number.stdout
    assert json.loads(run_cli("messages", "list", "--json", "--state", "I utboksen", "--direction", "ut",
                              home=home).stdout)[0]["id"] == stored["id"]
    assert json.loads(run_cli("messages", "list", "--json", "--state", "godtatt", home=home).stdout) == []
    bad = run_cli("messages", "list", "--state", "x", home=home)
    assert bad.returncode == 2 and "«i utboksen»" in bad.stderr
    missing = run_cli("messages", "show", "finnes-ikke", home=home)
    assert missing.returncode == 2 and "finner ingen melding med id eller MsgId finnes-ikke" in missing.stderr


def test_a_second_avvik_is_warned_about(tmp_path: Path, samples_dir: Path, schema_dir: Path) -> None:
    home = hospital_home(tmp_path)
    env = {"SAMHANDLING_SCHEMA_DIR": str(schema_dir)}
    assert run_cli("receive", samples_dir / INNLEGGELSESRAPPORT, home=home, env=env).returncode == 0
    (received,) = [m for m in json.loads(run_cli("messages", "list", "--json", home=home).stdout)
                   if m["direction"] == "incoming"]
    first = run_cli("messages", "avvik", str(received["id"]), "--grunn", "Pasienten er ikke innlagt hos oss",
                    home=home, env=env)
    assert first.returncode == 0, first.stderr
    assert "sendt avvik for denne meldingen før" not in first.stderr
    second = run_cli("messages", "avvik", received["msg_id"], "--grunn", "Pasienten er ikke innlagt hos oss",
                     home=home, env=env)
    assert second.returncode == 0 and "Merk: det er sendt avvik for denne meldingen før" in second.stderr


def test_mail_off_is_said_and_a_bad_meldingsansvarlig_address_refused(tmp_path: Path) -> None:
    ran = run_cli("monitor", "run", home=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "Merk: e-post er av (SAMHANDLING_SMTP_URL er ikke satt)" in ran.stderr
    bad = run_cli("monitor", "run", home=tmp_path, env={"SAMHANDLING_MELDINGSANSVARLIG": "ola@sykehuset.no, kari"})
    assert bad.returncode == 2
    assert bad.stderr.startswith("Feil: innstillingen SAMHANDLING_MELDINGSANSVARLIG=«ola@sykehuset.no, kari» må være "
                                 "e-postadresser skilt med komma; ugyldig: «kari»")


def test_an_expired_certificate_is_marked_in_the_list(tmp_path: Path) -> None:
    from tests.cli.test_registers_cli import HAMAR

    assert run_cli(*HAMAR, home=tmp_path).returncode == 0
    added = run_cli("partners", "certificates", "add", "1000001", "--serial", "0a:0b", "--subject", "CN=HAMAR KOMMUNE",
                    "--usage", "signing", "--valid-from", "2025-01-01", "--valid-to", "2025-03-01", home=tmp_path)
    assert added.returncode == 0, added.stderr
    listed = run_cli("partners", "certificates", "list", home=tmp_path, columns=200)
    assert "— UTGÅTT" in listed.stdout and "1 av 1 sertifikater er utgått" in listed.stdout
    (shown,) = json.loads(run_cli("partners", "certificates", "list", "--json", home=tmp_path).stdout)
    assert shown["expired"] is True


def test_a_rejected_epj_file_and_an_expired_certificate_reach_monitoring(tmp_path: Path) -> None:
    from tests.cli.test_registers_cli import HAMAR

    assert run_cli(*HAMAR, home=tmp_path).returncode == 0
    assert run_cli("partners", "certificates", "add", "1000001", "--serial", "0a:0b", "--subject", "CN=HAMAR KOMMUNE",
                   "--usage", "signing", "--valid-from", "2025-01-01", "--valid-to", "2025-03-01",
                   home=tmp_path).returncode == 0
    error = tmp_path / "epj" / "error"
    error.mkdir(parents=True)
    (error / "notat-1.xml").write_text("<x/>")
    (error / "notat-1.xml.reason.txt").write_text("Mottaker 4242 finnes ikke i registeret\n")
    status = json.loads(run_cli("monitor", "status", "--json", home=tmp_path).stdout)
    causes = {f["cause"]: f for f in status["findings"]}
    assert set(causes) == {"epj_file_rejected", "certificate_expired"}
    assert "notat-1.xml" in causes["epj_file_rejected"]["details"][0]
    assert "Mottaker 4242 finnes ikke" in causes["epj_file_rejected"]["details"][0]
    assert causes["certificate_expired"]["partner_her_id"] == "1000001"
    ran = json.loads(run_cli("monitor", "run", "--json", home=tmp_path).stdout)
    titles = {a["title"] for a in json.loads(run_cli("alerts", "list", "--json", home=tmp_path).stdout)}
    assert len(ran["opened"]) == 2 and titles == {"EPJ-fil avvist", "Sertifikat er utgått"}


def test_messages_search_and_export(tmp_path: Path, schema_dir: Path) -> None:
    home = _queued_foresporsel(tmp_path, schema_dir)
    (stored,) = json.loads(run_cli("messages", "list", "--json", home=home).stdout)
    created = datetime.fromisoformat(stored["created_at"]).astimezone(OSLO).date()

    def ids(*args: str, stdin: str = "") -> list[int]:
        result = run_cli("messages", "list", "--json", *args, home=home, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return [m["id"] for m in json.loads(result.stdout)]

    assert ids("--msg-id", stored["msg_id"]) == [stored["id"]]
    assert ids("--type", "dialog_foresporsel", "--party", "5078") == [stored["id"]]
    assert ids("--from", created.strftime("%d.%m.%Y"), "--to", created.isoformat()) == [stored["id"]]
    assert ids("--to", (created - timedelta(days=1)).strftime("%d.%m.%Y")) == []
    assert ids("--patient", stdin="13116900216\n") == [stored["id"]]
    assert ids("--patient", stdin="15076500565\n") == []
    prompted = run_cli("messages", "list", "--patient", home=home, stdin="13116900216\n", columns=200)
    assert "13116900216" not in prompted.output
    bad = run_cli("messages", "list", "--from", "1. mars", home=home)
    assert bad.returncode == 2 and "skriv 01.03.2025 eller 2025-03-01" in bad.stderr

    target = tmp_path / "original.xml"
    exported = run_cli("messages", "export", stored["msg_id"], "--output", target, home=home)
    assert exported.returncode == 0, exported.stderr
    assert target.read_bytes() == bootstrap_raw(home, stored["id"])


def test_norwegian_dates_are_accepted_where_dates_are_typed(tmp_path: Path) -> None:
    from samhandling.cli.common import norwegian_to_iso

    assert norwegian_to_iso("01.03.2025") == "2025-03-01"
    assert norwegian_to_iso("1.3.2025 kl. 14.30") == "2025-03-01T14:30"
    assert norwegian_to_iso("2025-03-01T14:30") == "2025-03-01T14:30"
    status = json.loads(run_cli("monitor", "status", "--json", "--now", "07.12.2026 12:00", home=tmp_path).stdout)
    assert status["at"] == "2026-12-07T11:00:00+00:00"
    report = run_cli("monitor", "report", "--json", "--day", "06.12.2026", "--now", "07.12.2026 12:00",
                     home=tmp_path)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["day"] == "2026-12-06"


def test_her_ids_are_listed_as_numbers(tmp_path: Path) -> None:
    parties = tmp_path / "parter.json"
    parties.write_text(json.dumps({"parties": [
        {"her_id": "100", "name": "Hundre", "kind": "organisation"},
        {"her_id": "99", "name": "Nittini", "kind": "organisation"},
        {"her_id": "1000", "name": "Tusen", "kind": "organisation"},
        {"her_id": "8", "name": "Åtte", "kind": "organisation"}]}), encoding="utf-8")
    home = tmp_path / "home"
    assert run_cli("parties", "import", parties, home=home).returncode == 0
    listed = run_cli("parties", "list", "--json", home=home)
    assert listed.returncode == 0, listed.output
    assert [p["her_id"] for p in json.loads(listed.stdout)] == ["8", "99", "100", "1000"]
