"""``samhandling demo --codec``: a short, honest demonstration of the message codec.

A municipality writes an Innleggelsesrapport to the hospital; the hospital validates it and answers
with a positive AppRec, then sends Melding om innlagt pasient back. A second Innleggelsesrapport with a
mistyped fødselsnummer (and a birth date, but no sex) is rejected with E36: name and a wrong number are not
sufficient identification (HIS 80415:2012 §3.3.4); the wrong number is noted as E31. Every message is
written to ``<home>/demo`` and validated against the official schemas when they are installed.
"""

from __future__ import annotations

import random
from datetime import date, datetime

from rich.console import Console
from rich.table import Table

from samhandling.domain.identifiers import synthetic_person_id
from samhandling.domain.privacy import mask_person_id
from samhandling.settings import Settings
from samhandling.standards.apprec.answer import AppRecError, build_apprec
from samhandling.standards.apprec.codes import ERROR_CODES, STATUS_OK, STATUS_REJECTED
from samhandling.standards.apprec.model import AppRec, write_apprec
from samhandling.standards.apprec.versions import apprec_version_for
from samhandling.standards.message import compose, message_bytes, to_bytes
from samhandling.standards.msghead import Patient, party, person_ident
from samhandling.standards.plo.examples.admission_report import innleggelsesrapport
from samhandling.standards.plo.examples.logistics import melding_om_innlagt_pasient
from samhandling.standards.validation import ValidationReport, validate_message

HOSPITAL = party("Sykehuset Innlandet HF", "8100", service=party("Medisinsk avdeling Gjøvik", "8101"))
MUNICIPALITY = party("Gjøvik kommune", "8200", service=party("Hjemmesykepleien", "8201"))


def demo_patient() -> Patient:
    """A synthetic patient: the identifier has valid check digits and belongs to no one we know of."""
    fnr = synthetic_person_id(date(1948, 3, 14), female=True, rng=random.Random(3407))
    return Patient(family_name="Nordmann", given_name="Kari", date_of_birth=date(1948, 3, 14),
                   ident=[person_ident(fnr)])


def _answer(report: ValidationReport) -> AppRec:
    """The AppRec the receiver sends for a validated message, in the version coupled to its standard."""
    assert report.head is not None and report.standard is not None
    errors = [AppRecError(ERROR_CODES[f.code], f.text) for f in report.findings]
    status = STATUS_REJECTED.value if errors else STATUS_OK.value
    version = apprec_version_for(report.standard.standard, report.standard.version)
    return build_apprec(report.head, version=version, status=status, errors=errors)


def run_codec_demo(settings: Settings, console: Console) -> None:
    folder = settings.home / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    schemas = settings.schemas
    console.print("[bold]samhandling – demonstrasjon av meldingskodeken[/bold]")
    console.print("Skjemavalidering: " + (f"på ({settings.effective_schema_dir})" if schemas else
                                          "av (installer med «samhandling schemas install MAPPE»)"))
    patient = demo_patient()
    console.print(f"Testpasient: Kari Nordmann, fødselsnummer {mask_person_id(patient.ident[0].id)} (syntetisk)\n")

    table = Table(title="Meldinger", show_lines=False)
    for column in ("Fil", "Type", "Fra", "Til", "Resultat"):
        table.add_column(column)

    def record(name: str, data: bytes) -> ValidationReport:
        path = folder / name
        path.write_bytes(data)
        report = validate_message(data, schemas=schemas, max_bytes=settings.max_message_bytes)
        result = "gyldig" if report.valid else "ugyldig: " + ", ".join(report.codes)
        sender = receiver = ""
        if report.head is not None:
            sender = report.head.msg_info.sender.organisation.addressee_her_id() or ""
            receiver = report.head.msg_info.receiver.organisation.addressee_her_id() or ""
        elif isinstance(report.document, AppRec):
            sender, receiver = report.document.sender_her_id or "", report.document.receiver_her_id or ""
            result += f", status {report.document.status_code}"
        table.add_row(path.name, report.msg_type or "?", sender, receiver, result)
        return report

    rapport = compose(innleggelsesrapport(), msg_type="INNLEGGELSESRAPPORT",
                      sender=MUNICIPALITY, receiver=HOSPITAL, patient=patient)
    received = record("1-innleggelsesrapport.xml", message_bytes(rapport))
    record("2-apprec-ok.xml", to_bytes(write_apprec(_answer(received))))

    innlagt = compose(melding_om_innlagt_pasient(innlagt=datetime(2026, 11, 26, 9, 30)),
                      msg_type="LOG_INNLAGT", sender=HOSPITAL, receiver=MUNICIPALITY, patient=patient,
                      in_reply_to=rapport)
    record("3-melding-om-innlagt-pasient.xml", message_bytes(innlagt))

    wrong = compose(innleggelsesrapport(), msg_type="INNLEGGELSESRAPPORT",
                    sender=MUNICIPALITY, receiver=HOSPITAL, patient=_mistyped(patient))
    rejected = record("4-innleggelsesrapport-feil-fnr.xml", message_bytes(wrong))
    record("5-apprec-avvist.xml", to_bytes(write_apprec(_answer(rejected))))

    console.print(table)
    for finding in rejected.findings:
        console.print(f"Avvist med {finding.code}: {finding.text}", markup=False)
    for note in rejected.notes:
        console.print(f"Merknad {note.code}: {note.text}", markup=False)
    console.print(f"\nMeldingene ligger i {folder}.")
    console.print(f"Vis en av dem med: samhandling show {folder / '1-innleggelsesrapport.xml'}")


def _mistyped(patient: Patient) -> Patient:
    """The same patient with two digits of the fødselsnummer swapped, as a typing error would."""
    fnr = patient.ident[0].id
    swapped = fnr[:7] + fnr[8] + fnr[7] + fnr[9:]
    if swapped == fnr:
        swapped = fnr[:10] + str((int(fnr[10]) + 1) % 10)
    return Patient(family_name=patient.family_name, given_name=patient.given_name,
                   date_of_birth=patient.date_of_birth, ident=[person_ident(swapped)])

