"""Messages to measure with, made from the project's own builders (synthetic patient, random attachment)."""

from __future__ import annotations

import os
import random
from datetime import date

from samhandling.domain.identifiers import synthetic_person_id
from samhandling.standards.dialogmelding.builders import helsefaglig_dialog
from samhandling.standards.kith import CS, TS
from samhandling.standards.message import compose, message_bytes
from samhandling.standards.msghead import Document, Patient, RefDoc, base64_content, party, person_ident


def helsefaglig_dialog_with_attachment(attachment_bytes: int) -> bytes:
    """A Helsefaglig dialog from 8201 to 8101 with a PDF-like attachment of ``attachment_bytes`` bytes."""
    patient = Patient(family_name="Nordmann", given_name="Kari",
                      ident=[person_ident(synthetic_person_id(date(1944, 2, 29), rng=random.Random(7)))])
    head = compose(helsefaglig_dialog(tema="EKG", tekst="EKG fra i dag ligger ved."),
                   sender=party("Gjøvik kommune", "8200", service=party("Hjemmesykepleien", "8201")),
                   receiver=party("Sykehuset Innlandet HF", "8100", service=party("Medisinsk avdeling", "8101")),
                   patient=patient)
    head.document.append(Document(ref_doc=RefDoc(
        issue_date=TS(v=head.msg_info.gen_date), msg_type=CS(v="A", dn="Vedlegg"), mime_type="application/pdf",
        description="EKG", content=base64_content(b"%PDF-1.4\n" + os.urandom(attachment_bytes)))))
    return message_bytes(head)
