"""The one place that wires real adapters: settings, database, schemas, and (later) the transport.

Entry points (``cli.py``, the node, the web console) call :func:`bootstrap` and hand the parts to the
services; tests build the same :class:`Node` from a test database or swap in fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from samhandling.services.catalog import EpjCatalog
from samhandling.services.delivery_status import update_delivery_status
from samhandling.services.receipts import mark_missing_receipts
from samhandling.services.receive import ReceiveOptions
from samhandling.services.send import SendOptions
from samhandling.settings import Settings, load_settings
from samhandling.store.database import open_engine, upgrade
from samhandling.store.unit_of_work import SqlUnitOfWork
from samhandling.transport.base import Transport
from samhandling.transport.directory import DirectoryTransport


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

    def transport(self) -> Transport | None:
        """The configured transport, or None when the node has none (messages then wait in the outbox)."""
        if self.settings.transport_dir is not None:
            return DirectoryTransport(self.settings.transport_dir)
        return None

    @property
    def send_options(self) -> SendOptions:
        return SendOptions(schemas=self.settings.schemas, max_bytes=self.settings.max_message_bytes)

    def catalog(self) -> EpjCatalog:
        return EpjCatalog(self.settings.effective_epj_dir, self.uow, self.send_options)

    def steps(self, transport: Transport) -> list[Callable[[], object]]:
        """Further steps of each node pass: the EPJ catalog, delivery status, missing receipts."""
        catalog = self.catalog()
        deadline = timedelta(hours=self.settings.receipt_deadline_hours)
        return [
            catalog.run,
            lambda: update_delivery_status(self.uow, transport),
            lambda: mark_missing_receipts(self.uow, deadline),
        ]

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None) -> Node:
    """Open the node's database, bring it to the newest schema, and wire the parts."""
    cfg = settings or load_settings()
    engine = open_engine(settings=cfg)
    upgrade(engine)
    return Node(settings=cfg, engine=engine)
