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

from samhandling.domain.clock import utc_now
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage, can_move
from samhandling.domain.privacy import redact_person_ids
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.messaging.outbox import DEFAULT_LEASE, Backoff, LeaseLostError, OutboxItem
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
    stopped: list[int] = field(default_factory=list)
    """Of the failed ones, those the transport refused for good: they are not tried again by themselves."""


_OUR_CREDENTIALS = frozenset({401, 403})


def is_permanent(exc: TransportError) -> bool:
    """Whether trying again cannot help: the transport refused the message as it is. A refused login (401, 403)
    is our configuration, mended without touching the message, so those are tried again."""
    return not exc.retryable and getattr(exc, "status", None) not in _OUR_CREDENTIALS


def _stop(new_uow: Callable[[], UnitOfWork], item: OutboxItem, message: StoredMessage, reason: str) -> None:
    log.warning("send stopped", extra={"message_id": message.id, "msg_type": message.msg_type,
                                       "attempt": item.attempts, "error": reason})
    with new_uow() as uow:
        try:
            uow.outbox.mark_stopped(item, reason)
        except LeaseLostError:
            return
        if can_move(message.state, MessageState.SEND_STOPPED):
            uow.messages.update_state(item.message_id, MessageState.SEND_STOPPED, at=utc_now(),
                                      detail=redact_person_ids(f"Kan ikke sendes: {reason}")[:MAX_DETAIL])
        uow.commit()


MAX_DETAIL = 1000


@dataclass(frozen=True)
class Waiting:
    """An outgoing message that is not sent: waiting in the outbox, or stopped for good; with the reason."""

    message: StoredMessage
    attempts: int
    reason: str | None
    next_attempt_at: datetime | None
    stopped: bool


def not_sent(uow: UnitOfWork) -> list[Waiting]:
    """Everything outgoing that has not gone out: the outbox's unfinished items, then the stopped messages."""
    found: list[Waiting] = []
    for message in uow.messages.list(MessageQuery(direction=Direction.OUTGOING,
                                                  states=frozenset({MessageState.QUEUED,
                                                                    MessageState.SEND_STOPPED,
                                                                    MessageState.RECEIPT_MISSING}), limit=None)):
        assert message.id is not None
        pending = uow.outbox.pending(message.id)
        if message.state is MessageState.SEND_STOPPED:
            last = uow.outbox.latest(message.id)
            found.append(Waiting(message, last.attempts if last else 0, last.last_error if last else None, None,
                                 True))
        elif pending is not None:
            found.append(Waiting(message, pending.attempts, pending.last_error, pending.next_attempt_at, False))
    return sorted(found, key=lambda w: (w.stopped, w.message.id or 0))


class OutboxError(ValueError):
    """A retry or cancel that cannot be done; the message says why, in Norwegian."""


def retry(uow: UnitOfWork, message_id: int, *, by: str, at: datetime | None = None) -> StoredMessage:
    """Send a stopped message again (its cause is mended), or a waiting one at once."""
    when = at or utc_now()
    message = _outgoing(uow, message_id)
    if message.state is MessageState.SEND_STOPPED:
        uow.messages.update_state(message_id, MessageState.QUEUED, at=when, detail=f"Sendes på nytt ({by}).")
        uow.outbox.enqueue(message_id, at=when)
    elif message.state is MessageState.QUEUED and uow.outbox.pending(message_id) is not None:
        if not uow.outbox.withdraw(message_id, f"Sendes på nytt nå ({by}).", at=when):
            raise OutboxError(f"melding {message_id} sendes akkurat nå")
        uow.outbox.enqueue(message_id, at=when)
        uow.messages.note(message_id, f"Sendes på nytt nå ({by}).", at=when)
    else:
        raise OutboxError(f"melding {message_id} venter ikke i utboksen («{message.state.label}»)")
    updated = uow.messages.get(message_id)
    assert updated is not None
    return updated


def cancel(uow: UnitOfWork, message_id: int, *, by: str, at: datetime | None = None) -> StoredMessage:
    """Take a waiting or stopped message out of the outbox for good: it is never sent."""
    when = at or utc_now()
    message = _outgoing(uow, message_id)
    if message.state not in (MessageState.QUEUED, MessageState.SEND_STOPPED):
        raise OutboxError(f"melding {message_id} venter ikke i utboksen («{message.state.label}»)")
    if message.state is MessageState.QUEUED and not uow.outbox.withdraw(message_id, f"Avbrutt av {by}.", at=when):
        raise OutboxError(f"melding {message_id} sendes akkurat nå; prøv igjen om litt")
    return uow.messages.update_state(message_id, MessageState.CANCELLED, at=when,
                                     detail=f"Avbrutt av {by}; meldingen sendes ikke.")


def _outgoing(uow: UnitOfWork, message_id: int) -> StoredMessage:
    message = uow.messages.get(message_id)
    if message is None or message.direction is not Direction.OUTGOING:
        raise OutboxError(f"fant ingen utgående melding med id {message_id}")
    return message


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
        if is_permanent(exc):
            _stop(new_uow, item, message, str(exc))
            run.failed.append(item.message_id)
            run.stopped.append(item.message_id)
            run.reasons[item.message_id] = str(exc)
            return
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
