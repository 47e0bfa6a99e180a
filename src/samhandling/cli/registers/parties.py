"""Commands for the node's communication parties (``parties``) and the patient directories of local parties
(``patients``). Registered in ``cli.py`` as ``samhandling parties …`` and ``samhandling patients …``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from samhandling.cli.common import UserError, out, read_file
from samhandling.cli.registers.session import counted, open_node, print_json, print_table, say
from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.domain.privacy import mask_person_id
from samhandling.services.messaging.presentation import count

parties_app = typer.Typer(
    help="Kommunikasjonsparter: de noden betjener (lokale) og samarbeidspartene.", no_args_is_help=True
)
patients_app = typer.Typer(
    help="Pasientkatalog for lokale parter (for kvitteringskoden E35, ukjent pasient).", no_args_is_help=True
)

KIND_TEXT = {PartyKind.ORGANISATION: "virksomhet", PartyKind.SERVICE: "tjeneste", PartyKind.PERSON: "person"}


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
    with open_node(PartyImportError) as node:
        sources = [PartySource(str(path), read_file(path, node.settings.max_message_bytes)) for path in files]
        result = import_parties(node.uow(), sources, local=flag, max_bytes=node.settings.max_message_bytes)
    say(
        f"Importerte {count(result.total, 'part', 'parter')} fra {count(len(files), 'fil', 'filer')}: "
        f"{counted(len(result.created), len(result.updated), len(result.unchanged))}."
    )
    for note in result.notes:
        say(f"Merknad: {note}")


@parties_app.command("list")
def parties_list(
    as_json: Annotated[bool, typer.Option("--json", help="Skriv listen som JSON.")] = False,
) -> None:
    """Vis de registrerte kommunikasjonspartene, etter HER-id."""
    from samhandling.services.registers.parties import list_parties, party_json

    with open_node() as node:
        found = list_parties(node.uow())
    if as_json:
        print_json([party_json(p) for p in found])
        return
    if not found:
        out.print("Ingen kommunikasjonsparter er registrert. Importer med «samhandling parties import FIL».")
        return
    rows = [["HER-id", "Navn", "Type", "Overordnet", "Lokal", "Kommune"]]
    rows += [_party_row(p) for p in found]
    print_table(rows)


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

    with open_node(PatientDirectoryError) as node:
        sources = [PatientSource(str(path), read_file(path, node.settings.max_message_bytes)) for path in files]
        result = import_patients(node.uow(), sources, replace=replace, max_bytes=node.settings.max_message_bytes)
    summary = (
        f"Importerte {count(result.total, 'pasient', 'pasienter')} for "
        f"{count(len(result.parties), 'part', 'parter')}: {counted(result.created, result.updated, result.unchanged)}"
    )
    if replace:
        summary += f", {result.removed} fjernet"
    say(summary + ".")


@patients_app.command("list")
def patients_list(
    party: Annotated[str, typer.Option("--party", help="HER-id til den lokale parten.")],
    as_json: Annotated[bool, typer.Option("--json", help="Skriv listen som JSON.")] = False,
) -> None:
    """Vis pasientkatalogen til en part, med maskerte fødselsnumre."""
    from samhandling.services.registers.patients import PatientDirectoryError, list_patients, patient_json

    with open_node(PatientDirectoryError) as node:
        found = list_patients(node.uow(), party)
    if as_json:
        print_json([patient_json(e) for e in found])
        return
    if not found:
        say(f"Parten {party} har ingen pasientkatalog (mottak kontrollerer da ikke ukjent pasient).")
        return
    print_table([["Pasient", "Navn"]] + [[mask_person_id(e.patient_id), e.name or "–"] for e in found])
