"""PLO 1.6 written and read, PLO 1.5 read: the typed models against the official samples and schemas."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from lxml import etree

from samhandling.domain.identifiers import person_id_problem
from samhandling.standards import registry
from samhandling.standards.binding import BindingError, is_model, same_information
from samhandling.standards.kith import CS
from samhandling.standards.msghead import read_msghead
from samhandling.standards.plo import (
    STANDARDS,
    HelseopplysningerVedSoknad,
    Innleggelsesrapport,
    MeldingFravar,
    Pasientlogistikk,
    POMeldingsanvendelse,
    components,
    epj,
    forsendelsesstatus,
    messages,
    msg_type_of,
    v20,
)
from samhandling.standards.plo.components import InformasjonOmForsendelsen
from samhandling.standards.plo.examples.admission_report import innleggelsesrapport
from samhandling.standards.plo.examples.hospital_reports import helseopplysninger, utskrivningsrapport
from samhandling.standards.plo.examples.logistics import (
    avmelding_utskrivningsklar_pasient,
    melding_om_innlagt_pasient,
    melding_om_utskrevet_pasient,
    melding_om_utskrivningsklar_pasient,
    orientering_om_dodsfall,
)
from samhandling.standards.plo.examples.story import PATIENT_FNR, pasient
from samhandling.standards.schemas import SchemaSet
from tests.conftest import sample_files

SAMPLES = sample_files("plo-1.6/**/*.xml")
PLO_15_DIR = Path(__file__).parent.parent / "data" / "plo-1.5"
PLO_15 = sorted(PLO_15_DIR.glob("*.xml"))
PO_16 = "{http://www.kith.no/xmlstds/po/poKomponent/2012-04-01}"

# The sample files name their dispatch status: Ny, Endring (Endring1, Endring2), Kansellering.
STATUS_IN_FILE_NAME = {"Ny": "N", "Endring": "M", "Kansellering": "C"}

EXAMPLES: dict[Callable[[], POMeldingsanvendelse], str] = {
    innleggelsesrapport: "INNLEGGELSESRAPPORT",
    melding_om_innlagt_pasient: "LOG_INNLAGT",
    melding_om_utskrivningsklar_pasient: "LOG_UTSKRIVNINGSKLAR",
    avmelding_utskrivningsklar_pasient: "LOG_AVMELDING",
    melding_om_utskrevet_pasient: "LOG_UTSKREVET",
    orientering_om_dodsfall: "LOG_DOD",
    helseopplysninger: "HELSEOPPL_SOKNAD",
    utskrivningsrapport: "UTSKRIVNINGSRAPPORT",
}


def business_document(path: Path) -> etree._Element:
    document = read_msghead(etree.parse(str(path)).getroot()).business_document()
    assert document is not None
    return document


def round_trip(model: object, schemas: SchemaSet) -> None:
    """Write ``model`` as its registered standard, check it against the official XSD and read it back."""
    standard = registry.standard_of(model)
    written = registry.write_content(model)
    assert schemas.validate(written, standard.schema_file) == []
    reread = registry.read_content(etree.fromstring(etree.tostring(written, encoding="UTF-8")))
    assert same_information(model, reread)


# --- The official PLO 1.6 samples -----------------------------------------------------------------

@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_official_sample_is_read_strictly_and_written_back_valid(path: Path, schemas: SchemaSet) -> None:
    document = business_document(path)
    standard = registry.standard_for(document)
    assert standard is not None
    assert (standard.standard, standard.version, standard.writable) == ("PLO", "1.6", True)

    model: POMeldingsanvendelse = registry.read_content(document, strict=True)

    assert type(model) is standard.model
    assert registry.standard_of(model) is standard
    round_trip(model, schemas)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_msg_type_and_forsendelsesstatus_of_official_sample(path: Path, samples_dir: Path) -> None:
    head = read_msghead(etree.parse(str(path)).getroot())
    model = registry.read_content(business_document(path))

    assert msg_type_of(model) == head.msg_type
    assert msg_type_of(model) in registry.standard_of(model).msg_types
    status_word = path.stem.rsplit("_", 1)[-1].rstrip("0123456789")
    assert forsendelsesstatus(model) == STATUS_IN_FILE_NAME[status_word]


def test_strict_reading_refuses_an_element_the_standard_does_not_have(samples_dir: Path) -> None:
    document = business_document(samples_dir / "plo-1.6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Ny.xml")
    forsendelse = document.find(f"{PO_16}InformasjonOmForsendelsen")
    assert forsendelse is not None
    etree.SubElement(forsendelse, f"{PO_16}Hastegrad").set("V", "1")

    with pytest.raises(BindingError) as raised:
        registry.read_content(document)
    assert raised.value.path == "/Innleggelsesrapport/InformasjonOmForsendelsen/Hastegrad"


# --- The models against the official schemas ---------------------------------------------------------

XS = "{http://www.w3.org/2001/XMLSchema}"
NOT_MODELLED = {"InfoKontaktepisode", "FellesinfoKontaktepisode", "TilleggsinfoKontaktepisode", "Legemidler", "Notater"}
MODELS = {cls.__name__: cls for module in (components, epj, messages) for cls in vars(module).values() if is_model(cls)}
ADDED_IN_16 = {
    "ParorendeForesatt": ["FodselsarMindrearigParorende"],
    "InfoKontrolltime": ["InformasjonOmTentativTime"],
    "OpplysningerRelevantOppfolging": ["MerknadTilBandasjemateriell", "MerknadTilLegemiddeladministrering"],
    "HelseopplysningerVedSoknad": ["TypeInnholdIMelding", "OpplysningOpphold"],
}


def declared_elements(schema_dir: Path, version: str) -> dict[str, tuple[list[str], set[str]]]:
    """Every global element of the PLO and EPJ schemas of ``version``: its child elements in schema
    order and its attributes (the EPJ-meta attribute group expanded)."""
    meta = etree.parse(str(schema_dir / "felleskomponenter" / "EPJ-meta.xsd")).getroot()
    meta1 = {local(a) for a in meta.iterfind(f"{XS}attributeGroup/{XS}attribute")}
    files = [*(schema_dir / "plo" / f"v{version}").glob("*.xsd"), *(schema_dir / "felleskomponenter").glob("EPJ-*.xsd")]
    declared: dict[str, tuple[list[str], set[str]]] = {}
    for path in files:
        for decl in etree.parse(str(path)).getroot().iterfind(f"{XS}element"):
            name = decl.get("name", "")
            children = [local(c) for c in decl.iter(f"{XS}element") if c is not decl]
            attributes = {local(a) for a in decl.iter(f"{XS}attribute")}
            if decl.find(f".//{XS}attributeGroup") is not None:
                attributes |= meta1
            declared[name] = (children, attributes)
    return declared


def local(declaration: etree._Element) -> str:
    return (declaration.get("name") or declaration.get("ref") or "").split(":")[-1]


def bound(model: type) -> tuple[list[str], set[str]]:
    """The child elements (in order) and attributes a model binds."""
    xml = [f.metadata["xml"] for f in dataclasses.fields(model) if "xml" in f.metadata]
    return [x.name for x in xml if x.kind == "element"], {x.name for x in xml if x.kind == "attribute"}


def test_models_bind_every_element_and_attribute_of_the_16_schemas_in_order(schema_dir: Path) -> None:
    for name, declared in declared_elements(schema_dir, "1.6").items():
        if name not in NOT_MODELLED:
            assert bound(MODELS[name]) == declared, name


def test_models_serve_15_with_exactly_the_documented_16_additions(schema_dir: Path) -> None:
    added: dict[str, list[str]] = {}
    for name, (children, attributes) in declared_elements(schema_dir, "1.5").items():
        if name in NOT_MODELLED:
            continue
        model_children, model_attributes = bound(MODELS[name])
        assert model_attributes == attributes, name
        assert [c for c in model_children if c in children] == children, name
        if extra := [c for c in model_children if c not in children]:
            added[name] = extra
    assert added == ADDED_IN_16


# --- The example documents --------------------------------------------------------------------------

@pytest.mark.parametrize("build", EXAMPLES, ids=lambda build: build.__name__)
def test_example_is_valid_plo_16_and_round_trips(build: Callable[[], POMeldingsanvendelse],
                                                 schemas: SchemaSet) -> None:
    document = build()

    assert registry.standard_of(document).version == "1.6"
    assert msg_type_of(document) == EXAMPLES[build]
    assert forsendelsesstatus(document) == "N"
    round_trip(document, schemas)


@pytest.mark.parametrize("status", ["N", "M", "A", "C"])
@pytest.mark.parametrize("build", EXAMPLES, ids=lambda build: build.__name__)
def test_example_takes_the_forsendelsesstatus(build: Callable[..., POMeldingsanvendelse], status: str) -> None:
    document = build(forsendelsesstatus=status)

    assert forsendelsesstatus(document) == status
    assert document.informasjon_om_forsendelsen.forsendelsesstatus.dn == {
        "N": "Ny", "M": "Endring", "A": "Tillegg", "C": "Kansellering"}[status]


def test_example_refuses_an_unknown_forsendelsesstatus() -> None:
    with pytest.raises(ValueError, match="forsendelsesstatus"):
        melding_om_innlagt_pasient(forsendelsesstatus="X")


def test_innleggelsesrapport_carries_everything_the_profile_lists() -> None:
    """HIS 1143 section 3: diagnoses, CAVE, medication, IPLOS, services, next of kin, children under 18."""
    rapport = innleggelsesrapport()

    assert [d.diagnosekode.v for info in rapport.info_medisinsk_diagnose for d in info.medisinsk_diagnose
            if d.diagnosekode] == ["J189", "G35"]
    assert rapport.medisinskfaglige_opplysninger is not None
    cave = rapport.medisinskfaglige_opplysninger.cave
    assert cave is not None and cave.allerginotat[0].allergi.virkestoff_legemiddel is not None
    arsak = rapport.medisinskfaglige_opplysninger.generelt_journalnotat[0].journaltekst[0]
    assert arsak.overskriftskode is not None and arsak.overskriftskode.v == "AAI"
    assert [lm.forenklet_forskrivning.forskrivningsinfo.navn for lm in rapport.legemiddelinfo] == [
        "Baklofen", "Vitamin D", "Paracetamol"]
    assert rapport.info_kartlegging_funksjonsniva is not None
    assert [f.funksjonsvariabel.v for f in rapport.info_kartlegging_funksjonsniva.kartlagt_funksjon
            if f.funksjonsvariabel] == [str(n) for n in range(1, 18)]
    assert [t.iplos_tjenestetype.v for t in rapport.eksisterende_tjeneste if t.iplos_tjenestetype] == ["15", "1"]
    assert [p.fodselsar_mindrearig_parorende for p in rapport.parorende_foresatt] == [None, "2012"]
    assert rapport.tilleggsopplysning_pasient is not None and rapport.tilleggsopplysning_pasient.bor_alene
    assert rapport.tilknyttet_enhet[0].kontaktenhet.tele_com
    assert rapport.sykepleierdokumentasjon is not None
    assert rapport.sykepleierdokumentasjon.legemidler_administrert_ved_overforing is not None
    assert rapport.opplysninger_om_hjelpemidler is not None


def test_examples_use_the_values_they_are_given() -> None:
    innlagt = datetime(2026, 1, 5, 7, 45)
    klar = date(2026, 1, 9)

    logistikk = melding_om_utskrivningsklar_pasient(innlagt=innlagt, utskrivningsklar=klar, anslag=True)
    melding = logistikk.melding_utskrivningsklar_pasient
    assert melding is not None
    assert [(h.hendelsekode.v if h.hendelsekode else None, h.tidspunkt_for_hendelse.v, h.anslag)
            for h in melding.tidsfestet_hendelse] == [("1", innlagt, False), ("3", klar, True)]

    rapport = innleggelsesrapport(innleggelsesarsak="Fall i trappen.")
    assert rapport.medisinskfaglige_opplysninger is not None
    assert rapport.medisinskfaglige_opplysninger.generelt_journalnotat[0].journaltekst[0].notat == "Fall i trappen."


def test_example_patient_is_synthetic_with_a_valid_fodselsnummer() -> None:
    assert person_id_problem(PATIENT_FNR, "FNR") is None
    assert pasient().ident[0].id == PATIENT_FNR


def test_examples_are_new_documents_each_time() -> None:
    first = melding_om_innlagt_pasient()
    first.tilknyttet_enhet[0].kontaktenhet.organisation_name = "Endret"

    assert melding_om_innlagt_pasient().tilknyttet_enhet[0].kontaktenhet.organisation_name != "Endret"


def test_norwegian_letters_survive_writing_and_reading(schemas: SchemaSet) -> None:
    text = "Æ Ø Å æ ø å: pårørende får brød med blåbærsyltetøy og «gløgg»"
    rapport = innleggelsesrapport(praktiske_opplysninger=text)

    for encoding in ("UTF-8", "ISO-8859-1"):
        data = etree.tostring(registry.write_content(rapport), xml_declaration=True, encoding=encoding)
        reread = registry.read_content(etree.fromstring(data))
        assert isinstance(reread, Innleggelsesrapport)
        assert reread.sykepleierdokumentasjon is not None
        assert reread.sykepleierdokumentasjon.info_fra_sykepleier is not None
        assert reread.sykepleierdokumentasjon.info_fra_sykepleier.journaltekst[1].notat == text
        assert reread.parorende_foresatt[0].referanseperson.family_name == "Ørnhøi"
        assert same_information(rapport, reread)


# --- Pasientlogistikk -------------------------------------------------------------------------------

def test_pasientlogistikk_without_a_logistics_message_has_no_msg_type() -> None:
    empty = Pasientlogistikk(informasjon_om_forsendelsen=InformasjonOmForsendelsen(forsendelsesstatus=CS(v="N")))

    with pytest.raises(ValueError, match="nøyaktig én"):
        msg_type_of(empty)


# --- PLO 1.5 (read only) ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", PLO_15, ids=lambda p: p.name)
def test_plo_15_document_is_read_as_version_15(path: Path, schemas: SchemaSet) -> None:
    document = etree.parse(str(path)).getroot()
    standard = registry.standard_for(document)
    assert standard is not None
    assert (standard.standard, standard.version, standard.writable) == ("PLO", "1.5", False)
    assert schemas.validate(document, standard.schema_file) == []

    model: POMeldingsanvendelse = registry.read_content(document, strict=True)

    assert type(model) is standard.model
    assert forsendelsesstatus(model) == "N"
    assert msg_type_of(model) in standard.msg_types
    with pytest.raises(ValueError, match="leses, men skrives ikke"):
        registry.write_content(model, standard)


def test_plo_15_pasientlogistikk_and_innleggelsesrapport_are_read_into_the_16_models() -> None:
    logistikk = registry.read_content(etree.parse(str(PLO_15_DIR / "Pasientlogistikk_utskrivningsklar.xml")).getroot())
    rapport = registry.read_content(etree.parse(str(PLO_15_DIR / "Innleggelsesrapport.xml")).getroot())

    assert isinstance(logistikk, Pasientlogistikk)
    assert msg_type_of(logistikk) == "LOG_UTSKRIVNINGSKLAR"
    assert logistikk.melding_utskrivningsklar_pasient is not None
    assert logistikk.melding_utskrivningsklar_pasient.tidsfestet_hendelse[1].tidspunkt_for_hendelse.v == date(
        2013, 5, 13)
    assert isinstance(rapport, Innleggelsesrapport)
    assert rapport.legemiddelinfo[0].forenklet_forskrivning.forskrivningsinfo.navn == "Levaxin"
    assert rapport.parorende_foresatt[0].referanseperson.given_name == "Håkon"


def test_plo_15_helseopplysninger_has_the_15_structure() -> None:
    """1.6 added TypeInnholdIMelding and OpplysningOpphold and made OpplysningerTilSoknad optional."""
    model = registry.read_content(etree.parse(str(PLO_15_DIR / "HelseopplysningerVedSoknad.xml")).getroot())

    assert isinstance(model, HelseopplysningerVedSoknad)
    assert model.type_innhold_i_melding is None
    assert model.opplysning_opphold == []
    assert model.opplysninger_til_soknad is not None and model.opplysninger_til_soknad.egensoknad_sendt is False
    assert msg_type_of(model) == "HELSEOPPL_SOKNAD"


def test_melding_fravar_exists_only_in_plo_15() -> None:
    versions = {s.version for s in STANDARDS if s.root == "MeldingFravar"}
    model = registry.read_content(etree.parse(str(PLO_15_DIR / "MeldingFravar.xml")).getroot())

    assert versions == {"1.5"}
    assert isinstance(model, MeldingFravar)
    assert model.fraversassistent.fravarende_til_dato == date(2013, 7, 26)
    assert msg_type_of(model) == "FRAVARSMELDING"


def test_standards_cover_every_plo_root_once_per_version() -> None:
    roots = {(s.version, s.root) for s in STANDARDS}

    assert len(roots) == len(STANDARDS)
    assert {root for version, root in roots if version == "1.6"} == {
        "Innleggelsesrapport", "HelseopplysningerVedSoknad", "Konsultasjon", "OverforingMedisinskeOpplysninger",
        "OrienteringOmTjenestetilbud", "TverrfagligEpikrise", "Pasientlogistikk"}
    assert {root for version, root in roots if version == "1.5"} == {
        "Innleggelsesrapport", "HelseopplysningerVedSoknad", "Konsultasjon", "OverforingMedisinskeOpplysninger",
        "OrienteringOmTjenestetilbud", "TverrfagligEpikrise", "Pasientlogistikk", "MeldingFravar"}
    assert {s.version for s in STANDARDS} == {"1.5", "1.6", "2.0"}
    assert all(s.writable == (s.version == "1.6") for s in STANDARDS)


# --- PLO 2.0 ----------------------------------------------------------------------------------------

def test_forsendelsesstatus_of_a_plo_20_document() -> None:
    felles = v20.FellesAdministrativeOpplysninger(
        informasjon_om_forsendelsen=v20.InformasjonOmForsendelsen(forsendelsesstatus=CS(v="C", dn="Kansellering")))

    assert forsendelsesstatus(v20.Pasientlogistikk(felles_administrative_opplysninger=felles)) == "C"

