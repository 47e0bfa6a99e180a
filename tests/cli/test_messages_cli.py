"""`samhandling receive`, `send`, `messages list|show|avvik` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from samhandling.bootstrap import bootstrap
from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.settings import Settings
from samhandling.standards.apprec.model import read_apprec
from samhandling.standards.parsing import parse_xml
from samhandling.standards.schemas import SchemaSet
from tests.support.cli import run
from tests.support.parties import HOSPITAL_PARTIES, INNLEGGELSE


def hospital_home(tmp_path: Path) -> Path:
    home = tmp_path / "sykehus"
    node = bootstrap(Settings(home=home))
    with node.uow() as uow:
        for party in HOSPITAL_PARTIES:
            uow.parties.add(party)
        uow.commit()
    node.close()
    return home


def test_receive_json_writes_valid_apprecs(tmp_path: Path, samples_dir: Path, schema_dir: Path,
                                           schemas: SchemaSet) -> None:
    home = hospital_home(tmp_path)
    files = [samples_dir / (INNLEGGELSE + "Ny.xml"), samples_dir / (INNLEGGELSE + "Ny.xml")]
    bad = tmp_path / "ikke-xml.xml"
    bad.write_text("dette er ikke XML")
    result = run("receive", "--json", *map(str, files), str(bad), home=home, schema_dir=schema_dir)
    assert result.returncode == 0, result.stderr
    first, again, unreadable = (json.loads(line) for line in result.stdout.splitlines())
    assert first["msg_id"] == "13a5da20-05c6-11e8-8f1a-0800200c9a66"
    assert (first["msg_type"], first["duplicate"], first["linked_to"], first["errors"]) == (
        "INNLEGGELSESRAPPORT", False, None, [])
    (answer,) = first["apprecs"]
    assert {k: answer[k] for k in ("to_her_id", "role", "status", "errors", "version")} == {
        "to_her_id": "5078", "role": "PRIM", "status": "1", "errors": [], "version": "1.1"}
    written = parse_xml(Path(answer["path"]).read_bytes())
    assert schemas.validate(written, "AppRec-v1.1.xsd") == []
    assert read_apprec(written).original_id == first["msg_id"]
    assert again["duplicate"] is True and again["apprecs"][0]["path"] == answer["path"]
    assert unreadable["errors"] == ["T01"] and unreadable["apprecs"] == []


def test_send_json_request_then_list_and_show(tmp_path: Path, schema_dir: Path) -> None:
    home = hospital_home(tmp_path)
    node = bootstrap(Settings(home=home))
    with node.uow() as uow:
        uow.parties.add(Party(her_id="5079", name="Tildeling", kind=PartyKind.SERVICE, parent_her_id="99387"))
        uow.commit()
    node.close()
    request = tmp_path / "foresporsel.json"
    request.write_text(json.dumps({
        "sender": "91090", "receiver": "5078", "copies": ["5079"],
        "patient": {"id": "13116900216", "family_name": "Testesen", "given_name": "Åse"},
        "document": {"type": "foresporsel", "text": "Når kan pasienten komme hjem? Svar gjerne før helga."},
    }, ensure_ascii=False), encoding="utf-8")
    sent = run("send", "--json", str(request), home=home, schema_dir=schema_dir)
    assert sent.returncode == 0, sent.stderr
    stored = json.loads(sent.stdout)
    assert [(m["to_her_id"], m["state"], m["msg_type"]) for m in stored] == [
        ("5078", "queued", "DIALOG_FORESPORSEL"), ("5079", "queued", "DIALOG_FORESPORSEL")]

    listed = json.loads(run("messages", "list", "--json", home=home).stdout)
    assert len(listed) == 2 and all(m["patient"] == "131169*****" for m in listed)
    assert "13116900216" not in run("messages", "list", home=home).stdout
    shown = json.loads(run("messages", "show", str(stored[0]["id"]), "--json", home=home).stdout)
    assert [e["state"] for e in shown["journal"]] == ["queued"]


def test_send_refuses_an_invalid_message_and_bad_requests(tmp_path: Path, schema_dir: Path) -> None:
    home = hospital_home(tmp_path)
    request = tmp_path / "feil.json"
    request.write_text(json.dumps({"sender": "91090", "receiver": "5078",
                                   "patient": {"id": "13116900217", "family_name": "T", "given_name": "Å"},
                                   "document": {"type": "notat", "text": "Hei"}}))
    refused = run("send", str(request), home=home, schema_dir=schema_dir)
    assert refused.returncode == 2 and "E31" in refused.stderr and "13116900217" not in refused.stderr
    broken = tmp_path / "brutt.json"
    broken.write_text("{\"sender\": ")
    assert "ugyldig JSON" in run("send", str(broken), home=home).stderr
    assert json.loads(run("messages", "list", "--json", home=home).stdout) == []


def test_avvik_answers_a_misdirected_message(tmp_path: Path, samples_dir: Path, schema_dir: Path) -> None:
    home = hospital_home(tmp_path)
    run("receive", str(samples_dir / (INNLEGGELSE + "Ny.xml")), home=home, schema_dir=schema_dir)
    municipal_wording = run("messages", "avvik", "13a5da20-05c6-11e8-8f1a-0800200c9a66", "--grunn", "tilhorer-ikke",
                            home=home, schema_dir=schema_dir)  # the hospital's side: the municipality's wording
    assert municipal_wording.returncode == 2 and "kommunens standardkommentar" in municipal_wording.stderr
    result = run("messages", "avvik", "13a5da20-05c6-11e8-8f1a-0800200c9a66", "--grunn",
                 "Pasienten er ikke innlagt hos oss", home=home, schema_dir=schema_dir)
    assert result.returncode == 0, result.stderr
    assert "HITS 1168 §5.3" in result.stderr
    outgoing = [m for m in json.loads(run("messages", "list", "--json", "--direction", "outgoing",
                                           home=home).stdout) if not m["is_apprec"]]
    (avvik,) = outgoing
    assert (avvik["msg_type"], avvik["recipient_her_id"], avvik["parent_ref"]) == (
        "DIALOG_AVVIK", "5078", "13a5da20-05c6-11e8-8f1a-0800200c9a66")
    unknown = run("messages", "avvik", "00000000-0000-0000-0000-000000000000", "--grunn", "mottar-ikke", home=home)
    assert unknown.returncode == 2 and "Fant ingen mottatt melding" in unknown.stderr


def test_receive_goes_on_after_a_file_over_the_size_limit_and_records_it(tmp_path: Path, samples_dir: Path) -> None:
    home = hospital_home(tmp_path)
    good = samples_dir / (INNLEGGELSE + "Ny.xml")
    big = tmp_path / "for-stor.xml"
    big.write_bytes(b"<x>" + b"a" * (good.stat().st_size + 100) + b"</x>")
    limit = str(good.stat().st_size + 10)
    result = run("receive", "--json", str(big), str(good), home=home, SAMHANDLING_MAX_MESSAGE_BYTES=limit)
    assert result.returncode == 0, result.stderr
    oversized, received = (json.loads(line) for line in result.stdout.splitlines())
    assert oversized["errors"] == ["T99"] and oversized["disposition"] == "unanswerable"
    assert received["disposition"] == "accepted"
    listed = json.loads(run("messages", "list", "--json", home=home).stdout)
    assert len(listed) == 3  # the oversized file, the message and its AppRec
