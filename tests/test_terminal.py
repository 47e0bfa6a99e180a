"""Issue 12: what a meldingsansvarlig meets at the terminal, run in process as a user runs it."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from lxml import etree

from tests.support.cli import run_cli
from tests.support.region import local_server
from tests.test_messages_cli import hospital_home
from tests.test_receive import HOSPITAL_PARTIES

INNLEGGELSESRAPPORT = "plo-1.6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_Ny.xml"


def test_show_wraps_clinical_text_and_drops_no_word(samples_dir: Path, tmp_path: Path) -> None:
    path = samples_dir / INNLEGGELSESRAPPORT
    notes = [" ".join(el.text.split()) for el in etree.parse(str(path)).iter("{*}Notat") if el.text]
    assert notes
    for columns in (40, 80, 200):
        result = run_cli("show", path, home=tmp_path, columns=columns)
        assert result.returncode == 0, result.stderr
        assert max(len(line) for line in result.stdout.splitlines()) <= columns
        shown = " ".join(word for line in result.stdout.splitlines() for word in line.split()
                         if word.strip("│├└─"))
        for note in notes:
            for word in note.split():
                assert word in shown, (columns, word)


def _queued_foresporsel(tmp_path: Path, schema_dir: Path) -> Path:
    home = hospital_home(tmp_path)
    request = tmp_path / "foresporsel.json"
    request.write_text(json.dumps({
        "sender": "91090", "receiver": "5078",
        "patient": {"id": "13116900216", "family_name": "Testesen", "given_name": "Åse"},
        "document": {"type": "foresporsel", "text": "Når kan pasienten komme hjem?"},
    }, ensure_ascii=False), encoding="utf-8")
    sent = run_cli("send", request, home=home, env={"SAMHANDLING_SCHEMA_DIR": str(schema_dir)})
    assert sent.returncode == 0, sent.stderr
    return home


def test_outbox_send_shows_the_reason_per_message_and_fails(tmp_path: Path, schema_dir: Path) -> None:
    home = _queued_foresporsel(tmp_path, schema_dir)
    parties = [*HOSPITAL_PARTIES]
    with local_server(tmp_path, parties) as server:
        result = run_cli("outbox", "send", home=home,
                         env={"SAMHANDLING_MSH_URL": server.url, "SAMHANDLING_MSH_TOKEN": "ikke-et-token"})
    assert result.returncode == 1
    assert "Sendt: 0, feilet: 1" in result.stdout
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Ikke sendt:")]
    assert "DIALOG_FORESPORSEL" in line and "HER 5078" in line and "401" in line
    assert "send failed" not in result.stderr, result.stderr


def test_outbox_send_when_the_server_is_down(tmp_path: Path, schema_dir: Path) -> None:
    home = _queued_foresporsel(tmp_path, schema_dir)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = run_cli("outbox", "send", home=home,
                     env={"SAMHANDLING_MSH_URL": f"http://127.0.0.1:{port}", "SAMHANDLING_MSH_TOKEN": "t"})
    assert result.returncode == 1
    assert "Ikke sendt: DIALOG_FORESPORSEL" in result.stderr
