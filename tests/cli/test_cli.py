"""The command line as a user meets it: one line per fault, never a traceback.

The commands run in this process (tests/support/cli.py); the smoke tests at the end start the two ways a user
starts the program, ``samhandling`` (the console script) and ``python -m samhandling``, as real processes."""

from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.cli import run, run_process

INNLAGT = "plo-1.6/pasientlogistikk_1_6_mottak/Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"
FNR_IN_SAMPLE = "15076500565"


def test_validate_a_valid_sample(samples_dir: Path, schema_dir: Path, tmp_path: Path) -> None:
    result = run("validate", str(samples_dir / INNLAGT), home=tmp_path, schema_dir=schema_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("OK (LOG_INNLAGT, PLO 1.6)")
    assert "skjemavalidering er av" not in result.stderr


def test_validate_without_schemas_says_that_schema_validation_is_off(samples_dir: Path, tmp_path: Path) -> None:
    result = run("validate", str(samples_dir / INNLAGT), home=tmp_path)
    assert result.returncode == 0
    assert "skjemavalidering er av" in result.stderr


def test_validate_reports_findings_and_exits_1(samples_dir: Path, schema_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes((samples_dir / INNLAGT).read_bytes().replace(b"b088a160-0698-11e8-b566-0800200c9a66", b"42"))
    good = samples_dir / INNLAGT
    result = run("validate", str(good), str(bad), home=tmp_path, schema_dir=schema_dir)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("OK (LOG_INNLAGT, PLO 1.6)")
    assert "UGYLDIG" in lines[1] and "E10 /MsgHead/MsgInfo/MsgId" in lines[1]


def test_validate_json(samples_dir: Path, schema_dir: Path, tmp_path: Path) -> None:
    noted = tmp_path / "noted.xml"
    noted.write_bytes((samples_dir / INNLAGT).read_bytes().replace(FNR_IN_SAMPLE.encode(), b"15076500566"))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(re.sub(rb"<DateOfBirth>[^<]*</DateOfBirth>", b"", noted.read_bytes()))
    result = run("validate", "--json", str(samples_dir / INNLAGT), str(noted), str(bad), home=tmp_path,
                 schema_dir=schema_dir)
    assert result.returncode == 1
    first, second, third = (json.loads(line) for line in result.stdout.splitlines())
    assert first == {"file": str(samples_dir / INNLAGT), "valid": True, "msg_type": "LOG_INNLAGT",
                     "standard": "PLO 1.6", "schema_checked": True, "environment": "production", "findings": [],
                     "notes": []}
    # HIS 80415:2012 §3.3.4: navn, fødselsdato og kjønn identify the patient; the wrong number is a note
    assert second["valid"] is True and second["findings"] == []
    assert [f["code"] for f in second["notes"]] == ["E31"]
    assert second["notes"][0]["path"] == "/MsgHead/MsgInfo/Patient/Ident/Id"
    assert third["valid"] is False
    assert [f["code"] for f in third["findings"]] == ["E36"] and [f["code"] for f in third["notes"]] == ["E31"]
    assert "15076500566" not in result.stdout


def test_validate_and_show_say_which_environment_they_judge_by(samples_dir: Path, tmp_path: Path) -> None:
    shown = run("show", str(samples_dir / INNLAGT), home=tmp_path)
    assert shown.returncode == 0 and "Vurdert etter miljø: produksjon" in shown.stderr
    checked = run("validate", str(samples_dir / INNLAGT), home=tmp_path, SAMHANDLING_ENVIRONMENT="test")
    assert checked.returncode == 0 and "Vurdert etter miljø: test" in checked.stderr


@pytest.mark.parametrize(("content", "expected"), [
    (b"dette er ikke XML", "T01"),
    (b"<?xml version='1.0'?><MsgHead xmlns='http://www.kith.no/xmlstds/msghead/2006-05-24'><MsgInfo>", "T01"),
    (b"<?xml version='1.0'?><Melding xmlns='urn:example:ukjent'/>", "T10"),
])
def test_bad_files_give_one_line_and_a_non_zero_exit(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "fil.xml"
    path.write_bytes(content)
    result = run("validate", str(path), home=tmp_path)
    assert result.returncode == 1
    assert len(result.stdout.strip().splitlines()) == 1
    assert expected in result.stdout


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "stor.xml"
    path.write_bytes(b"<a>" + b"x" * 500 + b"</a>")
    result = run("validate", str(path), home=tmp_path, SAMHANDLING_MAX_MESSAGE_BYTES="100")
    assert result.returncode == 1
    assert "for stor" in result.stdout + result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "finnes-ikke.xml"), home=tmp_path)
    assert result.returncode == 1
    assert "finnes ikke" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_show_masks_the_fodselsnummer(samples_dir: Path, tmp_path: Path) -> None:
    result = run("show", str(samples_dir / INNLAGT), home=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "Melding om innlagt pasient" in text
    assert "ST OLAVS HOSPITAL HF (HER 59)" in text and "Ortopedisk kirurgi (HER 90998)" in text
    assert "Alvdal Kommune (HER 99387)" in text
    assert "Roland Gundersen" in text
    assert "150765*****" in text
    assert FNR_IN_SAMPLE not in text
    assert "Pasienten ble innlagt" in text


def test_show_a_file_that_is_not_xml(tmp_path: Path) -> None:
    path = tmp_path / "tull.xml"
    path.write_text("tull")
    result = run("show", str(path), home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("Feil:")


def test_schemas_install_from_folder_and_zip(schema_dir: Path, samples_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run("schemas", "install", str(schema_dir), home=home)
    assert result.returncode == 0, result.stderr
    assert (home / "schemas" / "felleskomponenter" / "MsgHead-v1_2.xsd").is_file()
    validated = run("validate", str(samples_dir / INNLAGT), home=home)
    assert validated.returncode == 0 and "skjemavalidering er av" not in validated.stderr

    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for path in schema_dir.rglob("*.xsd"):
            archive.write(path, "xsd/" + str(path.relative_to(schema_dir)))
    other_home = tmp_path / "home2"
    assert run("schemas", "install", str(bundle), home=other_home).returncode == 0
    assert run("schemas", "status", home=other_home).returncode == 0


def test_schemas_install_refuses_a_folder_without_msghead(tmp_path: Path) -> None:
    (tmp_path / "tom").mkdir()
    result = run("schemas", "install", str(tmp_path / "tom"), home=tmp_path / "home")
    assert result.returncode == 2
    assert "MsgHead-v1_2.xsd" in result.stderr
    assert not (tmp_path / "home" / "schemas").exists()


def test_schemas_install_refuses_path_traversal_in_zip(tmp_path: Path) -> None:
    bundle = tmp_path / "ond.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("../../utenfor.xsd", "<schema/>")
    result = run("schemas", "install", str(bundle), home=tmp_path / "home")
    assert result.returncode == 2
    assert not (tmp_path / "utenfor.xsd").exists()


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    result = run("messages", "list", home=tmp_path,
                 SAMHANDLING_DATABASE_URL="postgresql+psycopg://nobody:hemmelig@127.0.0.1:1/ingen")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Feil: databasen postgresql+psycopg://nobody:***@127.0.0.1:1/ingen svarer ikke")
    assert "hemmelig" not in result.stderr


# --- the entry points as real processes (one smoke test each) ---------------------------------------


@pytest.mark.process
def test_python_dash_m_samhandling_runs_a_command_and_says_a_fault_in_one_line(samples_dir: Path, schema_dir: Path,
                                                                               tmp_path: Path) -> None:
    result = run_process("validate", str(samples_dir / INNLAGT), home=tmp_path, schema_dir=schema_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("OK (LOG_INNLAGT, PLO 1.6)")
    shown = run_process("show", str(tmp_path / "finnes-ikke.xml"), home=tmp_path)
    assert shown.returncode == 2 and shown.stderr.strip().splitlines() == [
        f"Feil: {tmp_path / 'finnes-ikke.xml'}: filen finnes ikke"]


@pytest.mark.process
def test_the_samhandling_console_script_runs_a_command(samples_dir: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("samhandling")
    if not script.exists():
        message = f"the console script is not installed next to {sys.executable} (pip install -e .)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    result = run_process("show", str(samples_dir / INNLAGT), home=tmp_path, command=(str(script),))
    assert result.returncode == 0, result.stderr
    assert "Melding om innlagt pasient" in result.stdout and "150765*****" in result.stdout
    assert FNR_IN_SAMPLE not in result.stdout
