"""Commands for the contact and notification list (the cooperation procedure, section 3.1):
``samhandling contacts …``, a contact point per partner and purpose, the purposes missing and the contact
points to follow up. Registered in ``cli.py``; the use cases are :mod:`samhandling.services.registers.contacts` and, for
the PDF handed to the partners, :mod:`samhandling.services.registers.contact_sheet`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from samhandling.cli.common import UserError
from samhandling.cli.registers.session import (
    ByOption,
    JsonOption,
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
)
from samhandling.domain.registers.contacts import PURPOSE_TEXT, REASON_TEXT, ContactPoint, ContactPurpose
from samhandling.domain.registers.partners import Entity
from samhandling.services.messaging.presentation import count

contacts_app = typer.Typer(
    help="Kontakt- og varslingslisten: kontaktpunkt per samarbeidspart og formål (samhandlingsprosedyren 3.1).",
    no_args_is_help=True,
)


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


def contact_line(contact: ContactPoint) -> str:
    staffed = "døgnbemannet" if contact.staffed_24_7 else "ikke døgnbemannet"
    return f"{contact.name}, {contact.email}, {dash(contact.phone)}, {staffed}"


@contacts_app.command("list")
def contacts_list(
    partner: Annotated[str | None, typer.Option("--partner", help="Bare denne samarbeidsparten (HER-id).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Vis kontaktpunktene, per samarbeidspart og formål."""
    from samhandling.services.registers.contacts import contact_json, list_contacts

    with session() as node:
        found = list_contacts(node.uow(), partner)
    if as_json:
        print_json([contact_json(c) for c in found])
        return
    if not found:
        say("Ingen kontaktpunkter er registrert. Importer med «samhandling contacts import FIL.csv».")
        return
    rows = [["HER-id", "Formål", "Navn", "E-post", "Telefon", "Døgnbemannet"]]
    rows += [[c.partner_her_id, c.purpose.value, c.name, c.email, dash(c.phone), "ja" if c.staffed_24_7 else "nei"]
             for c in found]
    print_table(rows)


@contacts_app.command("show")
def contacts_show(
    her_id: Annotated[str, typer.Argument(help="HER-id til samarbeidsparten.")],
    as_json: JsonOption = False,
) -> None:
    """Vis kontaktpunktene til én samarbeidspart, med manglende formål og avvik."""
    from samhandling.services.registers.contacts import (
        contact_deviations,
        contact_gaps,
        contact_json,
        deviation_json,
        list_contacts,
    )

    with session() as node:
        found = list_contacts(node.uow(), her_id)
        gaps = [g for g in contact_gaps(node.uow()) if g.partner_her_id == her_id]
        deviations = [d for d in contact_deviations(node.uow()) if d.partner_her_id == her_id]
    missing = [p for g in gaps for p in g.missing]
    if as_json:
        print_json({
            "partner_her_id": her_id,
            "contacts": [contact_json(c) for c in found],
            "missing": [p.value for p in missing],
            "deviations": [deviation_json(d) for d in deviations],
        })
        return
    for contact in found:
        say(f"{PURPOSE_TEXT[contact.purpose]}: {contact_line(contact)}")
        for deviation in deviations:
            if deviation.purpose is contact.purpose:
                say(f"  avvik: {REASON_TEXT[deviation.reason]}")
    for purpose in missing:
        say(f"{PURPOSE_TEXT[purpose]}: MANGLER")


def _purpose(value: str) -> ContactPurpose:
    try:
        return ContactPurpose(value)
    except ValueError:
        allowed = ", ".join(p.value for p in ContactPurpose)
        raise UserError(f"Ukjent formål «{value}» (tillatt: {allowed}).") from None


PurposeArgument = Annotated[
    str, typer.Argument(help="feilsoking, planlagt_nedetid, akutt_nedetid eller sertifikat.")
]


@contacts_app.command("add")
def contacts_add(
    her_id: Annotated[str, typer.Argument(help="HER-id til samarbeidsparten.")],
    purpose: PurposeArgument,
    name: Annotated[str, typer.Option("--name", help="Navn på kontaktpunktet (funksjon, ikke person).")],
    email: Annotated[str, typer.Option("--email", help="E-post (anbefalt: meldingsansvarlig@domene).")],
    phone: Annotated[str | None, typer.Option("--phone", help="Telefonnummer.")] = None,
    staffed: Annotated[
        bool, typer.Option("--staffed-24-7/--not-staffed-24-7", help="Døgnbemannet eller ikke.")
    ] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Registrer et kontaktpunkt for en samarbeidspart og et formål."""
    from samhandling.services.registers.contacts import add_contact, contact_json

    try:
        contact = ContactPoint(partner_her_id=her_id, purpose=_purpose(purpose), name=name, email=email,
                               phone=phone, staffed_24_7=staffed)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with session() as node:
        add_contact(node.uow(), contact, by=changed_by(by))
    if as_json:
        print_json(contact_json(contact))
    else:
        say(f"Registrerte kontaktpunktet for {PURPOSE_TEXT[contact.purpose].lower()} hos HER-id {her_id}.")


@contacts_app.command("edit")
def contacts_edit(
    her_id: Annotated[str, typer.Argument(help="HER-id til samarbeidsparten.")],
    purpose: PurposeArgument,
    name: Annotated[str | None, typer.Option("--name", help="Nytt navn.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Ny e-post.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Nytt telefonnummer (\"\" fjerner det).")] = None,
    staffed: Annotated[
        bool | None, typer.Option("--staffed-24-7/--not-staffed-24-7", help="Døgnbemannet eller ikke.")
    ] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Endre et kontaktpunkt."""
    from samhandling.services.registers.contacts import ContactFields, contact_json, edit_contact

    fields = ContactFields(name=name, email=email, phone=phone, staffed_24_7=staffed)
    with session() as node:
        contact = edit_contact(node.uow(), her_id, _purpose(purpose), fields, by=changed_by(by))
    if as_json:
        print_json(contact_json(contact))
    else:
        say(f"Oppdaterte kontaktpunktet for {PURPOSE_TEXT[contact.purpose].lower()} hos HER-id {her_id}.")


@contacts_app.command("remove")
def contacts_remove(
    her_id: Annotated[str, typer.Argument(help="HER-id til samarbeidsparten.")],
    purpose: PurposeArgument,
    by: ByOption = None,
) -> None:
    """Fjern et kontaktpunkt."""
    from samhandling.services.registers.contacts import remove_contact

    chosen = _purpose(purpose)
    with session() as node:
        remove_contact(node.uow(), her_id, chosen, by=changed_by(by))
    say(f"Fjernet kontaktpunktet for {PURPOSE_TEXT[chosen].lower()} hos HER-id {her_id}.")


@contacts_app.command("import")
def contacts_import(
    file: Annotated[Path, typer.Argument(help="CSV: partner_her_id,purpose,name,email,phone,staffed_24_7.")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Importer kontaktpunkter fra CSV. Hele filen kontrolleres først; ved en feil lagres ingenting."""
    from samhandling.services.registers.contacts import import_contacts

    result = import_file(import_contacts, file, by)
    total = len(result.created) + len(result.updated) + len(result.unchanged)
    report_import(result, as_json, f"Importerte {count(total, 'kontaktpunkt', 'kontaktpunkter')}")


@contacts_app.command("export")
def contacts_export(
    format: Annotated[ExportFormat, typer.Option("--format", help="csv, pdf eller json.")] = ExportFormat.CSV,
    out_file: OutOption = None,
) -> None:
    """Eksporter hele kontaktlisten: CSV (samme kolonner som importen), JSON, eller PDF til partene."""
    from samhandling.services.registers.contact_sheet import contacts_pdf
    from samhandling.services.registers.contacts import contact_json, export_contacts_csv, list_contacts

    export_data(format, out_file, csv=export_contacts_csv, pdf=contacts_pdf,
                json_value=lambda uow: [contact_json(c) for c in list_contacts(uow)])


@contacts_app.command("gaps")
def contacts_gaps(as_json: JsonOption = False) -> None:
    """Vis aktive samarbeidsparter som mangler kontaktpunkt for et formål."""
    from samhandling.services.registers.contacts import contact_gaps, gap_json

    with session() as node:
        found = contact_gaps(node.uow())
    if as_json:
        print_json([gap_json(g) for g in found])
        return
    if not found:
        say("Alle aktive samarbeidsparter har kontaktpunkt for alle formål.")
    for gap in found:
        say(f"{gap.partner_her_id}: mangler " + ", ".join(PURPOSE_TEXT[p].lower() for p in gap.missing))


@contacts_app.command("deviations")
def contacts_deviations(as_json: JsonOption = False) -> None:
    """Vis kontaktpunkter som bør følges opp (ikke standardadressen, personlig adresse, mangler telefon)."""
    from samhandling.services.registers.contacts import contact_deviations, deviation_json

    with session() as node:
        found = contact_deviations(node.uow())
    if as_json:
        print_json([deviation_json(d) for d in found])
        return
    if not found:
        say("Ingen avvik: alle kontaktpunkter bruker standardadressen.")
    for deviation in found:
        reason = REASON_TEXT[deviation.reason]
        say(f"{deviation.partner_her_id} {deviation.purpose.value}: {deviation.email}: {reason}")


add_journal_command(contacts_app, Entity.CONTACT, "Vis journalen over endringer i kontaktlisten.")
