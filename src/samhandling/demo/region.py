"""``samhandling demo``: a region on one machine, exchanging messages as the cooperation procedure has it.

The local message server starts (and is left running), with a hospital node and two municipality nodes,
each with its own SQLite database. The nodes exchange an Innleggelsesrapport, Melding om innlagt pasient, a
Forespørsel with its Svar, and one note about a patient the municipality does not know, which comes back
rejected (E35, the municipality keeps a patient directory). Then the demo prints what each node sent and
received and the state of each message.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
from datetime import date
from pathlib import Path

from lxml import etree
from rich.console import Console
from rich.table import Table

from samhandling.demo.codec import demo_patient
from samhandling.domain.identifiers import synthetic_person_id
from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.domain.privacy import mask_person_id
from samhandling.msh.region import (
    MessageServer,
    RegionError,
    RegionNode,
    parties_json,
    prepare_node,
    start_message_server,
)
from samhandling.settings import Settings
from samhandling.standards.plo.examples.admission_report import innleggelsesrapport
from samhandling.standards.plo.examples.logistics import melding_om_innlagt_pasient
from samhandling.standards.registry import write_content

DEMO_PORT = 8470

REGION = [
    Party(her_id="8100", name="Sykehuset Innlandet HF", kind=PartyKind.ORGANISATION),
    Party(her_id="8101", name="Medisinsk avdeling Gjøvik", kind=PartyKind.SERVICE, parent_her_id="8100"),
    Party(her_id="8102", name="Ortopedisk avdeling Lillehammer", kind=PartyKind.SERVICE, parent_her_id="8100"),
    Party(her_id="8200", name="Gjøvik kommune", kind=PartyKind.ORGANISATION, municipality="3407"),
    Party(her_id="8201", name="Hjemmesykepleien Gjøvik", kind=PartyKind.SERVICE, parent_her_id="8200"),
    Party(her_id="8300", name="Lillehammer kommune", kind=PartyKind.ORGANISATION, municipality="3405"),
    Party(her_id="8301", name="Helse- og omsorgstjenesten Lillehammer", kind=PartyKind.SERVICE,
          parent_her_id="8300"),
]


def run_region_demo(settings: Settings, console: Console) -> None:
    base = settings.home / "demo-region"
    _stop_previous(base, console)
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    schema_dir = settings.effective_schema_dir if settings.schemas is not None else None
    console.print("[bold]samhandling – en region på én maskin[/bold]")
    console.print("Skjemavalidering: " + ("på" if schema_dir else "av (installer med «samhandling schemas install»)"))
    console.print(f"Testpasient: Kari Nordmann, fødselsnummer {mask_person_id(demo_patient().ident[0].id)} "
                  "(syntetisk)")

    register = base / "region.json"
    register.write_text(parties_json(REGION, set()), encoding="utf-8")
    try:
        server = start_message_server(base / "msh", register, port=DEMO_PORT, detach=True)
    except RegionError:
        server = start_message_server(base / "msh", register, port=0, detach=True)
    (base / "msh.pid").write_text(str(server.pid))
    console.print(f"Meldingstjeneren lytter på {server.url}\n")

    hospital = prepare_node("Sykehuset Innlandet", base / "sykehus", server, REGION, {"8100"},
                            schema_dir=schema_dir)
    gjovik = prepare_node("Gjøvik kommune", base / "gjovik", server, REGION, {"8200"}, schema_dir=schema_dir)
    lillehammer = prepare_node("Lillehammer kommune", base / "lillehammer", server, REGION, {"8300"},
                               schema_dir=schema_dir)
    nodes = [hospital, gjovik, lillehammer]
    _exchange(base, hospital, gjovik, lillehammer, nodes)
    _report(nodes, console)
    _leave_running(server, base, console)


def _exchange(base: Path, hospital: RegionNode, gjovik: RegionNode, lillehammer: RegionNode,
              nodes: list[RegionNode]) -> None:
    patient = demo_patient()
    who = {"id": patient.ident[0].id, "family_name": patient.family_name, "given_name": patient.given_name}
    stranger = {"id": synthetic_person_id(date(1937, 11, 2), rng=random.Random(3405)), "family_name": "Nordmann",
                "given_name": "Ola"}
    directory = base / "pasientregister-lillehammer.json"  # Lillehammer knows Kari, not Ola
    directory.write_text(json.dumps({"patients": [{"party_her_id": "8300", "id": who["id"], "name": "Kari Nordmann"}]}),
                         encoding="utf-8")
    lillehammer.run("patients", "import", str(directory))
    rapport = base / "innleggelsesrapport.xml"
    rapport.write_bytes(etree.tostring(write_content(innleggelsesrapport()), encoding="UTF-8",
                                       xml_declaration=True))
    _send(base, gjovik, "1-innleggelsesrapport", {"sender": "8201", "receiver": "8101", "patient": who,
                                                  "document": {"file": str(rapport)}})
    innlagt = base / "innlagt.xml"
    innlagt.write_bytes(etree.tostring(write_content(melding_om_innlagt_pasient()), encoding="UTF-8",
                                       xml_declaration=True))
    _send(base, hospital, "2-innlagt", {"sender": "8101", "receiver": "8201", "patient": who,
                                        "document": {"file": str(innlagt)}})
    _send(base, hospital, "3-foresporsel", {
        "sender": "8102", "receiver": "8301", "patient": who,
        "document": {"type": "foresporsel", "text": "Har pasienten behov for økt hjemmesykepleie etter utskrivning?"}})
    _send(base, hospital, "4-ukjent-pasient", {
        "sender": "8102", "receiver": "8301", "patient": stranger,
        "document": {"type": "notat", "text": "Til orientering: pasienten får kontrolltime om tre uker."}})
    _passes(nodes, 2)
    (question,) = [m for m in _messages(lillehammer) if m["msg_type"] == "DIALOG_FORESPORSEL"]
    _send(base, lillehammer, "5-svar", {
        "sender": "8301", "in_reply_to": question["msg_id"],
        "document": {"type": "svar", "text": "Ja, vi øker til to besøk daglig de første ukene."}})
    _passes(nodes, 2)


def _send(base: Path, node: RegionNode, name: str, request: dict[str, object]) -> None:
    path = base / f"{name}.json"
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    node.run("send", str(path))


def _passes(nodes: list[RegionNode], rounds: int) -> None:
    for _ in range(rounds):
        for node in nodes:
            node.run("node", "run", "--once")


def _messages(node: RegionNode) -> list[dict[str, object]]:
    listed: list[dict[str, object]] = json.loads(node.run("messages", "list", "--json").stdout)
    return listed


def _report(nodes: list[RegionNode], console: Console) -> None:
    if not console.is_terminal:
        console.width = max(console.width, 120)
    for node in nodes:
        table = Table(title=node.name, title_justify="left")
        for column in ("Retning", "Type", "Fra", "Til", "Tilstand", "Feilkoder", "Pasient"):
            table.add_column(column)
        for m in sorted(_messages(node), key=lambda m: str(m["created_at"])):
            table.add_row("inn" if m["direction"] == "incoming" else "ut", str(m["msg_type"]),
                          str(m["sender_her_id"]), str(m["recipient_her_id"]), _STATES.get(str(m["state"]),
                                                                                            str(m["state"])),
                          ", ".join(m["error_codes"]) if isinstance(m["error_codes"], list) else "",
                          str(m["patient"] or ""))
        console.print(table)


_STATES = {
    "queued": "i utboksen", "sent": "sendt", "delivered": "levert", "receipt_ok": "positiv kvittering",
    "receipt_rejected": "avvist av mottaker", "receipt_missing": "kvittering mangler", "received": "mottatt",
    "accepted": "godtatt", "rejected": "avvist", "held": "holdt tilbake", "unanswerable": "kan ikke besvares",
}


def _leave_running(server: MessageServer, base: Path, console: Console) -> None:
    console.print(f"\nMeldingstjeneren kjører fortsatt på {server.url} (prosess {server.pid}), med data i {base}.")
    console.print(f"Stopp den med: kill {server.pid}   (eller: make demo-stop)")


def _stop_previous(base: Path, console: Console) -> None:
    """Stop the server a previous demo left running, so that the port and the data folder are free."""
    pid_file = base / "msh.pid"
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    for _ in range(100):  # until it has let go of the port
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    console.print(f"Stoppet meldingstjeneren fra forrige demo (prosess {pid}).")
