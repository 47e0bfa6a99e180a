"""The one place that wires real adapters: settings, database, schemas, and (later) the transport.

Entry points (``cli.py``, the node, the web console) call :func:`bootstrap` and hand the parts to the
services; tests build the same :class:`Node` from a test database or swap in fakes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from samhandling.services.receive import ReceiveOptions
from samhandling.settings import Settings, load_settings
from samhandling.store.database import open_engine, upgrade
from samhandling.store.unit_of_work import SqlUnitOfWork


@dataclass
class Node:
    """A samhandling node's wired parts."""

    settings: Settings
    engine: Engine

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    @property
    def receive_options(self) -> ReceiveOptions:
        return ReceiveOptions(
            schemas=self.settings.schemas,
            max_bytes=self.settings.max_message_bytes,
            unknown_patient_rejects=self.settings.unknown_patient_rejects,
        )

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None) -> Node:
    """Open the node's database, bring it to the newest schema, and wire the parts."""
    cfg = settings or load_settings()
    engine = open_engine(settings=cfg)
    upgrade(engine)
    return Node(settings=cfg, engine=engine)
