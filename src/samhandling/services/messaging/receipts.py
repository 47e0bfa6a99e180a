"""Receiving an AppRec: it moves the outgoing message it answers (matched by OriginalMsgId and its sender) to
receipt OK or rejected. A receipt that contradicts the one the message has already is kept as a conflict; the
first one stands (HITS 1168 §5.1). The AppRec answering our own line test is not handed to the EPJ.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage, receipt_move
from samhandling.services.messaging.reception import Disposition, Reception
from samhandling.standards.apprec.model import AppRec
from samhandling.standards.validation import ValidationReport
from samhandling.store.unit_of_work import UnitOfWork


def receive_apprec(data: bytes, receipt: AppRec, report: ValidationReport, uow: UnitOfWork,
                    at: datetime, transport_ref: str | None) -> Reception:
    """An AppRec answering something we sent: move that message to receipt OK or rejected."""
    original = receipt.original_id
    sender = receipt.sender_her_id
    result = Reception(msg_id=receipt.id, msg_type="APPREC", disposition=Disposition.RECEIPT,
                       errors=list(receipt.error_codes), linked_to=original)
    existing = uow.messages.get_by_key(receipt.id, sender, receipt.receiver_her_id, Direction.INCOMING)
    if existing is not None:
        result.disposition = Disposition.DUPLICATE
        result.stored_ids.append(existing.id or 0)
        return result
    stored = uow.messages.add(StoredMessage(
        direction=Direction.INCOMING, msg_id=receipt.id, msg_type="APPREC",
        standard=report.standard.label if report.standard is not None else "AppRec",
        sender_her_id=sender, receiver_her_ids=tuple(i for i in (receipt.receiver_her_id,) if i),
        recipient_her_id=receipt.receiver_her_id, state=MessageState.RECEIVED, raw=data, created_at=at,
        updated_at=at, is_apprec=True, original_msg_id=original, error_codes=tuple(receipt.error_codes),
        transport_ref=transport_ref,
    ), detail="Applikasjonskvittering mottatt.")
    assert stored.id is not None
    result.stored_ids.append(stored.id)
    targets = uow.messages.find_apprec_targets(original or "", apprec_sender_her_id=sender) if original else []
    if not targets:
        result.reason = "Kvitteringen svarer ikke på noen melding vi har sendt."
        uow.messages.update_state(stored.id, MessageState.REJECTED, detail=result.reason, at=at,
                                  error_codes=list(receipt.error_codes))
        return result
    state = MessageState.RECEIPT_REJECTED if receipt.rejected else MessageState.RECEIPT_OK
    detail = ("Negativ applikasjonskvittering: " + ", ".join(receipt.error_codes) if receipt.rejected
              else "Positiv applikasjonskvittering.")
    conflicts = 0
    for target in targets:
        assert target.id is not None
        move = receipt_move(target.state, state)
        if move:
            uow.messages.update_state(target.id, state, detail=detail, error_codes=list(receipt.error_codes), at=at)
        elif move is None:  # the message has the other receipt already: the first one stands (HITS 1168 §5.1)
            conflicts += 1
            uow.messages.record_receipt_conflict(target.id, conflict_text(target, state, receipt.error_codes,
                                                                          "applikasjonskvitteringen"), at=at)
        # move is False: the transport's status told us this receipt already; nothing changes
    link = "Knyttet til sendt melding." if not conflicts else (
        "Knyttet til sendt melding, men motstrider kvitteringen den alt har; den første kvitteringen gjelder.")
    uow.messages.update_state(stored.id, MessageState.ACCEPTED, detail=link, at=at)
    if all(uow.monitor.is_line_test(t.id or 0) for t in targets):  # our own line test: not for the EPJ
        uow.handover.mark(stored.id, at=at)
    result.reason = f"Kvittering på {len(targets)} sendt(e) melding(er)."
    if conflicts:
        result.reason += f" {conflicts} av dem hadde alt en annen kvittering (konflikt)."
    return result


def conflict_text(message: StoredMessage, learned: MessageState, codes: Sequence[str], source: str) -> str:
    """The journal's words for a receipt that contradicts the one ``message`` has."""
    said = f"«{learned.label}»" + (f" ({', '.join(codes)})" if codes else "")
    has = f"«{message.state.label}»" + (f" ({', '.join(message.error_codes)})" if message.error_codes else "")
    return (f"Motstridende kvittering: {source} sier {said}, men meldingen har alt {has}. Den første "
            "kvitteringen gjelder; finn ut med mottakeren hvilken som er riktig.")
