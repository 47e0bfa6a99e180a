"""The monitoring's commands as a user runs them (in process; the nodes they talk to as real processes):
``monitor status --json``, ``monitor run``, ``alerts list|ack|resolve``, ``monitor report``, ``ping``, with
``--now``; and the node's ``/metrics``.

Two node homes share a folder as the network; the mail goes to a real SMTP server started by the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from samhandling.bootstrap import bootstrap
from samhandling.domain.calendar import OSLO, WorkingCalendar
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.registers.contacts import ContactPoint, ContactPurpose
from samhandling.domain.registers.partners import PartnerCategory, PartnerProfile
from samhandling.settings import Settings
from tests.conftest import needs_real_thread_waits
from tests.support.cli import CliResult, run
from tests.support.monitoring import OWN, PARTNER_CONTACT, assert_no_person_ids, free_port, smtp
from tests.support.monitoring import SmtpServer as SmtpCatcher
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient, register

__all__ = ["smtp"]


class Home:
    """A node's home and the environment its commands run with."""

    def __init__(self, path: Path, local: str, network: Path, schema_dir: Path, **env: str) -> None:
        self.path = path
        self.env = {"SAMHANDLING_TRANSPORT_DIR": str(network), "SAMHANDLING_SCHEMA_DIR": str(schema_dir), **env}
        node = bootstrap(Settings(home=path, database_url=f"sqlite:///{path / 'samhandling.db'}"))
        register(node.uow, HOSPITAL + MUNICIPALITY, local_her_ids={local})
        self.node = node

    def run(self, *args: str) -> CliResult:
        return run(*args, home=self.path, **self.env)

    def json(self, *args: str) -> object:
        result = self.run(*args, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def start_node(self, *extra: str, **env: str) -> subprocess.Popen[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SAMHANDLING_")}
        environment |= {"SAMHANDLING_HOME": str(self.path), **self.env, **env}
        return subprocess.Popen([sys.executable, "-m", "samhandling", "node", "run", "--interval", "0.2", *extra],
                                env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@pytest.fixture
def homes(tmp_path: Path, schema_dir: Path, smtp: SmtpCatcher) -> Iterator[tuple[Home, Home]]:
    mail = {"SAMHANDLING_SMTP_URL": smtp.url, "SAMHANDLING_MELDINGSANSVARLIG": OWN,
            "SAMHANDLING_ALERT_FROM": "samhandling@sykehuset.test"}
    hospital = Home(tmp_path / "sykehus", "8100", tmp_path / "nhn", schema_dir, **mail)
    municipality = Home(tmp_path / "kommune", "8200", tmp_path / "nhn", schema_dir)
    with hospital.node.uow() as uow:
        uow.registers.partners.put(PartnerProfile(her_id="8200", category=PartnerCategory.KOMMUNE))
        uow.registers.contacts.put(ContactPoint(partner_her_id="8200", purpose=ContactPurpose.FEILSOKING,
                                                name="Meldingsansvarlig Gjøvik kommune", email=PARTNER_CONTACT))
        uow.commit()
    yield hospital, municipality
    hospital.node.close()
    municipality.node.close()


def test_status_run_alerts_and_report_with_now(homes: tuple[Home, Home], tmp_path: Path, smtp: SmtpCatcher) -> None:
    hospital, _ = homes
    fnr = patient().ident[0].id
    request = tmp_path / "notat.json"
    request.write_text(json.dumps({"sender": "8101", "receiver": "8201",
                                   "patient": {"id": fnr, "family_name": "Nordmann", "given_name": "Kari"},
                                   "document": {"type": "notat", "text": "Pasienten er innlagt."}}), encoding="utf-8")
    (sent,) = hospital.json("send", str(request))  # type: ignore[misc]
    assert hospital.run("outbox", "send").returncode == 0
    (stored,) = hospital.json("messages", "list")  # type: ignore[misc]
    created = stored["created_at"]
    later = WorkingCalendar().add_working_time(datetime.fromisoformat(created), timedelta(hours=5)).isoformat()

    now_status = hospital.json("monitor", "status")
    assert now_status["open_alerts"] == [] and now_status["overdue_messages"] == []  # type: ignore[index]
    status = hospital.json("monitor", "status", "--now", later)
    (overdue,) = status["overdue_messages"]  # type: ignore[index]
    assert (overdue["id"], overdue["cause"], overdue["partner_her_id"]) == (sent["id"], "receipt_overdue", "8200")
    assert status["open_alerts"] == [] and smtp.mails == []  # type: ignore[index]  # status stores nothing

    refused = hospital.run("monitor", "run", "--now", later)  # it stores: --now only in a test setup
    assert refused.returncode == 2 and "--test" in refused.stderr
    assert hospital.json("alerts", "list") == []
    ran = hospital.json("monitor", "run", "--now", later, "--test")
    assert len(ran["opened"]) == 1 and ran["marked_missing"] == [sent["id"]]  # type: ignore[index]
    assert ran["mail"]["sent"] == 1  # type: ignore[index]
    (mail,) = smtp.mails
    assert sorted(mail.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])
    assert AlertCause.RECEIPT_OVERDUE.label in mail.subject and sent["msg_id"] in mail.body

    (alert,) = hospital.json("alerts", "list")  # type: ignore[misc]
    assert alert["cause"] == "receipt_overdue" and alert["state"] == "open" and alert["message_ids"] == [sent["id"]]
    assert alert["partner_name"] == "Gjøvik kommune"
    text = hospital.run("alerts", "list")
    assert "Applikasjonskvittering mangler" in text.stdout
    early = hospital.run("alerts", "ack", str(alert["id"]), "--by", "Kari")  # now is before it opened
    assert early.returncode == 2 and "før det ble åpnet" in early.stderr
    acked = hospital.json("alerts", "ack", str(alert["id"]), "--by", "Kari", "--now", later, "--test")
    assert acked["state"] == "acknowledged" and acked["acknowledged_by"] == "Kari"  # type: ignore[index]
    again = hospital.run("alerts", "ack", str(alert["id"]), "--by", "Ola", "--now", later, "--test")
    assert again.returncode == 2 and "allerede bekreftet" in again.stderr
    assert len(smtp.mails) == 1  # acknowledging mails nothing

    day = datetime.fromisoformat(created).astimezone(OSLO).date().isoformat()
    report = hospital.run("monitor", "report", "--now", later, "--day", day)
    assert report.returncode == 0, report.stderr
    assert "Daglig oppsummering av meldingsflyten" in report.stdout
    assert "Gjøvik kommune (HER-id 8200):" in report.stdout and "DIALOG_NOTAT: sendt 1" in report.stdout
    assert "Kvitteringer som mangler (1):" in report.stdout and "Åpne varsler (1):" in report.stdout
    summary = hospital.json("monitor", "report", "--now", later, "--day", day)
    assert summary["sent"] == 1 and len(summary["receipts_missing"]) == 1  # type: ignore[index]
    before = (datetime.fromisoformat(created).astimezone(OSLO).date() - timedelta(days=1)).isoformat()
    assert hospital.json("monitor", "report", "--now", later, "--day", before)["sent"] == 0  # type: ignore[index]

    resolved = hospital.json("alerts", "resolve", str(alert["id"]), "--by", "Kari", "--note", "Ringte kommunen.",
                             "--now", later, "--test")
    assert resolved["state"] == "resolved" and resolved["resolution"] == "Ringte kommunen."  # type: ignore[index]
    assert len(smtp.mails) == 2 and "Løst" in smtp.mails[1].subject and "Ringte kommunen." in smtp.mails[1].body
    assert hospital.json("alerts", "list") == []
    assert [a["state"] for a in hospital.json("alerts", "list", "--all")] == ["resolved"]  # type: ignore[union-attr]
    ran = hospital.json("monitor", "run", "--now", later, "--test")  # handled: not raised again
    assert ran["opened"] == [] and len(smtp.mails) == 2  # type: ignore[index]
    missing = hospital.run("alerts", "resolve", "999", "--by", "Kari")
    assert missing.returncode == 2 and "Fant ikke varsel 999" in missing.stderr
    bad = hospital.run("monitor", "status", "--now", "i morgen")
    assert bad.returncode == 2 and "--now" in bad.stderr
    assert_no_person_ids(smtp.mails)
    for output in (report.stdout, json.dumps(summary), json.dumps(status)):
        assert fnr not in output


@needs_real_thread_waits
@pytest.mark.process
def test_ping_through_real_nodes_succeeds_and_fails(homes: tuple[Home, Home], smtp: SmtpCatcher) -> None:
    hospital, municipality = homes
    partner = municipality.start_node()
    try:
        answered = hospital.run("ping", "8201", "--timeout", "60", "--json")
    finally:
        stop(partner)
    assert answered.returncode == 0, answered.stderr
    test = json.loads(answered.stdout)
    assert test["ok"] is True and test["partner_her_id"] == "8200" and test["round_trip_seconds"] >= 0
    inbox = municipality.path / "epj" / "inbox"
    assert not inbox.exists() or list(inbox.iterdir()) == []  # a test message is not for the EPJ

    failed = hospital.run("ping", "8201", "--timeout", "1")
    assert failed.returncode == 1 and "FEILET" in failed.stdout and "Ingen applikasjonskvittering" in failed.stdout
    (alert,) = hospital.json("alerts", "list")  # type: ignore[misc]
    assert alert["cause"] == "line_test_failed" and alert["partner_her_id"] == "8200"
    (mail,) = smtp.mails
    assert "Linjetesten feilet" in mail.subject and sorted(mail.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])
    unknown = hospital.run("ping", "4242")
    assert unknown.returncode == 2 and "finnes ikke" in unknown.stderr


@needs_real_thread_waits
@pytest.mark.process
def test_the_node_serves_metrics_and_mails_from_its_monitor_step(homes: tuple[Home, Home], smtp: SmtpCatcher
                                                                 ) -> None:
    hospital, _ = homes
    port = free_port()
    node = hospital.start_node(SAMHANDLING_METRICS_PORT=str(port), SAMHANDLING_LINE_TESTS='{"8201": 60}',
                               SAMHANDLING_LINE_TEST_TIMEOUT_SECONDS="1", SAMHANDLING_MONITOR_INTERVAL="0")
    try:
        body = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the scheduled line test gets no answer: it fails, an alert opens
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            except httpx.TransportError:
                body = ""
            if 'samhandling_open_alerts{cause="line_test_failed"' in body:
                break
            time.sleep(0.3)
    finally:
        stop(node)
    assert node.returncode == 0, node.stderr.read() if node.stderr else ""
    assert "samhandling_store_up 1.0" in body
    assert 'samhandling_messages{direction="outgoing",partner="8200",state="queued",type="DIALOG_NOTAT"}' in body or \
        'samhandling_messages{direction="outgoing",partner="8200",state="sent",type="DIALOG_NOTAT"}' in body
    assert 'samhandling_open_alerts{cause="line_test_failed",partner="8200",severity="alert"} 1.0' in body
    assert 'samhandling_line_test_ok{her_id="8201",partner="8200"} 0.0' in body
    assert "samhandling_apprec_latency_seconds_bucket" in body
    assert 'samhandling_transport_consecutive_failures{kind="poll"} 0.0' in body
    assert any("Linjetesten feilet" in m.subject for m in smtp.mails)
