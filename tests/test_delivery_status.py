"""Delivery and AppRec status reported by the transport moves the messages the node has sent."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from samhandling.domain.messages import MessageState
from samhandling.services.delivery_status import update_delivery_status
from samhandling.services.outbox import deliver_due
from samhandling.services.send import SendOptions, submit_document
from samhandling.standards import dialogmelding as dm
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Delivery, DeliveryState, ReceiverStatus
from samhandling.transport.mock import MockTransport
from tests.test_send import HOSPITAL, MUNICIPALITY, patient, register


class StatusTransport(MockTransport):
    def __init__(self) -> None:
        super().__init__(lambda e: Delivery(reference=f"nhn-{e.msg_id}"))
        self.statuses: dict[str, list[ReceiverStatus]] = {}

    def status(self, reference: str) -> list[ReceiverStatus]:
        return self.statuses.get(reference, [])


@pytest.fixture
def sent(new_uow: Callable[[], UnitOfWork]) -> tuple[Callable[[], UnitOfWork], StatusTransport, int, str]:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    (message,) = submit_document(new_uow(), SendOptions(schemas=None, max_bytes=10**7), dm.notat(tekst="Hei"),
                                 sender_her_id="8101", receiver_her_id="8201", patient=patient())
    transport = StatusTransport()
    deliver_due(new_uow, transport, worker="w")
    with new_uow() as uow:
        stored = uow.messages.get(message.id or 0)
    assert stored is not None and stored.transport_ref == f"nhn-{message.msg_id}"
    return new_uow, transport, message.id or 0, stored.transport_ref


def state(new_uow: Callable[[], UnitOfWork], message_id: int) -> tuple[MessageState, tuple[str, ...]]:
    with new_uow() as uow:
        found = uow.messages.get(message_id)
    assert found is not None
    return found.state, found.error_codes


def test_acknowledged_then_apprec_ok(sent: tuple[Callable[[], UnitOfWork], StatusTransport, int, str]) -> None:
    new_uow, transport, message_id, ref = sent
    assert update_delivery_status(new_uow, transport) == 0
    transport.statuses[ref] = [ReceiverStatus("8201", DeliveryState.ACKNOWLEDGED)]
    assert update_delivery_status(new_uow, transport) == 1
    assert state(new_uow, message_id) == (MessageState.DELIVERED, ())
    assert update_delivery_status(new_uow, transport) == 0
    transport.statuses[ref] = [ReceiverStatus("8201", DeliveryState.ACKNOWLEDGED, apprec_status="1")]
    assert update_delivery_status(new_uow, transport) == 1
    assert state(new_uow, message_id) == (MessageState.RECEIPT_OK, ())


def test_negative_apprec_and_transport_rejection(
    sent: tuple[Callable[[], UnitOfWork], StatusTransport, int, str]
) -> None:
    new_uow, transport, message_id, ref = sent
    transport.statuses[ref] = [ReceiverStatus("9999", DeliveryState.REJECTED),  # another receiver's status
                               ReceiverStatus("8201", DeliveryState.ACKNOWLEDGED, apprec_status="2",
                                              apprec_errors=("E21",))]
    assert update_delivery_status(new_uow, transport) == 1
    assert state(new_uow, message_id) == (MessageState.RECEIPT_REJECTED, ("E21",))


def test_transport_rejection(sent: tuple[Callable[[], UnitOfWork], StatusTransport, int, str]) -> None:
    new_uow, transport, message_id, ref = sent
    transport.statuses[ref] = [ReceiverStatus("8201", DeliveryState.REJECTED)]
    update_delivery_status(new_uow, transport)
    assert state(new_uow, message_id) == (MessageState.RECEIPT_REJECTED, ("X99",))


