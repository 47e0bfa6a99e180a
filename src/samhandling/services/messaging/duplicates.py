"""A MsgId received again: a duplicate (same MsgId from the same sender to the same recipient, HITS 1168 §5.4) is
not imported again, and the AppRec already made for it is sent again (the sender evidently did not get it). The
same MsgId with *other content* is no duplicate: it is kept beside the first as a MsgId conflict, alerted, and
neither imported nor answered.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.services.messaging.addressing import Recipient, receiver_her_ids
from samhandling.services.messaging.apprecs import role_of
from samhandling.services.messaging.patient_identification import patient_ref
from samhandling.services.messaging.reception import Disposition, ProducedAppRec, Reception
from samhandling.standards.apprec.model import read_apprec
from samhandling.standards.msghead import MsgHead
from samhandling.standards.parsing import parse_xml
from samhandling.standards.validation import ValidationReport
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.unit_of_work import UnitOfWork


def answer_duplicate(existing: StoredMessage, recipient: Recipient, uow: UnitOfWork, result: Reception,
                      at: datetime) -> None:
    """Send the AppRec made for the first copy again; import nothing (HITS 1168 §5.4)."""
    result.disposition = Disposition.DUPLICATE
    if existing.id is not None:
        result.stored_ids.append(existing.id)
    result.errors = list(existing.error_codes) or result.errors
    sent = [a for a in uow.messages.apprecs_for(existing.msg_id, direction=Direction.OUTGOING)
            if a.sender_her_id == recipient.her_id and a.recipient_her_id == existing.sender_her_id]
    if not sent:
        return
    receipt = sent[0]
    assert receipt.id is not None
    uow.outbox.enqueue(receipt.id, at=at)
    parsed = read_apprec(parse_xml(receipt.raw), strict=False)
    result.apprecs.append(ProducedAppRec(
        to_her_id=receipt.recipient_her_id or "", from_her_id=recipient.her_id, role=role_of(parsed),
        status=parsed.status_code or "", errors=tuple(parsed.error_codes), version=parsed.version,
        msg_id=receipt.msg_id, raw=receipt.raw, stored_id=receipt.id,
    ))


def same_content(first: bytes, second: bytes) -> bool:
    """Whether two copies of a message are the same message: the same bytes, or the same XML once both are
    canonicalised (another encoding, declaration or attribute order is the same message sent again)."""
    if first == second:
        return True
    try:
        return _canonical(first) == _canonical(second)
    except Exception:  # a copy that does not even parse is not the same message as one that does
        return False


def _canonical(data: bytes) -> str:
    """Canonical XML (C14N 2.0) of a message, for comparing two copies of it."""
    return str(etree.canonicalize(etree.tostring(parse_xml(data), encoding="unicode")))


def record_msgid_conflict(data: bytes, head: MsgHead, report: ValidationReport, first: StoredMessage,
                           recipient: Recipient, uow: UnitOfWork, result: Reception, at: datetime,
                           transport_ref: str | None) -> None:
    """A MsgId we already stored from this sender to this recipient, with other content.

    HITS 1168 §5.4 defines a duplicate as a message "som mottas på nytt med samme meldingsidentifikator": the
    same message again. Different content under the same MsgId is another message, so it is not silently taken
    as the first: its bytes are kept beside the first (:attr:`MessageState.MSGID_CONFLICT`, pointing at it), both
    journals name the other, and the monitoring alerts meldingsansvarlig.

    What goes back: no AppRec. The sender matches AppRecs by MsgId and already has (or will get) the one made for
    the first message; HITS 1168 §5.1: "Det skal ikke under noen omstendighet sendes en ny applikasjonskvittering
    på samme fagmelding med samme eller annen status enn den opprinnelige", and an AppRec for the second content
    would carry the same OriginalMsgId. The sender is told "gjennom avviksrutiner" (ibid.; HIS 80415:2012 §3.2
    point 7: "telefon eller på annen måte"), which the alert asks for; the new content is never imported.
    A copy of the conflicting message that arrives again is a duplicate of it and changes nothing.
    """
    assert first.id is not None
    earlier = [m for m in uow.messages.list(MessageQuery(direction=Direction.INCOMING, msg_id=head.msg_id,
                                                         states=frozenset({MessageState.MSGID_CONFLICT}),
                                                         limit=None))
               if m.conflicts_with == first.id and same_content(m.raw, data)]
    result.disposition = Disposition.MSGID_CONFLICT
    result.reason = (f"MsgId brukt om igjen med annet innhold enn melding {first.id}; ikke tatt inn og ikke "
                     "kvittert (HITS 1168 §5.1, §5.4).")
    if earlier:
        result.stored_ids.append(earlier[0].id or 0)
        return
    info = head.msg_info
    stored = uow.messages.add(StoredMessage(
        direction=Direction.INCOMING, msg_id=head.msg_id, msg_type=head.msg_type,
        standard=report.standard.label if report.standard is not None else "",
        sender_her_id=first.sender_her_id, receiver_her_ids=receiver_her_ids(head),
        recipient_her_id=recipient.her_id,
        conversation_ref=info.conversation_ref.ref_to_conversation if info.conversation_ref else None,
        parent_ref=info.conversation_ref.ref_to_parent if info.conversation_ref else None,
        patient_ref=patient_ref(head), state=MessageState.RECEIVED, raw=data, created_at=at, updated_at=at,
        transport_ref=transport_ref, conflicts_with=first.id,
    ), detail="Mottatt.")
    assert stored.id is not None
    uow.messages.update_state(stored.id, MessageState.MSGID_CONFLICT, at=at, error_codes=report.codes,
                              detail=f"MsgId brukt om igjen med annet innhold: melding {first.id} har samme MsgId "
                                     "fra samme avsender. Ikke tatt inn og ikke kvittert; avsenderen må sende "
                                     "på nytt med ny MsgId.")
    uow.messages.note(first.id, f"En annen melding (melding {stored.id}) kom med samme MsgId og annet innhold; "
                                "denne meldingen gjelder fortsatt.", at=at)
    result.stored_ids.append(stored.id)
