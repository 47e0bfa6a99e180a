"""`samhandling demo` does what `make demo` promises: writes valid messages and their receipts."""

from __future__ import annotations

from pathlib import Path

import pytest

from samhandling.demo.codec import demo_patient
from samhandling.standards.apprec.model import read_apprec
from samhandling.standards.parsing import parse_xml
from samhandling.standards.schemas import SchemaSet
from samhandling.standards.validation import validate_message
from tests.support.cli import run, run_process


def test_demo_writes_valid_messages_and_receipts(schema_dir: Path, schemas: SchemaSet, tmp_path: Path) -> None:
    result = run("demo", "--codec", home=tmp_path, schema_dir=schema_dir)
    assert result.returncode == 0, result.stderr
    fnr = demo_patient().ident[0].id
    assert fnr not in result.stdout and fnr[:6] + "*****" in result.stdout
    assert "Avvist med E36" in result.stdout and "Merknad E31" in result.stdout

    files = sorted((tmp_path / "demo").glob("*.xml"))
    assert [f.name for f in files] == [
        "1-innleggelsesrapport.xml", "2-apprec-ok.xml", "3-melding-om-innlagt-pasient.xml",
        "4-innleggelsesrapport-feil-fnr.xml", "5-apprec-avvist.xml",
    ]
    reports = {f.name: validate_message(f.read_bytes(), schemas=schemas) for f in files}
    assert [name for name, r in reports.items() if not r.valid] == ["4-innleggelsesrapport-feil-fnr.xml"]
    assert reports["4-innleggelsesrapport-feil-fnr.xml"].codes == ["E36"]
    assert [n.code for n in reports["4-innleggelsesrapport-feil-fnr.xml"].notes] == ["E31"]

    ok = read_apprec(parse_xml((tmp_path / "demo" / "2-apprec-ok.xml").read_bytes()))
    rejected = read_apprec(parse_xml((tmp_path / "demo" / "5-apprec-avvist.xml").read_bytes()))
    rapport = reports["1-innleggelsesrapport.xml"].head
    assert rapport is not None
    assert (ok.status_code, ok.original_id, ok.version) == ("1", rapport.msg_id, "1.1")
    assert (rejected.status_code, rejected.error_codes) == ("2", ["E36"])
    innlagt = reports["3-melding-om-innlagt-pasient.xml"].head
    assert innlagt is not None and innlagt.msg_info.conversation_ref is not None
    assert innlagt.msg_info.conversation_ref.ref_to_parent == rapport.msg_id


@pytest.mark.process
def test_region_demo_exchanges_messages_and_leaves_the_server_running(schema_dir: Path, tmp_path: Path) -> None:
    import os
    import signal

    result = run_process("demo", home=tmp_path, schema_dir=schema_dir, timeout=300)
    try:
        assert result.returncode == 0, result.stderr
        text = result.stdout
        for node in ("Sykehuset Innlandet", "Gjøvik kommune", "Lillehammer kommune"):
            assert node in text
        assert text.count("positiv kvittering") >= 4 and "avvist av mottaker" in text and "E35" in text
        assert demo_patient().ident[0].id not in text
        assert "kjører fortsatt" in text
    finally:
        pid = int((tmp_path / "demo-region" / "msh.pid").read_text())
        os.kill(pid, signal.SIGTERM)
