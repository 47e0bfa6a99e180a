"""A restarted node frees the outbox leases of its own killed processes at start (issue 10 §4), and the receipt
rule that makes state moves idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from samhandling.domain.messaging.messages import MessageState, receipt_move
from samhandling.services.messaging.node import release_dead_claims
from samhandling.store.unit_of_work import UnitOfWork
from tests.support.stores import outgoing

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def queued_items(new_uow: Callable[[], UnitOfWork], count: int) -> list[int]:
    ids = []
    with new_uow() as uow:
        for _ in range(count):
            message = uow.messages.add(outgoing())
            assert message.id is not None
            uow.outbox.enqueue(message.id, at=T0)
            ids.append(message.id)
        uow.commit()
    return ids


def claim(new_uow: Callable[[], UnitOfWork], worker: str, limit: int) -> None:
    with new_uow() as uow:
        uow.outbox.claim(worker, limit=limit, now=T0)
        uow.commit()


def test_leases_of_this_hosts_dead_workers_are_released_and_no_others(new_uow: Callable[[], UnitOfWork]) -> None:
    queued_items(new_uow, 4)
    claim(new_uow, "node-a:111", 1)  # dead, this host
    claim(new_uow, "node-a:222", 1)  # alive, this host
    claim(new_uow, "node-b:111", 1)  # another host: never ours to judge
    with new_uow() as uow:
        assert uow.outbox.claimants(now=T0) == ["node-a:111", "node-a:222", "node-b:111"]
    freed = release_dead_claims(new_uow, "node-a", alive=lambda pid: pid == 222, now=T0)
    assert freed == 1
    with new_uow() as uow:
        assert uow.outbox.claimants(now=T0) == ["node-a:222", "node-b:111"]
        # What the dead worker had is due at once (not after the lease): it and the never-claimed one.
        assert len(uow.outbox.claim("node-a:333", limit=10, now=T0 + timedelta(seconds=1))) == 2


def test_a_lease_that_ran_out_is_no_claimant(new_uow: Callable[[], UnitOfWork]) -> None:
    queued_items(new_uow, 1)
    claim(new_uow, "node-a:111", 1)
    with new_uow() as uow:
        assert uow.outbox.claimants(now=T0 + timedelta(hours=1)) == []


S = MessageState


@pytest.mark.parametrize(("current", "learned", "expected"), [
    (S.SENT, S.RECEIPT_OK, True),
    (S.DELIVERED, S.RECEIPT_REJECTED, True),
    (S.RECEIPT_MISSING, S.RECEIPT_OK, True),
    (S.QUEUED, S.RECEIPT_OK, True),  # queued again after a missing receipt: the late AppRec for the first sending
    (S.RECEIPT_OK, S.RECEIPT_OK, False),  # learned again: nothing changes
    (S.RECEIPT_REJECTED, S.RECEIPT_REJECTED, False),
    (S.RECEIPT_OK, S.RECEIPT_REJECTED, None),  # the other receipt: a conflict
    (S.RECEIPT_REJECTED, S.RECEIPT_OK, None),
])
def test_a_receipt_learned_twice_changes_nothing_and_a_different_one_is_a_conflict(
    current: MessageState, learned: MessageState, expected: bool | None
) -> None:
    assert receipt_move(current, learned) is expected
