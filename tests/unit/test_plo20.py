"""PLO 2.0, read only: the models against the official 2.0 schemas, with our own synthetic documents.

There are no official 2.0 samples, so ``tests/data/plo-2.0`` holds documents written for samhandling
(fictitious persons, fødselsnumre with valid check digits), one per Pasientlogistikk variant and one each
for HelseopplysningerSaksbehandling and Sammenfatning, together using every element the models bind.
"""

from __future__ import annotations

import dataclasses
import typing
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from samhandling.domain.identifiers import person_id_problem
from samhandling.standards import msghead, registry
from samhandling.standards.binding import BindingError, XmlField, is_model, read, same_information, write
from samhandling.standards.content import ContentStandard
from samhandling.standards.kith import CS, CV
from samhandling.standards.plo import components, epj, v20
from samhandling.standards.schemas import SchemaSet

DATA = Path(__file__).parent.parent / "data" / "plo-2.0"
DOCUMENTS = sorted(DATA.glob("*.xml"))
XS = "http://www.w3.org/2001/XMLSchema"
PATIENT_FNR = "12034540088"  # the synthetic patient of the MsgHead the documents travel in

LOGISTICS_MSG_TYPES = {
    "pasientlogistikk-innlagt.xml": "LOG_INNLAGT",
    "pasientlogistikk-innlagt-kansellering.xml": "LOG_INNLAGT",
    "pasientlogistikk-utskrivningsklar.xml": "LOG_UTSKRIVNINGSKLAR",
    "pasientlogistikk-avmelding.xml": "LOG_AVMELDING",
    "pasientlogistikk-utskrevet.xml": "LOG_UTSKREVET",
    "pasientlogistikk-dodsfall.xml": "LOG_DOD",
}


def _parse(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _standard(root: str) -> ContentStandard:
    return next(s for s in v20.STANDARDS if s.root == root)


def _standard_of(elem: etree._Element) -> ContentStandard:
    standard = _standard(etree.QName(elem).localname)
    assert elem.tag == standard.qname
    return standard


def _read(path: Path) -> Any:
    elem = _parse(path)
    standard = _standard_of(elem)
    return read(standard.model, elem, standard.namespaces)


def _texts(elem: etree._Element) -> list[str]:
    return [t.strip() for t in map(str, elem.itertext()) if t.strip()]


def test_every_document_and_variant_is_present() -> None:
    assert {p.name for p in DOCUMENTS} == {
        *LOGISTICS_MSG_TYPES,
        "pasientlogistikk-tilbakemelding.xml",
        "helseopplysninger-saksbehandling.xml",
        "sammenfatning.xml",
    }


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_document_is_valid_against_the_official_schema(path: Path, schemas: SchemaSet) -> None:
    elem = _parse(path)
    assert schemas.validate(elem, _standard_of(elem).schema_file) == []


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_document_reads_strictly_and_writes_back_the_same(path: Path, schemas: SchemaSet) -> None:
    elem = _parse(path)
    standard = _standard_of(elem)
    model: Any = read(standard.model, elem, standard.namespaces, strict=True)

    written = write(model, standard.root, standard.namespaces, ns=standard.namespace,
                    nsmap=standard.namespaces.nsmap())

    assert written.tag == elem.tag
    assert schemas.validate(written, standard.schema_file) == []
    assert same_information(read(standard.model, written, standard.namespaces), model)
    assert _texts(written) == _texts(elem)  # nothing dropped, including mixed content in xs:anyType


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_registry_finds_the_2_0_standard(path: Path) -> None:
    elem = _parse(path)
    found = registry.standard_for(elem)
    assert found is not None
    assert (found.standard, found.version, found.writable) == ("PLO", "2.0", False)
    assert same_information(registry.read_content(elem), _read(path))


def test_registrations() -> None:
    assert [(s.root, s.namespace, s.schema_file) for s in v20.STANDARDS] == [
        ("Pasientlogistikk", "http://ehelse.no/xmlstds/po/Pasientlogistikk/2016-05-30",
         "plo/v2.0/Pasientlogistikk-v2.0.xsd"),
        ("HelseopplysningerSaksbehandling",
         "http://ehelse.no/xmlstds/po/HelseopplysningerSaksbehandling/2016-05-30",
         "plo/v2.0/HelseopplysningerSaksbehandling-v2.0.xsd"),
        ("Sammenfatning", "http://ehelse.no/xmlstds/po/Sammenfatning/2016-05-30",
         "plo/v2.0/Sammenfatning-v2.0.xsd"),
    ]
    assert all((s.standard, s.version, s.writable) == ("PLO", "2.0", False) for s in v20.STANDARDS)
    assert _standard("Pasientlogistikk").msg_types == (
        "LOG_INNLAGT", "LOG_UTSKRIVNINGSKLAR", "LOG_AVMELDING", "LOG_UTSKREVET", "LOG_DOD")


def test_2_0_is_not_written_through_the_registry() -> None:
    standard = _standard("Pasientlogistikk")
    with pytest.raises(ValueError, match="leses, men skrives ikke"):
        registry.write_content(_read(DATA / "pasientlogistikk-dodsfall.xml"), standard)


@pytest.mark.parametrize(("name", "msg_type"), LOGISTICS_MSG_TYPES.items())
def test_msg_type_of_each_logistics_variant(name: str, msg_type: str) -> None:
    assert v20.msg_type_of_v20(_read(DATA / name)) == msg_type


def test_tilbakemelding_has_no_known_msg_type() -> None:
    document = _read(DATA / "pasientlogistikk-tilbakemelding.xml")
    assert isinstance(document.melding, v20.TilbakemeldingUtskrivningsklarPasient)
    with pytest.raises(LookupError, match="TilbakemeldingUtskrivningsklarPasient"):
        v20.msg_type_of_v20(document)


def test_a_document_without_exactly_one_variant_has_no_melding() -> None:
    felles = v20.FellesAdministrativeOpplysninger(
        informasjon_om_forsendelsen=v20.InformasjonOmForsendelsen(forsendelsesstatus=CS(v="N", dn="Ny")))
    hendelse = v20.TidsfestetHendelse(tidspunkt_for_hendelse=datetime(2024, 4, 2, 3, 40), anslag=False)
    empty = v20.Pasientlogistikk(felles_administrative_opplysninger=felles)
    two = v20.Pasientlogistikk(
        felles_administrative_opplysninger=felles,
        orientering_om_dod=v20.OrienteringOmDod(tidsfestet_hendelse=hendelse),
        melding_innlagt_pasient=v20.MeldingInnlagtPasient(tidsfestet_hendelse=hendelse),
    )
    for document, count in ((empty, 0), (two, 2)):
        with pytest.raises(ValueError, match=f"nøyaktig én meldingsanvendelse, men har {count}"):
            v20.msg_type_of_v20(document)


def test_typed_values_of_melding_om_innlagt_pasient() -> None:
    document = _read(DATA / "pasientlogistikk-innlagt.xml")
    felles = document.felles_administrative_opplysninger
    hendelse = document.melding.tidsfestet_hendelse

    assert felles.informasjon_om_forsendelsen.forsendelsesstatus == CS(v="N", dn="Ny")
    assert felles.informasjon_om_forsendelsen.svar_paa_foresporsel is False
    assert felles.tilleggsopplysning_pasient.bor_alene is True
    son, grandchild = felles.parorende_foresatt
    assert son.referanseperson.ident[0].id == "17017040154"
    assert son.referanseperson.date_of_birth == date(1970, 1, 17)
    assert grandchild.fodselsar_mindrearig_parorende == "2012"
    assert felles.tilknyttet_enhet[0].kontaktenhet.organisation.organisation_name == "Medisinsk sengepost 3"
    assert felles.assistert_kommunikasjon[0].preferert_tolk.family_name == "Tolkvik"
    assert hendelse.hendelsekode == CV(v="1", s="2.16.578.1.12.4.1.1.9121", dn="Pasient innlagt")
    assert hendelse.tidspunkt_for_hendelse == datetime(2024, 3, 4, 8, 15)
    assert hendelse.anslag is False
    assert hendelse.sted_for_hendelse.sted_hendelse == "Akuttmottaket"


def test_typed_values_of_utskrivningsklar_and_sammenfatning() -> None:
    utskrivningsklar = _read(DATA / "pasientlogistikk-utskrivningsklar.xml").melding
    sammenfatning = _read(DATA / "sammenfatning.xml")

    assert [h.hendelsekode.v for h in utskrivningsklar.tidsfestet_hendelse] == ["1", "3"]
    assert utskrivningsklar.tidsfestet_hendelse[1].tidspunkt_for_hendelse == datetime(
        2024, 3, 11, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    kontrolltimer = sammenfatning.info_kontrolltime
    assert kontrolltimer[0].informasjon_om_time.tidspunkt_time == datetime(2024, 4, 10, 9, 30)
    assert kontrolltimer[0].informasjon_om_time.varighet == 30
    assert kontrolltimer[1].kontrolltime_bestill.pasient_parorende_bestiller is True
    assert kontrolltimer[2].informasjon_om_tentativ_time.sted_time == "Fastlegekontoret"
    legemidler = sammenfatning.bistand_legemiddelhandtering_og_gjennomgang
    assert legemidler.legemidler_utdelt.legemiddelinntak_i_dag == [
        "Morgendose gitt kl. 08", "Kveldsdose ikke gitt"]
    assert legemidler.reseptinformasjon.e_resept is True
    assert sammenfatning.eksisterende_tjeneste.privat_tjeneste is True


def test_typed_values_of_helseopplysninger_saksbehandling() -> None:
    document = _read(DATA / "helseopplysninger-saksbehandling.xml")

    assert document.type_innhold_i_melding.type_innhold.v == "2"
    assert len(document.info_medisinsk_diagnose) == 2
    assert document.cave.allerginotat[0].allergi.allergisk_mot == "Penicillin"
    assert document.cave.komponent_id == "cave-1"
    assert document.eksisterende_tjeneste.antall_enheter == Decimal("3.5")
    tekst = document.info_kartlegging_funksjonsniva.funksjonsbeskrivelse[0].funksjonsbeskrivelse_tekst
    assert tekst.value == "Trenger hjelp "
    assert [(e.tag, e.text, e.tail) for e in tekst.elements] == [("b", "morgen og kveld", " til stell.")]


def test_strict_reading_refuses_an_element_the_schema_does_not_have() -> None:
    elem = _parse(DATA / "pasientlogistikk-dodsfall.xml")
    hendelse = elem.find(f".//{{{v20.PO_NS}}}TidsfestetHendelse")
    assert hendelse is not None
    etree.SubElement(hendelse, f"{{{v20.PO_NS}}}Dodssted").text = "Hjemme"
    standard = _standard_of(elem)

    with pytest.raises(BindingError) as raised:
        read(standard.model, elem, standard.namespaces)
    assert raised.value.path == "/Pasientlogistikk/OrienteringOmDod/TidsfestetHendelse/Dodssted"


def test_fodselsnumre_in_the_documents_are_synthetic_and_valid() -> None:
    fk1 = "http://www.kith.no/xmlstds/felleskomponent1"
    numbers = [
        ident.findtext(f"{{{fk1}}}Id")
        for path in DOCUMENTS
        for ident in _parse(path).iter(f"{{{fk1}}}Ident")
        if ident.find(f"{{{fk1}}}TypeId[@V='FNR']") is not None
    ]
    assert numbers
    for number in [PATIENT_FNR, *numbers]:
        assert number is not None and person_id_problem(number, "FNR") is None


# --- in a MsgHead ---------------------------------------------------------------------------------

def _her(her_id: str) -> msghead.Ident:
    return msghead.Ident(id=her_id, type_id=CV(v="HER", dn="HER-id", s=msghead.OID_ORG_IDENT))


def _msghead(msg_type: str, content: etree._Element) -> msghead.MsgHead:
    """A hospital ward telling the municipal home nursing service about a patient, with ``content``."""
    return msghead.MsgHead(
        msg_info=msghead.MsgInfo(
            type=CS(v=msg_type),
            gen_date=datetime(2024, 3, 4, 8, 20),
            msg_id=str(uuid.uuid4()),
            sender=msghead.Sender(organisation=msghead.Organisation(
                organisation_name="Testsykehuset HF", ident=[_her("8100001")],
                organisation=msghead.Organisation(organisation_name="Medisinsk sengepost 3",
                                                  ident=[_her("8100002")]))),
            receiver=msghead.Receiver(organisation=msghead.Organisation(
                organisation_name="Prøvdal kommune", ident=[_her("8200001")],
                organisation=msghead.Organisation(organisation_name="Hjemmesykepleien",
                                                  ident=[_her("8200002")]))),
            patient=msghead.Patient(
                family_name="Prøvestad", given_name="Solveig",
                ident=[msghead.Ident(id=PATIENT_FNR, type_id=CV(
                    v="FNR", dn="Fødselsnummer", s=msghead.OID_PERSON_IDENT))]),
        ),
        document=[msghead.Document(ref_doc=msghead.RefDoc(
            msg_type=CS(v="XML", dn="XML-instans"), content=msghead.Content(any=[content])))],
    )


@pytest.mark.parametrize(("name", "msg_type"), LOGISTICS_MSG_TYPES.items())
def test_pasientlogistikk_in_a_msghead_is_valid(name: str, msg_type: str, schemas: SchemaSet) -> None:
    content = _parse(DATA / name)

    root = msghead.write_msghead(_msghead(msg_type, content))

    assert schemas.validate(root, "MsgHead-v1_2.xsd", "Pasientlogistikk-v2.0.xsd") == []
    head = msghead.read_msghead(root)
    carried = head.business_document()
    assert carried is not None
    document = read(v20.Pasientlogistikk, carried, v20.NAMESPACES)
    assert v20.msg_type_of_v20(document) == head.msg_type
    assert same_information(document, _read(DATA / name))


# --- the models follow the official schemas -------------------------------------------------------

def _global_elements(schemas: SchemaSet) -> dict[str, etree._Element]:
    """Global element declarations of the 2.0 schemas and the EPJ schemas, by qualified name."""
    found: dict[str, etree._Element] = {}
    files = [s.schema_file for s in v20.STANDARDS] + [
        "poKomponent-v2.0.xsd", "EPJ-cave-mv.xsd", "EPJ-journalnotat-mv.xsd"]
    for file in files:
        schema = etree.parse(str(schemas.path_of(file))).getroot()
        for decl in schema.iterfind(f"{{{XS}}}element"):
            found[f"{{{schema.get('targetNamespace')}}}{decl.get('name')}"] = decl
    return found


def _declaration(
    particle: etree._Element, declarations: dict[str, etree._Element]
) -> tuple[str, etree._Element]:
    """The qualified name of an element particle and its declaration (the global one for a ``ref``)."""
    ref = particle.get("ref")
    if ref is not None:
        prefix, _, local = ref.rpartition(":")
        qname = f"{{{particle.nsmap[prefix or None]}}}{local}"
        return qname, declarations[qname]
    target = particle.getroottree().getroot().get("targetNamespace")
    return f"{{{target}}}{particle.get('name')}", particle


def _particles(
    group: etree._Element, declarations: dict[str, etree._Element], in_choice: bool = False
) -> typing.Iterator[tuple[str, etree._Element, bool, bool]]:
    """The element particles of a sequence or choice, in order: qualified name, declaration, whether
    repeated, and whether optional (``minOccurs="0"`` or inside a choice)."""
    for particle in group:
        if particle.tag == f"{{{XS}}}element":
            qname, declaration = _declaration(particle, declarations)
            repeated = particle.get("maxOccurs", "1") != "1"
            optional = in_choice or particle.get("minOccurs", "1") == "0"
            yield qname, declaration, repeated, optional
        elif particle.tag in (f"{{{XS}}}sequence", f"{{{XS}}}choice"):
            yield from _particles(particle, declarations, in_choice or particle.tag == f"{{{XS}}}choice")


def _bound_elements(cls: type) -> list[tuple[str, dataclasses.Field[Any], Any]]:
    """Qualified name, field and field type of every element a model binds, in field order."""
    hints = typing.get_type_hints(cls)
    bound = []
    for f in dataclasses.fields(cls):
        xml: XmlField | None = f.metadata.get("xml")
        if xml is not None and xml.kind == "element":
            uri = v20.NAMESPACES.uri(xml.ns or cls.__xml_ns__)  # type: ignore[attr-defined]
            bound.append((f"{{{uri}}}{xml.name}", f, hints[f.name]))
    return bound


def _model_class(hint: Any) -> Any:
    """The class of a field type ``X``, ``X | None`` or ``list[X]``."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if args else hint


def _has_default(f: dataclasses.Field[Any]) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _check_model(cls: type, decl: etree._Element, declarations: dict[str, etree._Element], path: str) -> None:
    """Assert that ``cls`` binds the elements ``decl`` declares, in order and cardinality, recursively."""
    complex_type = decl.find(f"{{{XS}}}complexType")
    assert complex_type is not None, path
    declared = list(_particles(complex_type, declarations))
    bound = _bound_elements(cls)
    assert [b[0] for b in bound] == [d[0] for d in declared], f"{path}: elements or their order differ"
    for (qname, f, hint), (_, child, repeated, optional) in zip(bound, declared, strict=True):
        where = f"{path}/{etree.QName(qname).localname}"
        assert (typing.get_origin(hint) is list) == repeated, f"{where}: repetition differs"
        if not repeated:
            assert _has_default(f) == optional, f"{where}: optionality differs"
        if child.find(f"{{{XS}}}complexType") is not None:  # kith, fk1 and simple types are named types
            _check_model(_model_class(hint), child, declarations, where)


@pytest.mark.parametrize("standard", v20.STANDARDS, ids=lambda s: s.root)
def test_models_follow_the_official_schema(standard: ContentStandard, schemas: SchemaSet) -> None:
    declarations = _global_elements(schemas)
    _check_model(standard.model, declarations[standard.qname], declarations, standard.root)


def _is_2_0_model(tp: Any) -> bool:
    """A model of the 2.0 documents: defined in v20, epj, or the 1.6 components that 2.0 shares (the kith types are
    tested on their own)."""
    return is_model(tp) and tp.__module__ in (v20.__name__, epj.__name__, components.__name__)


def test_the_documents_use_every_element_the_models_bind() -> None:
    bound: set[tuple[type, str]] = set()
    used: set[tuple[type, str]] = set()

    def collect(cls: type) -> None:
        for _, f, hint in _bound_elements(cls):
            bound.add((cls, f.name))
            if _is_2_0_model(_model_class(hint)):
                collect(_model_class(hint))

    def visit(obj: Any) -> None:
        for _, f, _ in _bound_elements(type(obj)):
            value = getattr(obj, f.name)
            items = value if isinstance(value, list) else [] if value is None else [value]
            if items:
                used.add((type(obj), f.name))
            for item in items:
                if _is_2_0_model(type(item)):
                    visit(item)

    for standard in v20.STANDARDS:
        collect(standard.model)
    for path in DOCUMENTS:
        visit(_read(path))
    assert sorted(f"{cls.__name__}.{name}" for cls, name in bound - used) == []
