"""What the register commands (``samhandling partners``, ``contacts`` and ``agreements``) share: the session
on the node's database, the options saying who makes a change (``--by``), machine-readable output (``--json``)
and the file written (``--out``), the way results are printed, and the register journal as each app shows it.

Every command opens the node's database; the first one on a new installation loads the bundled seed (the
municipalities of Innlandet, :mod:`samhandling.services.registers.municipalities`). A fault in the input
(:class:`samhandling.services.registers.journal.RegisterInputError`) becomes a one-line
:class:`samhandling.cli.common.UserError`. Changing commands take ``--by`` (default: the operating
system's user) for the journal (:mod:`samhandling.services.registers.journal`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from samhandling.cli.common import UserError, out, read_file, settings
from samhandling.domain.clock import shown
from samhandling.domain.registers.partners import Entity, RegisterChange

if TYPE_CHECKING:
    from samhandling.bootstrap import Node
    from samhandling.services.registers.parties import PartySource


JsonOption = Annotated[bool, typer.Option("--json", help="Skriv resultatet som JSON.")]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Hvem som gjør endringen, til journalen (standard: brukernavnet ditt).")
]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Skriv til denne filen (standard: skjermen).")]
KeyOption = Annotated[str | None, typer.Option("--key", help="Bare endringer av denne nøkkelen (f.eks. HER-id).")]
LimitOption = Annotated[int | None, typer.Option("--limit", help="Bare de siste N endringene.")]
NoteOption = Annotated[str | None, typer.Option("--note", help="Merknad.")]


class DataFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def _node() -> Node:
    from samhandling.bootstrap import bootstrap

    return bootstrap(settings())


@contextmanager
def session(*, seed: bool = True) -> Iterator[Node]:
    """The node, with the seed loaded on first use; a :class:`RegisterInputError` becomes a one-line error."""
    from samhandling.services.registers.journal import RegisterInputError
    from samhandling.services.registers.municipalities import ensure_seeded

    node = _node()
    try:
        if seed:
            ensure_seeded(node.uow())
        yield node
    except RegisterInputError as exc:
        raise UserError(str(exc)) from None
    finally:
        node.close()


def changed_by(by: str | None) -> str:
    """Who makes the change, for the journal: ``--by``, or else the operating system's user."""
    from samhandling.services.registers.journal import current_user

    chosen = (by or "").strip() or current_user()
    return chosen[:100]


def print_json(value: Any) -> None:
    """``--json`` output: indented, with Norwegian letters as they are."""
    print(json.dumps(value, ensure_ascii=False, indent=2))


def say(text: str) -> None:
    """A line of output, printed as it is (no console markup)."""
    out.print(text, markup=False)


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Rows as lines with aligned columns (the last column is not padded)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def write_output(text: str | bytes, target: Path | None) -> None:
    """An export to the ``--out`` file, or to the screen when none is named (not a PDF)."""
    if target is None:
        if isinstance(text, bytes):
            raise UserError("PDF skrives til en fil: oppgi --out FIL.pdf")
        sys.stdout.write(text)
        return
    try:
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise UserError(f"{target}: kan ikke skrive filen ({exc.strerror})") from None
    say(f"Skrev {target}.")


def dash(value: object) -> str:
    """A value as shown in a table: yes/no as ``ja``/``nei``, nothing as ``–``."""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    return "–" if value is None or value == "" else str(value)


def file_source(path: Path) -> PartySource:
    """The file the user named, for an import (at most the node's message size limit)."""
    from samhandling.services.registers.parties import PartySource

    return PartySource(str(path), read_file(path, settings().max_message_bytes))


def _journal_lines(changes: Sequence[RegisterChange]) -> None:
    actions = {"created": "opprettet", "updated": "endret", "deleted": "slettet"}
    if not changes:
        say("Journalen er tom.")
        return
    for change in changes:
        fields = "; ".join(
            f"{name}: {dash(value['before'])} → {dash(value['after'])}" for name, value in change.changes.items()
        )
        when = shown(change.at)
        say(f"{when}  {change.by}  {change.entity.value} {change.key} {actions[change.action.value]}"
            + (f": {fields}" if fields else ""))


def show_journal(entities: Sequence[Entity] | None, entity: Entity | None, key: str | None, limit: int | None,
                 as_json: bool) -> None:
    from samhandling.services.registers.journal import change_json, journal_entries

    with session() as node:
        found = journal_entries(node.uow(), entity=entity, key=key)
    if entities is not None and entity is None:
        found = [c for c in found if c.entity in entities]
    if limit is not None:
        found = found[-limit:] if limit > 0 else []
    if as_json:
        print_json([change_json(c) for c in found])
    else:
        _journal_lines(found)
