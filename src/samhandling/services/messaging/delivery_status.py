"""Delivery status from the transport: what the network knows of messages the node has sent.

NHN's EDI 2.0 API keeps, per message and receiver, the transport delivery state (Unconfirmed, Acknowledged,
Rejected) and the AppRec status once the receiver has answered. The node asks for it for messages still
waiting and moves them: Acknowledged → delivered; AppRec OK (or OK with errors in a part) → receipt OK; AppRec
rejected, or rejected by the transport itself → receipt rejected.

The node learns a receipt twice, from this status and from the AppRec arriving as a message, in either order
(and again after a crash): the same receipt again changes nothing, a *different* one is kept as a conflict on
the message (the first one stands, HITS 1168 §5.1) and the monitoring reports it. Nothing here raises into the
node loop for one message: a failing question about one message is logged and asked again later.

Each waiting message is asked about at a growing interval (:class:`StatusSchedule`), only while it waits, and
at most ``limit`` per pass, so that the node does not ask the server about every message at every poll.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from samhandling.domain.clock import as_utc, utc_now
from samhandling.domain.messaging.messages import MessageState, StoredMessage, receipt_move
from samhandling.services.messaging.receipts import conflict_text
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import DeliveryState, ReceiverStatus, Transport, TransportError

log = logging.getLogger(__name__)

WAITING = frozenset({MessageState.SENT, MessageState.DELIVERED, MessageState.RECEIPT_MISSING})
TRANSPORT_REJECTION = "X99"  # 8221 "Annen feil": the transport refused the message; its own text says why


@dataclass(frozen=True)
class StatusSchedule:
    """When to ask about a sent message again: ``first`` after the first question, doubling up to ``longest``.

    A message is asked about right after it was sent (its status is due at once), then after 15 s, 30 s, 1 min
    and so on up to every 30 minutes while it waits; the AppRec arriving as a message moves it meanwhile.
    """

    first: timedelta = timedelta(seconds=15)
    longest: timedelta = timedelta(minutes=30)

    def next_at(self, checks: int, now: datetime) -> datetime:
        """When to ask again after the ``checks``-th question (1 for the first)."""
        wait: timedelta = self.first * (2 ** max(0, min(checks - 1, 20)))
        return now + min(wait, self.longest)


def update_delivery_status(new_uow: Callable[[], UnitOfWork], transport: Transport, *, limit: int = 20,
                           schedule: StatusSchedule | None = None, now: datetime | None = None) -> int:
    """Ask the transport about the waiting messages that are due, and move those it knows more of; returns how
    many moved."""
    plan = schedule or StatusSchedule()
    at = as_utc("now", now or utc_now())
    with new_uow() as uow:
        due = uow.messages.status_due(WAITING, now=at, limit=limit)
    moved = 0
    for message in due:
        assert message.id is not None
        try:
            statuses = transport.status(message.transport_ref or "")
        except TransportError as exc:
            log.warning("status failed", extra={"message_id": message.id, "error": str(exc)})
            statuses = None
        mine = next((s for s in statuses or () if s.recipient_her_id == message.recipient_her_id), None)
        with new_uow() as uow:
            current = uow.messages.get(message.id)
            if current is None:
                continue
            if mine is not None and _apply(uow, current, mine, at):
                moved += 1
            checks = uow.messages.status_checks(message.id)
            uow.messages.status_asked(message.id, next_at=plan.next_at(checks + 1, at))
            uow.commit()
    return moved


def _learned(status: ReceiverStatus, current: MessageState) -> tuple[MessageState, list[str], str] | None:
    """What the status says: the state, its error codes and the journal's words; None when it says nothing new."""
    if status.apprec_status in ("1", "3"):
        return (MessageState.RECEIPT_OK, list(status.apprec_errors),
                "Positiv applikasjonskvittering (status fra transporten).")
    if status.apprec_status == "2":
        return (MessageState.RECEIPT_REJECTED, list(status.apprec_errors),
                "Negativ applikasjonskvittering (status fra transporten): " + ", ".join(status.apprec_errors))
    if status.delivery is DeliveryState.REJECTED:
        return MessageState.RECEIPT_REJECTED, [TRANSPORT_REJECTION], "Transporten avviste meldingen."
    if status.delivery is DeliveryState.ACKNOWLEDGED and current is MessageState.SENT:
        return MessageState.DELIVERED, [], "Levert til mottakerens postkasse."
    return None


def _apply(uow: UnitOfWork, message: StoredMessage, status: ReceiverStatus, at: datetime) -> bool:
    """Move ``message`` as ``status`` says, in ``uow``; True when it moved."""
    assert message.id is not None
    learned = _learned(status, message.state)
    if learned is None:
        return False
    target, codes, detail = learned
    if target is MessageState.DELIVERED:
        uow.messages.update_state(message.id, target, detail=detail, at=at)
        return True
    move = receipt_move(message.state, target)
    if move is None:  # it has the other receipt already (from the AppRec message): the first one stands
        if message.receipt_conflict is None:
            uow.messages.record_receipt_conflict(
                message.id, conflict_text(message, target, codes, "transportens status"), at=at)
        return False
    if not move:
        return False
    uow.messages.update_state(message.id, target, detail=detail, error_codes=codes, at=at)
    return True

