"""Delivery and AppRec status reported by the transport moves the messages the node has sent.

The node asks about a waiting message at a growing interval, only while it waits and a bounded number per pass;
the same receipt learned twice (from the status and from the AppRec message, in either order) changes nothing,
and a different one is kept as a conflict (the first one stands, HITS 1168 §5.1).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from samhandling.domain.messaging.messages import MessageState
from samhandling.services.messaging.delivery_status import StatusSchedule, update_delivery_status
from samhandling.services.messaging.outbox import deliver_due
from samhandling.services.messaging.send import SendOptions, submit_document
from samhandling.standards.dialogmelding.builders import notat
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Delivery, DeliveryState, ReceiverStatus
from samhandling.transport.mock import MockTransport
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient, register

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning; only differences matter here


class StatusTransport(MockTransport):
    def __init__(self) -> None:
        super().__init__(lambda e: Delivery(reference=f"nhn-{e.msg_id}"))
        self.statuses: dict[str, list[ReceiverStatus]] = {}
        self.asked: list[str] = []

    def status(self, reference: str) -> list[ReceiverStatus]:
        self.asked.append(reference)
        return self.statuses.get(reference, [])


Sent = tuple[Callable[[], UnitOfWork], StatusTransport, int, str]


def send_notes(new_uow: Callable[[], UnitOfWork], transport: StatusTransport, count: int) -> list[int]:
    ids = []
    for n in range(count):
        (message,) = submit_document(new_uow(), SendOptions(schemas=None, max_bytes=10**7),
                                     notat(tekst=f"Hei {n}"), sender_her_id="8101", receiver_her_id="8201",
                                     patient=patient(), now=T0)
        ids.append(message.id or 0)
    deliver_due(new_uow, transport, worker="w", limit=count, now=T0)
    return ids


@pytest.fixture
def sent(new_uow: Callable[[], UnitOfWork]) -> Sent:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    transport = StatusTransport()
    (message_id,) = send_notes(new_uow, transport, 1)
    with new_uow() as uow:
        stored = uow.messages.get(message_id)
    assert stored is not None and stored.transport_ref == f"nhn-{stored.msg_id}"
    return new_uow, transport, message_id, stored.transport_ref


def state(new_uow: Callable[[], UnitOfWork], message_id: int) -> tuple[MessageState, tuple[str, ...]]:
    with new_uow() as uow:
        found = uow.messages.get(message_id)
    assert found is not None
    return found.state, found.error_codes


def test_acknowledged_then_apprec_ok(sent: Sent) -> None:
    new_uow, transport, message_id, ref = sent
    assert update_delivery_status(new_uow, transport, now=T0) == 0
    transport.statuses[ref] = [ReceiverStatus("8201", DeliveryState.ACKNOWLEDGED)]
    assert update_delivery_status(new_uow, transport, now=T0 + timedelta(seconds=15)) == 1
    assert state(new_uow, message_id) == (MessageState.DELIVERED, ())
    assert update_delivery_status(new_uow, transport, now=T0 + timedelta(minutes=1)) == 0
    transport.statuses[ref] = [ReceiverStatus("8201", DeliveryState.ACKNOWLEDGED, apprec_status="1")]
    assert update_delivery_status(new_uow, transport, now=T0 + timedelta(minutes=2)) == 1
    assert state(new_uow, message_id) == (MessageState.RECEIPT_OK, ())


def test_negative_apprec_and_transport_rejection(sent: Sent) -> None:
    new_uow, transport, message_id, ref = sent
    transport.statuses[ref] = [ReceiverStatus("9999", DeliveryState.REJECTED),  # another receiver's status
                               ReceiverStatus("8201", DeliveryState.ACKNOWLEDGED, apprec_status="2",
                                              apprec_errors=("E21",))]
    assert update_delivery_status(new_uow, transport, now=T0) == 1
    assert state(new_uow, message_id) == (MessageState.RECEIPT_REJECTED, ("E21",))


def test_transport_rejection(sent: Sent) -> None:
    new_uow, transport, message_id, ref = sent
    transport.statuses[ref] = [ReceiverStatus("8201", DeliveryState.REJECTED)]
    update_delivery_status(new_uow, transport, now=T0)
    assert state(new_uow, message_id) == (MessageState.RECEIPT_REJECTED, ("X99",))


def test_a_waiting_message_is_asked_about_at_a_growing_interval_and_not_once_answered(sent: Sent) -> None:
    new_uow, transport, _, ref = sent
    schedule = StatusSchedule(first=timedelta(seconds=10), longest=timedelta(seconds=60))
    asked_at = []
    for second in range(0, 200):
        before = len(transport.asked)
        update_delivery_status(new_uow, transport, schedule=schedule, now=T0 + timedelta(seconds=second))
        if len(transport.asked) > before:
            asked_at.append(second)
    # At once, then after 10, 20, 40 seconds, then every 60 (the longest interval).
    assert asked_at == [0, 10, 30, 70, 130, 190]
    transport.statuses[ref] = [ReceiverStatus("8201", DeliveryState.ACKNOWLEDGED, apprec_status="1")]
    update_delivery_status(new_uow, transport, schedule=schedule, now=T0 + timedelta(seconds=250))
    asked = len(transport.asked)
    for minute in range(5, 60, 5):  # answered: never asked about again
        update_delivery_status(new_uow, transport, schedule=schedule, now=T0 + timedelta(minutes=minute))
    assert len(transport.asked) == asked


def test_at_most_limit_messages_are_asked_about_per_pass_the_longest_due_first(
    new_uow: Callable[[], UnitOfWork]
) -> None:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    transport = StatusTransport()
    ids = send_notes(new_uow, transport, 5)
    with new_uow() as uow:
        refs = [uow.messages.get(i).transport_ref for i in ids]  # type: ignore[union-attr]
    update_delivery_status(new_uow, transport, limit=2, now=T0)
    update_delivery_status(new_uow, transport, limit=2, now=T0 + timedelta(seconds=1))
    update_delivery_status(new_uow, transport, limit=2, now=T0 + timedelta(seconds=2))
    # Five messages, two per pass: every one has been asked about once before any is asked about again.
    assert sorted(transport.asked[:5]) == sorted(refs) and len(set(transport.asked[:5])) == 5


def test_the_same_receipt_from_status_and_from_the_apprec_changes_nothing(sent: Sent) -> None:
    new_uow, transport, message_id, ref = sent
    transport.statuses[ref] = [ReceiverStatus("8201", DeliveryState.ACKNOWLEDGED, apprec_status="1")]
    assert update_delivery_status(new_uow, transport, now=T0) == 1
    with new_uow() as uow:
        journal = uow.messages.journal(message_id)
    # The status again (as after a crash) neither moves nor journals.
    with new_uow() as uow:
        uow.messages.status_asked(message_id, next_at=T0)  # make it due again at once
        uow.commit()
    assert update_delivery_status(new_uow, transport, now=T0 + timedelta(hours=1)) == 0
    with new_uow() as uow:
        assert uow.messages.journal(message_id) == journal
        assert uow.messages.get(message_id).receipt_conflict is None  # type: ignore[union-attr]
