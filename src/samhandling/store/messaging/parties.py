"""Communication parties in the store: the repository protocol the services use and its SQL implementation.

The SQL repository works inside the transaction of a unit of work (:mod:`samhandling.store.unit_of_work`) and
never commits; the in-memory one is in :mod:`samhandling.store.fakes`.
"""

from __future__ import annotations

import builtins
from typing import Any, Protocol

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from samhandling.domain.messaging.parties import Parties, Party, PartyKind
from samhandling.store.errors import DuplicateError, UnknownError
from samhandling.store.messaging.tables import parties


class DuplicatePartyError(DuplicateError):
    def __init__(self, her_id: str) -> None:
        super().__init__(f"Kommunikasjonsparten med HER-id {her_id} finnes allerede.")
        self.her_id = her_id


class UnknownPartyError(UnknownError):
    def __init__(self, her_id: str) -> None:
        super().__init__(f"Ingen kommunikasjonspart med HER-id {her_id}.")
        self.her_id = her_id


class PartyRepository(Protocol):
    def add(self, party: Party) -> None:
        """Raises :class:`DuplicatePartyError`."""
        ...

    def upsert(self, party: Party) -> None: ...

    def get(self, her_id: str) -> Party | None: ...

    def list(
        self, *, local: bool | None = None, kind: PartyKind | None = None, municipality: str | None = None
    ) -> builtins.list[Party]:
        """Parties by HER-id, filtered."""
        ...

    def children(self, her_id: str) -> builtins.list[Party]: ...

    def all(self) -> Parties:
        """Every party, as a collection that answers hierarchy questions."""
        ...


def _party_from(row: Row[Any]) -> Party:
    return Party(
        her_id=row.her_id,
        name=row.name,
        kind=PartyKind(row.kind),
        parent_her_id=row.parent_her_id,
        local=row.local,
        municipality=row.municipality,
    )


def _party_values(party: Party) -> dict[str, Any]:
    return {
        "her_id": party.her_id,
        "name": party.name,
        "kind": party.kind.value,
        "parent_her_id": party.parent_her_id,
        "local": party.local,
        "municipality": party.municipality,
    }


class SqlPartyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, party: Party) -> None:
        try:
            with self._connection.begin_nested():
                self._connection.execute(insert(parties).values(**_party_values(party)))
        except IntegrityError as error:
            if self.get(party.her_id) is None:
                raise
            raise DuplicatePartyError(party.her_id) from error

    def upsert(self, party: Party) -> None:
        values = _party_values(party)
        dialect = self._connection.dialect.name
        statement: Any
        if dialect == "postgresql":
            statement = postgresql.insert(parties).values(**values)
        elif dialect == "sqlite":
            statement = sqlite.insert(parties).values(**values)
        else:
            raise NotImplementedError(f"upsert on {dialect}")
        changes = {k: v for k, v in values.items() if k != "her_id"}
        self._connection.execute(statement.on_conflict_do_update(index_elements=["her_id"], set_=changes))

    def get(self, her_id: str) -> Party | None:
        row = self._connection.execute(select(parties).where(parties.c.her_id == her_id)).first()
        return _party_from(row) if row is not None else None

    def list(
        self, *, local: bool | None = None, kind: PartyKind | None = None, municipality: str | None = None
    ) -> builtins.list[Party]:
        statement = select(parties).order_by(func.length(parties.c.her_id), parties.c.her_id)  # as numbers
        if local is not None:
            statement = statement.where(parties.c.local.is_(local))
        if kind is not None:
            statement = statement.where(parties.c.kind == kind.value)
        if municipality is not None:
            statement = statement.where(parties.c.municipality == municipality)
        return [_party_from(r) for r in self._connection.execute(statement)]

    def children(self, her_id: str) -> builtins.list[Party]:
        statement = select(parties).where(parties.c.parent_her_id == her_id).order_by(parties.c.name, parties.c.her_id)
        return [_party_from(r) for r in self._connection.execute(statement)]

    def all(self) -> Parties:
        return Parties(self.list())
