"""The emergency routine over the local EDI 2.0 server with two nodes: 50 Forespørsler created while the
municipality is on hold wait at the hospital; after release each reaches the municipality once, in creation
order, and every AppRec comes back (the cooperation procedure §3.4; receipts watched as usual)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from samhandling.domain.messaging.messages import Direction, MessageState
from samhandling.services.incidents.holds import held_message_ids, place_hold, release_hold
from samhandling.services.messaging.node import run_once
from samhandling.store.messaging.messages import MessageQuery
from tests.conftest import needs_real_thread_waits
from tests.services.test_node_inbound import PARTIES, incoming, outgoing, queue_questions, register
from tests.support.region import InProcessNode, LocalServer, local_server, node

pytestmark = needs_real_thread_waits
HELD = 50


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with local_server(tmp_path, PARTIES) as found:
        yield found


def sides(tmp_path: Path, server: LocalServer) -> tuple[InProcessNode, InProcessNode]:
    return (node("sykehus", tmp_path, server, PARTIES, {"8100"}, register=register),
            node("kommune", tmp_path, server, PARTIES, {"8200"}, register=register))


def test_held_messages_go_once_in_creation_order_after_release_and_every_apprec_comes_back(
    tmp_path: Path, server: LocalServer
) -> None:
    hospital, municipality = sides(tmp_path, server)
    try:
        start = datetime.now(UTC)
        place_hold(hospital.uow(), "8201", reason="Kommunens EPJ er nede", by="kari", now=start)
        created = queue_questions(hospital, HELD)
        for _ in range(2):
            run_once(hospital.parts)
            run_once(municipality.parts)
        assert incoming(municipality, is_apprec=False) == []  # nothing left the hospital
        with hospital.uow() as uow:
            assert held_message_ids(uow) == {m.id for m in created}
        assert {m.state for m in outgoing(hospital)} == {MessageState.QUEUED}

        release_hold(hospital.uow(), "8201", by="kari", now=datetime.now(UTC))
        for _ in range(12):  # bounded: 50 messages, 20 per send batch, 10 per receive
            run_once(hospital.parts)
            run_once(municipality.parts)
            if {m.state for m in outgoing(hospital)} == {MessageState.RECEIPT_OK}:
                break
        received = incoming(municipality, is_apprec=False)
        with municipality.uow() as uow:
            ordered = uow.messages.list(MessageQuery(direction=Direction.INCOMING, is_apprec=False, limit=None,
                                                     oldest_first=True))
        assert len(received) == HELD and len({m.msg_id for m in received}) == HELD  # each once
        assert [m.msg_id for m in ordered] == [m.msg_id for m in created]  # in creation order
        assert {m.state for m in outgoing(hospital)} == {MessageState.RECEIPT_OK}  # every AppRec back
    finally:
        for side in (hospital, municipality):
            side.transport.close()
            side.engine.dispose()
