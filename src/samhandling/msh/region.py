"""A region on one machine: the local message server and samhandling nodes that talk through it.

Used by ``samhandling demo`` and by the end-to-end tests: the server runs as its own process (as it would
for partners rehearsing without NHN), each node has its own data directory and database, and each node
gets a token for the HER-ids it serves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from samhandling.domain.messaging.parties import Party
from samhandling.msh.tokens import issue_token, load_or_create_secret

READY_LINE = "Meldingstjeneren lytter på "


class RegionError(RuntimeError):
    """The region could not be set up; the message says why, in Norwegian."""


def parties_json(parties: list[Party], local: set[str]) -> str:
    """The parties in the JSON import format, with ``local`` for the HER-ids (and what is under them) served."""
    return json.dumps({"parties": [
        {"her_id": p.her_id, "name": p.name, "kind": p.kind.value, "parent_her_id": p.parent_her_id,
         "local": p.her_id in local, "municipality": p.municipality}
        for p in parties
    ]}, ensure_ascii=False, indent=2)


def clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SAMHANDLING_")}


@dataclass
class MessageServer:
    """A running ``samhandling msh serve`` process."""

    home: Path
    url: str
    process: subprocess.Popen[str]

    @property
    def pid(self) -> int:
        return self.process.pid

    def token(self, her_ids: list[str]) -> str:
        return issue_token(load_or_create_secret(self.home), her_ids)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


def start_message_server(home: Path, parties_file: Path, *, port: int = 0, detach: bool = False,
                         timeout: float = 60.0) -> MessageServer:
    """Start the local message server on ``port`` (0: a free one) and wait until it listens.

    ``detach`` lets the server outlive this process (for ``make demo``, which leaves it running).
    """
    home.mkdir(parents=True, exist_ok=True)
    env = clean_environment() | {"SAMHANDLING_HOME": str(home)}
    log = (home / "msh.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "samhandling", "msh", "serve", "--port", str(port), "--parties", str(parties_file)],
        env=env, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=detach,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith(READY_LINE):
            process.stdout.close()
            return MessageServer(home=home, url=line[len(READY_LINE):].strip(), process=process)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RegionError(f"meldingstjeneren startet ikke; se {home / 'msh.log'}")


@dataclass
class RegionNode:
    """One samhandling node of the region: its data directory and the settings that point it at the server."""

    name: str
    home: Path
    local: set[str]
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run ``samhandling ARGS`` as this node; raises RegionError when the command fails."""
        result = subprocess.run([sys.executable, "-m", "samhandling", *args], env=self.env, capture_output=True,
                                text=True, timeout=timeout)
        if result.returncode != 0:
            raise RegionError(f"{self.name}: «samhandling {' '.join(args)}» feilet: {result.stderr.strip()}")
        return result


def prepare_node(name: str, home: Path, server: MessageServer, parties: list[Party], local: set[str],
                 *, schema_dir: Path | None = None, env: dict[str, str] | None = None) -> RegionNode:
    """A node home with the region's parties registered and a token for the HER-ids it serves.

    ``env`` adds settings of the node's own (its database, timeouts, ...), as ``SAMHANDLING_*`` variables.
    """
    home.mkdir(parents=True, exist_ok=True)
    variables = clean_environment() | {
        "SAMHANDLING_HOME": str(home),
        "SAMHANDLING_MSH_URL": server.url,
        "SAMHANDLING_MSH_TOKEN": server.token(sorted(local)),
        "SAMHANDLING_MSH_LOCAL": "true",
    }
    if schema_dir is not None:
        variables["SAMHANDLING_SCHEMA_DIR"] = str(schema_dir)
    variables |= env or {}
    node = RegionNode(name=name, home=home, local=local, env=variables)
    register = home / "parter.json"
    register.write_text(parties_json(parties, local), encoding="utf-8")
    node.run("parties", "import", str(register))
    return node
