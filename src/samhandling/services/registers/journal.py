"""The register journal, and what every use case of the registers shares: the fault a user can mend and who
makes a change.

Every change to the cooperation's registers (parties, partners, municipalities, capabilities, certificates,
contact points, agreements) is journaled with who made it (``by``) and when, as a field-level before/after
summary (:class:`samhandling.domain.registers.partners.RegisterChange`, made by
:func:`samhandling.domain.registers.partners.field_changes`, which keeps no more personal data than the names and e-mail
addresses of contact points). Every fault a user can mend is a :class:`RegisterInputError` with one Norwegian
line that names the place (file, row, field); then nothing is stored.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from samhandling.domain.registers.partners import Action, Entity, RegisterChange, field_changes
from samhandling.store.unit_of_work import UnitOfWork


class RegisterInputError(ValueError):
    """Input that cannot be used: one Norwegian line naming the place. Nothing was stored."""


def current_user() -> str:
    """Who makes a change, when ``--by`` does not say: the operating system's user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid, e.g. in a container
        return "ukjent"


def record_change(
    uow: UnitOfWork,
    *,
    by: str,
    at: datetime,
    entity: Entity,
    key: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> RegisterChange | None:
    """Journal the change from ``before`` to ``after`` (None: did not exist / removed); nothing when equal."""
    changes = field_changes(before, after)
    if before is not None and after is not None and not changes:
        return None
    action = Action.CREATED if before is None else Action.DELETED if after is None else Action.UPDATED
    entry = RegisterChange(at=at, by=by, entity=entity, key=key, action=action, changes=changes)
    return uow.registers.journal.add(entry)


def journal_entries(
    uow: UnitOfWork, *, entity: Entity | None = None, key: str | None = None, limit: int | None = None
) -> list[RegisterChange]:
    """The journal, oldest first (the newest ``limit`` entries when given)."""
    with uow:
        return uow.registers.journal.list(entity=entity, key=key, limit=limit)


def change_json(change: RegisterChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "at": change.at.isoformat(),
        "by": change.by,
        "entity": change.entity.value,
        "key": change.key,
        "action": change.action.value,
        "changes": change.changes,
    }
