"""End to end: the local message server and two nodes as real processes, each with its own database,
exchange a PLO message, a Forespørsel and their AppRecs over HTTP. The nodes' passes (``node run --once``) are real
processes; what the users do at each node (``send``, ``messages list``) runs in process (tests/support/cli.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from samhandling.msh.region import RegionNode, parties_json, prepare_node, start_message_server
from samhandling.standards.plo.examples.admission_report import innleggelsesrapport
from samhandling.standards.registry import write_content
from tests.support.cli import CliResult, run_cli
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient


def as_user(node: RegionNode, *args: str) -> CliResult:
    """``samhandling ARGS`` at ``node``, in this process, with the node's settings."""
    result = run_cli(*args, env={k: v for k, v in node.env.items() if k.startswith("SAMHANDLING_")})
    assert result.returncode == 0, result.stderr
    return result


def messages(node: RegionNode, **filters: str) -> list[dict[str, Any]]:
    listed = json.loads(as_user(node, "messages", "list", "--json").stdout)
    return [m for m in listed if all(m[k] == v for k, v in filters.items())]


@pytest.mark.process
def test_hospital_and_municipality_exchange_messages_and_apprecs_through_the_local_server(
    tmp_path: Path, schema_dir: Path
) -> None:
    register = tmp_path / "region.json"
    register.write_text(parties_json(HOSPITAL + MUNICIPALITY, set()), encoding="utf-8")
    server = start_message_server(tmp_path / "msh", register)
    try:
        hospital = prepare_node("sykehus", tmp_path / "sykehus", server, HOSPITAL + MUNICIPALITY, {"8100"},
                                schema_dir=schema_dir)
        municipality = prepare_node("kommune", tmp_path / "kommune", server, HOSPITAL + MUNICIPALITY, {"8200"},
                                    schema_dir=schema_dir)
        fnr = patient().ident[0].id
        who = {"id": fnr, "family_name": "Nordmann", "given_name": "Kari"}

        rapport = tmp_path / "innleggelsesrapport.xml"
        rapport.write_bytes(etree.tostring(write_content(innleggelsesrapport()), encoding="UTF-8",
                                           xml_declaration=True))
        request = tmp_path / "rapport.json"
        request.write_text(json.dumps({"sender": "8201", "receiver": "8101", "patient": who,
                                       "document": {"file": str(rapport)}}))
        as_user(municipality, "send", str(request))
        question = tmp_path / "foresporsel.json"
        question.write_text(json.dumps({"sender": "8101", "receiver": "8201", "patient": who,
                                        "document": {"type": "foresporsel",
                                                     "text": "Kan hjemmesykepleien komme i morgen før kl. 10?"}},
                                       ensure_ascii=False), encoding="utf-8")
        as_user(hospital, "send", str(question))

        for node in (municipality, hospital, municipality, hospital):  # send, fetch and answer, fetch receipts
            node.run("node", "run", "--once")

        (sent_rapport,) = messages(municipality, msg_type="INNLEGGELSESRAPPORT", direction="outgoing")
        (sent_question,) = messages(hospital, msg_type="DIALOG_FORESPORSEL", direction="outgoing")
        assert sent_rapport["state"] == "receipt_ok" and sent_question["state"] == "receipt_ok"
        (got_rapport,) = messages(hospital, msg_type="INNLEGGELSESRAPPORT", direction="incoming")
        (got_question,) = messages(municipality, msg_type="DIALOG_FORESPORSEL", direction="incoming")
        assert got_rapport["state"] == "accepted" and got_question["state"] == "accepted"
        assert got_rapport["msg_id"] == sent_rapport["msg_id"]

        inbox = sorted(p.name for p in (tmp_path / "kommune" / "epj" / "inbox").iterdir())
        assert [n.split("_")[0] for n in inbox] == ["APPREC", "DIALOG"]
        answer = (tmp_path / "kommune" / "epj" / "inbox" / inbox[1]).read_text(encoding="utf-8")
        assert "Kan hjemmesykepleien komme i morgen før kl. 10?" in answer
        assert fnr not in (tmp_path / "msh" / "msh.log").read_text()
    finally:
        server.stop()
    assert server.process.returncode == 0
