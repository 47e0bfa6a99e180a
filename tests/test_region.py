"""End to end: the local message server and two nodes as real processes, each with its own database,
exchange a PLO message, a Forespørsel and their AppRecs over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from samhandling.msh.region import parties_json, prepare_node, start_message_server
from samhandling.standards.plo.examples.admission_report import innleggelsesrapport
from samhandling.standards.registry import write_content
from tests.test_send import HOSPITAL, MUNICIPALITY, patient


def messages(node, **filters: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    listed = json.loads(node.run("messages", "list", "--json").stdout)
    return [m for m in listed if all(m[k] == v for k, v in filters.items())]


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
        municipality.run("send", str(request))
        question = tmp_path / "foresporsel.json"
        question.write_text(json.dumps({"sender": "8101", "receiver": "8201", "patient": who,
                                        "document": {"type": "foresporsel",
                                                     "text": "Kan hjemmesykepleien komme i morgen før kl. 10?"}},
                                       ensure_ascii=False), encoding="utf-8")
        hospital.run("send", str(question))

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
