"""Commands for the local supplementary agreements (lokale tilleggsavtaler) per municipality and area:
``samhandling agreements …``. Registered in ``cli.py``; the use cases are
:mod:`samhandling.services.registers.agreements`, the rules :mod:`samhandling.domain.registers.agreements`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from samhandling.cli.common import UserError, read_file, settings
from samhandling.cli.registers.session import (
    ByOption,
    DataFormat,
    JsonOption,
    NoteOption,
    OutOption,
    add_journal_command,
    changed_by,
    dash,
    export_data,
    import_file,
    print_json,
    print_table,
    report_import,
    say,
    session,
    write_output,
)
from samhandling.domain.clock import oslo_today
from samhandling.domain.registers.agreements import AREA_TEXT, STATUS_TEXT, AgreementArea, AgreementStatus
from samhandling.domain.registers.partners import Entity

agreements_app = typer.Typer(help="Lokale tilleggsavtaler per kommune og område.", no_args_is_help=True)


def _area(value: str) -> AgreementArea:
    try:
        return AgreementArea(value)
    except ValueError:
        allowed = ", ".join(a.value for a in AgreementArea)
        raise UserError(f"Ukjent område «{value}» (tillatt: {allowed}).") from None


MunicipalityArgument = Annotated[str, typer.Argument(help="Kommunenummer eller -navn.")]
AreaArgument = Annotated[
    str, typer.Argument(help="journaltilgang, video, felleskomponenter eller hjemmeoppfolging.")
]
StatusOption = Annotated[
    AgreementStatus | None, typer.Option("--status", help="under_arbeid, signert eller utlopt.")
]
SignedOption = Annotated[str | None, typer.Option("--signed-on", help="Signert dato (ÅÅÅÅ-MM-DD).")]
FromOption = Annotated[str | None, typer.Option("--valid-from", help="Gjelder fra (ÅÅÅÅ-MM-DD).")]
ToOption = Annotated[str | None, typer.Option("--valid-to", help="Gjelder til (ÅÅÅÅ-MM-DD).")]
ContactOption = Annotated[str | None, typer.Option("--contact", help="Kontakt for avtalen.")]
DocumentOption = Annotated[Path | None, typer.Option("--document", help="Avtaledokumentet (f.eks. PDF).")]


def _document(path: Path | None) -> Any:
    from samhandling.services.registers.agreements import document_from

    if path is None:
        return None
    return document_from(path.name, read_file(path, settings().max_message_bytes))


def _agreement_line(agreement: Any, today: date) -> list[str]:
    return [
        agreement.municipality,
        AREA_TEXT[agreement.area],
        STATUS_TEXT[agreement.effective_status(today)],
        dash(agreement.signed_on),
        f"{dash(agreement.valid_from)} – {dash(agreement.valid_to)}"
        if agreement.valid_from or agreement.valid_to
        else "–",
        dash(agreement.contact),
        dash(agreement.document_name),
    ]


@agreements_app.command("list")
def agreements_list(
    municipality: Annotated[str | None, typer.Option("--municipality", help="Kommunenummer eller -navn.")] = None,
    status: StatusOption = None,
    as_json: JsonOption = False,
) -> None:
    """Vis de lokale tilleggsavtalene."""
    from samhandling.services.registers.agreements import agreement_json, list_agreements

    today = oslo_today()
    with session() as node:
        found = list_agreements(node.uow(), municipality=municipality, status=status, today=today)
    if as_json:
        print_json([agreement_json(a, today=today) for a in found])
        return
    if not found:
        say("Ingen lokale tilleggsavtaler er registrert.")
        return
    print_table([["Kommune", "Område", "Status", "Signert", "Gyldig", "Kontakt", "Dokument"],
                 *(_agreement_line(a, today) for a in found)])


@agreements_app.command("show")
def agreements_show(
    municipality: MunicipalityArgument, area: AreaArgument, as_json: JsonOption = False
) -> None:
    """Vis en lokal tilleggsavtale."""
    from samhandling.services.registers.agreements import agreement_json, get_agreement

    today = oslo_today()
    with session() as node:
        found, agreement = get_agreement(node.uow(), municipality, _area(area))
    if as_json:
        print_json({**agreement_json(agreement, today=today), "municipality_name": found.name})
        return
    say(f"{found.number} {found.name}: {AREA_TEXT[agreement.area]}")
    for label, value in (
        ("Status", STATUS_TEXT[agreement.effective_status(today)]),
        ("Signert", dash(agreement.signed_on)),
        ("Gjelder fra", dash(agreement.valid_from)),
        ("Gjelder til", dash(agreement.valid_to)),
        ("Kontakt", dash(agreement.contact)),
        ("Merknad", dash(agreement.note)),
        ("Dokument", f"{agreement.document_name} ({agreement.document_size} byte)" if agreement.document_name
         else "–"),
    ):
        say(f"  {label}: {value}")


def _agreement_fields(status: Any, signed_on: Any, valid_from: Any, valid_to: Any, contact: Any, note: Any) -> Any:
    from samhandling.services.registers.agreements import AgreementFields

    return AgreementFields(status=status, signed_on=signed_on, valid_from=valid_from, valid_to=valid_to,
                           contact=contact, note=note)


@agreements_app.command("add")
def agreements_add(
    municipality: MunicipalityArgument,
    area: AreaArgument,
    status: StatusOption = None,
    signed_on: SignedOption = None,
    valid_from: FromOption = None,
    valid_to: ToOption = None,
    contact: ContactOption = None,
    note: NoteOption = None,
    document: DocumentOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Registrer en lokal tilleggsavtale med en kommune på et område."""
    from samhandling.services.registers.agreements import add_agreement, agreement_json

    fields = _agreement_fields(status, signed_on, valid_from, valid_to, contact, note)
    with session() as node:
        agreement = add_agreement(node.uow(), municipality, _area(area), fields, by=changed_by(by),
                                  document=_document(document))
    if as_json:
        print_json(agreement_json(agreement, today=oslo_today()))
    else:
        say(f"Registrerte avtalen med kommune {agreement.municipality} om {AREA_TEXT[agreement.area].lower()}.")


@agreements_app.command("edit")
def agreements_edit(
    municipality: MunicipalityArgument,
    area: AreaArgument,
    status: StatusOption = None,
    signed_on: SignedOption = None,
    valid_from: FromOption = None,
    valid_to: ToOption = None,
    contact: ContactOption = None,
    note: NoteOption = None,
    document: DocumentOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Endre en lokal tilleggsavtale. En tom tekst ("") fjerner en dato eller tekst."""
    from samhandling.services.registers.agreements import agreement_json, edit_agreement

    fields = _agreement_fields(status, signed_on, valid_from, valid_to, contact, note)
    with session() as node:
        agreement = edit_agreement(node.uow(), municipality, _area(area), fields, by=changed_by(by),
                                   document=_document(document))
    if as_json:
        print_json(agreement_json(agreement, today=oslo_today()))
    else:
        say(f"Oppdaterte avtalen med kommune {agreement.municipality} om {AREA_TEXT[agreement.area].lower()}.")


@agreements_app.command("import")
def agreements_import(
    file: Annotated[Path, typer.Argument(help="CSV (municipality,area,status,signed_on,…) eller JSON.")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Importer lokale tilleggsavtaler. Alt kontrolleres først; ved en feil lagres ingenting."""
    from samhandling.services.registers.agreements import import_agreements

    result = import_file(import_agreements, file, by)
    report_import(result, as_json, "Importerte avtaler")


@agreements_app.command("export")
def agreements_export(
    format: Annotated[DataFormat, typer.Option("--format", help="csv eller json.")] = DataFormat.CSV,
    out_file: OutOption = None,
) -> None:
    """Eksporter de lokale tilleggsavtalene (uten dokumentene)."""
    from samhandling.services.registers.agreements import export_agreements_csv, export_agreements_json

    export_data(format, out_file, csv=export_agreements_csv, json_value=export_agreements_json)


@agreements_app.command("document")
def agreements_document(
    municipality: MunicipalityArgument,
    area: AreaArgument,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Filen dokumentet skrives til.")],
) -> None:
    """Hent avtaledokumentet."""
    from samhandling.services.registers.agreements import agreement_document

    with session() as node:
        document = agreement_document(node.uow(), municipality, _area(area))
    write_output(document.content, out_file)


add_journal_command(agreements_app, Entity.AGREEMENT, "Vis journalen over endringer i avtalene.")
