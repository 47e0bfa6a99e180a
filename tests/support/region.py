"""A region in one process: the local message server (uvicorn in a thread, real HTTP) and nodes on their own
stores, wired as ``node run`` wires them (EDI 2.0 transport, the delivery status step), for tests of the node
loop that do not need processes. The journeys that do (signals, crashes) start real processes instead.
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from sqlalchemy import Engine

from samhandling.domain.messaging.parties import Parties, Party
from samhandling.msh.app import create_app
from samhandling.msh.tokens import issue_token
from samhandling.services.messaging.delivery_status import update_delivery_status
from samhandling.services.messaging.node import NodeParts
from samhandling.services.messaging.reception import ReceiveOptions
from samhandling.standards.schemas import SchemaSet
from samhandling.store.database import open_engine
from samhandling.store.unit_of_work import SqlUnitOfWork, UnitOfWork
from samhandling.transport.auth import BearerToken
from samhandling.transport.edi2.client import MshApiClient, RetryPolicy
from samhandling.transport.edi2.transport import Edi2Transport
from tests.support.stores import migrated_sqlite


@dataclass
class LocalServer:
    url: str
    secret: bytes
    engine: Engine

    def token(self, her_ids: list[str]) -> str:
        return issue_token(self.secret, her_ids)


@contextmanager
def local_server(tmp_path: Path, parties: list[Party]) -> Iterator[LocalServer]:
    """The local message server on a free port of 127.0.0.1, its store a SQLite file; stopped at the end."""
    engine = open_engine(migrated_sqlite(tmp_path / "msh.db"))
    secret = secrets.token_bytes(32)
    app = create_app(engine, secret, Parties(parties))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(500):  # bounded: 10 s
        if server.started:
            started.set()
            break
        threading.Event().wait(0.02)
    assert started.is_set(), "the local message server did not start"
    try:
        yield LocalServer(url=f"http://127.0.0.1:{port}", secret=secret, engine=engine)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@dataclass
class InProcessNode:
    name: str
    engine: Engine
    transport: Edi2Transport
    parts: NodeParts
    extra: dict[str, object] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine)


def node(name: str, tmp_path: Path, server: LocalServer, parties: list[Party], local: set[str], *,
         schemas: SchemaSet | None = None, messages_per_receive: int = 10,
         register: Callable[[Callable[[], UnitOfWork], list[Party], set[str]], None]) -> InProcessNode:
    """A node on its own SQLite store serving ``local``, talking to ``server`` as ``node run`` would."""
    engine = open_engine(migrated_sqlite(tmp_path / f"{name}.db"))

    def new_uow() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    register(new_uow, parties, local)
    client = MshApiClient(server.url, auth=BearerToken(server.token(sorted(local))),
                          retry=RetryPolicy(retry_unsafe_posts=True))
    transport = Edi2Transport(client, messages_per_receive=messages_per_receive)
    parts = NodeParts(new_uow=new_uow, transport=transport,
                      receive_options=ReceiveOptions(schemas=schemas, max_bytes=50 * 1024 * 1024), worker=name,
                      steps=[lambda: update_delivery_status(new_uow, transport)], step_names=["delivery_status"])
    return InProcessNode(name=name, engine=engine, transport=transport, parts=parts)
