"""The node never stops on one message (issue 10): receipts learned twice, inbound isolation, bursts.

A local message server (real HTTP, in a thread) and two nodes on their own SQLite stores, wired as
``node run`` wires them. The first test is the reproduction that used to stop the hospital's node for good:
the delivery-status step learns of AppRecs before their documents are downloaded, and the AppRec message then
asked for the same state again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.messaging.parties import Party
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.services.messaging import node as node_loop
from samhandling.services.messaging.delivery_status import update_delivery_status
from samhandling.services.messaging.node import run_once
from samhandling.services.messaging.receive import receive_message
from samhandling.services.messaging.send import SendOptions, submit_document
from samhandling.services.monitoring.monitor import MonitorConfig, gather
from samhandling.standards.apprec.answer import AppRecError, build_apprec
from samhandling.standards.apprec.codes import ERROR_CODES
from samhandling.standards.apprec.model import read_apprec, write_apprec
from samhandling.standards.dialogmelding.builders import foresporsel
from samhandling.standards.message import to_bytes
from samhandling.standards.parsing import parse_xml
from samhandling.standards.schemas import SchemaSet
from samhandling.standards.validation import validate_message
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Inbound
from tests.conftest import needs_real_thread_waits
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient
from tests.support.region import InProcessNode, LocalServer, local_server, node

pytestmark = needs_real_thread_waits  # its server thread / node process waits on timed thread waits

PARTIES = HOSPITAL + MUNICIPALITY


def register(new_uow: Callable[[], UnitOfWork], parties: list[Party], local: set[str]) -> None:
    with new_uow() as uow:
        for p in parties:
            uow.parties.add(Party(her_id=p.her_id, name=p.name, kind=p.kind, parent_her_id=p.parent_her_id,
                                  local=p.her_id in local, municipality=p.municipality))
        uow.commit()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with local_server(tmp_path, PARTIES) as found:
        yield found


@pytest.fixture
def hospital(tmp_path: Path, server: LocalServer) -> Iterator[InProcessNode]:
    found = node("sykehus", tmp_path, server, PARTIES, {"8100"}, register=register)
    yield found
    found.transport.close()
    found.engine.dispose()


@pytest.fixture
def municipality(tmp_path: Path, server: LocalServer) -> Iterator[InProcessNode]:
    found = node("kommune", tmp_path, server, PARTIES, {"8200"}, register=register)
    yield found
    found.transport.close()
    found.engine.dispose()


def queue_questions(side: InProcessNode, count: int) -> list[StoredMessage]:
    sent = []
    for n in range(count):
        sent += submit_document(side.uow(), SendOptions(schemas=None, max_bytes=10**7),
                                foresporsel(sporsmal=f"Spørsmål {n}: kan hjemmesykepleien komme i morgen?"),
                                sender_her_id="8101", receiver_her_id="8201", patient=patient())
    return sent


def outgoing(side: InProcessNode) -> list[StoredMessage]:
    with side.uow() as uow:
        return uow.messages.list(MessageQuery(direction=Direction.OUTGOING, is_apprec=False, limit=None))


def incoming(side: InProcessNode, **filters: object) -> list[StoredMessage]:
    with side.uow() as uow:
        return uow.messages.list(MessageQuery(direction=Direction.INCOMING, limit=None, **filters))  # type: ignore[arg-type]


def later() -> datetime:
    """A moment when every status question scheduled by a pass just now is due (only the difference matters)."""
    return datetime.now(UTC) + timedelta(hours=1)


def unread_at_server(side: InProcessNode, her_id: str) -> int:
    return len(side.transport.client.get_messages([int(her_id)]))


def test_the_reproduction_ends_with_every_message_at_receipt_ok(
    hospital: InProcessNode, municipality: InProcessNode
) -> None:
    queue_questions(hospital, 12)
    passes = [run_once(hospital.parts), run_once(municipality.parts), run_once(municipality.parts),
              run_once(hospital.parts), run_once(hospital.parts)]
    assert all(p.ok for p in passes), [p.failures for p in passes]
    assert {m.state for m in outgoing(hospital)} == {MessageState.RECEIPT_OK}
    assert len(incoming(hospital, is_apprec=True)) == 12
    assert unread_at_server(hospital, "8101") == 0 and unread_at_server(municipality, "8201") == 0


def test_the_apprec_after_the_status_step_changes_nothing(
    hospital: InProcessNode, municipality: InProcessNode
) -> None:
    queue_questions(hospital, 3)
    run_once(hospital.parts)
    run_once(municipality.parts)  # received and answered: the server knows the AppRecs
    assert update_delivery_status(hospital.parts.new_uow, hospital.transport, now=later()) == 3  # status first
    journals = {}
    with hospital.uow() as uow:
        for m in outgoing(hospital):
            assert m.state is MessageState.RECEIPT_OK
            journals[m.id] = uow.messages.journal(m.id or 0)
    done = run_once(hospital.parts)  # then the AppRec documents
    assert done.ok and done.received == 3
    with hospital.uow() as uow:
        for m in outgoing(hospital):
            assert m.state is MessageState.RECEIPT_OK and m.receipt_conflict is None
            assert uow.messages.journal(m.id or 0) == journals[m.id]  # the same receipt again: no new entry
    assert unread_at_server(hospital, "8101") == 0


def test_the_apprec_before_the_status_step_leaves_the_status_nothing_to_do(
    hospital: InProcessNode, municipality: InProcessNode
) -> None:
    queue_questions(hospital, 2)
    run_once(hospital.parts)
    run_once(municipality.parts)
    done = run_once(hospital.parts)  # receives the AppRecs, then runs the status step
    assert done.ok and {m.state for m in outgoing(hospital)} == {MessageState.RECEIPT_OK}
    assert update_delivery_status(hospital.parts.new_uow, hospital.transport, now=later()) == 0


def test_more_apprecs_waiting_than_one_receive_takes_are_all_received_in_one_pass(
    hospital: InProcessNode, municipality: InProcessNode
) -> None:
    assert hospital.transport.messages_per_receive == 10
    queue_questions(hospital, 25)
    hospital.parts.steps.clear()  # no status step: the AppRec documents alone move the messages
    run_once(hospital.parts)
    run_once(municipality.parts)
    assert len(incoming(municipality)) == 25
    done = run_once(hospital.parts)
    assert done.ok and done.received == 25
    assert {m.state for m in outgoing(hospital)} == {MessageState.RECEIPT_OK}


def test_the_same_apprec_twice_is_a_duplicate(hospital: InProcessNode, municipality: InProcessNode) -> None:
    queue_questions(hospital, 1)
    run_once(hospital.parts)
    run_once(municipality.parts)
    (waiting,) = hospital.transport.receive(["8101"])
    # The transport's own metadata names the sender and the MsgId (what answers a message that cannot be read).
    assert waiting.sender_her_id == "8201" and waiting.msg_id and waiting.issued_at is not None
    first = receive_message(waiting.payload, hospital.uow(), hospital.parts.receive_options,
                            transport_ref=waiting.reference)
    again = receive_message(waiting.payload, hospital.uow(), hospital.parts.receive_options,
                            transport_ref=waiting.reference)
    assert first.disposition.value == "receipt" and again.duplicate
    assert [m.state for m in outgoing(hospital)] == [MessageState.RECEIPT_OK]


def negative_apprec_for(sent: StoredMessage) -> bytes:
    report = validate_message(sent.raw, schemas=None)
    assert report.head is not None
    receipt = build_apprec(report.head, version="1.0", status="2",
                           errors=[AppRecError(ERROR_CODES["E35"], "Pasienten finnes ikke")],
                           recipient_her_id="8201", gen_date=datetime(2026, 3, 2, 10, 0))
    return to_bytes(write_apprec(receipt))


def test_a_receipt_that_contradicts_the_status_is_a_conflict_not_a_failure(
    hospital: InProcessNode, municipality: InProcessNode
) -> None:
    (question,) = queue_questions(hospital, 1)
    run_once(hospital.parts)
    run_once(municipality.parts)
    update_delivery_status(hospital.parts.new_uow, hospital.transport, now=later())  # the status says OK
    with hospital.uow() as uow:
        sent = uow.messages.get(question.id or 0)
    assert sent is not None and sent.state is MessageState.RECEIPT_OK
    result = receive_message(negative_apprec_for(sent), hospital.uow(), hospital.parts.receive_options)
    assert "konflikt" in result.reason
    with hospital.uow() as uow:
        after = uow.messages.get(sent.id or 0)
        journal = uow.messages.journal(sent.id or 0)
    assert after is not None and after.state is MessageState.RECEIPT_OK  # the first receipt stands
    assert after.receipt_conflict is not None and "Avvist av mottaker" in after.receipt_conflict
    assert "Motstridende kvittering" in journal[-1].detail
    with hospital.uow() as uow:
        facts = gather(uow, MonitorConfig(), datetime.now(UTC))
    (finding,) = [f for f in facts.findings if f.cause is AlertCause.RECEIPT_CONFLICT]
    assert finding.partner_her_id == "8200" and finding.message_ids == (sent.id,)
    # Receiving that AppRec again changes nothing more.
    again = receive_message(negative_apprec_for(sent), hospital.uow(), hospital.parts.receive_options)
    assert again.duplicate or "konflikt" in again.reason


def test_an_inbound_the_pipeline_fails_on_is_kept_confirmed_and_reported_and_the_rest_go_on(
    hospital: InProcessNode, municipality: InProcessNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_questions(hospital, 3)
    run_once(hospital.parts)
    real = node_loop.receive_inbound
    calls: list[str] = []

    def failing_second(inbound: Inbound, uow: UnitOfWork, options: object, **kw: object) -> object:
        calls.append(inbound.reference)
        if len(calls) == 2:
            raise KeyError("en feil i noden 01015000232")
        return real(inbound, uow, options, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(node_loop, "receive_inbound", failing_second)
    ran: list[str] = []
    municipality.parts.steps.append(lambda: ran.append("after"))
    done = run_once(municipality.parts)
    assert done.received == 3 and done.isolated == 1 and done.ok and ran == ["after"]
    (failed,) = incoming(municipality, states=frozenset({MessageState.FAILED}))
    assert failed.msg_id and failed.sender_her_id == "8101" and failed.transport_ref == calls[1]
    with municipality.uow() as uow:
        (entry,) = [e for e in uow.messages.journal(failed.id or 0) if e.state is MessageState.FAILED]
    assert "KeyError" in entry.detail and "01015000232" not in entry.detail  # masked
    assert len(incoming(municipality, states=frozenset({MessageState.ACCEPTED}))) == 2
    assert unread_at_server(municipality, "8201") == 0  # taken off the transport
    with municipality.uow() as uow:
        facts = gather(uow, MonitorConfig(), datetime.now(UTC))
    assert [f.cause for f in facts.findings if f.cause is AlertCause.INBOUND_FAILED] == [AlertCause.INBOUND_FAILED]
    monkeypatch.setattr(node_loop, "receive_inbound", real)
    assert run_once(municipality.parts).received == 0  # not offered again


def test_a_database_outage_while_receiving_leaves_the_inbound_at_the_transport(
    hospital: InProcessNode, municipality: InProcessNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    queue_questions(hospital, 2)
    run_once(hospital.parts)

    def database_gone(*_: object, **__: object) -> object:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(node_loop, "receive_inbound", database_gone)
    done = run_once(municipality.parts)
    assert not done.ok and done.failures[0].step == "receive" and done.failures[0].inbound
    assert "OperationalError" in done.failures[0].error
    assert incoming(municipality) == [] and unread_at_server(municipality, "8201") == 2
    monkeypatch.undo()
    assert run_once(municipality.parts).received == 2


def test_a_failing_step_never_skips_the_others(hospital: InProcessNode) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("kaputt")

    hospital.parts.steps[:] = [broken, lambda: ran.append("monitor")]
    hospital.parts.step_names[:] = ["epj_catalog", "monitor"]
    done = run_once(hospital.parts)
    assert ran == ["monitor"] and [f.step for f in done.failures] == ["epj_catalog"]
    assert done.failures[0].error == "RuntimeError: kaputt"


def test_a_message_whose_header_cannot_be_read_gets_t01_when_the_transport_names_the_sender(
    municipality: InProcessNode, schemas: SchemaSet
) -> None:
    broken = b"<?xml version='1.0' encoding='UTF-8'?><MsgHead xmlns='http://www.kith.no/xmlstds/msghead/2006-05-24'>"
    msg_id = str(uuid.uuid4())
    inbound = Inbound(reference=str(uuid.uuid4()), recipient_her_id="8201", payload=broken,
                      sender_her_id="8101", msg_id=msg_id, issued_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    result = node_loop.receive_inbound(inbound, municipality.uow(), municipality.parts.receive_options)
    assert result.disposition.value == "rejected" and result.errors[0] == "T01"
    (answer,) = result.apprecs
    assert answer.to_her_id == "8101" and answer.from_her_id == "8201" and answer.status == "2"
    parsed = read_apprec(parse_xml(answer.raw))
    assert parsed.original_id == msg_id and parsed.error_codes == ["T01"]
    assert validate_message(answer.raw, schemas=schemas).valid  # the official AppRec 1.0 schema
    (stored,) = incoming(municipality)
    assert stored.state is MessageState.REJECTED and stored.raw == broken and stored.transport_ref == inbound.reference


def test_without_the_sender_from_the_transport_an_unreadable_message_stays_unanswerable(
    municipality: InProcessNode
) -> None:
    inbound = Inbound(reference="r1", recipient_her_id="8201", payload=b"not xml at all")
    result = node_loop.receive_inbound(inbound, municipality.uow(), municipality.parts.receive_options)
    assert result.disposition.value == "unanswerable" and result.apprecs == []
