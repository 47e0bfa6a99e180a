"""Delivery status from the transport: what the network knows of messages the node has sent.

NHN's EDI 2.0 API keeps, per message and receiver, the transport delivery state (Unconfirmed, Acknowledged,
Rejected) and the AppRec status once the receiver has answered. The node asks for it for messages still
waiting and moves them: Acknowledged → delivered; AppRec OK (or OK with errors in a part) → receipt OK; AppRec
rejected, or rejected by the transport itself → receipt rejected. An AppRec that also arrives as a message
finds the message already moved and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from samhandling.domain.messages import Direction, MessageState, StoredMessage, utc_now
from samhandling.store.repositories import MessageQuery
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import DeliveryState, ReceiverStatus, Transport, TransportError

log = logging.getLogger(__name__)

WAITING = frozenset({MessageState.SENT, MessageState.DELIVERED, MessageState.RECEIPT_MISSING})
TRANSPORT_REJECTION = "X99"  # 8221 "Annen feil": the transport refused the message; its own text says why


def update_delivery_status(new_uow: Callable[[], UnitOfWork], transport: Transport, *, limit: int = 200) -> int:
    """Ask the transport about waiting messages and move those it knows more of; returns how many moved."""
    with new_uow() as uow:
        waiting = [m for m in uow.messages.list(MessageQuery(direction=Direction.OUTGOING, states=WAITING,
                                                             is_apprec=False, limit=limit, oldest_first=True))
                   if m.transport_ref]
    moved = 0
    for message in waiting:
        try:
            statuses = transport.status(message.transport_ref or "")
        except TransportError as exc:
            log.warning("status failed", extra={"message_id": message.id, "error": str(exc)})
            continue
        mine = next((s for s in statuses if s.recipient_her_id == message.recipient_her_id), None)
        if mine is not None and _apply(new_uow, message, mine):
            moved += 1
    return moved


def _apply(new_uow: Callable[[], UnitOfWork], message: StoredMessage, status: ReceiverStatus) -> bool:
    assert message.id is not None
    target: MessageState | None = None
    codes: list[str] | None = None
    detail = ""
    if status.apprec_status in ("1", "3"):
        target, codes = MessageState.RECEIPT_OK, list(status.apprec_errors)
        detail = "Positiv applikasjonskvittering (status fra transporten)."
    elif status.apprec_status == "2":
        target, codes = MessageState.RECEIPT_REJECTED, list(status.apprec_errors)
        detail = "Negativ applikasjonskvittering (status fra transporten): " + ", ".join(status.apprec_errors)
    elif status.delivery is DeliveryState.REJECTED:
        target, codes = MessageState.RECEIPT_REJECTED, [TRANSPORT_REJECTION]
        detail = "Transporten avviste meldingen."
    elif status.delivery is DeliveryState.ACKNOWLEDGED and message.state is MessageState.SENT:
        target, detail = MessageState.DELIVERED, "Levert til mottakerens postkasse."
    if target is None or target is message.state:
        return False
    with new_uow() as uow:
        current = uow.messages.get(message.id)
        if current is None or current.state not in WAITING:
            return False  # an AppRec message moved it meanwhile
        uow.messages.update_state(message.id, target, detail=detail, error_codes=codes, at=utc_now())
        uow.commit()
    return True
