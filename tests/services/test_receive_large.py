"""Messages up to the EDI 2.0 limit (35 MB) are received and answered (issue 10 §3).

A schema-valid Helsefaglig dialog with a large attachment is one big base64 text node; libxml2 refuses text
nodes over 10 MB unless told otherwise, which used to make such a message "not readable XML" without an AppRec.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from samhandling.domain.messaging.messages import MessageState
from samhandling.services.messaging.receive import receive_message
from samhandling.services.messaging.reception import ReceiveOptions
from samhandling.standards.dialogmelding.builders import helsefaglig_dialog
from samhandling.standards.kith import CS, TS
from samhandling.standards.message import compose, message_bytes
from samhandling.standards.msghead import Document, RefDoc, base64_content, party
from samhandling.standards.schemas import SchemaSet
from samhandling.store.unit_of_work import UnitOfWork
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient, register

MB = 1024 * 1024


def helsefaglig_dialog_with_attachment(attachment_bytes: int) -> bytes:
    head = compose(helsefaglig_dialog(tema="EKG", tekst="EKG fra i dag ligger ved."),
                   sender=party("Gjøvik kommune", "8200", service=party("Hjemmesykepleien", "8201")),
                   receiver=party("Sykehuset Innlandet HF", "8100", service=party("Medisinsk avdeling", "8101")),
                   patient=patient())
    pdf = b"%PDF-1.4\n" + os.urandom(attachment_bytes)
    head.document.append(Document(ref_doc=RefDoc(
        issue_date=TS(v=head.msg_info.gen_date), msg_type=CS(v="A", dn="Vedlegg"), mime_type="application/pdf",
        description="EKG", content=base64_content(pdf))))
    return message_bytes(head)


@pytest.mark.parametrize("attachment_mb", [8, 25], ids=["11MB", "34MB"])
def test_a_large_helsefaglig_dialog_gets_a_positive_apprec(
    attachment_mb: int, new_uow: Callable[[], UnitOfWork], schemas: SchemaSet
) -> None:
    data = helsefaglig_dialog_with_attachment(attachment_mb * MB)
    assert 10 * MB < len(data) < 35 * MB
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    result = receive_message(data, new_uow(), ReceiveOptions(schemas=schemas, max_bytes=50 * MB))
    assert result.disposition.value == "accepted", result.errors
    (answer,) = result.apprecs
    assert answer.status == "1" and answer.to_her_id == "8201"
    with new_uow() as uow:
        stored = uow.messages.get(result.stored_ids[0])
    assert stored is not None and stored.state is MessageState.ACCEPTED and stored.raw == data
