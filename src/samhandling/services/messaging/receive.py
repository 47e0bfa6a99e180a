"""The receive pipeline: raw message bytes in, the stored message and its application receipts out.

The rules come from HIS 80415 (Applikasjonskvittering) and HITS 1168 (Bruk av applikasjonskvittering):

- One AppRec per local recipient (§5.1): the primary receiver and each copy receiver this node serves, with
  the role the recipient had (PRIM/SPR or COP, §6.2), in the AppRec version coupled to the message's
  standard (§8.3), addressed back to the sender (§6.1).
- A message addressed to another organisation is not answered (§5.3); one addressed to our organisation but
  to a service or person we cannot identify (an unknown HER-id, or no HER-id and a name we do not have) was
  misdirected and is rejected with E21 (HIS 80415:2012 §3.3.4), unless the organisation chose to accept such
  messages at organisation level (the standard asks the vendor to offer that choice).
- A patient sufficiently identified (HIS 80415:2012 §3.3.4) gets a positive AppRec even when an identifier is
  missing or wrong; that problem is kept on the message as a note (E30, E31, E32).
- A message whose sender cannot be identified cannot be answered; it is stored, marked and reported.
- A duplicate (same MsgId from the same sender to the same recipient, §5.4) is not imported again; the AppRec
  already made for it is sent again (the sender evidently did not get it).
- The same MsgId with *other content* is no duplicate (§5.4 speaks of a message "som mottas på nytt"): it is
  kept beside the first as a MsgId conflict, alerted, and neither imported nor answered (see
  :func:`~samhandling.services.messaging.duplicates.record_msgid_conflict`).
- Change, cancel and addition messages (PLO Forsendelsesstatus M/C/A) are linked to their original through
  ``ConversationRef/RefToParent``; one that arrives before its original is held and linked when it comes.
- An incoming AppRec moves the outgoing message it answers (matched by OriginalMsgId and its sender).
- A test message (``ProcessingStatus`` D, HIS 80601; a line test) is answered with an AppRec like any other
  but never handed to the EPJ, and neither is the AppRec answering our own line test.

Business messages go through :mod:`~samhandling.services.messaging.business`, incoming AppRecs through
:mod:`~samhandling.services.messaging.receipts`. Everything a message causes is written in one unit of work:
the message, its journal, its AppRecs and their place in the outbox, all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from samhandling.domain.clock import utc_now
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.services.messaging.addressing import receiver_her_ids
from samhandling.services.messaging.business import receive_business_message
from samhandling.services.messaging.patient_identification import patient_ref
from samhandling.services.messaging.receipts import receive_apprec
from samhandling.services.messaging.reception import Disposition, ReceiveOptions, Reception
from samhandling.standards.apprec.model import AppRec
from samhandling.standards.msghead import MsgHead
from samhandling.standards.validation import validate_message
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Inbound


def receive_message(
    data: bytes,
    uow: UnitOfWork,
    options: ReceiveOptions,
    *,
    transport_faults: Sequence[str] = (),
    transport_ref: str | None = None,
    origin: Inbound | None = None,
    now: datetime | None = None,
) -> Reception:
    """Run the receive pipeline on one message and commit what it produced.

    ``transport_ref`` is the transport's id of the message, kept so that the AppRec can answer by it;
    ``origin`` what the transport knows of it besides (its sender and MsgId, for a message whose header cannot
    be read).
    """
    at = now or utc_now()
    report = validate_message(data, schemas=options.schemas, max_bytes=options.max_bytes,
                              test_environment=options.test_environment)
    with uow:
        if isinstance(report.document, AppRec):
            result = receive_apprec(data, report.document, report, uow, at, transport_ref)
        else:
            result = receive_business_message(data, report, uow, options, transport_faults, at, transport_ref,
                                                origin)
        uow.commit()
    return result


def receive_inbound(inbound: Inbound, uow: UnitOfWork, options: ReceiveOptions, *, now: datetime | None = None
                    ) -> Reception:
    """:func:`receive_message` for what a transport delivered."""
    return receive_message(inbound.payload, uow, options, transport_faults=inbound.faults,
                           transport_ref=inbound.reference, origin=inbound, now=now)


def store_unprocessable(data: bytes, uow: UnitOfWork, reason: str, *, origin: Inbound | None = None,
                        now: datetime | None = None) -> Reception:
    """Keep a message the pipeline failed on (a fault of ours, not of the message), exactly as it came.

    It is stored as :attr:`MessageState.FAILED` with ``reason`` (one line, without patient data) in its journal,
    under the key fields that can still be read (from its header, else from the transport), so that the node can
    take it off the transport, go on with what comes after it, and the monitoring can tell a person. No AppRec
    is made: whether the message is fine is exactly what the node could not find out.
    """
    at = now or utc_now()
    head = _lenient_head(data)
    transport_ref = origin.reference if origin is not None else None
    with uow:
        stored = uow.messages.add(StoredMessage(
            direction=Direction.INCOMING,
            msg_id=(head.msg_id if head is not None else (origin.msg_id if origin is not None else None)) or "",
            msg_type=(head.msg_type if head is not None else "") or "",
            standard="",
            sender_her_id=(head.msg_info.sender.organisation.addressee_her_id() if head is not None
                           else (origin.sender_her_id if origin is not None else None)),
            receiver_her_ids=receiver_her_ids(head) if head is not None else (),
            recipient_her_id=origin.recipient_her_id if origin is not None else (
                head.msg_info.receiver.organisation.addressee_her_id() if head is not None else None),
            patient_ref=patient_ref(head) if head is not None else None,
            state=MessageState.RECEIVED,
            raw=data,
            created_at=at,
            updated_at=at,
            transport_ref=transport_ref,
        ), detail="Mottatt.")
        assert stored.id is not None
        uow.messages.update_state(stored.id, MessageState.FAILED, at=at,
                                  detail=f"Kunne ikke behandles: {reason}")
        uow.commit()
    return Reception(msg_id=stored.msg_id or None, msg_type=stored.msg_type or None, disposition=Disposition.FAILED,
                     stored_ids=[stored.id], reason=reason)


def _lenient_head(data: bytes) -> MsgHead | None:
    """The header as far as it reads, for a message the pipeline failed on; None when not even that works."""
    try:
        return validate_message(data, schemas=None, max_bytes=len(data) + 1).head
    except Exception:  # the pipeline already failed on this message; its header is a bonus
        return None
