"""The emergency routine's hold (the cooperation procedure §3.4): messages created during downtime are kept and
sent when the fault is fixed, once each, in the order they were created."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from samhandling.domain.incidents.hold import HoldError
from samhandling.domain.messaging.messages import MessageState
from samhandling.services.incidents.holds import held_message_ids, holds_now, place_hold, release_hold
from samhandling.services.messaging.outbox import deliver_due
from samhandling.services.messaging.send import SendOptions, submit_document
from samhandling.standards.dialogmelding import builders
from samhandling.standards.schemas import SchemaSet
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Delivery, Envelope
from samhandling.transport.mock import MockTransport
from tests.services.test_send import queued
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient, register

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def recording() -> tuple[MockTransport, list[Envelope]]:
    sent: list[Envelope] = []

    def handler(envelope: Envelope) -> Delivery:
        sent.append(envelope)
        return Delivery(reference=f"ref-{len(sent)}")

    return MockTransport(handler), sent


def notat(new_uow: Callable[[], UnitOfWork], schemas: SchemaSet, text: str, receiver: str, at: datetime) -> int:
    (message,) = submit_document(new_uow(), SendOptions(schemas=schemas, max_bytes=10**7), builders.notat(tekst=text),
                                 sender_her_id="8101", receiver_her_id=receiver, patient=patient(), now=at)
    assert message.id is not None
    return message.id


def test_messages_to_a_partner_on_hold_wait_and_go_in_creation_order_after_release(
    new_uow: Callable[[], UnitOfWork], schemas: SchemaSet
) -> None:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    transport, sent = recording()
    place_hold(new_uow(), "8201", reason="EPJ i Gjøvik er nede", by="kari", now=START)
    held = [notat(new_uow, schemas, f"Notat {n}", "8201", START + n * MINUTE) for n in range(1, 13)]
    other = notat(new_uow, schemas, "Til tildelingskontoret", "8202", START + 13 * MINUTE)

    run = deliver_due(new_uow, transport, worker="w", limit=50, now=START + 20 * MINUTE)
    assert run.sent == [other]  # the rest wait, and are not failures
    with new_uow() as uow:
        assert held_message_ids(uow) == set(held)
    assert {m.state for m in queued(new_uow) if m.id in held} == {MessageState.QUEUED}
    assert [len(h.waiting) for h in holds_now(new_uow())] == [12]

    released = release_hold(new_uow(), "8201", by="kari", now=START + 3 * 60 * MINUTE)
    assert released.waiting == tuple(held)
    first = deliver_due(new_uow, transport, worker="w", limit=5, now=START + 181 * MINUTE)
    rest = deliver_due(new_uow, transport, worker="w", limit=50, now=START + 182 * MINUTE)
    assert first.sent + rest.sent == held
    assert [e.recipient_her_id for e in sent] == ["8202"] + ["8201"] * 12
    assert deliver_due(new_uow, transport, worker="w", limit=50, now=START + 183 * MINUTE).sent == []
    with new_uow() as uow:
        assert held_message_ids(uow) == set()


def test_a_hold_on_everything_keeps_every_message(new_uow: Callable[[], UnitOfWork], schemas: SchemaSet) -> None:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    transport, sent = recording()
    place_hold(new_uow(), "all", reason="Vår EPJ oppgraderes", by="kari", now=START)
    ids = [notat(new_uow, schemas, "A", "8201", START + MINUTE), notat(new_uow, schemas, "B", "8202", START + MINUTE)]
    assert deliver_due(new_uow, transport, worker="w", limit=50, now=START + 10 * MINUTE).sent == []
    release_hold(new_uow(), "alle", by="kari", now=START + 20 * MINUTE)
    assert deliver_due(new_uow, transport, worker="w", limit=50, now=START + 21 * MINUTE).sent == ids
    assert len(sent) == 2


def test_a_hold_on_the_organisation_keeps_the_messages_to_its_services(
    new_uow: Callable[[], UnitOfWork], schemas: SchemaSet
) -> None:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    transport, sent = recording()
    held = place_hold(new_uow(), "8200", reason="Gjøvik kommune er nede", by="kari", now=START)
    ids = [notat(new_uow, schemas, "A", "8201", START + MINUTE), notat(new_uow, schemas, "B", "8202", START + MINUTE)]
    assert held.waiting == ()
    assert deliver_due(new_uow, transport, worker="w", limit=50, now=START + 10 * MINUTE).sent == []
    assert [h.waiting for h in holds_now(new_uow())] == [tuple(ids)]
    release_hold(new_uow(), "8200", by="kari", now=START + 20 * MINUTE)
    assert deliver_due(new_uow, transport, worker="w", limit=50, now=START + 21 * MINUTE).sent == ids
    assert len(sent) == 2


def test_hold_and_release_refuse_what_makes_no_sense(new_uow: Callable[[], UnitOfWork]) -> None:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    with pytest.raises(HoldError, match="finnes ikke i partsregisteret"):
        place_hold(new_uow(), "9999", reason="x", by="kari", now=START)
    with pytest.raises(HoldError, match="holdes ikke tilbake"):
        release_hold(new_uow(), "8201", by="kari", now=START)
    place_hold(new_uow(), "8201", reason="x", by="kari", now=START)
    with pytest.raises(HoldError, match="holdes allerede"):
        place_hold(new_uow(), "8201", reason="y", by="kari", now=START)
    with pytest.raises(HoldError, match="verken en HER-id"):
        place_hold(new_uow(), "Gjøvik", reason="y", by="kari", now=START)
