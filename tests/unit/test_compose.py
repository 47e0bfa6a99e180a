"""Every message type samhandling writes, wrapped in MsgHead, validates against the official XSDs."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from samhandling.domain.identifiers import synthetic_person_id
from samhandling.standards.dialogmelding.builders import (
    avvik,
    foresporsel,
    helsefaglig_dialog,
    notat,
    svar_pa_foresporsel,
)
from samhandling.standards.dialogmelding.codes import PASIENTEN_TILHORER_IKKE_KOMMUNEN
from samhandling.standards.dialogmelding.model import Dialogmelding
from samhandling.standards.message import compose, message_bytes, msg_type_for
from samhandling.standards.msghead import Patient, party, person_ident
from samhandling.standards.plo.examples.admission_report import innleggelsesrapport
from samhandling.standards.plo.examples.hospital_reports import helseopplysninger, utskrivningsrapport
from samhandling.standards.plo.examples.logistics import (
    avmelding_utskrivningsklar_pasient,
    melding_om_innlagt_pasient,
    melding_om_utskrevet_pasient,
    melding_om_utskrivningsklar_pasient,
    orientering_om_dodsfall,
)
from samhandling.standards.schemas import SchemaSet
from samhandling.standards.validation import validate_message

HOSPITAL = party("Sykehuset Innlandet HF", "8100", service=party("Medisinsk avdeling", "8101"))
MUNICIPALITY = party("Testkommune", "8200", service=party("Hjemmesykepleien", "8201"))

BUILDERS: dict[str, tuple[Callable[[], Any], str]] = {
    "innleggelsesrapport": (innleggelsesrapport, "INNLEGGELSESRAPPORT"),
    "innlagt": (melding_om_innlagt_pasient, "LOG_INNLAGT"),
    "utskrivningsklar": (melding_om_utskrivningsklar_pasient, "LOG_UTSKRIVNINGSKLAR"),
    "avmelding": (avmelding_utskrivningsklar_pasient, "LOG_AVMELDING"),
    "utskrevet": (melding_om_utskrevet_pasient, "LOG_UTSKREVET"),
    "dodsfall": (orientering_om_dodsfall, "LOG_DOD"),
    "helseopplysninger": (helseopplysninger, "HELSEOPPL_SOKNAD"),
    "utskrivningsrapport": (utskrivningsrapport, "UTSKRIVNINGSRAPPORT"),
    "foresporsel-1.0": (lambda: foresporsel(sporsmal="Hvordan går det med pasienten? Svar før kl. 14."),
                        "DIALOG_FORESPORSEL"),
    "svar-1.0": (lambda: svar_pa_foresporsel(tekst="Pasienten er i bedring; pårørende er varslet."),
                 "DIALOG_SVAR"),
    "avvik-1.0": (lambda: avvik(tekst=PASIENTEN_TILHORER_IKKE_KOMMUNEN), "DIALOG_AVVIK"),
    "notat-1.0": (lambda: notat(tekst="Pasienten har fått ny rullator."), "DIALOG_NOTAT"),
    "foresporsel-1.1": (lambda: foresporsel(sporsmal="Ønsker oppdatert legemiddelliste.", version="1.1"),
                        "DIALOG_FORESPORSEL"),
    "helsefaglig-1.1": (lambda: helsefaglig_dialog(tema="Sårstell", tekst="Såret gror fint; bytt hver 3. dag."),
                        "DIALOG_HELSEFAGLIG"),
}


def patient() -> Patient:
    fnr = synthetic_person_id(date(1951, 6, 2), rng=random.Random(1))
    return Patient(family_name="Nordmann", given_name="Ola", ident=[person_ident(fnr)])


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_written_message_validates(name: str, schemas: SchemaSet) -> None:
    build, msg_type = BUILDERS[name]
    document = build()
    assert msg_type_for(document) == msg_type
    head = compose(document, sender=MUNICIPALITY, receiver=HOSPITAL, patient=patient())
    data = message_bytes(head)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    report = validate_message(data, schemas=schemas)
    assert report.findings == []
    assert report.msg_type == msg_type
    without_schemas = validate_message(data, schemas=None)
    assert without_schemas.findings == []


def test_reply_carries_conversation_ref() -> None:
    first = compose(innleggelsesrapport(), sender=MUNICIPALITY, receiver=HOSPITAL, patient=patient())
    reply = compose(melding_om_innlagt_pasient(), sender=HOSPITAL, receiver=MUNICIPALITY,
                    patient=patient(), in_reply_to=first)
    third = compose(foresporsel(sporsmal="Når kan pasienten komme hjem?"), sender=MUNICIPALITY,
                    receiver=HOSPITAL, patient=patient(), in_reply_to=reply)
    assert reply.msg_info.conversation_ref is not None
    assert reply.msg_info.conversation_ref.ref_to_parent == first.msg_id
    assert reply.msg_info.conversation_ref.ref_to_conversation == first.msg_id
    assert third.msg_info.conversation_ref is not None
    assert third.msg_info.conversation_ref.ref_to_parent == reply.msg_id
    assert third.msg_info.conversation_ref.ref_to_conversation == first.msg_id


def test_norwegian_letters_survive_a_whole_message(schemas: SchemaSet) -> None:
    text = "Æ, Ø og Å – blåbærsyltetøy på sjukehuset i Gjøvik"
    head = compose(foresporsel(sporsmal=text), sender=MUNICIPALITY, receiver=HOSPITAL, patient=patient())
    report = validate_message(message_bytes(head), schemas=schemas)
    assert report.valid
    assert text.encode("utf-8") in message_bytes(head)
    assert isinstance(report.document, Dialogmelding)
    sporsmal = report.document.foresporsel[0].sporsmal
    assert sporsmal is not None and sporsmal.plain_text() == text
