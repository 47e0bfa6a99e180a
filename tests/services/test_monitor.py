"""The daily monitoring through real nodes and a real SMTP server (issue "Daily monitoring of the message flow").

A hospital node (its store on memory, SQLite and PostgreSQL) and a municipality node exchange messages over a
shared folder as the network; the hospital runs the monitoring as a step of its passes with a clock the test
moves. Each case of the issue's "Done when": a partner that never answers, one that answers negatively, a
transport that is down and comes back, a line test that succeeds and one that fails. The mails are read from
the SMTP server: one when an alert opens and one when it resolves, per partner and cause, to our own
meldingsansvarlig and (when the fault concerns the partner) the partner's troubleshooting contact, saying what,
since when, which messages and what to do, and never a person identifier.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.messaging.parties import Party
from samhandling.domain.monitoring.alerts import AlertState
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.receipts import ReceiptDeadlines
from samhandling.domain.registers.contacts import ContactPoint, ContactPurpose
from samhandling.domain.registers.partners import PartnerCategory, PartnerProfile
from samhandling.services.messaging.node import NodeParts, run_once
from samhandling.services.messaging.reception import ReceiveOptions
from samhandling.services.messaging.send import SendOptions, submit_document
from samhandling.services.monitoring.line_test import ping, settle_line_tests
from samhandling.services.monitoring.monitor import MonitorConfig, evaluate, resolve_alert, status
from samhandling.services.monitoring.notify import NotifyConfig, SmtpServer
from samhandling.services.monitoring.step import MonitorStep
from samhandling.services.monitoring.transport_health import MonitoredTransport
from samhandling.standards.msghead import read_msghead
from samhandling.standards.parsing import parse_xml
from samhandling.standards.plo.examples.logistics import melding_om_innlagt_pasient
from samhandling.standards.schemas import SchemaSet
from samhandling.store.fakes import FakeUnitOfWork
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.messaging.outbox import Backoff
from samhandling.store.messaging.patients import PatientEntry
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.directory import DirectoryTransport
from tests.support.monitoring import (
    OWN,
    PARTNER_CONTACT,
    Clock,
    Mail,
    Switchable,
    assert_no_person_ids,
    free_port,
    smtp,
)
from tests.support.monitoring import SmtpServer as SmtpCatcher
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient, register

__all__ = ["smtp"]  # the SMTP server fixture

MINUTE = timedelta(minutes=1)


@dataclass
class Region:
    hospital: Callable[[], UnitOfWork]
    municipality: FakeUnitOfWork
    clock: Clock
    network: Switchable
    step: MonitorStep
    hospital_node: NodeParts
    municipality_node: NodeParts
    options: SendOptions
    smtp: SmtpCatcher

    @property
    def config(self) -> MonitorConfig:
        return self.step.config

    def send_innlagt(self) -> StoredMessage:
        (sent,) = submit_document(self.hospital(), self.options, melding_om_innlagt_pasient(),
                                  sender_her_id="8101", receiver_her_id="8201", patient=patient(), now=self.clock())
        return sent

    def hospital_pass(self, at: datetime | None = None) -> None:
        if at is not None:
            self.clock.at = at
        run_once(self.hospital_node)

    def municipality_pass(self) -> None:
        run_once(self.municipality_node)

    def message(self, message_id: int | None) -> StoredMessage:
        with self.hospital() as uow:
            found = uow.messages.get(message_id or 0)
        assert found is not None
        return found

    def alerts(self, *, include_resolved: bool = True) -> list:  # type: ignore[type-arg]
        with self.hospital() as uow:
            return list(reversed(uow.monitor.list_alerts(include_resolved=include_resolved)))

    def opened(self, cause: AlertCause) -> list[Mail]:
        return [m for m in self.smtp.mails if cause.label in m.subject and "Løst" not in m.subject]

    def resolved(self, cause: AlertCause) -> list[Mail]:
        return [m for m in self.smtp.mails if cause.label in m.subject and "Løst" in m.subject]


START = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)


@pytest.fixture
def region(new_uow: Callable[[], UnitOfWork], tmp_path: Path, schemas: SchemaSet, smtp: SmtpCatcher) -> Region:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    with new_uow() as uow:
        uow.registers.partners.put(PartnerProfile(her_id="8200", category=PartnerCategory.KOMMUNE,
                                                  domain="gjovik.kommune.test"))
        uow.registers.contacts.put(ContactPoint(partner_her_id="8200", purpose=ContactPurpose.FEILSOKING,
                                                name="Meldingsansvarlig Gjøvik kommune", email=PARTNER_CONTACT,
                                                phone="61 13 45 00"))
        uow.commit()
    municipality = FakeUnitOfWork()
    register(lambda: municipality, HOSPITAL + MUNICIPALITY, local_her_ids={"8200"})
    clock = Clock(START)  # a fixed Tuesday morning: the deadlines are working time, never the wall clock's day
    directory = DirectoryTransport(tmp_path / "nhn")
    network = Switchable(directory)
    receive = ReceiveOptions(schemas=schemas, max_bytes=10**7)
    options = SendOptions(schemas=schemas, max_bytes=10**7)
    config = MonitorConfig(notify=NotifyConfig(smtp=SmtpServer.from_url(smtp.url), sender="samhandling@sykehuset.test",
                                               meldingsansvarlig=(OWN,)))
    step = MonitorStep(new_uow=new_uow, config=config, send_options=options, interval=timedelta(0), clock=clock)
    backoff = Backoff(first=timedelta(0))
    hospital_node = NodeParts(new_uow=new_uow, transport=MonitoredTransport(network, new_uow, clock=clock),
                              receive_options=receive, worker="sykehus", backoff=backoff, steps=[step])
    municipality_node = NodeParts(new_uow=lambda: municipality, transport=directory, receive_options=receive,
                                  worker="kommune")
    return Region(new_uow, municipality, clock, network, step, hospital_node, municipality_node, options, smtp)


def _check_mails(region: Region) -> None:
    """Every mail: no person identifier, one per alert and kind, from our sender."""
    assert_no_person_ids(region.smtp.mails)
    assert all(m.mail_from == "samhandling@sykehuset.test" for m in region.smtp.mails)
    per_subject = Counter(m.subject for m in region.smtp.mails)
    assert max(per_subject.values(), default=1) == 1, per_subject


# --- a partner that never answers --------------------------------------------------------------------------


def test_a_partner_that_never_answers_gets_a_warning_an_alert_and_an_escalation_then_one_resolved_mail(
    region: Region,
) -> None:
    sent = region.send_innlagt()
    created = sent.created_at
    cal = region.config.calendar
    region.hospital_pass()
    assert region.message(sent.id).state is MessageState.SENT and region.smtp.mails == []

    # One working hour without AppRec: a warning, to our own meldingsansvarlig only.
    region.hospital_pass(cal.add_working_time(created, timedelta(hours=1)) + MINUTE)
    region.hospital_pass(region.clock.at + MINUTE)  # a second evaluation mails nothing new
    (warning,) = region.opened(AlertCause.RECEIPT_WARNING)
    assert warning.rcpt_tos == [OWN]
    assert warning.subject.startswith("[samhandling] Advarsel: Applikasjonskvittering lar vente på seg – ")
    assert "Gjøvik kommune (HER-id 8200)" in warning.subject

    # Four working hours: an alert, to us and to the partner's troubleshooting contact; the message is marked.
    region.hospital_pass(cal.add_working_time(created, timedelta(hours=4)) + MINUTE)
    (overdue,) = region.opened(AlertCause.RECEIPT_OVERDUE)
    assert sorted(overdue.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])
    assert f"Melding {sent.id}: LOG_INNLAGT, MsgId {sent.msg_id}" in overdue.body
    assert "Gjelder fra:" in overdue.body and "Slik følger du opp:" in overdue.body
    assert "kontaktpunkt for feilsøking" in overdue.body
    assert region.message(sent.id).state is MessageState.RECEIPT_MISSING

    # 96 hours: counts as rejected (HITS 1168), escalated.
    region.hospital_pass(created + timedelta(hours=96) + MINUTE)
    (expired,) = region.opened(AlertCause.RECEIPT_EXPIRED)
    assert expired.subject.startswith("[samhandling] Eskalert: ")
    assert "regnes som avvist" in expired.body
    assert sorted(expired.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])
    states = {a.cause: a.state for a in region.alerts()}
    assert states == {AlertCause.RECEIPT_WARNING: AlertState.RESOLVED, AlertCause.RECEIPT_OVERDUE: AlertState.RESOLVED,
                      AlertCause.RECEIPT_EXPIRED: AlertState.OPEN}  # superseded quietly, no mail about them
    assert region.resolved(AlertCause.RECEIPT_WARNING) == region.resolved(AlertCause.RECEIPT_OVERDUE) == []

    # The partner is back and answers: the late AppRec moves the message, the alert resolves with one mail.
    region.municipality_pass()
    region.hospital_pass(region.clock.at + MINUTE)
    assert region.message(sent.id).state is MessageState.RECEIPT_OK
    (solved,) = region.resolved(AlertCause.RECEIPT_EXPIRED)
    assert "Ingen flere e-poster kommer om dette varselet." in solved.body
    assert sorted(solved.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])
    region.hospital_pass(region.clock.at + MINUTE)
    assert len(region.smtp.mails) == 4
    assert region.alerts(include_resolved=False) == []
    _check_mails(region)


# --- a negative AppRec -------------------------------------------------------------------------------------


def test_a_negative_apprec_opens_an_alert_at_once_with_the_codes_and_a_resolve_by_hand_is_final(
    region: Region,
) -> None:
    other = patient("15076500565").ident[0].id  # the municipality knows another patient only: E35
    region.municipality.patients.upsert(PatientEntry(party_her_id="8200", patient_id=other))
    sent = region.send_innlagt()
    region.hospital_pass()
    region.municipality_pass()
    region.hospital_pass(region.clock.at + MINUTE)
    assert region.message(sent.id).state is MessageState.RECEIPT_REJECTED
    (negative,) = region.opened(AlertCause.NEGATIVE_RECEIPT)
    assert negative.subject.startswith("[samhandling] Varsel: Negativ applikasjonskvittering – Gjøvik kommune")
    assert "E35 Pasienten finnes ikke i mottakersystemet" in negative.body
    assert "(status 2)" in negative.body
    assert sorted(negative.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])

    (alert,) = region.alerts()
    assert alert.id is not None and alert.message_ids == (sent.id,)
    resolved, mail = resolve_alert(region.hospital, region.config, alert.id, "Kari Meldingsansvarlig",
                                   note="Ny melding sendt med riktig pasient.", now=region.clock.at + MINUTE)
    assert resolved.state is AlertState.RESOLVED and mail.sent
    (solved,) = region.resolved(AlertCause.NEGATIVE_RECEIPT)
    assert "Kari Meldingsansvarlig" in solved.body and "Ny melding sendt med riktig pasient." in solved.body
    region.hospital_pass(region.clock.at + 2 * MINUTE)  # handled: never raised again
    assert len(region.alerts()) == 1 and len(region.smtp.mails) == 2
    _check_mails(region)


# --- the transport down and back ---------------------------------------------------------------------------


def test_a_transport_that_is_down_for_a_while_and_comes_back(region: Region) -> None:
    region.network.up = False
    sent = region.send_innlagt()
    for _ in range(3):
        region.hospital_pass(region.clock.at + MINUTE)
    (failing,) = region.opened(AlertCause.SEND_FAILING)
    assert "3 forsøk" in failing.body and "Norsk Helsenett svarer ikke" in failing.body
    assert f"Melding {sent.id}" in failing.body
    assert sorted(failing.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])
    (polling,) = region.opened(AlertCause.POLL_FAILING)
    assert polling.rcpt_tos == [OWN] and "hele noden" in polling.subject  # the node's own fault
    region.hospital_pass(region.clock.at + MINUTE)  # still down: nothing new
    assert len(region.smtp.mails) == 2

    region.network.up = True  # back before the deadline: the message goes, both alerts resolve with one mail each
    region.hospital_pass(region.clock.at + MINUTE)
    assert region.message(sent.id).state is MessageState.SENT
    (sending_ok,) = region.resolved(AlertCause.SEND_FAILING)
    (polling_ok,) = region.resolved(AlertCause.POLL_FAILING)
    assert "Årsaken er ikke lenger til stede." in sending_ok.body and polling_ok.rcpt_tos == [OWN]
    region.municipality_pass()
    region.hospital_pass(region.clock.at + MINUTE)
    assert region.message(sent.id).state is MessageState.RECEIPT_OK
    assert len(region.smtp.mails) == 4 and region.alerts(include_resolved=False) == []
    _check_mails(region)


def test_a_message_never_delivered_while_the_transport_is_down(region: Region) -> None:
    region.network.up = False
    sent = region.send_innlagt()
    for _ in range(3):
        region.hospital_pass(region.clock.at + MINUTE)
    deadline = region.config.calendar.add_working_time(sent.created_at, timedelta(hours=4))
    region.hospital_pass(deadline + MINUTE)
    (never,) = region.opened(AlertCause.NEVER_DELIVERED)
    assert "aldri levert" in never.body and f"Melding {sent.id}" in never.body
    assert sorted(never.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])
    assert region.message(sent.id).state is MessageState.QUEUED

    region.network.up = True  # back after the deadline: sent, and now waiting for its AppRec past the deadline
    region.hospital_pass(region.clock.at + MINUTE)
    delivered = region.message(sent.id)
    assert delivered.transport_ref is not None and delivered.state is MessageState.RECEIPT_MISSING
    (overdue,) = region.opened(AlertCause.RECEIPT_OVERDUE)  # takes over the message's alerts quietly
    assert f"Melding {sent.id}" in overdue.body
    replaced = {a.cause: a.resolution for a in region.alerts() if a.cause is not AlertCause.RECEIPT_OVERDUE}
    assert replaced[AlertCause.NEVER_DELIVERED] == replaced[AlertCause.SEND_FAILING] == (
        "Erstattet av varselet «Applikasjonskvittering mangler».")
    assert len(region.resolved(AlertCause.POLL_FAILING)) == 1

    region.municipality_pass()
    region.hospital_pass(region.clock.at + MINUTE)
    assert region.message(sent.id).state is MessageState.RECEIPT_OK
    (solved,) = region.resolved(AlertCause.RECEIPT_OVERDUE)
    assert sorted(solved.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])
    assert region.alerts(include_resolved=False) == []
    for cause in (AlertCause.SEND_FAILING, AlertCause.POLL_FAILING, AlertCause.NEVER_DELIVERED,
                  AlertCause.RECEIPT_OVERDUE):
        assert len(region.opened(cause)) == 1
    _check_mails(region)


def test_a_mail_that_fails_is_kept_and_sent_at_the_next_evaluation(region: Region) -> None:
    working = region.step.config
    away = SmtpServer.from_url(f"smtp://127.0.0.1:{free_port()}")  # nothing listens there
    region.step.config = replace(working, notify=replace(working.notify, smtp=away))
    region.network.up = False
    region.send_innlagt()
    for _ in range(3):
        region.hospital_pass(region.clock.at + MINUTE)  # never a crash of the node
    with region.hospital() as uow:
        waiting = uow.monitor.unsent_mails()
    assert len(waiting) == 2  # sending and polling fail
    assert all(m.attempts >= 1 and "SMTP-tjeneren" in (m.last_error or "") for m in waiting)
    region.step.config = working  # the SMTP server is back
    region.hospital_pass(region.clock.at + MINUTE)
    assert [m.subject for m in region.smtp.mails] == [m.subject for m in waiting]
    with region.hospital() as uow:
        assert uow.monitor.unsent_mails() == []


# --- line tests --------------------------------------------------------------------------------------------


def test_a_line_test_that_succeeds_reports_the_round_trip_and_stays_out_of_the_epj(region: Region) -> None:
    test = ping(region.hospital_node, region.options, "8201", timeout=30, interval=0,
                sleep=lambda _: region.municipality_pass())
    assert test.ok is True and test.round_trip is not None and test.round_trip >= timedelta(0)
    assert test.partner_her_id == "8200" and "Positiv applikasjonskvittering" in test.detail
    sent = region.message(test.message_id)
    head = read_msghead(parse_xml(sent.raw))
    assert head.msg_info.processing_status is not None and head.msg_info.processing_status.v == "D"
    assert head.msg_info.patient is None and b"Linjetest fra samhandling" in sent.raw
    assert sent.patient_ref is None and sent.state is MessageState.RECEIPT_OK

    with region.municipality as uow:  # answered with a positive AppRec, but not for the EPJ
        (received,) = uow.messages.list(MessageQuery(direction=Direction.INCOMING, limit=None))
        assert received.state is MessageState.ACCEPTED and received.error_codes == ()
        assert uow.handover.pending() == []
    with region.hospital() as uow:  # the AppRec answering our own test is not for our EPJ either
        assert uow.handover.pending() == []
    evaluation = evaluate(region.hospital, region.config, now=region.clock.at + MINUTE)
    assert evaluation.opened == [] and region.smtp.mails == []


def test_a_line_test_that_fails_opens_an_alert_and_one_that_passes_resolves_it(region: Region) -> None:
    failed = ping(region.hospital_node, region.options, "8201", timeout=0.2, interval=0.05, sleep=lambda _: None)
    assert failed.ok is False and "Ingen applikasjonskvittering innen" in failed.detail
    evaluate(region.hospital, region.config, now=region.clock.at)
    (alert,) = region.opened(AlertCause.LINE_TEST_FAILED)
    assert sorted(alert.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])
    assert "Én mislykket linjetest" in alert.body and "kjør testen på nytt" in alert.body

    region.municipality_pass()  # answers the failed test's message late, and then the new test
    passed = ping(region.hospital_node, region.options, "8201", timeout=30, interval=0,
                  sleep=lambda _: region.municipality_pass())
    assert passed.ok is True
    evaluate(region.hospital, region.config, now=region.clock.at + MINUTE)
    (solved,) = region.resolved(AlertCause.LINE_TEST_FAILED)
    assert solved.subject.startswith("[samhandling] Løst: Linjetesten feilet")
    with region.hospital() as uow:  # the test messages are not watched as ordinary messages
        assert uow.monitor.line_test_message_ids() == {failed.message_id, passed.message_id}
    assert status(region.hospital, region.config, now=region.clock.at + timedelta(days=5)).findings == []
    _check_mails(region)


def test_scheduled_line_tests_run_inside_the_node(region: Region) -> None:
    region.step.line_tests = {"8201": 60}
    region.hospital_pass()  # the step starts the test
    region.hospital_pass()  # the pass sends it
    region.municipality_pass()
    region.hospital_pass()  # the AppRec comes; the step settles the test
    with region.hospital() as uow:
        (test,) = uow.monitor.line_tests()
    assert test.ok is True and test.her_id == "8201"
    region.hospital_pass(region.clock.at + 30 * MINUTE)  # not due yet
    region.hospital_pass(region.clock.at + 31 * MINUTE)  # an hour later: the next one
    with region.hospital() as uow:
        assert len(uow.monitor.line_tests()) == 2
    assert settle_line_tests(region.hospital, now=region.clock.at) == []


def test_a_scheduled_line_test_without_answer_fails_after_the_timeout(region: Region) -> None:
    region.step.line_tests = {"8201": 60}
    region.step.line_test_timeout = timedelta(minutes=5)
    region.hospital_pass()
    region.hospital_pass(region.clock.at + 6 * MINUTE)
    with region.hospital() as uow:
        (test,) = uow.monitor.line_tests()
    assert test.ok is False
    (alert,) = region.opened(AlertCause.LINE_TEST_FAILED)
    assert "Gjøvik kommune (HER-id 8200)" in alert.subject


# --- deadlines per type ------------------------------------------------------------------------------------


def test_per_type_deadlines_and_an_evaluation_at_an_earlier_moment(region: Region) -> None:
    config = MonitorConfig(deadlines=ReceiptDeadlines(per_type={"LOG_INNLAGT": (timedelta(minutes=15),
                                                                                timedelta(minutes=30))}))
    sent = region.send_innlagt()
    region.hospital_node.steps = []
    region.hospital_pass()
    at = config.calendar.add_working_time(sent.created_at, timedelta(minutes=31))
    current = status(region.hospital, config, now=at)
    assert [(o.message.id, o.cause) for o in current.overdue] == [(sent.id, AlertCause.RECEIPT_OVERDUE)]
    evaluation = evaluate(region.hospital, config, now=at)
    assert [a.cause for a in evaluation.opened] == [AlertCause.RECEIPT_OVERDUE]
    assert evaluation.marked_missing == [sent.id]
    earlier = evaluate(region.hospital, config, now=sent.created_at + MINUTE)  # the node at the real time
    assert earlier.opened == earlier.resolved == []  # the later alert is left as it is, never resolved early
    (alert,) = region.alerts(include_resolved=False)
    assert alert.cause is AlertCause.RECEIPT_OVERDUE and alert.last_seen_at == at
    assert evaluate(region.hospital, config, now=at + MINUTE).still_open[0].id == alert.id


def test_the_partner_is_its_organisation() -> None:
    from samhandling.domain.messaging.parties import Parties
    from samhandling.services.monitoring.monitor import partner_resolver

    partner_of = partner_resolver(Parties([*HOSPITAL, *MUNICIPALITY,
                                           Party(her_id="9000", name="Legekontoret", kind="service")]))
    assert partner_of("8201") == partner_of("8200") == "8200"
    assert partner_of("9000") == "9000" and partner_of("1234") is None
