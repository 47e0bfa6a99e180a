"""The region of the soak run: the local message server and two nodes as real processes, each node on its own
database (SQLite files, or PostgreSQL databases made for the run and dropped after it), reached through the
database proxy where the store can be taken away.

Every process is started here and stopped here by its PID; :meth:`SoakRegion.close` stops whatever still runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from samhandling.bootstrap import Node, bootstrap
from samhandling.msh.region import (
    MessageServer,
    RegionNode,
    parties_json,
    prepare_node,
    start_message_server,
)
from samhandling.services.messaging.send import SendOptions, submit_document
from samhandling.settings import Settings
from samhandling.standards.dialogmelding.builders import notat
from tests.soak.proxy import DatabaseProxy
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient

PARTIES = HOSPITAL + MUNICIPALITY
POLL_INTERVAL = "0.2"
CONNECT_TIMEOUT = "2"
STATEMENT_TIMEOUT = "3"
STOP_WAIT = 30.0


@dataclass
class SoakNode:
    """One node of the region: its settings, its database (directly, for the harness) and its process."""

    name: str
    her_id: str
    """The service that sends and receives the run's messages (8101 at the hospital, 8201 in the municipality)."""
    region_node: RegionNode
    direct_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log: IO[bytes] | None = None
    _read_at: int = 0
    _node: Node | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        assert not self.running
        self._log = self._log or self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "samhandling", "node", "run", "--log-format", "json", "--interval", POLL_INTERVAL],
            env=self.region_node.env, stdout=subprocess.DEVNULL, stderr=self._log)
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: a crash, wherever the node is."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_WAIT)

    def announced(self) -> bool:
        """Whether the node as last started has said it is running: its signal handlers are in place from then."""
        pid = self.process.pid if self.process is not None else None
        return any(e.get("event") == "node running" and e.get("pid") == pid for e in self.events())

    def stop(self) -> int | None:
        """SIGTERM: the node finishes its pass and ends. Returns its exit code (None if it had to be killed).

        A node just (re)started is first let come so far that it handles SIGTERM (it says "node running"); on a busy
        machine its start-up can take longer than any fixed pause."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            wait_until(lambda: self.announced() or not self.running, STOP_WAIT, step=0.05)
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                return self.process.wait(timeout=STOP_WAIT)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        return self.process.returncode

    def new_events(self) -> list[dict[str, object]]:
        """The node's log events written since the last call (JSON lines on its stderr)."""
        with self.log_path.open("rb") as log:
            log.seek(self._read_at)
            data = log.read()
        complete = data[: data.rfind(b"\n") + 1]
        self._read_at += len(complete)
        return [json.loads(line) for line in complete.splitlines() if line.strip().startswith(b"{")]

    def events(self) -> list[dict[str, object]]:
        text = self.log_path.read_bytes() if self.log_path.exists() else b""
        return [json.loads(line) for line in text.splitlines() if line.strip().startswith(b"{")]

    def submit(self, receiver_her_id: str, text: str) -> str:
        """Queue one Notat to ``receiver_her_id``, as the EPJ would, straight into the node's database."""
        if self._node is None:
            self._node = bootstrap(Settings(home=self.region_node.home, database_url=self.direct_url))
        options = SendOptions(schemas=None, max_bytes=10**7)
        (stored,) = submit_document(self._node.uow(), options, notat(tekst=text), sender_her_id=self.her_id,
                                    receiver_her_id=receiver_her_id, patient=patient())
        return stored.msg_id

    def engine(self) -> Engine:
        if self._node is None:
            self._node = bootstrap(Settings(home=self.region_node.home, database_url=self.direct_url))
        return self._node.engine

    def close(self) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()
        if self._node is not None:
            self._node.close()
            self._node = None


@dataclass
class SoakRegion:
    """The server, the two nodes and, on PostgreSQL, the proxy in front of the database."""

    root: Path
    server: MessageServer
    server_port: int
    hospital: SoakNode
    municipality: SoakNode
    proxy: DatabaseProxy | None
    server_starts: int = 1

    @property
    def nodes(self) -> list[SoakNode]:
        return [self.hospital, self.municipality]

    def kill_server(self) -> None:
        if self.server.process.poll() is None:
            os.kill(self.server.pid, signal.SIGKILL)
            self.server.process.wait(timeout=STOP_WAIT)

    def start_server(self) -> None:
        """Start the server again, on the same port, with the same store and token secret."""
        self.server = start_message_server(self.root / "msh", self.root / "region.json", port=self.server_port)
        self.server_starts += 1

    def close(self) -> None:
        for node in self.nodes:
            node.close()
        self.server.stop()
        if self.proxy is not None:
            self.proxy.close()


def node_settings(database_url: str | None) -> dict[str, str]:
    env = {
        "SAMHANDLING_DATABASE_CONNECT_TIMEOUT": CONNECT_TIMEOUT,
        "SAMHANDLING_DATABASE_STATEMENT_TIMEOUT": STATEMENT_TIMEOUT,
        "SAMHANDLING_MONITOR_INTERVAL": "10",
        "SAMHANDLING_DAILY_REPORT_AT": "",
    }
    if database_url is not None:
        env["SAMHANDLING_DATABASE_URL"] = database_url
    return env


def through(proxy: DatabaseProxy, url: str) -> str:
    """``url`` with its host and port those of the proxy."""
    return make_url(url).set(host="127.0.0.1", port=proxy.port, query={"sslmode": "disable"}).render_as_string(
        hide_password=False)


def start_region(root: Path, databases: dict[str, str] | None) -> SoakRegion:
    """Start the server and prepare both nodes (not yet running). ``databases``: a PostgreSQL URL per node name
    (``sykehus``, ``kommune``), reached through one proxy; None: each node on its own SQLite file."""
    root.mkdir(parents=True, exist_ok=True)
    register = root / "region.json"
    register.write_text(parties_json(PARTIES, set()), encoding="utf-8")
    proxy = None
    if databases:
        real = make_url(next(iter(databases.values())))
        proxy = DatabaseProxy((real.host or "127.0.0.1", real.port or 5432))
    server = start_message_server(root / "msh", register)
    nodes = []
    try:
        for name, local, her_id in (("sykehus", {"8100"}, "8101"), ("kommune", {"8200"}, "8201")):
            home = root / name
            if databases:
                assert proxy is not None
                direct = databases[name]
                env = node_settings(through(proxy, direct))
            else:
                direct = f"sqlite:///{home / 'samhandling.db'}"
                env = node_settings(None)
            region_node = prepare_node(name, home, server, PARTIES, local, env=env)
            nodes.append(SoakNode(name=name, her_id=her_id, region_node=region_node, direct_url=direct,
                                  log_path=root / f"{name}.log"))
    except BaseException:
        server.stop()
        if proxy is not None:
            proxy.close()
        raise
    port = urlsplit(server.url).port
    assert port is not None
    return SoakRegion(root=root, server=server, server_port=port, hospital=nodes[0], municipality=nodes[1],
                      proxy=proxy)


def wait_until(condition: object, timeout: float, step: float = 0.2) -> bool:
    """Poll ``condition()`` until it is true or ``timeout`` seconds have passed (bounded)."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return True
        time.sleep(step)
    return False
