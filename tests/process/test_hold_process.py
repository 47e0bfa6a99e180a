"""The emergency routine with a real node process: 50 messages created while a partner is on hold wait; after
``samhandling release`` each is delivered once, in creation order, also when the node (a real process) is SIGKILLed
during the release (the cooperation procedure §3.4). The other commands run in process (tests/support/cli.py)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from samhandling.bootstrap import bootstrap
from samhandling.domain.messaging.messages import Direction, MessageState
from samhandling.services.incidents.holds import held_message_ids
from samhandling.services.messaging.send import SendOptions, submit_document
from samhandling.settings import Settings
from samhandling.standards.dialogmelding.builders import notat
from samhandling.store.messaging.messages import MessageQuery
from tests.process.test_node_process import delivered, start_node
from tests.support.cli import CliResult, run_cli
from tests.support.node import node_env
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient, register

HELD = 50


def cli(env: dict[str, str], *args: str) -> CliResult:
    """``samhandling ARGS`` in this process, with the node's settings (the SAMHANDLING_* variables of ``env``)."""
    return run_cli(*args, env={k: v for k, v in env.items() if k.startswith("SAMHANDLING_")})


@pytest.mark.process
def test_messages_held_during_downtime_go_once_in_creation_order_after_release_despite_a_kill(
    tmp_path: Path,
) -> None:
    home, network = tmp_path / "sykehus", tmp_path / "nhn"
    env = node_env(home, network)
    node = bootstrap(Settings(home=home, transport_dir=network))
    register(node.uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    node.close()
    held = cli(env, "hold", "8201", "--reason", "EPJ-en i Gjøvik er nede", "--by", "kari")
    assert held.returncode == 0, held.stderr
    assert "holdes nå tilbake" in held.stdout

    node = bootstrap(Settings(home=home, transport_dir=network))
    options = SendOptions(schemas=None, max_bytes=10**7)
    msg_ids = []
    for n in range(HELD):
        (stored,) = submit_document(node.uow(), options, notat(tekst=f"Notat {n} under nedetid"),
                                    sender_her_id="8101", receiver_her_id="8201", patient=patient())
        msg_ids.append(stored.msg_id)
    (other,) = submit_document(node.uow(), options, notat(tekst="Til tildelingskontoret"), sender_her_id="8101",
                               receiver_her_id="8202", patient=patient())
    node.close()

    for _ in range(2):
        once = cli(env, "node", "run", "--once")
        assert once.returncode == 0, once.stderr
    assert delivered(network) == []  # nothing to the partner on hold
    assert len(list((network / "8202").glob("*.xml"))) == 1  # the others flow as usual
    listed = cli(env, "holds")
    assert f"HER-id 8201: {HELD} meldinger venter" in listed.stdout

    released = cli(env, "release", "8201", "--by", "kari")
    assert released.returncode == 0, released.stderr
    assert f"{HELD} sendes i rekkefølgen de ble laget" in released.stdout
    first = start_node(env, "--interval", "0.05")
    deadline = time.monotonic() + 60
    while len(delivered(network)) < 10 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.002)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    assert len(delivered(network)) < HELD, "the node must be killed in the middle of the release"
    for _ in range(20):
        again = cli(env, "node", "run", "--once")
        assert again.returncode == 0, again.stderr
        if len(delivered(network)) == HELD:
            break

    files = delivered(network)
    by_time = [p.name.split("_", 1)[1].removesuffix(".xml") for p in sorted(files, key=lambda p: p.stat().st_mtime_ns)]
    assert by_time == msg_ids  # each once, in the order they were created
    node = bootstrap(Settings(home=home, transport_dir=network))
    with node.uow() as uow:
        sent = uow.messages.list(MessageQuery(direction=Direction.OUTGOING, limit=None))
        assert {m.state for m in sent} == {MessageState.SENT}  # waiting for their receipts, watched as usual
        assert held_message_ids(uow) == set() and other.msg_id in {m.msg_id for m in sent}
    node.close()
