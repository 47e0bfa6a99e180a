"""MsgHead 1.2 (HIS 80601): every official message round-trips whole, and what samhandling writes validates."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from samhandling.standards.binding import BindingError, same_information
from samhandling.standards.msghead import MsgHead, read_msghead, write_msghead
from samhandling.standards.parsing import parse_xml
from samhandling.standards.registry import standard_for
from samhandling.standards.schemas import MSGHEAD_XSD, SchemaSet
from tests.conftest import sample_files

MESSAGES = sample_files("plo-1.6/**/*.xml", "dialogmelding-1.0/*.xml", "dialogmelding-1.1/*.xml")


def content_schema(head: MsgHead) -> str:
    document = head.business_document()
    assert document is not None
    standard = standard_for(document)
    assert standard is not None
    return standard.schema_file


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: p.name)
def test_every_official_message_round_trips_whole(path: Path, schemas: SchemaSet) -> None:
    original = read_msghead(parse_xml(path.read_bytes()))
    written = write_msghead(original)
    assert schemas.validate(written, MSGHEAD_XSD, content_schema(original)) == []
    again = read_msghead(parse_xml(etree.tostring(written, encoding="UTF-8")))
    assert same_information(original, again)


def test_header_fields_are_typed(samples_dir: Path) -> None:
    path = samples_dir / "plo-1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"
    head = read_msghead(parse_xml(path.read_bytes()))
    info = head.msg_info
    assert head.msg_type == "LOG_INNLAGT"
    assert info.gen_date.isoformat() == "2018-01-29T10:11:54"
    assert info.sender.organisation.her_path() == ["59", "90998"]
    assert info.receiver.organisation.addressee_her_id() == "5078"
    assert info.receiver.organisation.innermost().organisation_name == "Sykepleietjeneste"
    assert info.patient is not None and info.patient.ident_of("FNR") is not None
    assert info.patient.date_of_birth is not None and info.patient.date_of_birth.year == 1965


def test_copy_receivers_and_conversation_ref(samples_dir: Path) -> None:
    heads = [read_msghead(parse_xml(p.read_bytes())) for p in MESSAGES]
    with_copies = [h for h in heads if h.msg_info.other_receiver]
    assert with_copies, "the official samples include a message with a copy receiver"
    assert all(r.role_receiver.v for h in with_copies for r in h.msg_info.other_receiver)
    replies = [h for h in heads if h.msg_info.conversation_ref is not None]
    assert replies and all(h.msg_info.conversation_ref.ref_to_parent for h in replies)  # type: ignore[union-attr]


def test_attachment_is_decoded(samples_dir: Path) -> None:
    paths = sorted((samples_dir / "dialogmelding-1.1").glob("*.xml"))
    found = [a for p in paths for a in read_msghead(parse_xml(p.read_bytes())).attachments()]
    assert found, "one official Helsefaglig dialog sample carries an attachment"
    ref_doc, data = max(found, key=lambda a: len(a[1]))
    assert len(data) > 1_000_000
    assert ref_doc.mime_type


def test_strict_reading_names_the_unknown_element(samples_dir: Path) -> None:
    path = samples_dir / "plo-1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"
    root = parse_xml(path.read_bytes())
    etree.SubElement(root[0], "{http://www.kith.no/xmlstds/msghead/2006-05-24}Ukjent")
    with pytest.raises(BindingError) as caught:
        read_msghead(root)
    assert caught.value.path == "/MsgHead/MsgInfo/Ukjent"
