"""What the register commands (``samhandling partners``, ``contacts``, ``agreements``, ``parties`` and
``patients``) share: the session on the node's database, the options saying who makes a change (``--by``),
machine-readable output (``--json``) and the file written (``--out``), the way results are printed, and the
skeletons of their imports, exports and journals.

Every command opens the node's database (:func:`open_node`); the partner, contact and agreement commands in a
:func:`session`, where the first one on a new installation loads the bundled seed (the municipalities of
Innlandet, :mod:`samhandling.services.registers.municipalities`). A fault in the input
(:class:`samhandling.services.registers.journal.RegisterInputError`) becomes a one-line
:class:`samhandling.cli.common.UserError`. Changing commands take ``--by`` (default: the operating
system's user) for the journal (:mod:`samhandling.services.registers.journal`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar

import typer

from samhandling.cli.common import UserError, out, read_file, settings
from samhandling.domain.clock import shown
from samhandling.domain.registers.partners import Entity, RegisterChange

if TYPE_CHECKING:
    from samhandling.bootstrap import Node
    from samhandling.services.registers.parties import PartySource
    from samhandling.store.unit_of_work import UnitOfWork


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
def open_node(*mendable: type[Exception]) -> Iterator[Node]:
    """The node on its database, closed at the end; a fault of a kind in ``mendable`` becomes a one-line
    error."""
    node = _node()
    try:
        yield node
    except mendable as exc:
        raise UserError(str(exc)) from None
    finally:
        node.close()


@contextmanager
def session(*, seed: bool = True) -> Iterator[Node]:
    """The node, with the seed loaded on first use; a :class:`RegisterInputError` becomes a one-line error."""
    from samhandling.services.registers.journal import RegisterInputError
    from samhandling.services.registers.municipalities import ensure_seeded

    with open_node(RegisterInputError) as node:
        if seed:
            ensure_seeded(node.uow())
        yield node


def changed_by(by: str | None) -> str:
    """Who makes the change, for the journal: ``--by``, or else the operating system's user."""
    from samhandling.services.registers.journal import current_user

    chosen = (by or "").strip() or current_user()
    return chosen[:100]


def json_text(value: Any) -> str:
    """JSON as the commands write it: indented, with Norwegian letters as they are, and a closing newline."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def print_json(value: Any) -> None:
    """``--json`` output (:func:`json_text`)."""
    print(json_text(value), end="")


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


def counted(created: int, updated: int, unchanged: int) -> str:
    """What an import did, as its line says it: «2 nye, 0 oppdatert, 1 uendret»."""
    return f"{created} nye, {updated} oppdatert, {unchanged} uendret"


Outcome = TypeVar("Outcome", covariant=True)


class FileImport(Protocol[Outcome]):
    """A use case importing one file into the registers (``import_agreements``, ``import_contacts``)."""

    def __call__(self, uow: UnitOfWork, source: PartySource, *, by: str) -> Outcome: ...


def import_file(importer: FileImport[Outcome], file: Path, by: str | None) -> Outcome:
    """An import command's work: ``file`` read (:func:`file_source`) and imported in one session, journaled
    as made by ``--by`` (:func:`changed_by`)."""
    with session() as node:
        return importer(node.uow(), file_source(file), by=changed_by(by))


class ImportOutcome(Protocol):
    """What an import of one kind did: the keys (HER-ids, …) created, updated and left unchanged."""

    @property
    def created(self) -> Sequence[str]: ...

    @property
    def updated(self) -> Sequence[str]: ...

    @property
    def unchanged(self) -> Sequence[str]: ...


def report_import(result: ImportOutcome, as_json: bool, headline: str) -> None:
    """An import command's output: the keys as JSON, or the line «``headline``: N nye, N oppdatert, N uendret.»"""
    if as_json:
        print_json({"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
        return
    say(f"{headline}: {counted(len(result.created), len(result.updated), len(result.unchanged))}.")


def export_data(
    format: str,
    target: Path | None,
    *,
    csv: Callable[[UnitOfWork], str],
    json_value: Callable[[UnitOfWork], Any],
    pdf: Callable[[UnitOfWork], bytes] | None = None,
) -> None:
    """An export command: the data in ``format`` (``csv``, ``json`` as :func:`json_text`, or ``pdf`` where the
    command has one), read in one session and written to the ``--out`` file ``target`` or the screen."""
    data: str | bytes
    with session() as node:
        if format == "pdf" and pdf is not None:
            data = pdf(node.uow())
        elif format == "json":
            data = json_text(json_value(node.uow()))
        else:
            data = csv(node.uow())
    write_output(data, target)


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


def show_journal(entity: Entity | None, key: str | None, limit: int | None, as_json: bool) -> None:
    """A journal command: the changes (of ``entity``, of ``key``; the last ``limit``) as lines or as JSON."""
    from samhandling.services.registers.journal import change_json, journal_entries

    with session() as node:
        found = journal_entries(node.uow(), entity=entity, key=key)
    if limit is not None:
        found = found[-limit:] if limit > 0 else []
    if as_json:
        print_json([change_json(c) for c in found])
    else:
        _journal_lines(found)


def add_journal_command(app: typer.Typer, entity: Entity, help: str) -> None:
    """The app's ``journal`` command, with ``help`` as its help: the changes of ``entity`` (``--key``,
    ``--limit``, ``--json``)."""

    @app.command("journal", help=help)
    def journal(key: KeyOption = None, limit: LimitOption = None, as_json: JsonOption = False) -> None:
        show_journal(entity, key, limit, as_json)
