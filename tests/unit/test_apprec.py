"""AppRec 1.0 and 1.1: the official samples read strictly and written back, and answers to received messages.

Expected identifiers are taken from the official files at test time; the synthetic messages built here name
test organisations and fictitious healthcare professionals only.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from samhandling.standards.apprec.answer import AppRecError, build_apprec, recipients
from samhandling.standards.apprec.codes import (
    ERROR_CODES,
    ERROR_E21,
    ERROR_E36,
    ERROR_T02,
    ERROR_X99,
    OID_ERROR,
    ROLE_REQUESTER,
    STATUS_CODES,
    STATUS_OK,
    STATUS_OK_ERROR_IN_PART,
    STATUS_REJECTED,
    Code,
)
from samhandling.standards.apprec.model import (
    APPREC_NS_1_0,
    APPREC_NS_1_1,
    HCP,
    STANDARDS,
    AdditionalId,
    AppRec,
    AppRec10,
    AppRec11,
    HCPerson,
    HCProf,
    read_apprec,
    write_apprec,
)
from samhandling.standards.apprec.versions import apprec_version_for
from samhandling.standards.binding import BindingError, same_information
from samhandling.standards.kith import CS, CV
from samhandling.standards.msghead import (
    OID_ORG_IDENT,
    OID_PERSON_IDENT,
    HealthcareProfessional,
    Ident,
    MsgHead,
    MsgInfo,
    Organisation,
    OtherReceiver,
    Receiver,
    Sender,
    read_msghead,
)
from samhandling.standards.schemas import SchemaSet
from tests.conftest import sample_files

SCHEMA_FILES = {s.version: s.schema_file for s in STANDARDS}
PLO_16_SAMPLES = sample_files("plo-1.6/**/*.xml")
PLO_16_MESSAGE = "plo-1.6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Ny.xml"
DIALOG_10_MESSAGE = "dialogmelding-1.0/Dialogmelding_foresporsel_PLO_v1-0.xml"
DIALOG_11_WITH_COPY = "dialogmelding-1.1/Status_paa_henvisning-InnkaltEtterViderehenvisning.xml"


def _root(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _message(samples_dir: Path, relative: str) -> MsgHead:
    return read_msghead(_root(samples_dir / relative))


def _assert_valid(apprec: AppRec, schemas: SchemaSet) -> etree._Element:
    """The AppRec written out validates against its version's official XSD and reads back the same."""
    written = write_apprec(apprec)
    assert schemas.validate(written, SCHEMA_FILES[apprec.version]) == []
    assert same_information(read_apprec(written), apprec)
    return written


def _her_path(hcp: HCP) -> list[str]:
    """HER-ids of an AppRec's HCP from the institution down to the person."""
    assert hcp.inst is not None
    units = [hcp.inst, *hcp.inst.dept, *hcp.inst.hc_person]
    return [u.id for u in units if u.id and u.type_id is not None and u.type_id.v == "HER"]


# --- official AppRec samples -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", sample_files("apprec-1.0/*.xml", "apprec-1.1/*.xml"), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_official_sample_is_read_strictly_written_back_and_valid(path: Path, schemas: SchemaSet) -> None:
    apprec = read_apprec(_root(path))

    assert apprec.version == path.parent.name.removeprefix("apprec-")
    written = _assert_valid(apprec, schemas)
    assert written.tag == f"{{{APPREC_NS_1_0 if apprec.version == '1.0' else APPREC_NS_1_1}}}AppRec"


def test_accessors_give_status_errors_original_message_and_her_ids(samples_dir: Path) -> None:
    root = _root(samples_dir / "apprec-1.1" / "example-avvist.xml")
    ns = {"ar": APPREC_NS_1_1}

    apprec = read_apprec(root)

    assert apprec.status_code == "2"
    assert apprec.rejected
    assert apprec.error_codes == ["E21"]
    assert apprec.original_id == root.findtext("ar:OriginalMsgId/ar:Id", namespaces=ns)
    # The most specific HER-id: the person of the answering recipient, the service of the original sender.
    assert apprec.sender_her_id == root.findtext("ar:Sender/ar:HCP/ar:Inst/ar:HCPerson/ar:Id", namespaces=ns)
    assert apprec.receiver_her_id == root.findtext("ar:Receiver/ar:HCP/ar:Inst/ar:Dept/ar:Id", namespaces=ns)


def test_her_id_type_is_recognised_despite_surrounding_whitespace(samples_dir: Path) -> None:
    root = _root(samples_dir / "apprec-1.0" / "example-avvist.xml")
    ns = {"ar": APPREC_NS_1_0}
    inst = root.find("ar:Sender/ar:HCP/ar:Inst", namespaces=ns)
    person = root.find("ar:Sender/ar:HCP/ar:Inst/ar:HCPerson", namespaces=ns)
    assert inst is not None and person is not None
    inst.remove(person)  # what is left is the institution, whose TypeId is V=" HER"
    assert inst.xpath("string(ar:TypeId/@V)", namespaces=ns) == " HER"

    apprec = read_apprec(root)

    assert apprec.sender_her_id == inst.findtext("ar:Id", namespaces=ns)


def test_accessors_on_a_partial_rejection_without_her_ids(samples_dir: Path) -> None:
    apprec = read_apprec(_root(samples_dir / "apprec-1.0" / "example-ok-feil-i-delmelding.xml"))

    assert apprec.status_code == "3"
    assert not apprec.rejected
    assert len(apprec.error_codes) == 2
    assert apprec.sender_her_id is None  # identified by organisation number only
    assert apprec.receiver_her_id is None  # identified by organisation number and HPR number


def test_reading_is_strict_about_unknown_elements(samples_dir: Path) -> None:
    root = _root(samples_dir / "apprec-1.1" / "example-ok.xml")
    etree.SubElement(root, f"{{{APPREC_NS_1_1}}}Kommentar")

    with pytest.raises(BindingError, match="Kommentar"):
        read_apprec(root)
    assert read_apprec(root, strict=False).status_code == "1"


def test_a_document_that_is_not_an_apprec_is_refused() -> None:
    with pytest.raises(BindingError, match="ikke en applikasjonskvittering"):
        read_apprec(etree.Element("{http://www.kith.no/xmlstds/msghead/2006-05-24}MsgHead"))


def test_both_versions_are_registered_and_writable(schemas: SchemaSet) -> None:
    assert [(s.standard, s.version, s.namespace, s.root, s.msg_types, s.writable) for s in STANDARDS] == [
        ("AppRec", "1.0", APPREC_NS_1_0, "AppRec", ("APPREC",), True),
        ("AppRec", "1.1", APPREC_NS_1_1, "AppRec", ("APPREC",), True),
    ]
    assert [s.model for s in STANDARDS] == [AppRec10, AppRec11]
    assert all(schemas.path_of(s.schema_file).is_file() for s in STANDARDS)


# --- code tables -----------------------------------------------------------------------------------


def test_status_codes_of_code_system_8258() -> None:
    assert {v: c.name for v, c in STATUS_CODES.items()} == {
        "1": "OK",
        "2": "Avvist",
        "3": "OK, feil i delmelding",
    }
    assert {c.system for c in STATUS_CODES.values()} == {"2.16.578.1.12.4.1.1.8258"}


def test_error_codes_of_code_system_8221() -> None:
    assert set(ERROR_CODES) == {
        "T01", "T02", "T10", "T99", "S01", "S02", "S03", "S99",
        "E10", "E20", "E21", "E30", "E31", "E32", "E35", "E36", "E53", "E54", "X99",
    }  # fmt: skip
    assert {c.system for c in ERROR_CODES.values()} == {"2.16.578.1.12.4.1.1.8221"}
    assert ERROR_CODES["T02"].name == "XML validerer ikke"
    assert ERROR_CODES["E10"].name == "Ugyldig meldingsidentifikator"
    assert ERROR_CODES["S03"].name == "Tilbaketrukket sertifikat"


# --- which version answers a message (HITS 1168 §8.3) -----------------------------------------------


@pytest.mark.parametrize(
    ("standard", "version", "expected"),
    [
        ("PLO", "1.5", "1.0"),
        ("PLO", "1.6", "1.1"),
        ("PLO", "2.0", "1.1"),
        ("Dialogmelding", "1.0", "1.0"),
        ("Dialogmelding", "1.1", "1.1"),
        ("Epikrise", "1.1", "1.0"),
        ("Epikrise", "1.2", "1.1"),
        ("Henvisning", "1.0", "1.0"),
        ("Henvisning", "1.1", "1.1"),
        ("Henvisning ny tilstand", "1.0", "1.1"),
        ("Viderehenvisning", "1.0", "1.1"),
        ("Rekvisisjon", "1.5", "1.0"),
        ("Rekvisisjon", "1.6", "1.1"),
        ("Svarrapport", "1.3", "1.0"),
        ("Svarrapport", "1.4", "1.1"),
        ("e-resept", "2.5", "1.0"),
    ],
)
def test_version_coupling(standard: str, version: str, expected: str) -> None:
    assert apprec_version_for(standard, version) == expected


def test_a_standard_hits_1168_does_not_list_has_no_apprec_version() -> None:
    with pytest.raises(LookupError, match="AppRec"):
        apprec_version_for("AppRec", "1.1")
    with pytest.raises(ValueError, match="versjonsnummer"):
        apprec_version_for("PLO", "v1.6")


# --- answering official PLO and dialog messages ---------------------------------------------------


@pytest.mark.parametrize("path", PLO_16_SAMPLES, ids=lambda p: p.name)
def test_rejecting_a_plo_16_message_gives_apprec_11_back_to_its_sender(
    path: Path, schemas: SchemaSet
) -> None:
    original = read_msghead(_root(path))
    error = AppRecError(ERROR_T02, "Meldingen validerer ikke: MsgHead/MsgInfo/Patient/Ident mangler.")

    apprec = build_apprec(original, version=apprec_version_for("PLO", "1.6"), status="2", errors=[error])

    assert isinstance(apprec, AppRec11)
    written = _assert_valid(apprec, schemas)
    assert written.tag == f"{{{APPREC_NS_1_1}}}AppRec"
    info = original.msg_info
    assert apprec.receiver.role == CS(v="AVS", dn="Avsender")
    assert apprec.receiver_her_id == info.sender.organisation.addressee_her_id()
    assert _her_path(apprec.receiver.hcp) == info.sender.organisation.her_path()
    assert apprec.sender.role == CS(v="PRIM", dn="Primærmottaker")
    assert apprec.sender_her_id == info.receiver.organisation.addressee_her_id()
    assert _her_path(apprec.sender.hcp) == info.receiver.organisation.her_path()
    assert apprec.original_id == original.msg_id
    assert apprec.original_msg_id.msg_type == info.type
    assert apprec.original_msg_id.issue_date == info.gen_date
    assert apprec.error == [CV(v="T02", s=OID_ERROR, dn="XML validerer ikke", ot=error.text)]
    assert apprec.error_codes == ["T02"]


def test_a_dialogmelding_10_is_answered_with_apprec_10(samples_dir: Path, schemas: SchemaSet) -> None:
    original = _message(samples_dir, DIALOG_10_MESSAGE)
    version = apprec_version_for("Dialogmelding", "1.0")

    apprec = build_apprec(original, version=version, status="1")

    assert version == "1.0"
    assert isinstance(apprec, AppRec10)
    assert apprec.mig_version == "1.0 2004-11-21"
    written = _assert_valid(apprec, schemas)
    assert written.tag == f"{{{APPREC_NS_1_0}}}AppRec"
    assert apprec.sender.role == CS(v="SPR", dn="Tjenesteyter")
    assert apprec.receiver.role == CS(v="RECEIVER", dn="Mottaker")
    assert apprec.original_id == original.msg_id
    assert apprec.receiver_her_id == original.msg_info.sender.organisation.addressee_her_id()
    # The addressed person of the original Receiver becomes the institution's HCPerson (HITS 1168 §11.3).
    person = original.msg_info.receiver.organisation.healthcare_professional
    assert person is not None
    assert apprec.sender_her_id == person.her_id()
    assert apprec.sender.hcp.inst is not None
    assert apprec.sender.hcp.inst.hc_person == [
        HCPerson(
            name=f"{person.given_name} {person.family_name}",
            id=person.her_id(),
            type_id=CS(v="HER", dn="HER-id"),
        )
    ]


def test_an_apprec_10_may_answer_as_requester(samples_dir: Path, schemas: SchemaSet) -> None:
    original = _message(samples_dir, DIALOG_10_MESSAGE)

    apprec = build_apprec(original, version="1.0", status="1", role=ROLE_REQUESTER)

    assert apprec.sender.role == CS(v="REQ", dn="Rekvirent")
    _assert_valid(apprec, schemas)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize(
    ("status", "errors"),
    [
        (STATUS_OK, []),
        (STATUS_REJECTED, [AppRecError(ERROR_E36, "Pasienten mangler både fødselsnummer og fødselsdato.")]),
        (
            STATUS_OK_ERROR_IN_PART,
            [
                AppRecError(ERROR_X99, "Delmelding 2: ukjent tjenestetype."),
                AppRecError(ERROR_X99, "Delmelding 5: ukjent tjenestetype."),
            ],
        ),
    ],
    ids=["ok", "avvist", "ok-feil-i-delmelding"],
)
def test_each_status(
    status: Code, errors: list[AppRecError], version: str, samples_dir: Path, schemas: SchemaSet
) -> None:
    original = _message(samples_dir, PLO_16_MESSAGE)

    apprec = build_apprec(original, version=version, status=status.value, errors=errors)

    assert apprec.status == CS(v=status.value, dn=status.name)
    assert apprec.rejected == (status is STATUS_REJECTED)
    assert apprec.error == [CV(v=e.code.value, s=OID_ERROR, dn=e.code.name, ot=e.text) for e in errors]
    _assert_valid(apprec, schemas)


@pytest.mark.parametrize(
    ("status", "errors", "message"),
    [
        ("1", [AppRecError(ERROR_E21, "Tjenesten er nedlagt.")], "skal ikke ha feilmeldinger"),
        ("2", [], "minst én feilmelding"),
        ("3", [], "minst én feilmelding"),
        ("4", [], "ukjent status"),
    ],
)
def test_status_and_errors_must_agree(
    status: str, errors: list[AppRecError], message: str, samples_dir: Path
) -> None:
    original = _message(samples_dir, PLO_16_MESSAGE)

    with pytest.raises(ValueError, match=message):
        build_apprec(original, version="1.1", status=status, errors=errors)


def test_only_versions_10_and_11_are_written(samples_dir: Path) -> None:
    with pytest.raises(ValueError, match="ukjent AppRec-versjon"):
        build_apprec(_message(samples_dir, PLO_16_MESSAGE), version="1.2", status="1")


def test_given_id_and_time_are_used_and_the_default_id_is_a_uuid(samples_dir: Path) -> None:
    original = _message(samples_dir, PLO_16_MESSAGE)
    msg_id, gen_date = "6f0c2f4e-0d7b-4a8e-9a51-0b1c9e0f7d11", datetime(2024, 5, 2, 8, 15, 0)

    given = build_apprec(original, version="1.1", status="1", msg_id=msg_id, gen_date=gen_date)

    assert (given.id, given.gen_date) == (msg_id, gen_date)

    default = build_apprec(original, version="1.1", status="1")
    assert str(uuid.UUID(default.id)) == default.id


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_a_copy_receiver_answers_as_copy_receiver(
    version: str, samples_dir: Path, schemas: SchemaSet
) -> None:
    original = _message(samples_dir, DIALOG_11_WITH_COPY)
    primary, copy = recipients(original)
    assert (primary.is_copy, copy.is_copy) == (False, True)
    other = original.msg_info.other_receiver[0]
    assert other.organisation is not None

    apprec = build_apprec(original, version=version, status="1", recipient_her_id=copy.her_id)

    assert apprec.sender.role == CS(v="COP", dn="Kopimottaker")
    assert apprec.sender_her_id == copy.her_id
    assert _her_path(apprec.sender.hcp) == other.organisation.her_path()
    assert apprec.receiver_her_id == original.msg_info.sender.organisation.addressee_her_id()
    _assert_valid(apprec, schemas)


def test_the_primary_receiver_answers_by_default_and_an_unknown_recipient_is_refused(
    samples_dir: Path,
) -> None:
    original = _message(samples_dir, DIALOG_11_WITH_COPY)
    primary = recipients(original)[0]

    apprec = build_apprec(original, version="1.1", status="1")

    assert apprec.sender_her_id == primary.her_id
    assert apprec.sender.role == CS(v="PRIM", dn="Primærmottaker")
    with pytest.raises(ValueError, match="er ikke mottaker av meldingen"):
        build_apprec(original, version="1.1", status="1", recipient_her_id="999999999")


# --- mapping MsgHead addressing to the AppRec (HIS 80415:2012 §3.5, HITS 1168 §11) ------------------


def _ident(value: str, type_code: str, name: str, oid: str = OID_ORG_IDENT) -> Ident:
    return Ident(id=value, type_id=CV(v=type_code, dn=name, s=oid))


def _her(value: str) -> Ident:
    return _ident(value, "HER", "HER-id")


def _synthetic_message(sender: Organisation, receiver: Organisation, *copies: OtherReceiver) -> MsgHead:
    return MsgHead(
        msg_info=MsgInfo(
            type=CS(v="DIALOG_FORESPORSEL", dn="Forespørsel"),
            gen_date=datetime(2024, 3, 1, 10, 30, 0),
            msg_id="0b6a4b4e-9a0f-4a53-8d2b-6f9d3c1e2a77",
            sender=Sender(organisation=sender),
            receiver=Receiver(organisation=receiver),
            other_receiver=list(copies),
        )
    )


TEST_MUNICIPALITY = Organisation(organisation_name="Testkommune", ident=[_her("8000001")])


def test_a_signing_person_is_not_mapped_when_the_service_is_the_communication_party(
    schemas: SchemaSet,
) -> None:
    signer = HealthcareProfessional(
        family_name="Testlege",
        given_name="Kari",
        ident=[_ident("9000017", "HPR", "HPR-nummer", OID_PERSON_IDENT)],
    )
    service = Organisation(
        organisation_name="Testavdeling", ident=[_her("8000003")], healthcare_professional=signer
    )
    hospital = Organisation(
        organisation_name="Testsykehuset HF", ident=[_her("8000002")], organisation=service
    )

    apprec = build_apprec(_synthetic_message(hospital, TEST_MUNICIPALITY), version="1.1", status="1")

    inst = apprec.receiver.hcp.inst
    assert inst is not None
    assert [d.name for d in inst.dept] == ["Testavdeling"]
    assert inst.hc_person == []
    assert apprec.receiver_her_id == "8000003"
    _assert_valid(apprec, schemas)


def test_every_identifier_is_returned_with_the_her_id_first(schemas: SchemaSet) -> None:
    hospital = Organisation(
        organisation_name="Testsykehuset HF",
        ident=[_ident("999999996", "ENH", "Organisasjonsnummeret i Enhetsregister"), _her("8000002")],
    )

    apprec = build_apprec(_synthetic_message(hospital, TEST_MUNICIPALITY), version="1.1", status="1")

    inst = apprec.receiver.hcp.inst
    assert inst is not None
    assert (inst.id, inst.type_id) == ("8000002", CS(v="HER", dn="HER-id"))
    assert inst.additional_id == [
        AdditionalId(id="999999996", type=CS(v="ENH", dn="Organisasjonsnummeret i Enhetsregister"))
    ]
    _assert_valid(apprec, schemas)


def test_a_copy_receiver_that_is_a_healthcare_professional_answers_as_hcprof(schemas: SchemaSet) -> None:
    doctor = HealthcareProfessional(
        type_healthcare_professional=CS(v="LE", dn="Lege"),
        family_name="Testlege",
        given_name="Ola",
        ident=[_her("8000004")],
    )
    copy = OtherReceiver(role_receiver=CS(v="COP", dn="Kopimottaker"), healthcare_professional=doctor)
    hospital = Organisation(organisation_name="Testsykehuset HF", ident=[_her("8000002")])
    original = _synthetic_message(hospital, TEST_MUNICIPALITY, copy)

    apprec = build_apprec(original, version="1.1", status="1", recipient_her_id="8000004")

    assert apprec.sender.hcp == HCP(
        hc_prof=HCProf(
            type=CS(v="LE", dn="Lege"), name="Ola Testlege", id="8000004", type_id=CS(v="HER", dn="HER-id")
        )
    )
    assert apprec.sender_her_id == "8000004"
    _assert_valid(apprec, schemas)
