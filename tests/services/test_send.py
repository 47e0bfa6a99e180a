"""The send pipeline and the outbox: only valid messages leave, each exactly once, nothing is lost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samhandling.domain.messaging.messages import Direction, MessageState
from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.services.messaging.node import NodeParts, run_once
from samhandling.services.messaging.outbox import deliver_due
from samhandling.services.messaging.reception import ReceiveOptions
from samhandling.services.messaging.send import (
    SendOptions,
    SendRefusedError,
    address,
    answer_misdirected,
    parse_send_request,
    submit_bytes,
    submit_document,
)
from samhandling.standards.dialogmelding.builders import foresporsel, notat, svar_pa_foresporsel
from samhandling.standards.dialogmelding.codes import PASIENTEN_TILHORER_IKKE_KOMMUNEN
from samhandling.standards.dialogmelding.model import Dialogmelding
from samhandling.standards.message import message_bytes
from samhandling.standards.msghead import read_msghead
from samhandling.standards.parsing import parse_xml
from samhandling.standards.plo.examples.logistics import melding_om_innlagt_pasient
from samhandling.standards.schemas import SchemaSet
from samhandling.store.fakes import FakeUnitOfWork
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.messaging.outbox import Backoff
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Delivery, Envelope, TransportError
from samhandling.transport.directory import DirectoryTransport
from samhandling.transport.mock import MockTransport
from tests.conftest import needs_real_thread_waits
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient, register


@pytest.fixture
def hospital(new_uow: Callable[[], UnitOfWork]) -> Callable[[], UnitOfWork]:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    return new_uow


@pytest.fixture
def options(schemas: SchemaSet) -> SendOptions:
    return SendOptions(schemas=schemas, max_bytes=50 * 1024 * 1024)


def queued(new_uow: Callable[[], UnitOfWork]) -> list:  # type: ignore[type-arg]
    with new_uow() as uow:
        return uow.messages.list(MessageQuery(direction=Direction.OUTGOING, limit=None, oldest_first=True))


def test_address_follows_the_register_down_to_the_person() -> None:
    from samhandling.domain.messaging.parties import Parties

    parties = Parties(HOSPITAL)
    org = address(parties, "8102")
    assert org.her_path() == ["8100", "8101", "8102"]
    assert org.organisation is not None and org.organisation.healthcare_professional is not None
    assert org.organisation.healthcare_professional.family_name == "Lege"
    with pytest.raises(SendRefusedError, match="finnes ikke"):
        address(parties, "9999")


def test_a_composed_message_is_validated_stored_and_queued(
    hospital: Callable[[], UnitOfWork], options: SendOptions, schemas: SchemaSet
) -> None:
    (stored,) = submit_document(hospital(), options, melding_om_innlagt_pasient(), sender_her_id="8101",
                                receiver_her_id="8201", patient=patient())
    assert stored.state is MessageState.QUEUED and stored.msg_type == "LOG_INNLAGT"
    head = read_msghead(parse_xml(stored.raw))
    assert head.msg_info.sender.organisation.her_path() == ["8100", "8101"]
    assert head.msg_info.receiver.organisation.her_path() == ["8200", "8201"]
    assert schemas.validate(parse_xml(stored.raw), "MsgHead-v1_2.xsd", "Pasientlogistikk-v1.6.xsd") == []
    with hospital() as uow:
        assert uow.outbox.pending(stored.id or 0) is not None


def test_copy_receivers_get_a_stored_copy_each(hospital: Callable[[], UnitOfWork], options: SendOptions) -> None:
    stored = submit_document(hospital(), options, foresporsel(sporsmal="Hvem har vakt i helga?"),
                             sender_her_id="8101", receiver_her_id="8201", copy_her_ids=["8202"], patient=patient())
    assert [m.recipient_her_id for m in stored] == ["8201", "8202"]
    assert {m.msg_id for m in stored} == {stored[0].msg_id}
    head = read_msghead(parse_xml(stored[0].raw))
    assert [r.role_receiver.v for r in head.msg_info.other_receiver] == ["COP"]


def test_an_invalid_message_never_leaves(hospital: Callable[[], UnitOfWork], options: SendOptions) -> None:
    with pytest.raises(SendRefusedError, match="E31") as refused:
        submit_document(hospital(), options, melding_om_innlagt_pasient(), sender_her_id="8101",
                        receiver_her_id="8201", patient=patient("15076500566"))
    assert [f.code for f in refused.value.findings] == ["E36", "E31"]  # name and a wrong number only
    assert queued(hospital) == []


@pytest.mark.parametrize(("sender", "receiver", "text"), [
    ("8201", "8101", "betjenes ikke av denne noden"),
    ("8101", "9999", "finnes ikke i registeret"),
])
def test_sender_must_be_local_and_receiver_registered(
    hospital: Callable[[], UnitOfWork], options: SendOptions, sender: str, receiver: str, text: str
) -> None:
    with pytest.raises(SendRefusedError, match=text):
        submit_document(hospital(), options, notat(tekst="Til orientering."), sender_her_id=sender,
                        receiver_her_id=receiver, patient=patient())
    assert queued(hospital) == []


def test_a_ready_message_from_the_epj_is_stored_byte_for_byte_and_only_once(
    hospital: Callable[[], UnitOfWork], options: SendOptions
) -> None:
    from samhandling.standards.message import compose
    from samhandling.standards.msghead import party

    head = compose(foresporsel(sporsmal="Blåbærsyltetøy?"), sender=party("Sykehuset", "8100",
                   service=party("Medisinsk avdeling", "8101")), receiver=party("Gjøvik", "8200",
                   service=party("Hjemmesykepleien", "8201")), patient=patient())
    data = message_bytes(head)
    (stored,) = submit_bytes(hospital(), options, data)
    assert stored.raw == data
    with pytest.raises(SendRefusedError, match="allerede sendt"):
        submit_bytes(hospital(), options, data)


def test_a_reply_goes_to_the_sender_with_conversation_ref(
    new_uow: Callable[[], UnitOfWork], samples_dir: Path, schemas: SchemaSet, options: SendOptions
) -> None:
    from samhandling.services.messaging.receive import receive_message

    # The municipality (Alvdal, 99387/5078) received a Forespørsel from the GP office 91096/91101.
    register(new_uow, [
        Party(her_id="99387", name="Alvdal kommune", kind=PartyKind.ORGANISATION, local=True),
        Party(her_id="5078", name="Sykepleietjeneste", kind=PartyKind.SERVICE, parent_her_id="99387"),
    ], local_her_ids={"99387"})
    request = (samples_dir / "dialogmelding-1.0/Dialogmelding_svar_foresporsel_PLO_v1-0.xml").read_bytes()
    receive_message(request, new_uow(), ReceiveOptions(schemas=schemas, max_bytes=10**7))
    (reply,) = submit_document(new_uow(), options, svar_pa_foresporsel(tekst="Takk, mottatt."),
                               sender_her_id="5078", in_reply_to="42001f60-0117-11e8-8f1a-0800200c9a66")
    head = read_msghead(parse_xml(reply.raw))
    assert head.msg_info.receiver.organisation.her_path() == ["91096", "91101"]
    assert head.msg_info.conversation_ref is not None
    assert head.msg_info.conversation_ref.ref_to_parent == "42001f60-0117-11e8-8f1a-0800200c9a66"
    assert head.msg_info.conversation_ref.ref_to_conversation == "f0f88210-0111-11e8-8f1a-0800200c9a66"
    assert head.msg_info.patient is not None  # the patient of the message answered

    with pytest.raises(SendRefusedError, match="egen kategori"):  # the standard comments are for PLO messages
        answer_misdirected(new_uow(), options, "42001f60-0117-11e8-8f1a-0800200c9a66",
                           text=PASIENTEN_TILHORER_IKKE_KOMMUNEN)
    (avvik,) = answer_misdirected(new_uow(), options, "42001f60-0117-11e8-8f1a-0800200c9a66",
                                  text="Svaret gjelder en annen pasient enn forespørselen.")
    assert avvik.msg_type == "DIALOG_AVVIK" and avvik.recipient_her_id == "91101"

    plo = (samples_dir / "plo-1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml")
    receive_message(plo.read_bytes(), new_uow(), ReceiveOptions(schemas=schemas, max_bytes=10**7))
    (misdirected,) = answer_misdirected(new_uow(), options, "b088a160-0698-11e8-b566-0800200c9a66",
                                        text=PASIENTEN_TILHORER_IKKE_KOMMUNEN)
    assert misdirected.recipient_her_id == "90998" and misdirected.parent_ref == "b088a160-0698-11e8-b566-0800200c9a66"
    assert PASIENTEN_TILHORER_IKKE_KOMMUNEN.encode() in misdirected.raw


def test_outbox_sends_once_and_moves_the_message_to_sent(
    hospital: Callable[[], UnitOfWork], options: SendOptions
) -> None:
    sent: list[Envelope] = []
    transport = MockTransport(lambda e: sent.append(e) or Delivery(reference=f"nhn-{len(sent)}"))
    (stored,) = submit_document(hospital(), options, notat(tekst="Hei"), sender_her_id="8101",
                                receiver_her_id="8201", patient=patient())
    run = deliver_due(hospital, transport, worker="w1")
    assert run.sent == [stored.id] and len(sent) == 1
    assert sent[0].payload == stored.raw and sent[0].recipient_her_id == "8201"
    assert deliver_due(hospital, transport, worker="w1").sent == []
    (after,) = queued(hospital)
    assert after.state is MessageState.SENT


def test_messages_wait_while_the_transport_is_down_and_go_when_it_is_back(
    hospital: Callable[[], UnitOfWork], options: SendOptions
) -> None:
    up = False
    delivered: list[str] = []

    def network(envelope: Envelope) -> Delivery:
        if not up:
            raise TransportError("Norsk Helsenett svarer ikke")
        delivered.append(envelope.msg_id)
        return Delivery(reference=envelope.msg_id)

    transport = MockTransport(network)
    for text in ("én", "to", "tre"):
        submit_document(hospital(), options, notat(tekst=text), sender_her_id="8101", receiver_her_id="8201",
                        patient=patient())
    backoff = Backoff(first=timedelta(seconds=0))
    assert len(deliver_due(hospital, transport, worker="w", backoff=backoff).failed) == 3
    assert all(m.state is MessageState.QUEUED for m in queued(hospital))
    up = True
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert len(deliver_due(hospital, transport, worker="w", backoff=backoff, now=later).sent) == 3
    assert sorted(delivered) == sorted(m.msg_id for m in queued(hospital))
    assert all(m.state is MessageState.SENT for m in queued(hospital))


def test_parse_send_request() -> None:
    request = parse_send_request({"sender": "8101", "receiver": "8201", "copies": ["8202"],
                                  "patient": {"id": "12345678901", "family_name": "N", "given_name": "K"},
                                  "document": {"type": "foresporsel", "text": "Spørsmål?"}},
                                 read_document=lambda name: None)
    assert (request.sender, request.receiver, request.copies) == ("8101", "8201", ("8202",))
    assert isinstance(request.document, Dialogmelding)
    for bad, field_name in [({}, "sender"), ({"sender": "1"}, "receiver"),
                            ({"sender": "1", "receiver": "2"}, "document"),
                            ({"sender": "1", "receiver": "2", "document": {"type": "brev", "text": "x"}}, "brev"),
                            ({"sender": "1", "receiver": "2", "copies": "3", "document": {}}, "copies")]:
        with pytest.raises(ValueError, match=field_name):
            parse_send_request(bad, read_document=lambda name: None)


def test_two_nodes_exchange_a_message_and_its_apprec_over_a_shared_folder(
    tmp_path: Path, schemas: SchemaSet
) -> None:
    hospital_store, municipality_store = FakeUnitOfWork(), FakeUnitOfWork()
    register(lambda: hospital_store, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    register(lambda: municipality_store, HOSPITAL + MUNICIPALITY, local_her_ids={"8200"})
    network = DirectoryTransport(tmp_path / "nhn")
    receive = ReceiveOptions(schemas=schemas, max_bytes=10**7)
    hospital_node = NodeParts(new_uow=lambda: hospital_store, transport=network, receive_options=receive, worker="s")
    municipality_node = NodeParts(new_uow=lambda: municipality_store, transport=network, receive_options=receive,
                                  worker="k")

    (sent,) = submit_document(hospital_store, SendOptions(schemas=schemas, max_bytes=10**7),
                              melding_om_innlagt_pasient(), sender_her_id="8101", receiver_her_id="8201",
                              patient=patient())
    assert run_once(hospital_node).outbox.sent == [sent.id]
    municipality_pass = run_once(municipality_node)
    assert municipality_pass.received == 1 and len(municipality_pass.outbox.sent) == 1  # the AppRec went back
    assert run_once(hospital_node).received == 1
    with hospital_store as uow:
        message = uow.messages.get(sent.id or 0)
    assert message is not None and message.state is MessageState.RECEIPT_OK
    with municipality_store as uow:
        (received,) = uow.messages.list(MessageQuery(direction=Direction.INCOMING, limit=None))
    assert received.state is MessageState.ACCEPTED and received.raw == sent.raw


@needs_real_thread_waits  # the loop waits on threading.Event between passes
def test_the_node_loop_outlives_a_failing_pass(hospital: Callable[[], UnitOfWork]) -> None:
    import threading

    from samhandling.services.messaging.node import run_forever

    stop = threading.Event()
    passes: list[int] = []

    def flaky_step() -> None:
        passes.append(1)
        if len(passes) == 1:
            raise RuntimeError("databasen svarer ikke")
        if len(passes) == 3:
            stop.set()

    parts = NodeParts(new_uow=hospital, transport=MockTransport(lambda e: Delivery(reference=e.msg_id)),
                      receive_options=ReceiveOptions(schemas=None, max_bytes=10**7), worker="w", steps=[flaky_step])
    run_forever(parts, stop, interval=0.01)
    assert len(passes) == 3
