"""The patient directory of local parties: its entries, the repository protocol the services use and its SQL
implementation (the in-memory one is in :mod:`samhandling.store.fakes`).

The directory answers AppRec E35, "Pasienten finnes ikke i mottakersystemet" (HIS 80415:2012 kap. 6.3). The SQL
repository works inside the transaction of a unit of work and never commits.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from samhandling.domain.identifiers import HerId, person_id_problem
from samhandling.store.messaging.parties import UnknownPartyError
from samhandling.store.messaging.tables import parties, patients


@dataclass(frozen=True, kw_only=True)
class PatientEntry:
    """A patient in the patient directory of a local party (used for AppRec E35, "Pasienten finnes ikke i
    mottakersystemet", HIS 80415:2012 kap. 6.3).

    The identifier is a valid fødselsnummer, D-nummer or H-nummer (HIS 1001:2010); it and the name stay out
    of ``repr``, and anything shown to a person masks the identifier (``mask_person_id``).
    """

    party_her_id: str
    patient_id: str = field(repr=False)
    name: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        HerId(self.party_her_id)  # raises ValueError, in Norwegian
        problem = person_id_problem(self.patient_id)
        if problem:
            raise ValueError(problem)  # the problem text never repeats the identifier
        if self.name is not None and not self.name.strip():
            object.__setattr__(self, "name", None)


class PatientRepository(Protocol):
    def upsert(self, entry: PatientEntry) -> None:
        """Add the patient to the party's directory, or update its name. Raises :class:`UnknownPartyError`."""
        ...

    def upsert_many(self, entries: Sequence[PatientEntry]) -> None:
        """:meth:`upsert` for many patients at once, all or none. Raises :class:`UnknownPartyError`."""
        ...

    def get(self, party_her_id: str, patient_id: str) -> PatientEntry | None: ...

    def list(self, party_her_id: str) -> builtins.list[PatientEntry]:
        """The party's directory, by patient identifier."""
        ...

    def count(self, party_her_id: str) -> int: ...

    def clear(self, party_her_id: str) -> int:
        """Empty the party's directory (it then has none); returns how many patients it held."""
        ...

    def known(self, party_her_id: str, patient_id: str) -> bool | None:
        """Whether the patient is in the directory of ``party_her_id``: None when that party has no directory
        (not one patient in it; then no E35 check is made), else True or False. The party itself only: a
        directory of the organisation above does not answer for its services."""
        ...


class SqlPatientRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def upsert(self, entry: PatientEntry) -> None:
        self.upsert_many([entry])

    def upsert_many(self, entries: Sequence[PatientEntry]) -> None:
        if not entries:
            return
        dialect = self._connection.dialect.name
        statement: Any
        if dialect == "postgresql":
            statement = postgresql.insert(patients)
        elif dialect == "sqlite":
            statement = sqlite.insert(patients)
        else:
            raise NotImplementedError(f"upsert on {dialect}")
        statement = statement.on_conflict_do_update(
            index_elements=["party_her_id", "patient_id"], set_={"name": statement.excluded.name}
        )
        rows = [{"party_her_id": e.party_her_id, "patient_id": e.patient_id, "name": e.name} for e in entries]
        try:
            with self._connection.begin_nested():
                self._connection.execute(statement, rows)
        except IntegrityError as error:
            named = sorted({e.party_her_id for e in entries})
            known = set(self._connection.execute(select(parties.c.her_id).where(parties.c.her_id.in_(named))).scalars())
            unknown = [her_id for her_id in named if her_id not in known]
            if not unknown:
                raise
            raise UnknownPartyError(unknown[0]) from error

    def get(self, party_her_id: str, patient_id: str) -> PatientEntry | None:
        row = self._connection.execute(
            select(patients).where(patients.c.party_her_id == party_her_id, patients.c.patient_id == patient_id)
        ).first()
        return _patient_from(row) if row is not None else None

    def list(self, party_her_id: str) -> builtins.list[PatientEntry]:
        statement = select(patients).where(patients.c.party_her_id == party_her_id).order_by(patients.c.patient_id)
        return [_patient_from(r) for r in self._connection.execute(statement)]

    def count(self, party_her_id: str) -> int:
        statement = select(func.count()).select_from(patients).where(patients.c.party_her_id == party_her_id)
        return int(self._connection.execute(statement).scalar_one())

    def clear(self, party_her_id: str) -> int:
        held = self.count(party_her_id)
        self._connection.execute(delete(patients).where(patients.c.party_her_id == party_her_id))
        return held

    def known(self, party_her_id: str, patient_id: str) -> bool | None:
        if self.get(party_her_id, patient_id) is not None:
            return True
        any_patient = self._connection.execute(
            select(patients.c.patient_id).where(patients.c.party_her_id == party_her_id).limit(1)
        ).first()
        return None if any_patient is None else False


def _patient_from(row: Row[Any]) -> PatientEntry:
    return PatientEntry(party_her_id=row.party_her_id, patient_id=row.patient_id, name=row.name)
