"""The built-in rules and schema validation of whole messages, each mapped to its AppRec error code."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from samhandling.domain.identifiers import PersonIdKind, is_felles_hjelpenummer, synthetic_person_id
from samhandling.standards.parsing import NotWellFormedError, TooLargeError, parse_xml
from samhandling.standards.schemas import SchemaSet
from samhandling.standards.validation import validate_message
from tests.conftest import sample_files

MH = "{http://www.kith.no/xmlstds/msghead/2006-05-24}"
INNLAGT = "plo-1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"
ALL_MESSAGES = sample_files("plo-1.6/**/*.xml", "dialogmelding-1.0/*.xml", "dialogmelding-1.1/*.xml",
                            "apprec-1.0/*.xml", "apprec-1.1/*.xml")


@pytest.mark.parametrize("path", ALL_MESSAGES, ids=lambda p: p.name)
def test_every_official_sample_is_valid(path: Path, schemas: SchemaSet) -> None:
    report = validate_message(path.read_bytes(), schemas=schemas)
    assert report.findings == []
    assert report.schema_checked
    assert report.standard is not None
    assert report.document is not None


@pytest.mark.parametrize("path", ALL_MESSAGES, ids=lambda p: p.name)
def test_every_official_sample_passes_the_built_in_rules_without_schemas(path: Path, samples_dir: Path) -> None:
    report = validate_message(path.read_bytes(), schemas=None)
    assert report.findings == []
    assert not report.schema_checked


def mutated(samples_dir: Path, change: Callable[[etree._Element], None], sample: str = INNLAGT) -> bytes:
    root = etree.parse(str(samples_dir / sample)).getroot()
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def codes(data: bytes, schemas: SchemaSet | None) -> list[str]:
    return validate_message(data, schemas=schemas).codes


def _remove(root: etree._Element, path: str) -> None:
    for found in root.findall(path):
        found.getparent().remove(found)


def _set_text(root: etree._Element, path: str, value: str) -> None:
    found = root.find(path)
    assert found is not None
    found.text = value


PATIENT = f"{MH}MsgInfo/{MH}Patient"


def test_not_well_formed_is_t01(samples_dir: Path) -> None:
    data = (samples_dir / INNLAGT).read_bytes()
    report = validate_message(data[: len(data) // 2], schemas=None)
    assert report.codes == ["T01"]
    assert "linje" in report.findings[0].text


@pytest.mark.parametrize("data", [b"", b"   ", b"dette er ikke XML", b"\x00\x01\x02", b"<a><b></a>"])
def test_garbage_is_t01(data: bytes) -> None:
    assert codes(data, None) == ["T01"]


def test_schema_invalid_is_t02(samples_dir: Path, schemas: SchemaSet) -> None:
    data = mutated(samples_dir, lambda r: _set_text(r, f"{MH}MsgInfo/{MH}GenDate", "i går"))
    report = validate_message(data, schemas=schemas)
    assert report.codes == ["T02"]
    assert "GenDate" in report.findings[0].text or "GenDate" in report.findings[0].path


def test_schema_invalid_content_is_t02(samples_dir: Path, schemas: SchemaSet) -> None:
    def add_unknown(root: etree._Element) -> None:
        content = root.find(f"{MH}Document/{MH}RefDoc/{MH}Content")
        assert content is not None
        etree.SubElement(content[0], "{http://www.kith.no/xmlstds/po/poKomponent/2012-04-01}Ukjent").text = "x"

    assert "T02" in codes(mutated(samples_dir, add_unknown), schemas)


def test_structural_fault_without_schemas_is_still_t02(samples_dir: Path) -> None:
    data = mutated(samples_dir, lambda r: _remove(r, f"{MH}MsgInfo/{MH}MsgId"))
    report = validate_message(data, schemas=None)
    assert report.codes == ["T02", "E10"]  # the header is still read, so that the rejection can be sent
    assert report.findings[0].path.endswith("MsgId")
    assert report.head is not None and report.head.msg_info.sender.organisation.her_id() == "59"


def test_unknown_content_namespace_is_t10(samples_dir: Path, schemas: SchemaSet) -> None:
    def rename(root: etree._Element) -> None:
        content = root.find(f"{MH}Document/{MH}RefDoc/{MH}Content")
        assert content is not None
        content[0].tag = "{urn:example:ukjent}Melding"

    assert codes(mutated(samples_dir, rename), schemas) == ["T10"]
    assert codes(mutated(samples_dir, rename), None) == ["T10"]


def test_unknown_root_is_t10() -> None:
    assert codes(b"<?xml version='1.0'?><Melding xmlns='urn:example:ukjent'/>", None) == ["T10"]


def test_msg_type_that_does_not_match_the_content_is_t10(samples_dir: Path, schemas: SchemaSet) -> None:
    def retype(root: etree._Element) -> None:
        root.find(f"{MH}MsgInfo/{MH}Type").set("V", "INNLEGGELSESRAPPORT")

    assert codes(mutated(samples_dir, retype), schemas) == ["T10"]


def test_msg_id_not_a_uuid_is_e10(samples_dir: Path, schemas: SchemaSet) -> None:
    data = mutated(samples_dir, lambda r: _set_text(r, f"{MH}MsgInfo/{MH}MsgId", "melding-1"))
    report = validate_message(data, schemas=schemas)
    assert report.codes == ["E10"]
    assert report.findings[0].path == "/MsgHead/MsgInfo/MsgId"


def test_receiver_without_her_id_is_e21(samples_dir: Path, schemas: SchemaSet) -> None:
    def strip_her(root: etree._Element) -> None:
        for ident in root.findall(f"{MH}MsgInfo/{MH}Receiver//{MH}Ident"):
            ident.find(f"{MH}TypeId").set("V", "ENH")

    assert codes(mutated(samples_dir, strip_her), schemas) == ["E21"]


def notes(data: bytes, schemas: SchemaSet | None) -> list[str]:
    return [f.code for f in validate_message(data, schemas=schemas).notes]


def _without(*tags: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        for tag in tags:
            _remove(root, f"{PATIENT}/{MH}{tag}")
    return change


def test_missing_patient_is_e36(samples_dir: Path, schemas: SchemaSet) -> None:
    assert codes(mutated(samples_dir, lambda r: _remove(r, PATIENT)), schemas) == ["E36"]


def test_patient_without_identifier_or_name_is_e36(samples_dir: Path, schemas: SchemaSet) -> None:
    data = mutated(samples_dir, _without("Ident", "FamilyName", "GivenName"))
    assert codes(data, schemas) == ["E36"]
    assert notes(data, schemas) == ["E30", "E32"]


def test_navn_fodselsdato_og_kjonn_without_fodselsnummer_is_sufficiently_identified(
        samples_dir: Path, schemas: SchemaSet) -> None:
    """HIS 80415:2012 §3.3.4: E30 «Pasientens fødselsnummer mangler» only as a note; nothing rejects."""
    data = mutated(samples_dir, _without("Ident"))
    assert codes(data, schemas) == []
    assert notes(data, schemas) == ["E30"]


def test_navn_uten_fodselsnummer_fodselsdato_og_kjonn_is_pasientopplysninger_er_utilstrekkelige(
        samples_dir: Path, schemas: SchemaSet) -> None:
    data = mutated(samples_dir, _without("Ident", "DateOfBirth", "Sex"))
    assert codes(data, schemas) == ["E36"]
    assert notes(data, schemas) == ["E30"]


def test_an_empty_fnr_id_is_a_missing_fodselsnummer_never_a_wrong_one(samples_dir: Path, schemas: SchemaSet) -> None:
    data = mutated(samples_dir, lambda r: _set_text(r, f"{PATIENT}/{MH}Ident/{MH}Id", ""))
    assert notes(data, schemas) == ["E30"]
    assert codes(data, schemas) == []


@pytest.mark.parametrize("bad", ["15076500566", "1507650056", "32136500565", "abcdefghijk"])
def test_wrong_fodselsnummer_with_navn_fodselsdato_og_kjonn_is_only_a_note(
        samples_dir: Path, schemas: SchemaSet, bad: str) -> None:
    """8221: E31 «Benyttes kun hvis systemet ikke gjenkjenner øvrige opplysninger om pasienten heller»."""
    report = validate_message(mutated(samples_dir, lambda r: _set_text(r, f"{PATIENT}/{MH}Ident/{MH}Id", bad)),
                              schemas=schemas)
    assert report.codes == [] and report.valid
    assert [n.code for n in report.notes] == ["E31"]
    assert bad not in report.notes[0].text


@pytest.mark.parametrize("bad", ["15076500566", "32136500565"])
def test_navn_og_feil_fodselsnummer_alone_is_pasientopplysninger_er_utilstrekkelige(
        samples_dir: Path, schemas: SchemaSet, bad: str) -> None:
    def change(root: etree._Element) -> None:
        _without("DateOfBirth", "Sex")(root)
        _set_text(root, f"{PATIENT}/{MH}Ident/{MH}Id", bad)

    report = validate_message(mutated(samples_dir, change), schemas=schemas)
    assert report.codes == ["E36"]
    assert "fødselsnummer er feil" in report.findings[0].text and bad not in report.findings[0].text
    assert [n.code for n in report.notes] == ["E31"]


def test_wrong_h_nummer_with_navn_fodselsdato_og_kjonn_gets_no_rejection(samples_dir: Path, schemas: SchemaSet) -> None:
    def change(root: etree._Element) -> None:
        _set_text(root, f"{PATIENT}/{MH}Ident/{MH}Id", "15476500566")
        root.find(f"{PATIENT}/{MH}Ident/{MH}TypeId").set("V", "HNR")

    assert codes(mutated(samples_dir, change), schemas) == []
    assert notes(mutated(samples_dir, change), schemas) == ["E31"]


def test_navn_og_d_nummer_is_sufficient(samples_dir: Path, schemas: SchemaSet) -> None:
    def change(root: etree._Element) -> None:
        _without("DateOfBirth", "Sex")(root)
        _set_text(root, f"{PATIENT}/{MH}Ident/{MH}Id", synthetic_person_id(date(1965, 7, 15), kind=PersonIdKind.DNR,
                                                                          rng=random.Random(1)))
        root.find(f"{PATIENT}/{MH}Ident/{MH}TypeId").set("V", "DNR")

    report = validate_message(mutated(samples_dir, change), schemas=schemas)
    assert report.findings == [] and report.notes == []


def test_navn_og_felles_hjelpenummer_is_sufficient(samples_dir: Path, schemas: SchemaSet) -> None:
    fh = _felles_hjelpenummer()

    def change(root: etree._Element) -> None:
        _without("DateOfBirth", "Sex")(root)
        _set_text(root, f"{PATIENT}/{MH}Ident/{MH}Id", fh)
        root.find(f"{PATIENT}/{MH}Ident/{MH}TypeId").set("V", "FHN")

    report = validate_message(mutated(samples_dir, change), schemas=None)
    assert report.findings == [] and report.notes == []


def _felles_hjelpenummer() -> str:
    """A valid FH-nummer (HIS 1001:2010 kap. 3.1): nine digits from 800 000 000, check digits as a fødselsnummer."""
    for base in range(800_000_000, 800_001_000):
        for k1 in range(10):
            for k2 in range(10):
                if is_felles_hjelpenummer(f"{base}{k1}{k2}"):
                    return f"{base}{k1}{k2}"
    raise AssertionError("no FH-nummer found")


def test_missing_name_is_pasientopplysninger_er_utilstrekkelige_with_e32_noted(
        samples_dir: Path, schemas: SchemaSet) -> None:
    report = validate_message(mutated(samples_dir, _without("FamilyName")), schemas=schemas)
    assert report.codes == ["E36"]
    assert [n.code for n in report.notes] == ["E32"]
    assert "etternavn" in report.notes[0].text


def test_several_faults_are_all_reported(samples_dir: Path, schemas: SchemaSet) -> None:
    def break_many(root: etree._Element) -> None:
        _set_text(root, f"{MH}MsgInfo/{MH}MsgId", "x")
        _remove(root, f"{PATIENT}/{MH}GivenName")

    assert codes(mutated(samples_dir, break_many), schemas) == ["E10", "E36"]


def test_iso_8859_1_is_read_with_norwegian_letters_intact(samples_dir: Path, schemas: SchemaSet) -> None:
    root = etree.parse(str(samples_dir / INNLAGT)).getroot()
    data = etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")
    assert "Ø".encode("iso-8859-1") in data
    report = validate_message(data, schemas=schemas)
    assert report.valid
    assert report.head is not None and report.head.msg_info.patient is not None
    assert report.head.msg_info.patient.address is not None
    assert report.head.msg_info.patient.address.street_adr == "Flåklypa 31"


def test_undeclared_latin1_is_read_as_iso_8859_1() -> None:
    root = parse_xml("<a>Blåbærsyltetøy</a>".encode("iso-8859-1"))
    assert root.text == "Blåbærsyltetøy"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_its_declaration_or_bom_is_read_as_declared(samples_dir: Path, schemas: SchemaSet,
                                                                  encoding: str) -> None:
    text = (samples_dir / INNLAGT).read_text(encoding="utf-8")
    text = re.sub(r'^<\?xml[^>]*\?>', '<?xml version="1.0" encoding="UTF-16"?>', text)
    data = text.encode(encoding)  # "utf-16" writes a BOM; the -le/-be forms rely on the declaration alone
    report = validate_message(data, schemas=schemas)
    assert report.valid, report.findings
    assert report.head is not None and report.head.msg_info.patient is not None
    assert report.head.msg_info.patient.address is not None
    assert report.head.msg_info.patient.address.street_adr == "Flåklypa 31"


def test_a_byte_order_mark_alone_decides_without_a_declaration() -> None:
    assert parse_xml("<a>Blåbær</a>".encode("utf-16")).text == "Blåbær"
    assert parse_xml("\ufeff<a>Blåbær</a>".encode("utf-8")).text == "Blåbær"


def test_text_nodes_larger_than_libxml2s_default_limit_are_read() -> None:
    big = b"<a>" + b"QUJD" * (3 * 1024 * 1024) + b"</a>"  # 12 MB in one text node
    assert len(parse_xml(big).text or "") == 12 * 1024 * 1024


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    from samhandling.standards.parsing import MAX_DEPTH

    parse_xml(b"<a>" * MAX_DEPTH + b"</a>" * MAX_DEPTH)
    with pytest.raises(NotWellFormedError, match="nøstet"):
        parse_xml(b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1))


def test_doctype_is_refused_and_entities_never_expand() -> None:
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<lolz>&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;</lolz>"""
    with pytest.raises(NotWellFormedError, match="DOCTYPE"):
        parse_xml(laughs)
    assert codes(laughs, None) == ["T01"]


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "hemmelig.txt"
    secret.write_text("hemmelig innhold")
    xxe = f"""<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "{secret.as_uri()}">]><a>&x;</a>""".encode()
    with pytest.raises(NotWellFormedError):
        parse_xml(xxe)
    report = validate_message(xxe, schemas=None)
    assert report.codes == ["T01"]
    assert "hemmelig innhold" not in report.findings[0].text


def test_size_limit() -> None:
    with pytest.raises(TooLargeError):
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)
    report = validate_message(b"<a>" + b"x" * 2000 + b"</a>", schemas=None, max_bytes=1000)
    assert report.codes == ["T99"]
    assert "for stor" in report.findings[0].text
