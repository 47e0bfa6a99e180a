"""The node as real processes: killed (SIGKILL) in the middle of sending, it sends every message exactly once after a
restart (the restarted node's passes run in process); SIGTERM stops it cleanly; SIGUSR1 makes it poll at once; its
logs are JSON lines without patient identifiers."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samhandling.bootstrap import bootstrap
from samhandling.domain.messaging.messages import Direction, MessageState
from samhandling.services.messaging.send import SendOptions, submit_document
from samhandling.settings import Settings
from samhandling.standards.dialogmelding.builders import notat
from samhandling.store.messaging.messages import MessageQuery
from tests.conftest import needs_real_thread_waits
from tests.support.cli import run_cli
from tests.support.node import node_env
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient, register

pytestmark = [needs_real_thread_waits, pytest.mark.process]  # the node process waits on timed thread waits

MESSAGES = 240


def prepare(home: Path, network: Path, count: int) -> list[str]:
    """A hospital node with ``count`` notes in its outbox; returns their MsgIds."""
    settings = Settings(home=home, transport_dir=network)
    node = bootstrap(settings)
    register(node.uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    options = SendOptions(schemas=None, max_bytes=10**7)
    msg_ids = []
    for n in range(count):
        (stored,) = submit_document(node.uow(), options, notat(tekst=f"Notat nummer {n}"), sender_her_id="8101",
                                    receiver_her_id="8201", patient=patient())
        msg_ids.append(stored.msg_id)
    node.close()
    return msg_ids


def start_node(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "samhandling", "node", "run", "--log-format", "json", *args],
                            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def delivered(network: Path) -> list[Path]:
    return sorted((network / "8201").glob("*.xml"))


def test_a_node_killed_while_sending_sends_every_message_exactly_once_after_restart(tmp_path: Path) -> None:
    home, network = tmp_path / "sykehus", tmp_path / "nhn"
    msg_ids = prepare(home, network, MESSAGES)
    env = node_env(home, network)

    first = start_node(env, "--interval", "0.05")
    deadline = time.monotonic() + 60
    while len(delivered(network)) < 30 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)  # a crash, not a clean stop
    first.communicate(timeout=30)
    at_crash = len(delivered(network))
    assert 0 < at_crash < MESSAGES, "the node must be killed in the middle of sending"

    # No waiting for the killed node's leases: the restarted node gives up the claims of this host's dead processes
    # at start (release_dead_claims). Were the pid taken again already, the 1 s leases run out during these passes.
    # The restarted node's passes run in this process (``node run --once``; the node loop as a process is above).
    for _ in range(40):
        restarted = run_cli("node", "run", "--once", env={k: v for k, v in env.items() if k.startswith("SAMHANDLING_")})
        assert restarted.returncode == 0, restarted.stderr
        if len(delivered(network)) == MESSAGES:
            break
    files = delivered(network)
    assert sorted(p.name.split("_", 1)[1].removesuffix(".xml") for p in files) == sorted(msg_ids)

    node = bootstrap(Settings(home=home, transport_dir=network))
    with node.uow() as uow:
        sent = uow.messages.list(MessageQuery(direction=Direction.OUTGOING, limit=None))
        assert all(uow.outbox.pending(m.id or 0) is None for m in sent)
    node.close()
    assert len(sent) == MESSAGES
    assert {m.state for m in sent} == {MessageState.SENT}
    by_msg_id = {m.msg_id: m.raw for m in sent}
    assert all(p.read_bytes() == by_msg_id[p.name.split("_", 1)[1].removesuffix(".xml")] for p in files)


def test_sigterm_finishes_the_pass_and_stops_cleanly_with_json_logs(tmp_path: Path) -> None:
    home, network = tmp_path / "sykehus", tmp_path / "nhn"
    prepare(home, network, 3)
    process = start_node(node_env(home, network), "--interval", "0.1")
    deadline = time.monotonic() + 60
    while len(delivered(network)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    events = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert [e["event"] for e in events].count("sent") == 3
    assert all({"time", "level", "event"} <= set(e) for e in events)
    assert patient().ident[0].id not in stderr


def test_sigusr1_makes_the_node_poll_at_once(tmp_path: Path) -> None:
    home, network = tmp_path / "sykehus", tmp_path / "nhn"
    prepare(home, network, 0)
    process = start_node(node_env(home, network), "--interval", "3600")
    try:
        assert process.stderr is not None
        for _ in range(200):  # bounded: the node says when its signal handlers are in place
            line = process.stderr.readline()
            if not line or json.loads(line).get("event") == "node running":
                break
        assert line, "the node stopped before it was running"
        # From here SIGUSR1 wakes it; the next pass would otherwise come in an hour.
        node = bootstrap(Settings(home=home, transport_dir=network))
        options = SendOptions(schemas=None, max_bytes=10**7)
        submit_document(node.uow(), options, notat(tekst="Haster"), sender_her_id="8101", receiver_her_id="8201",
                        patient=patient())
        node.close()
        process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 30
        while not delivered(network) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(delivered(network)) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert process.returncode == 0
