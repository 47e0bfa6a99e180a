"""Delivering the outbox: what is queued goes to the transport, once, also across a crash.

Each item is claimed in a unit of work of its own (a lease, committed at once), sent, and then marked
done in another. A crash after the send but before the mark leaves the item claimed; when its lease runs
out it is claimed again and sent again, and the transport's idempotence per (MsgId, sender, recipient)
makes the recipient get it once (see :class:`samhandling.transport.Transport`). While the transport or the
partner is down, items wait with a growing backoff and go out when it is back; nothing is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from samhandling.domain.messages import Direction, MessageState, StoredMessage, utc_now
from samhandling.store.repositories import DEFAULT_LEASE, Backoff, LeaseLostError, OutboxItem
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Envelope, Transport, TransportError

log = logging.getLogger(__name__)

MISSING_ADDRESS = "meldingen mangler avsender eller mottaker og kan ikke sendes"


@dataclass
class OutboxRun:
    """What one pass over the outbox did: stored message ids sent and failed, and why each failed (Norwegian,
    without patient data)."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)


def deliver_due(
    new_uow: Callable[[], UnitOfWork],
    transport: Transport,
    *,
    worker: str,
    limit: int = 20,
    lease: timedelta = DEFAULT_LEASE,
    backoff: Backoff | None = None,
    now: datetime | None = None,
) -> OutboxRun:
    """Send what is due, at most ``limit`` items; returns what was sent and what failed."""
    run = OutboxRun()
    with new_uow() as uow:
        items = uow.outbox.claim(worker, limit=limit, lease=lease, now=now)
        uow.commit()
    for item in items:
        _deliver(new_uow, transport, item, run, backoff)
    return run


def _deliver(new_uow: Callable[[], UnitOfWork], transport: Transport, item: OutboxItem, run: OutboxRun,
             backoff: Backoff | None) -> None:
    with new_uow() as uow:
        message = uow.messages.get(item.message_id)
    if message is None or message.sender_her_id is None or message.recipient_her_id is None:
        with new_uow() as uow:
            uow.outbox.mark_failed(item, MISSING_ADDRESS, backoff=backoff)
            uow.commit()
        run.failed.append(item.message_id)
        run.reasons[item.message_id] = MISSING_ADDRESS
        return
    envelope = Envelope(msg_id=message.msg_id, sender_her_id=message.sender_her_id,
                        recipient_her_id=message.recipient_her_id, payload=message.raw, is_apprec=message.is_apprec,
                        answers_reference=_answered_reference(new_uow, message) if message.is_apprec else None)
    try:
        delivery = transport.send(envelope)
    except TransportError as exc:
        log.warning("send failed", extra={"message_id": message.id, "msg_type": message.msg_type,
                                          "attempt": item.attempts, "error": str(exc)})
        with new_uow() as uow:
            try:
                uow.outbox.mark_failed(item, str(exc), backoff=backoff)
                uow.commit()
            except LeaseLostError:
                pass  # another worker took over after our lease ran out; it decides
        run.failed.append(item.message_id)
        run.reasons[item.message_id] = str(exc)
        return
    with new_uow() as uow:
        try:
            uow.outbox.mark_done(item)
        except LeaseLostError:
            return  # another worker holds it now and will send it again: idempotent, so still once
        if message.transport_ref != delivery.reference:
            uow.messages.set_transport_ref(item.message_id, delivery.reference)
        if message.state is MessageState.QUEUED:
            uow.messages.update_state(item.message_id, MessageState.SENT, at=utc_now(),
                                      detail=f"Sendt (transportens referanse {delivery.reference}).")
        uow.commit()
    log.info("sent", extra={"message_id": message.id, "msg_type": message.msg_type})
    run.sent.append(item.message_id)


def _answered_reference(new_uow: Callable[[], UnitOfWork], apprec: StoredMessage) -> str | None:
    """The transport's id of the received message an outgoing AppRec answers."""
    if apprec.original_msg_id is None:
        return None
    with new_uow() as uow:
        original = uow.messages.get_by_key(apprec.original_msg_id, apprec.recipient_her_id, apprec.sender_her_id,
                                           Direction.INCOMING)
    return original.transport_ref if original is not None else None
