"""The receive pipeline (HIS 80415, HITS 1168): stored messages and the right AppRecs, on every store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.services.messaging.receive import receive_message
from samhandling.services.messaging.reception import Disposition, ReceiveOptions
from samhandling.standards import msghead
from samhandling.standards.apprec.answer import AppRecError, build_apprec
from samhandling.standards.apprec.codes import ERROR_CODES
from samhandling.standards.apprec.model import read_apprec, write_apprec
from samhandling.standards.parsing import parse_xml
from samhandling.standards.schemas import SchemaSet
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.unit_of_work import UnitOfWork
from tests.support.parties import HOSPITAL_PARTIES, INNLEGGELSE

MH = "{http://www.kith.no/xmlstds/msghead/2006-05-24}"
FORESPORSEL = "dialogmelding-1.0/Dialogmelding_foresporsel_PLO_v1-0.xml"
STATUS_WITH_COPY = "dialogmelding-1.1/Status_paa_henvisning-InnkaltEtterViderehenvisning.xml"

# The hospital node of the samples: St. Olavs (59) with two departments; Alvdal (99387) is a partner.


@pytest.fixture
def hospital(new_uow: Callable[[], UnitOfWork]) -> Callable[[], UnitOfWork]:
    with new_uow() as uow:
        for party in HOSPITAL_PARTIES:
            uow.parties.add(party)
        uow.commit()
    return new_uow


@pytest.fixture
def options(schemas: SchemaSet) -> ReceiveOptions:
    return ReceiveOptions(schemas=schemas, max_bytes=50 * 1024 * 1024)


def sample(samples_dir: Path, name: str) -> bytes:
    return (samples_dir / name).read_bytes()


def edited(data: bytes, change: Callable[[etree._Element], None]) -> bytes:
    root = parse_xml(data)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def stored(new_uow: Callable[[], UnitOfWork], **filters: object) -> list[StoredMessage]:
    with new_uow() as uow:
        return uow.messages.list(MessageQuery(limit=None, oldest_first=True, **filters))  # type: ignore[arg-type]


def test_a_valid_plo_message_is_accepted_with_one_positive_apprec(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path, schemas: SchemaSet
) -> None:
    data = sample(samples_dir, INNLEGGELSE + "Ny.xml")
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.ACCEPTED
    assert result.errors == [] and not result.duplicate
    (answer,) = result.apprecs
    assert (answer.to_her_id, answer.from_her_id, answer.role, answer.status, answer.version) == (
        "5078", "91090", "PRIM", "1", "1.1")
    assert schemas.validate(parse_xml(answer.raw), "AppRec-v1.1.xsd") == []
    receipt = read_apprec(parse_xml(answer.raw))
    assert receipt.original_id == "13a5da20-05c6-11e8-8f1a-0800200c9a66"
    assert receipt.receiver_her_id == "5078" and receipt.sender_her_id == "91090"

    (incoming,) = stored(hospital, direction=Direction.INCOMING)
    assert incoming.raw == data
    assert incoming.state is MessageState.ACCEPTED
    assert (incoming.msg_type, incoming.standard, incoming.sender_her_id, incoming.recipient_her_id) == (
        "INNLEGGELSESRAPPORT", "PLO 1.6", "5078", "91090")
    (queued,) = stored(hospital, direction=Direction.OUTGOING)
    assert queued.is_apprec and queued.state is MessageState.QUEUED and queued.raw == answer.raw
    with hospital() as uow:
        assert uow.outbox.pending(answer.stored_id) is not None
        assert [e.state for e in uow.messages.journal(incoming.id or 0)] == [MessageState.RECEIVED,
                                                                            MessageState.ACCEPTED]


def test_dialogmelding_1_0_is_answered_with_apprec_1_0(
    new_uow: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path, schemas: SchemaSet
) -> None:
    with new_uow() as uow:
        uow.parties.add(Party(her_id="91096", name="Legekontoret", kind=PartyKind.ORGANISATION, local=True))
        uow.parties.add(Party(her_id="91101", name="Fastlege", kind=PartyKind.PERSON, parent_her_id="91096"))
        uow.commit()
    result = receive_message(sample(samples_dir, FORESPORSEL), new_uow(), options)
    (answer,) = result.apprecs
    assert answer.version == "1.0" and answer.status == "1"
    assert schemas.validate(parse_xml(answer.raw), "AppRec-v1-2004-11-21.xsd") == []


def test_primary_and_copy_receiver_each_get_an_apprec_with_their_role(
    new_uow: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    with new_uow() as uow:
        for her_id, name in (("62", "Sykehus A"), ("56704", "Legekontor B")):
            uow.parties.add(Party(her_id=her_id, name=name, kind=PartyKind.ORGANISATION, local=True))
        uow.parties.add(Party(her_id="8605", name="Poliklinikk", kind=PartyKind.SERVICE, parent_her_id="62"))
        uow.parties.add(Party(her_id="258521", name="Lege", kind=PartyKind.PERSON, parent_her_id="56704"))
        uow.commit()
    result = receive_message(sample(samples_dir, STATUS_WITH_COPY), new_uow(), options)
    assert result.disposition is Disposition.ACCEPTED
    assert [(a.from_her_id, a.role, a.to_her_id) for a in result.apprecs] == [
        ("8605", "PRIM", "90998"), ("258521", "COP", "90998")]
    assert len(stored(new_uow, direction=Direction.INCOMING)) == 2


def _only_name_and(fnr: str) -> Callable[[etree._Element], None]:
    """The patient with name and the given fødselsnummer only: no birth date and no sex."""
    def change(root: etree._Element) -> None:
        patient = root.find(f"{MH}MsgInfo/{MH}Patient")
        for tag in ("DateOfBirth", "Sex"):
            for found in patient.findall(f"{MH}{tag}"):
                patient.remove(found)
        patient.find(f"{MH}Ident/{MH}Id").text = fnr
    return change


def test_pasientopplysninger_er_utilstrekkelige_is_rejected_with_e36_and_an_ot_text(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    """HIS 80415:2012 §3.3.4: name and a wrong fødselsnummer, no birth date and sex: not sufficiently identified."""
    data = edited(sample(samples_dir, INNLEGGELSE + "Ny.xml"), _only_name_and("12057900498"))
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.REJECTED
    assert result.errors == ["E36", "E31"]
    (answer,) = result.apprecs
    assert (answer.status, answer.errors) == ("2", ("E36",))
    receipt = read_apprec(parse_xml(answer.raw))
    assert receipt.error[0].ot is not None and "/MsgHead/MsgInfo/Patient" in receipt.error[0].ot
    assert "fødselsnummer er feil" in receipt.error[0].ot
    assert "12057900498" not in (receipt.error[0].ot or "")
    (incoming,) = stored(hospital, direction=Direction.INCOMING)
    assert incoming.state is MessageState.REJECTED and incoming.error_codes == ("E36", "E31")


@pytest.mark.parametrize(("fnr", "note"), [("12057900498", "E31"), ("", "E30")])
def test_navn_fodselsdato_og_kjonn_is_sufficient_identification_with_a_positive_apprec(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path, fnr: str, note: str
) -> None:
    """HIS 80415:2012 §3.3.4 "Navn, fødselsdato og kjønn": a wrong or empty fødselsnummer is only a note."""
    data = edited(sample(samples_dir, INNLEGGELSE + "Ny.xml"),
                  lambda r: r.find(f"{MH}MsgInfo/{MH}Patient/{MH}Ident/{MH}Id").__setattr__("text", fnr))
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.ACCEPTED
    (answer,) = result.apprecs
    assert (answer.status, answer.errors) == ("1", ())
    assert [n.code for n in result.notes] == [note] and result.errors == [note]
    (incoming,) = stored(hospital, direction=Direction.INCOMING)
    assert incoming.state is MessageState.ACCEPTED and incoming.error_codes == (note,)
    with hospital() as uow:
        journal = uow.messages.journal(incoming.id or 0)
    assert any(f"Merknad (avviser ikke): {note}" in e.detail for e in journal)
    assert all("12057900498" not in e.detail for e in journal)


def test_schema_invalid_message_is_rejected_with_t02(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    data = edited(sample(samples_dir, INNLEGGELSE + "Ny.xml"),
                  lambda r: r.find(f"{MH}MsgInfo/{MH}GenDate").__setattr__("text", "i morgen"))
    result = receive_message(data, hospital(), options)
    assert result.apprecs[0].errors == ("T02",)


def test_a_signature_fault_reported_by_the_transport_rejects_the_message(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    result = receive_message(sample(samples_dir, INNLEGGELSE + "Ny.xml"), hospital(), options,
                             transport_faults=["S02"])
    assert result.disposition is Disposition.REJECTED
    assert result.apprecs[0].errors == ("S02",)


def test_our_organisation_but_unknown_service_is_misdirected_e21(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    data = sample(samples_dir, INNLEGGELSE + "Ny.xml").replace(b"<Id>91090</Id>", b"<Id>91999</Id>")
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.REJECTED
    (answer,) = result.apprecs
    assert (answer.from_her_id, answer.errors) == ("91999", ("E21",))


def _service_without_her_id(name: str) -> Callable[[etree._Element], None]:
    """The receiving service named only by a local LOK identifier and ``name``."""
    def change(root: etree._Element) -> None:
        service = root.find(f"{MH}MsgInfo/{MH}Receiver/{MH}Organisation/{MH}Organisation")
        service.find(f"{MH}OrganisationName").text = name
        ident = service.find(f"{MH}Ident")
        ident.find(f"{MH}Id").text = "A-17"
        ident.find(f"{MH}TypeId").attrib.update({"V": "LOK", "DN": "Lokal identifikator"})
    return change


def test_mottaker_finnes_ikke_e21_for_a_service_of_ours_without_her_id_and_a_name_we_do_not_have(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    """HIS 80415:2012 §3.3.4: "mottakende tjeneste ikke kan identifiseres som registrert tjeneste ved
    organisasjonen" -> E21 Mottaker finnes ikke, also when the unit carries no HER-id at all."""
    data = edited(sample(samples_dir, INNLEGGELSE + "Ny.xml"), _service_without_her_id("Avdeling Ukjent"))
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.REJECTED
    (answer,) = result.apprecs
    assert (answer.from_her_id, answer.status, answer.errors) == ("59", "2", ("E21",))
    receipt = read_apprec(parse_xml(answer.raw))
    assert "Avdeling Ukjent" in (receipt.error[0].ot or "")


def test_a_service_without_her_id_is_identified_by_its_name(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    data = edited(sample(samples_dir, INNLEGGELSE + "Ny.xml"), _service_without_her_id("Medisinsk avdeling"))
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.ACCEPTED
    (kept,) = stored(hospital, direction=Direction.INCOMING)
    assert kept.recipient_her_id == "91090"


@pytest.mark.parametrize("change", ["no-her-id", "unknown-her-id"])
def test_the_organisation_may_choose_to_accept_an_unknown_service_at_organisation_level(
    hospital: Callable[[], UnitOfWork], schemas: SchemaSet, samples_dir: Path, change: str
) -> None:
    """HIS 80415:2012 §3.3.4: "Leverandøren av fagsystemet skal tilby sine kunder en mulighet for å velge om
    negativ applikasjonskvittering skal sendes etter denne regelen"."""
    original = sample(samples_dir, INNLEGGELSE + "Ny.xml")
    data = (edited(original, _service_without_her_id("Avdeling Ukjent")) if change == "no-her-id"
            else original.replace(b"<Id>91090</Id>", b"<Id>91999</Id>"))
    options = ReceiveOptions(schemas=schemas, max_bytes=50 * 1024 * 1024, unknown_service_accepted=True)
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.ACCEPTED
    (answer,) = result.apprecs
    assert (answer.from_her_id, answer.status, answer.errors) == ("59", "1", ())
    assert [n.code for n in result.notes] == ["E21"] and "organisasjonsnivå" in result.notes[0].text
    (kept,) = stored(hospital, direction=Direction.INCOMING)
    assert kept.recipient_her_id == "59" and kept.state is MessageState.ACCEPTED


def test_another_organisation_gets_no_apprec(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    data = (sample(samples_dir, INNLEGGELSE + "Ny.xml")
            .replace(b"<Id>59</Id>", b"<Id>4242</Id>").replace(b"<Id>91090</Id>", b"<Id>4243</Id>"))
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.UNANSWERABLE
    assert result.apprecs == [] and "HITS 1168" in result.reason
    (kept,) = stored(hospital)
    assert kept.state is MessageState.UNANSWERABLE and kept.raw == data


def test_a_sender_without_her_id_cannot_be_answered_but_is_kept(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    def anonymous_sender(root: etree._Element) -> None:
        for type_id in root.findall(f"{MH}MsgInfo/{MH}Sender//{MH}TypeId"):
            type_id.set("V", "ENH")

    data = edited(sample(samples_dir, INNLEGGELSE + "Ny.xml"), anonymous_sender)
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.UNANSWERABLE and result.apprecs == []
    (kept,) = stored(hospital)
    assert kept.state is MessageState.UNANSWERABLE and kept.raw == data


def test_a_sender_with_an_empty_name_and_empty_identifiers_is_never_answered_to_an_empty_her_id(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    """HITS 1168 §5.3: "så mangelfullt adressert at det ikke kan tydes hvor meldingen kommer fra" -> no AppRec."""
    def emptied_sender(root: etree._Element) -> None:
        for name in root.findall(f"{MH}MsgInfo/{MH}Sender//{MH}OrganisationName"):
            name.text = ""
        for ident in root.findall(f"{MH}MsgInfo/{MH}Sender//{MH}Ident/{MH}Id"):
            ident.text = ""

    data = edited(sample(samples_dir, INNLEGGELSE + "Ny.xml"), emptied_sender)
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.UNANSWERABLE and result.apprecs == []
    (kept,) = stored(hospital)
    assert kept.state is MessageState.UNANSWERABLE and kept.raw == data
    assert stored(hospital, direction=Direction.OUTGOING) == []


def test_no_code_path_stores_an_outgoing_message_to_an_empty_or_unknown_her_id(
    hospital: Callable[[], UnitOfWork]
) -> None:
    for to in ("", None, "ukjent"):
        message = StoredMessage(direction=Direction.OUTGOING, msg_id="4b0c1c33-7d0b-4d7e-9a39-2f7d4a1e5b11",
                                msg_type="APPREC", standard="AppRec 1.1", sender_her_id="59",
                                receiver_her_ids=(to,) if to is not None else (), recipient_her_id=to,
                                state=MessageState.QUEUED, raw=b"<AppRec/>", is_apprec=True)
        with hospital() as uow, pytest.raises(ValueError, match="HER-id"):
            uow.messages.add(message)
    assert stored(hospital) == []


def test_a_synthetic_test_person_is_valid_only_in_a_test_environment(
    hospital: Callable[[], UnitOfWork], schemas: SchemaSet, samples_dir: Path
) -> None:
    """NHN's test environments: NAV's synthetic persons have 4 added to the first digit of the month."""
    from tests.unit.test_identifiers import _synthetic_number

    synthetic = _synthetic_number(13, 51, 69)
    data = edited(sample(samples_dir, INNLEGGELSE + "Ny.xml"), _only_name_and(synthetic))
    production = receive_message(data, hospital(), ReceiveOptions(schemas=schemas, max_bytes=50 * 1024 * 1024))
    assert production.disposition is Disposition.REJECTED and production.errors == ["E36", "E31"]
    test = ReceiveOptions(schemas=schemas, max_bytes=50 * 1024 * 1024, test_environment=True)
    other = data.replace(b"13a5da20-05c6-11e8-8f1a-0800200c9a66", b"13a5da20-05c6-11e8-8f1a-0800200c9a67")
    accepted = receive_message(other, hospital(), test)
    assert accepted.disposition is Disposition.ACCEPTED and accepted.errors == []


@pytest.mark.parametrize("data", [b"ikke xml", b"<MsgHead><MsgInfo>"])
def test_unreadable_bytes_are_kept_and_reported(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, data: bytes
) -> None:
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.UNANSWERABLE
    assert result.errors == ["T01"] and result.apprecs == []
    (kept,) = stored(hospital)
    assert kept.raw == data and kept.state is MessageState.UNANSWERABLE and kept.error_codes == ("T01",)


def test_a_duplicate_is_not_imported_again_and_gets_the_same_apprec(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    data = sample(samples_dir, INNLEGGELSE + "Ny.xml")
    first = receive_message(data, hospital(), options)
    with hospital() as uow:  # the first AppRec has gone out
        (item,) = uow.outbox.claim("test")
        uow.commit()
    with hospital() as uow:
        uow.outbox.mark_done(item)
        uow.commit()
    again = receive_message(data, hospital(), options)
    assert again.duplicate
    assert [a.raw for a in again.apprecs] == [a.raw for a in first.apprecs]
    assert len(stored(hospital, direction=Direction.INCOMING)) == 1
    assert len(stored(hospital, direction=Direction.OUTGOING)) == 1
    with hospital() as uow:
        assert uow.outbox.pending(first.apprecs[0].stored_id) is not None


def test_the_same_msgid_with_other_content_is_not_a_duplicate_but_a_conflict_kept_and_alerted(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    """HITS 1168 §5.4: a duplicate is a message "som mottas på nytt"; other content under the same MsgId is kept
    beside the first and not answered (§5.1: never a new AppRec on the same message)."""
    data = sample(samples_dir, INNLEGGELSE + "Ny.xml")
    first = receive_message(data, hospital(), options)
    other = data.replace(b"Numedalsveien 52", b"Numedalsveien 54")
    assert other != data
    conflict = receive_message(other, hospital(), options)
    assert conflict.disposition is Disposition.MSGID_CONFLICT and conflict.apprecs == []
    assert "MsgId brukt om igjen" in conflict.reason
    again = receive_message(other, hospital(), options)  # the conflicting copy once more changes nothing
    assert again.disposition is Disposition.MSGID_CONFLICT and again.stored_ids == conflict.stored_ids
    incoming = stored(hospital, direction=Direction.INCOMING)
    assert [m.state for m in incoming] == [MessageState.ACCEPTED, MessageState.MSGID_CONFLICT]
    assert incoming[1].raw == other and incoming[1].conflicts_with == first.stored_ids[0]
    assert len(stored(hospital, direction=Direction.OUTGOING)) == 1  # only the first message's AppRec
    with hospital() as uow:
        assert any(f"melding {incoming[1].id}" in e.detail for e in uow.messages.journal(incoming[0].id or 0))
        assert [m.id for m in uow.handover.pending()] == [incoming[0].id]  # the new content never reaches the EPJ


def test_the_same_message_in_another_encoding_is_still_a_duplicate(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    data = sample(samples_dir, INNLEGGELSE + "Ny.xml")
    receive_message(data, hospital(), options)
    latin1 = etree.tostring(parse_xml(data), xml_declaration=True, encoding="ISO-8859-1")
    assert latin1 != data
    assert receive_message(latin1, hospital(), options).duplicate


def test_change_after_original_is_linked(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    receive_message(sample(samples_dir, INNLEGGELSE + "Ny.xml"), hospital(), options)
    change = receive_message(sample(samples_dir, INNLEGGELSE + "Endring.xml"), hospital(), options)
    assert change.disposition is Disposition.ACCEPTED
    assert change.linked_to == "13a5da20-05c6-11e8-8f1a-0800200c9a66"


def test_change_and_cancel_before_original_are_held_then_linked(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    change = receive_message(sample(samples_dir, INNLEGGELSE + "Endring.xml"), hospital(), options)
    cancel = receive_message(sample(samples_dir, INNLEGGELSE + "Kansellering.xml"), hospital(), options)
    assert change.disposition is Disposition.HELD and change.linked_to is None
    assert [a.status for a in change.apprecs] == ["1"]  # readable and taken over: a positive AppRec at once
    assert cancel.disposition is Disposition.HELD  # its original (the change) is itself held, not yet linked
    assert [m.state for m in stored(hospital, direction=Direction.INCOMING)] == [MessageState.HELD] * 2

    original = receive_message(sample(samples_dir, INNLEGGELSE + "Ny.xml"), hospital(), options)
    assert original.disposition is Disposition.ACCEPTED
    states = {m.msg_id: (m.state, m.linked_to_msg_id) for m in stored(hospital, direction=Direction.INCOMING)}
    assert states["c5718400-0663-11e8-b566-0800200c9a66"] == (MessageState.ACCEPTED,
                                                              "13a5da20-05c6-11e8-8f1a-0800200c9a66")
    assert states["be6d23c0-0664-11e8-b566-0800200c9a66"] == (MessageState.ACCEPTED,
                                                              "c5718400-0663-11e8-b566-0800200c9a66")


def test_an_incoming_apprec_moves_the_message_it_answers(
    hospital: Callable[[], UnitOfWork], options: ReceiveOptions, samples_dir: Path
) -> None:
    # The municipality's node received our message and answered: model that with the samples reversed.
    sent = sample(samples_dir, INNLEGGELSE + "Ny.xml")
    municipality_answer = build_apprec(
        msghead.read_msghead(parse_xml(sent)), version="1.1", status="2",
        errors=[AppRecError(ERROR_CODES["E35"], "Pasienten finnes ikke hos oss.")])
    with hospital() as uow:
        uow.messages.add(StoredMessage(
            direction=Direction.OUTGOING, msg_id="13a5da20-05c6-11e8-8f1a-0800200c9a66",
            msg_type="INNLEGGELSESRAPPORT", standard="PLO 1.6", sender_her_id="5078", receiver_her_ids=("91090",),
            recipient_her_id="91090", state=MessageState.QUEUED, raw=sent))
        uow.commit()
    data = etree.tostring(write_apprec(municipality_answer), xml_declaration=True, encoding="UTF-8")
    result = receive_message(data, hospital(), options)
    assert result.disposition is Disposition.RECEIPT
    assert result.errors == ["E35"]
    sent_message = stored(hospital, direction=Direction.OUTGOING, is_apprec=False)[0]
    assert sent_message.state is MessageState.RECEIPT_REJECTED and sent_message.error_codes == ("E35",)
    assert receive_message(data, hospital(), options).duplicate


@pytest.mark.parametrize("rejects", [True, False])
def test_a_patient_missing_from_the_directory_gives_e35(
    hospital: Callable[[], UnitOfWork], schemas: SchemaSet, samples_dir: Path, rejects: bool
) -> None:
    from samhandling.store.messaging.patients import PatientEntry

    with hospital() as uow:  # the hospital keeps a directory; the ward inherits it
        uow.patients.upsert(PatientEntry(party_her_id="59", patient_id="12057900499", name="Annen Pasient"))
        uow.commit()
    options = ReceiveOptions(schemas=schemas, max_bytes=10**7, unknown_patient_rejects=rejects)
    result = receive_message(sample(samples_dir, INNLEGGELSE + "Ny.xml"), hospital(), options)
    assert result.errors == ["E35"]
    (answer,) = result.apprecs
    if rejects:
        assert (result.disposition, answer.status, answer.errors) == (Disposition.REJECTED, "2", ("E35",))
    else:
        assert (result.disposition, answer.status, answer.errors) == (Disposition.ACCEPTED, "1", ())
    (incoming,) = stored(hospital, direction=Direction.INCOMING)
    assert incoming.error_codes == ("E35",)

    with hospital() as uow:  # once the patient is known, the next message passes
        uow.patients.upsert(PatientEntry(party_her_id="59", patient_id="13116900216", name="Kjent Pasient"))
        uow.commit()
    change = receive_message(sample(samples_dir, INNLEGGELSE + "Endring.xml"), hospital(), options)
    assert change.errors == []
