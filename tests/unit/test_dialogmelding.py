"""Dialogmelding 1.0 and 1.1: the official samples, the builders and the differences between the versions."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from samhandling.standards import kith, registry
from samhandling.standards.binding import XSI, BindingError, canonical, same_information
from samhandling.standards.dialogmelding import builders, model
from samhandling.standards.dialogmelding.builders import (
    avvik,
    helsefaglig_dialog,
    helsepersonell_rolle,
    svar_pa_foresporsel,
)
from samhandling.standards.dialogmelding.codes import (
    ANNEN_HENVENDELSE_FRA_PLO,
    DIALOG_AVVIK,
    DIALOG_FORESPORSEL,
    DIALOG_HELSEFAGLIG,
    DIALOG_NOTAT,
    DIALOG_SVAR,
    FEIL_ADRESSAT,
    KONTAKT_HOS_MOTTAKER,
    MSG_TYPES,
    NOTAT_OM_PASIENT,
    OID_ROLLE_TIL_PASIENT,
    PASIENTEN_MOTTAR_IKKE_KOMMUNALE_TJENESTER,
    PASIENTEN_TILHORER_IKKE_KOMMUNEN,
)
from samhandling.standards.dialogmelding.message_type import msg_type_of
from samhandling.standards.dialogmelding.model import (
    STANDARDS,
    Dialogmelding,
    Dialogmelding10,
    Dialogmelding11,
    FormattedText,
    HealthcareProfessional,
    Notat,
    Person,
    RollerRelatertNotat,
    TilknyttetEnhet,
    Version,
    read_dialogmelding,
    write_dialogmelding,
)
from samhandling.standards.dialogmelding.versions import model_issues
from samhandling.standards.kith import CS, CV
from samhandling.standards.msghead import MsgHead, read_msghead
from samhandling.standards.schemas import SchemaSet
from tests.conftest import sample_files

SAMPLES = sample_files("dialogmelding-1.0/*.xml", "dialogmelding-1.1/*.xml")
XHTML_NS = "http://www.w3.org/1999/xhtml"


def _head(path: Path) -> MsgHead:
    return read_msghead(etree.parse(str(path)).getroot())


def _business_document(path: Path) -> etree._Element:
    found = _head(path).business_document()
    assert found is not None
    return found


def _sample(samples_dir: Path, name: str) -> Dialogmelding:
    return read_dialogmelding(_business_document(next(samples_dir.glob(f"dialogmelding-1.*/{name}"))))


def _schema_issues(schemas: SchemaSet, document: Dialogmelding) -> list[str]:
    written = write_dialogmelding(document)
    return [issue.message for issue in schemas.validate(written, model.standard(document.version).schema_file)]


def _without_schema_location(elem: etree._Element) -> etree._Element:
    clone = copy.deepcopy(elem)
    for node in clone.iter():
        if f"{{{XSI}}}schemaLocation" in node.attrib:
            del node.attrib[f"{{{XSI}}}schemaLocation"]
    return clone


# --- the official samples --------------------------------------------------------------------------

@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_reads_strictly_writes_back_and_validates(path: Path, schemas: SchemaSet) -> None:
    original = _business_document(path)
    document = registry.read_content(original, strict=True)
    assert isinstance(document, Dialogmelding)
    assert model_issues(document) == []

    written = registry.write_content(document)

    assert written.tag == original.tag  # the model's type keeps the version
    assert schemas.validate(written, model.standard(document.version).schema_file) == []
    assert same_information(document, registry.read_content(written))
    assert canonical(written) == canonical(_without_schema_location(original))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_msg_type_of_sample_is_its_msghead_type(path: Path, samples_dir: Path) -> None:
    head = _head(path)
    document = read_dialogmelding(_business_document(path))

    assert msg_type_of(document) == head.msg_type
    assert MSG_TYPES[head.msg_type] == head.msg_info.type.dn
    assert head.msg_type in model.standard(document.version).msg_types


def test_samples_of_both_versions_are_present(samples_dir: Path) -> None:
    versions = {read_dialogmelding(_business_document(path)).version for path in SAMPLES}
    assert versions == {"1.0", "1.1"}


def test_sample_with_a_two_megabyte_attachment_reads(samples_dir: Path) -> None:
    path = samples_dir / "dialogmelding-1.1" / "Helsefaglig dialog.xml"

    (ref_doc, data), = _head(path).attachments()
    document = read_dialogmelding(_business_document(path))

    assert ref_doc.mime_type == "application/pdf"
    assert data.startswith(b"%PDF") and len(data) > 1_000_000
    assert isinstance(document, Dialogmelding11)
    assert msg_type_of(document) == DIALOG_HELSEFAGLIG


def test_standards_name_the_official_schemas(schemas: SchemaSet) -> None:
    for standard in STANDARDS:
        assert schemas.path_of(standard.schema_file).is_file()
        assert registry.standard_of(standard.model()) == standard


# --- builders reproduce the official samples -------------------------------------------------------

def _avvik_like(sample: Dialogmelding) -> Dialogmelding:
    note = sample.notat[0]
    assert note.tekst_notat_innhold is not None
    return avvik(tekst=note.tekst_notat_innhold.plain_text(), roller=note.roller_relatert_notat)


def _foresporsel_like(sample: Dialogmelding) -> Dialogmelding:
    request = sample.foresporsel[0]
    assert request.sporsmal is not None
    return builders.foresporsel(sporsmal=request.sporsmal.plain_text(), type_foresp=ANNEN_HENVENDELSE_FRA_PLO,
                                roller=request.roller_relatert_notat)


def _svar_like(sample: Dialogmelding) -> Dialogmelding:
    note = sample.notat[0]
    assert note.tekst_notat_innhold is not None
    return svar_pa_foresporsel(tekst=note.tekst_notat_innhold.plain_text(), svar_pa=note.foresporsel,
                               roller=note.roller_relatert_notat)


def _helsefaglig_like(sample: Dialogmelding) -> Dialogmelding:
    note = sample.notat[0]
    author_role, wanted_role = note.roller_relatert_notat
    author, wanted = author_role.healthcare_professional, wanted_role.healthcare_professional
    assert note.tema is not None and note.tekst_notat_innhold is not None
    assert author is not None and wanted is not None and author.tele_com[0].tele_address.v is not None
    author_built = helsepersonell_rolle(
        role_to_patient=author_role.role_to_patient,
        family_name=author.family_name,
        given_name=author.given_name,
        hpr_nummer=author.ident[0].id,
        telefon=author.tele_com[0].tele_address.v.removeprefix("tel:"),
    )
    return helsefaglig_dialog(
        tema=note.tema,
        tekst=note.tekst_notat_innhold.plain_text(),
        roller=[author_built],
        kontakt_hos_mottaker=wanted.type_healthcare_professional,
    )


@pytest.mark.parametrize(("name", "build"), [
    ("Dialogmelding_avvik_v1-0.xml", _avvik_like),
    ("Dialogmelding_foresporsel_PLO_v1-0.xml", _foresporsel_like),
    ("Dialogmelding_svar_foresporsel_PLO_v1-0.xml", _svar_like),
    ("Helsefaglig dialog_angi profesjon hos mottaker.xml", _helsefaglig_like),
])
def test_builder_reproduces_official_sample(
    name: str, build: Callable[[Dialogmelding], Dialogmelding], samples_dir: Path
) -> None:
    sample = _sample(samples_dir, name)
    assert same_information(build(sample), sample)


# --- every builder, in every version it supports ---------------------------------------------------

AUTHOR = helsepersonell_rolle(
    role_to_patient=CV(v="9", dn="Primærkontakt", s=OID_ROLLE_TIL_PASIENT),
    type_healthcare_professional=CS(v="SP", dn="Sykepleier"),
    family_name="Testesen",
    given_name="Synne",
    hpr_nummer="1234567",
    telefon="99887766",
)

QUESTION = "Hvilke legemidler bruker pasienten nå?"


def _new_foresporsel(version: Version) -> Dialogmelding:
    return builders.foresporsel(sporsmal=QUESTION, roller=[AUTHOR], version=version)


def _new_svar(version: Version) -> Dialogmelding:
    received = builders.foresporsel(sporsmal=QUESTION, version=version)
    return svar_pa_foresporsel(tekst="Listen er oppdatert i dag.", svar_pa=received, version=version)


def _new_avvik(version: Version) -> Dialogmelding:
    return avvik(tekst=PASIENTEN_TILHORER_IKKE_KOMMUNEN, version=version)


def _new_notat(version: Version) -> Dialogmelding:
    return builders.notat(tekst="Pasienten har fått ny rullator.", tema="Hjelpemidler", version=version)


def _new_helsefaglig_dialog(version: Version) -> Dialogmelding:
    """Helsefaglig dialog exists in 1.1 only, so the builder takes no version."""
    return helsefaglig_dialog(tema="Spørsmål om oppfølging", tekst="Trenger råd om sårstell.",
                              roller=[AUTHOR], kontakt_hos_mottaker=CS(v="SP", dn="Sykepleier"))


BUILDERS: list[tuple[Callable[[Version], Dialogmelding], str, tuple[Version, ...]]] = [
    (_new_foresporsel, DIALOG_FORESPORSEL, ("1.0", "1.1")),
    (_new_svar, DIALOG_SVAR, ("1.0", "1.1")),
    (_new_avvik, DIALOG_AVVIK, ("1.0", "1.1")),
    (_new_notat, DIALOG_NOTAT, ("1.0", "1.1")),
    (_new_helsefaglig_dialog, DIALOG_HELSEFAGLIG, ("1.1",)),
]
CASES = [
    pytest.param(build, version, msg_type, id=f"{build.__name__.removeprefix('_new_')}-{version}")
    for build, msg_type, versions in BUILDERS
    for version in versions
]


@pytest.mark.parametrize(("build", "version", "msg_type"), CASES)
def test_builder_output_validates_and_round_trips(
    build: Callable[[Version], Dialogmelding], version: Version, msg_type: str, schemas: SchemaSet
) -> None:
    document = build(version)

    assert document.version == version
    assert msg_type_of(document) == msg_type
    assert _schema_issues(schemas, document) == []
    assert same_information(read_dialogmelding(write_dialogmelding(document)), document)


def test_builders_default_to_version_1_0() -> None:
    assert isinstance(builders.foresporsel(sporsmal="Spørsmål"), Dialogmelding10)
    assert isinstance(avvik(tekst=PASIENTEN_MOTTAR_IKKE_KOMMUNALE_TJENESTER), Dialogmelding10)
    assert isinstance(builders.notat(tekst="Notat"), Dialogmelding10)
    assert isinstance(svar_pa_foresporsel(tekst="Svar"), Dialogmelding10)


def test_builders_copy_the_codes_they_default_to() -> None:
    first, second = avvik(tekst="a"), avvik(tekst="b")
    first.notat[0].tema_kodet.dn = "endret"

    assert second.notat[0].tema_kodet.dn == "Feil adressat"
    assert FEIL_ADRESSAT.dn == "Feil adressat"


# --- Tilbakemelding om feil i mottatt melding ------------------------------------------------------

@pytest.mark.parametrize("text", [PASIENTEN_TILHORER_IKKE_KOMMUNEN,
                                  PASIENTEN_MOTTAR_IKKE_KOMMUNALE_TJENESTER])
def test_avvik_for_a_misdirected_plo_message(text: str, schemas: SchemaSet) -> None:
    document = avvik(tekst=text)
    note = read_dialogmelding(write_dialogmelding(document)).notat[0]

    assert (note.tema_kodet.v, note.tema_kodet.s, note.tema_kodet.dn) == ("1", "2.16.578.1.12.4.1.1.8117",
                                                                           "Feil adressat")
    assert note.tekst_notat_innhold is not None and note.tekst_notat_innhold.plain_text() == text
    assert _schema_issues(schemas, document) == []


# --- Svar på forespørsel ---------------------------------------------------------------------------

def test_svar_carries_a_copy_of_the_request_it_answers() -> None:
    received = builders.foresporsel(sporsmal="Når ble pasienten sist vaksinert?", roller=[AUTHOR])

    answer = svar_pa_foresporsel(tekst="I oktober.", svar_pa=received)
    copied = answer.notat[0].foresporsel

    assert copied is not None and copied is not received.foresporsel[0]
    assert same_information(copied, received.foresporsel[0])
    assert msg_type_of(answer) == DIALOG_SVAR


def test_svar_is_written_in_the_version_of_the_answered_document(schemas: SchemaSet) -> None:
    received = builders.foresporsel(sporsmal="Spørsmål", emne_sporsmal="Emne", version="1.1")

    answer = svar_pa_foresporsel(tekst="Svar", svar_pa=received)

    assert isinstance(answer, Dialogmelding11)
    assert _schema_issues(schemas, answer) == []


def test_svar_in_1_0_refuses_a_request_with_content_only_1_1_has() -> None:
    received = builders.foresporsel(sporsmal="Spørsmål", emne_sporsmal="Emne", version="1.1")

    with pytest.raises(ValueError, match=r"EmneSporsmal: finnes ikke i Dialogmelding 1\.0"):
        svar_pa_foresporsel(tekst="Svar", svar_pa=received, version="1.0")


def test_svar_to_a_document_with_several_requests_is_refused() -> None:
    received = builders.foresporsel(sporsmal="Første")
    received.foresporsel.append(copy.deepcopy(received.foresporsel[0]))

    with pytest.raises(ValueError, match="flere forespørsler"):
        svar_pa_foresporsel(tekst="Svar", svar_pa=received)


def test_svar_to_a_document_without_request_carries_none() -> None:
    received = builders.notat(tekst="Pasienten er flyttet.")

    answer = svar_pa_foresporsel(tekst="Takk for beskjed.", svar_pa=received)

    assert answer.notat[0].foresporsel is None
    assert msg_type_of(answer) == DIALOG_SVAR


# --- texts: æøå, XHTML and the element Formål ------------------------------------------------------

@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize("encoding", ["UTF-8", "ISO-8859-1"])
def test_norwegian_letters_survive_serialisation(version: Version, encoding: str) -> None:
    text = "Blåbærsyltetøy til frokost; ÆØÅ æøå"
    document = builders.notat(tekst=text, tema="Ernæring på sykehjemmet", merknad="Gjelder også søndager",
                              version=version)

    data = etree.tostring(write_dialogmelding(document), encoding=encoding, xml_declaration=True)
    note = read_dialogmelding(etree.fromstring(data)).notat[0]

    assert note.tekst_notat_innhold is not None and note.tekst_notat_innhold.plain_text() == text
    assert (note.tema, note.merknad) == ("Ernæring på sykehjemmet", "Gjelder også søndager")


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_formal_is_written_as_the_element_named_with_a_ring(version: Version, schemas: SchemaSet) -> None:
    purpose = CV(v="2", dn="Helsehjelp til pasient som har journal", s="2.16.578.1.12.4.1.1.9068")
    document = builders.foresporsel(sporsmal="Spørsmål", formal=purpose, begrunnelse="Oppfølging", version=version)

    written = write_dialogmelding(document)

    assert written.find(f"{{{model.standard(version).namespace}}}Foresporsel/"
                        f"{{{model.standard(version).namespace}}}Formål") is not None
    assert _schema_issues(schemas, document) == []
    assert same_information(read_dialogmelding(written), document)


def _formatted() -> FormattedText:
    paragraph = etree.Element(f"{{{XHTML_NS}}}p")
    paragraph.text = "Sår på venstre legg, "
    bold = etree.SubElement(paragraph, f"{{{XHTML_NS}}}b")
    bold.text = "tiltagende"
    bold.tail = " siden mandag."
    paragraph.tail = " Ber om vurdering."
    return FormattedText(text="Hei. ", xhtml=[paragraph])


def test_xhtml_formatted_text_validates_and_round_trips(schemas: SchemaSet) -> None:
    document = helsefaglig_dialog(tema="Sårstell", tekst=_formatted())

    written = write_dialogmelding(document)
    again = read_dialogmelding(written)

    assert _schema_issues(schemas, document) == []
    assert canonical(write_dialogmelding(again)) == canonical(written)  # tails included
    note = again.notat[0]
    assert note.tekst_notat_innhold is not None
    assert note.tekst_notat_innhold.plain_text() == (
        "Hei. Sår på venstre legg, tiltagende siden mandag. Ber om vurdering."
    )


def test_xhtml_question_is_1_1_only(schemas: SchemaSet) -> None:
    assert _schema_issues(schemas, builders.foresporsel(sporsmal=_formatted(), version="1.1")) == []
    with pytest.raises(ValueError, match=r"Sporsmal: kan bare inneholde tekst i Dialogmelding 1\.0"):
        builders.foresporsel(sporsmal=_formatted(), version="1.0")


# --- the differences between the versions ----------------------------------------------------------

def test_1_1_content_in_a_1_0_document_is_named_and_the_schema_agrees(schemas: SchemaSet) -> None:
    unit = RollerRelatertNotat(tilknyttet_enhet=TilknyttetEnhet(kontaktenhet=_nursing_home()))
    document_1_1 = helsefaglig_dialog(tema="Tema", tekst="Tekst", roller=[unit])
    document_1_0 = Dialogmelding10(notat=document_1_1.notat)

    assert model_issues(document_1_1) == []
    assert _schema_issues(schemas, document_1_1) == []
    assert model_issues(document_1_0) == [
        "Dialogmelding/Notat[1]/RollerRelatertNotat[1]/TilknyttetEnhet: finnes ikke i Dialogmelding 1.0",
    ]
    assert _schema_issues(schemas, document_1_0) != []


def test_request_additions_of_1_1_are_refused_in_1_0() -> None:
    journal = [CV(v="1", dn="Legemidler", s="2.16.578.1.12.4.1.1.9066"),
               CV(v="2", dn="Diagnoser", s="2.16.578.1.12.4.1.1.9066")]
    document = builders.foresporsel(sporsmal="Spørsmål", version="1.1")
    document.foresporsel[0].type_journalinfo = journal
    document.foresporsel[0].kodet_opplysning = CV(v="1", dn="Hentes", s="2.16.578.1.12.4.1.1.8324")

    assert model_issues(Dialogmelding10(foresporsel=document.foresporsel)) == [
        "Dialogmelding/Foresporsel[1]/TypeJournalinfo: kan bare forekomme én gang i Dialogmelding 1.0",
        "Dialogmelding/Foresporsel[1]/KodetOpplysning: finnes ikke i Dialogmelding 1.0",
    ]


def test_choices_the_model_cannot_express_are_named() -> None:
    both = RollerRelatertNotat(healthcare_professional=HealthcareProfessional(family_name="Testesen"),
                               person=Person(family_name="Testesen"))
    note = Notat(tema_kodet=NOTAT_OM_PASIENT, roller_relatert_notat=[both])
    document = Dialogmelding11(foresporsel=builders.foresporsel(sporsmal="Spørsmål").foresporsel, notat=[note])

    with pytest.raises(ValueError, match="ikke begge"):
        builders.notat(tekst="Notat", roller=[both])
    assert model_issues(document) == [
        "Dialogmelding: kan ikke ha både Foresporsel og Notat",
        "Dialogmelding/Notat[1]/RollerRelatertNotat[1]: "
        "kan ha HealthcareProfessional eller Person, ikke begge",
    ]


def test_role_without_person_is_1_1_only(schemas: SchemaSet) -> None:
    role = RollerRelatertNotat(role_to_patient=KONTAKT_HOS_MOTTAKER)

    assert _schema_issues(schemas, builders.notat(tekst="Notat", roller=[role], version="1.1")) == []
    with pytest.raises(ValueError, match=r"må ha HealthcareProfessional eller Person i Dialogmelding 1\.0"):
        builders.notat(tekst="Notat", roller=[role])


def _nursing_home() -> kith.Organisation:
    return kith.Organisation(
        organisation_name="Testheimen sykehjem",
        ident=[kith.Ident(id="123456789", type_id=CV(v="ENH", dn="Organisasjonsnummeret i Enhetsregister",
                                                          s="2.16.578.1.12.4.1.1.9051"))],
    )


# --- reading is strict -----------------------------------------------------------------------------

def test_unknown_element_is_refused() -> None:
    written = write_dialogmelding(builders.notat(tekst="Notat"))
    namespace = model.standard("1.0").namespace
    note = written.find(f"{{{namespace}}}Notat")
    assert note is not None
    etree.SubElement(note, f"{{{namespace}}}Ukjent")

    with pytest.raises(BindingError, match="Dialogmelding/Notat/Ukjent"):
        read_dialogmelding(written)


def test_msg_type_of_an_empty_document_is_refused() -> None:
    with pytest.raises(ValueError, match="verken forespørsel eller notat"):
        msg_type_of(Dialogmelding10())
