"""Commands for the node's communication parties (``parties``) and the patient directories of local parties
(``patients``). Registered in ``cli.py`` as ``samhandling parties …`` and ``samhandling patients …``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from samhandling.cli.common import UserError, out, read_file, settings
from samhandling.domain.privacy import mask_person_id
from samhandling.domain.registers.parties import Party, PartyKind

if TYPE_CHECKING:
    from samhandling.bootstrap import Node

parties_app = typer.Typer(
    help="Kommunikasjonsparter: de noden betjener (lokale) og samarbeidspartene.", no_args_is_help=True
)
patients_app = typer.Typer(
    help="Pasientkatalog for lokale parter (for kvitteringskoden E35, ukjent pasient).", no_args_is_help=True
)

KIND_TEXT = {PartyKind.ORGANISATION: "virksomhet", PartyKind.SERVICE: "tjeneste", PartyKind.PERSON: "person"}


def _node() -> Node:
    from samhandling.bootstrap import bootstrap

    return bootstrap(settings())


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as lines with aligned columns (the last column is not padded)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


# --- parties -------------------------------------------------------------------------------------------


@parties_app.command("import")
def parties_import(
    files: Annotated[
        list[Path], typer.Argument(help="JSON-filer ({\"parties\": [...]}) eller svar fra adresseregisteret (XML).")
    ],
    local: Annotated[
        bool, typer.Option("--local", help="Parten hver adresseregisterfil gjelder, betjenes av denne noden.")
    ] = False,
    partner: Annotated[
        bool, typer.Option("--partner", help="Parten hver adresseregisterfil gjelder, er en samarbeidspart.")
    ] = False,
) -> None:
    """Importer kommunikasjonsparter. Alt kontrolleres først; ved en feil lagres ingenting.

    En part som finnes fra før, oppdateres. Uten --local og --partner beholder en part fra adresseregisteret det den var (en ny blir samarbeidspart).
    """  # noqa: E501 (one paragraph in the help)
    from samhandling.services.registers.parties import PartyImportError, PartySource, import_parties

    if local and partner:
        raise UserError("Velg enten --local eller --partner, ikke begge.")
    flag = True if local else False if partner else None
    node = _node()
    try:
        sources = [PartySource(str(path), read_file(path, node.settings.max_message_bytes)) for path in files]
        result = import_parties(node.uow(), sources, local=flag, max_bytes=node.settings.max_message_bytes)
    except PartyImportError as exc:
        raise UserError(str(exc)) from None
    finally:
        node.close()
    out.print(
        f"Importerte {_plural(result.total, 'part', 'parter')} fra {_plural(len(files), 'fil', 'filer')}: "
        f"{len(result.created)} nye, {len(result.updated)} oppdatert, {len(result.unchanged)} uendret.",
        markup=False,
    )
    for note in result.notes:
        out.print(f"Merknad: {note}", markup=False)


@parties_app.command("list")
def parties_list(
    as_json: Annotated[bool, typer.Option("--json", help="Skriv listen som JSON.")] = False,
) -> None:
    """Vis de registrerte kommunikasjonspartene, etter HER-id."""
    from samhandling.services.registers.parties import list_parties, party_json

    node = _node()
    try:
        found = list_parties(node.uow())
    finally:
        node.close()
    if as_json:
        print(json.dumps([party_json(p) for p in found], ensure_ascii=False, indent=2))
        return
    if not found:
        out.print("Ingen kommunikasjonsparter er registrert. Importer med «samhandling parties import FIL».")
        return
    rows = [["HER-id", "Navn", "Type", "Overordnet", "Lokal", "Kommune"]]
    rows += [_party_row(p) for p in found]
    for line in _columns(rows):
        out.print(line, markup=False)


def _party_row(party: Party) -> list[str]:
    return [
        party.her_id,
        party.name,
        KIND_TEXT[party.kind],
        party.parent_her_id or "–",
        "ja" if party.local else "nei",
        party.municipality or "–",
    ]


# --- patients ------------------------------------------------------------------------------------------


@patients_app.command("import")
def patients_import(
    files: Annotated[
        list[Path], typer.Argument(help="JSON ({\"patients\": [...]}) eller CSV med kolonnene party_her_id,id,name.")
    ],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Filen er hele katalogen for partene i den: pasienter som mangler, fjernes."),
    ] = False,
) -> None:
    """Importer pasienter til pasientkatalogen til lokale parter. Alt kontrolleres først; ved en feil lagres
    ingenting. Fødselsnumre vises aldri i klartekst."""
    from samhandling.services.registers.patients import PatientDirectoryError, PatientSource, import_patients

    node = _node()
    try:
        sources = [PatientSource(str(path), read_file(path, node.settings.max_message_bytes)) for path in files]
        result = import_patients(node.uow(), sources, replace=replace, max_bytes=node.settings.max_message_bytes)
    except PatientDirectoryError as exc:
        raise UserError(str(exc)) from None
    finally:
        node.close()
    summary = (
        f"Importerte {_plural(result.total, 'pasient', 'pasienter')} for "
        f"{_plural(len(result.parties), 'part', 'parter')}: {result.created} nye, {result.updated} oppdatert, "
        f"{result.unchanged} uendret"
    )
    if replace:
        summary += f", {result.removed} fjernet"
    out.print(summary + ".", markup=False)


@patients_app.command("list")
def patients_list(
    party: Annotated[str, typer.Option("--party", help="HER-id til den lokale parten.")],
    as_json: Annotated[bool, typer.Option("--json", help="Skriv listen som JSON.")] = False,
) -> None:
    """Vis pasientkatalogen til en part, med maskerte fødselsnumre."""
    from samhandling.services.registers.patients import PatientDirectoryError, list_patients, patient_json

    node = _node()
    try:
        found = list_patients(node.uow(), party)
    except PatientDirectoryError as exc:
        raise UserError(str(exc)) from None
    finally:
        node.close()
    if as_json:
        print(json.dumps([patient_json(e) for e in found], ensure_ascii=False, indent=2))
        return
    if not found:
        out.print(f"Parten {party} har ingen pasientkatalog (mottak kontrollerer da ikke ukjent pasient).",
                  markup=False)
        return
    rows = [["Pasient", "Navn"]] + [[mask_person_id(e.patient_id), e.name or "–"] for e in found]
    for line in _columns(rows):
        out.print(line, markup=False)
