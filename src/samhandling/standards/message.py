"""Composing a whole message: a business document wrapped in MsgHead, written as UTF-8 bytes.

HIS 80601 §3: the header carries the message type (8279), a new UUID as MsgId, the generation time,
sender and receiver, the patient, and the business document in ``Document/RefDoc/Content`` with
``MsgType`` ``XML``. A reply carries ``ConversationRef`` (HITS 1218 §3): ``RefToParent`` is the MsgId
of the message it answers, ``RefToConversation`` the MsgId that started the conversation.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from samhandling.domain.clock import message_time
from samhandling.standards import plo, registry
from samhandling.standards.dialogmelding.message_type import msg_type_of as dialogmelding_msg_type_of
from samhandling.standards.dialogmelding.model import Dialogmelding
from samhandling.standards.kith import CS, TS
from samhandling.standards.msghead import (
    Content,
    ConversationRef,
    Document,
    MsgHead,
    MsgInfo,
    Organisation,
    OtherReceiver,
    Patient,
    Receiver,
    RefDoc,
    Sender,
    write_msghead,
)

# Display names of the MsgHead message types (code system 8279) samhandling writes.
MSG_TYPE_NAMES = {
    "INNLEGGELSESRAPPORT": "Innleggelsesrapport",
    "LOG_INNLAGT": "Melding om innlagt pasient",
    "LOG_UTSKRIVNINGSKLAR": "Melding om utskrivningsklar pasient",
    "LOG_AVMELDING": "Avmelding av utskrivningsklar pasient",
    "LOG_UTSKREVET": "Melding om utskrevet pasient",
    "LOG_DOD": "Orientering om dødsfall",
    "HELSEOPPL_SOKNAD": "Helseopplysninger ved søknad",
    "HELSEOPPLYSNINGER_LEGE": "Helseopplysninger til lege",
    "MEDISINSKE_OPPLYSNINGER": "Medisinske opplysninger",
    "ORIENTERING_TJENESTETILBUD": "Orientering om tjenestetilbud",
    "UTSKRIVNINGSRAPPORT": "Utskrivningsrapport",
    "DIALOG_FORESPORSEL": "Forespørsel",
    "DIALOG_SVAR": "Svar på forespørsel",
    "DIALOG_AVVIK": "Avviksmelding",
    "DIALOG_NOTAT": "Notat",
    "DIALOG_HELSEFAGLIG": "Helsefaglig dialog",
    "APPREC": "Applikasjonskvittering",
}


def new_msg_id() -> str:
    return str(uuid.uuid4())


def conversation_ref_for(parent: MsgHead) -> ConversationRef:
    """The ConversationRef of a reply to ``parent`` (HITS 1218 §3)."""
    ref = parent.msg_info.conversation_ref
    return ConversationRef(
        ref_to_parent=parent.msg_id,
        ref_to_conversation=ref.ref_to_conversation if ref is not None else parent.msg_id,
    )


def msg_type_for(document: Any) -> str:
    """The MsgHead type (code system 8279) a typed business document travels as."""
    if isinstance(document, Dialogmelding):
        return dialogmelding_msg_type_of(document)
    return plo.msg_type_of(document)


def compose(
    document: Any,
    *,
    msg_type: str | None = None,
    sender: Organisation,
    receiver: Organisation,
    patient: Patient | None,
    copies: Sequence[OtherReceiver] = (),
    in_reply_to: MsgHead | None = None,
    msg_id: str | None = None,
    gen_date: datetime | None = None,
    processing_status: str | None = None,
) -> MsgHead:
    """Wrap a typed business document in a MsgHead addressed from ``sender`` to ``receiver``.

    The message type is the one the document's standard prescribes, unless ``msg_type`` says otherwise.
    """
    now = gen_date or message_time()
    content = registry.write_content(document)
    kind = msg_type or msg_type_for(document)
    return MsgHead(
        msg_info=MsgInfo(
            type=CS(v=kind, dn=MSG_TYPE_NAMES.get(kind)),
            gen_date=now,
            msg_id=msg_id or new_msg_id(),
            processing_status=CS(v=processing_status) if processing_status else None,
            conversation_ref=conversation_ref_for(in_reply_to) if in_reply_to is not None else None,
            sender=Sender(organisation=sender),
            receiver=Receiver(organisation=receiver),
            other_receiver=list(copies),
            patient=patient,
        ),
        document=[Document(ref_doc=RefDoc(
            issue_date=TS(v=now),
            msg_type=CS(v="XML", dn="XML-instans"),
            content=Content(any=[content]),
        ))],
    )


def to_bytes(elem: etree._Element) -> bytes:
    """Serialise a message element as UTF-8 with an XML declaration (samhandling always writes UTF-8)."""
    return etree.tostring(elem, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def message_bytes(head: MsgHead) -> bytes:
    return to_bytes(write_msghead(head))
