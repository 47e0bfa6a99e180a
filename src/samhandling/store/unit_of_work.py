"""The unit of work: one transaction around everything a use case reads and writes.

    with uow:
        stored = uow.messages.add(message)
        uow.outbox.enqueue(stored.id)
        uow.commit()

Leaving the block rolls back whatever is not committed, on an exception or when ``commit`` was never
called. The services only talk to a :class:`UnitOfWork`: :class:`SqlUnitOfWork` in the node,
:class:`samhandling.store.fakes.FakeUnitOfWork` in unit tests.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy import Connection, Engine

from samhandling.store.checklist.repositories import ChecklistRepository, SqlChecklist
from samhandling.store.deviations.repository import DeviationRepository, SqlDeviationRepository
from samhandling.store.incidents.holding import is_held
from samhandling.store.incidents.repository import IncidentRepository, SqlIncidentRepository
from samhandling.store.messaging.handovers import HandoverRepository, SqlHandoverRepository
from samhandling.store.messaging.messages import MessageRepository
from samhandling.store.messaging.outbox import OutboxRepository, SqlOutboxRepository
from samhandling.store.messaging.parties import PartyRepository, SqlPartyRepository
from samhandling.store.messaging.patients import PatientRepository, SqlPatientRepository
from samhandling.store.messaging.sql_messages import SqlMessageRepository
from samhandling.store.monitoring.repository import MonitorRepository
from samhandling.store.monitoring.sql import SqlMonitorRepository
from samhandling.store.registers.repositories import RegisterRepositories
from samhandling.store.registers.sql import SqlRegisters
from samhandling.store.statistics.repository import SqlStatisticsRepository, StatisticsRepository


class UnitOfWork(Protocol):
    @property
    def messages(self) -> MessageRepository: ...

    @property
    def parties(self) -> PartyRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def patients(self) -> PatientRepository: ...

    @property
    def handover(self) -> HandoverRepository: ...

    @property
    def registers(self) -> RegisterRepositories: ...

    @property
    def monitor(self) -> MonitorRepository: ...

    @property
    def checklist(self) -> ChecklistRepository: ...

    @property
    def incidents(self) -> IncidentRepository: ...

    @property
    def deviations(self) -> DeviationRepository: ...

    @property
    def statistics(self) -> StatisticsRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class SqlUnitOfWork:
    """A unit of work on one connection from ``engine``; the transaction begins with the first statement.

    After ``commit`` the same block may go on; what follows is a new transaction. The object can be used
    for one block after another, but not nested.
    """

    messages: SqlMessageRepository
    parties: SqlPartyRepository
    outbox: SqlOutboxRepository
    patients: SqlPatientRepository
    handover: SqlHandoverRepository
    registers: SqlRegisters
    monitor: SqlMonitorRepository
    checklist: SqlChecklist
    incidents: SqlIncidentRepository
    deviations: SqlDeviationRepository
    statistics: SqlStatisticsRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("the unit of work is already open")
        self._connection = connection = self._engine.connect()
        self.messages = SqlMessageRepository(connection)
        self.parties = SqlPartyRepository(connection)
        self.outbox = SqlOutboxRepository(connection, held=is_held)
        self.patients = SqlPatientRepository(connection)
        self.handover = SqlHandoverRepository(connection)
        self.registers = SqlRegisters(connection)
        self.monitor = SqlMonitorRepository(connection)
        self.checklist = SqlChecklist(connection)
        self.incidents = SqlIncidentRepository(connection)
        self.deviations = SqlDeviationRepository(connection)
        self.statistics = SqlStatisticsRepository(connection)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection = self._open()
        try:
            connection.rollback()
        finally:
            connection.close()
            self._connection = None

    def commit(self) -> None:
        self._open().commit()

    def rollback(self) -> None:
        self._open().rollback()

    def _open(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open; use it in a with block")
        return self._connection
