"""Commands for the partner register: ``samhandling partners …``, the partners of the cooperation with their
communication parties, systems and profiles, the municipalities of the seed, what each can receive (from a CPP
or CPA), and the journal of every change to the registers; with ``partners certificates …``
(:mod:`samhandling.cli.registers.certificates`). Registered in ``cli.py``; the use cases are
:mod:`samhandling.services.registers.partners`, :mod:`~samhandling.services.registers.partner_files`,
:mod:`~samhandling.services.registers.capabilities`, :mod:`~samhandling.services.registers.cpp` and
:mod:`samhandling.services.registers.municipalities`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from samhandling.cli.common import read_file
from samhandling.cli.registers.certificates import certificate_line, certificates_app
from samhandling.cli.registers.contacts import contact_line
from samhandling.cli.registers.session import (
    ByOption,
    DataFormat,
    JsonOption,
    KeyOption,
    LimitOption,
    NoteOption,
    OutOption,
    changed_by,
    counted,
    dash,
    export_data,
    file_source,
    print_json,
    print_table,
    say,
    session,
    show_journal,
)
from samhandling.domain.clock import oslo_today
from samhandling.domain.messaging.parties import PartyKind
from samhandling.domain.registers.agreements import AREA_TEXT, STATUS_TEXT
from samhandling.domain.registers.contacts import PURPOSE_TEXT
from samhandling.domain.registers.partners import CATEGORY_TEXT, Entity, PartnerCategory
from samhandling.services.messaging.presentation import count

partners_app = typer.Typer(
    help="Samarbeidsparter: virksomhetene i samhandlingen, deres kommunikasjonsparter, systemer og sertifikater.",
    no_args_is_help=True,
)
partners_app.add_typer(certificates_app, name="certificates")


EntityOption = Annotated[Entity | None, typer.Option("--entity", help="Bare endringer av denne typen.")]


def _partner_fields(**values: Any) -> Any:
    from samhandling.services.registers.partners import PartnerFields

    return PartnerFields(**values)


@partners_app.command("list")
def partners_list(
    search: Annotated[str | None, typer.Option("--search", "-s", help="HER-id, kommunenummer eller del av et navn.")]
    = None,
    municipality: Annotated[str | None, typer.Option("--municipality", help="Kommunenummer eller -navn.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Bare aktive eller bare inaktive parter.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Vis samarbeidspartene, og kommunene som ikke er registrert med HER-id ennå (kommende parter)."""
    from samhandling.services.registers.partners import list_partners, partner_json, partner_to_be_json

    with session() as node:
        found = list_partners(node.uow(), search=search, municipality=municipality, active=active)
    if as_json:
        print_json([partner_json(v) for v in found.partners] + [partner_to_be_json(m) for m in found.to_be])
        return
    if found.partners:
        rows = [["HER-id", "Navn", "Kategori", "Kommune", "Org.nr.", "EPJ", "Link", "Aktiv"]]
        for view in found.partners:
            p = view.profile
            rows.append([
                view.party.her_id,
                view.party.name,
                CATEGORY_TEXT[p.category],
                " ".join(x for x in (view.party.municipality, view.municipality_name) if x) or "–",
                dash(p.organisation_number),
                " ".join(x for x in (p.epj_system, p.epj_version) if x) or "–",
                " ".join(x for x in (p.comm_module, p.comm_version) if x) or "–",
                "ja" if p.active else "nei",
            ])
        print_table(rows)
    else:
        say("Ingen samarbeidsparter funnet.")
    if found.to_be:
        say("")
        say(f"Kommende parter (kommuner uten registrert HER-id): {len(found.to_be)}")
        say(", ".join(f"{m.number} {m.name}" for m in found.to_be))


@partners_app.command("show")
def partners_show(
    her_id: Annotated[str, typer.Argument(help="HER-id til samarbeidsparten.")],
    as_json: JsonOption = False,
) -> None:
    """Vis alt registrene vet om en samarbeidspart."""
    from samhandling.services.registers.capabilities import receives_summary
    from samhandling.services.registers.partners import get_partner, partner_details_json

    with session() as node:
        details = get_partner(node.uow(), her_id)
    today = oslo_today()
    if as_json:
        print_json(partner_details_json(details, today=today))
        return
    view, p = details.view, details.view.profile
    say(f"{view.party.name} (HER-id {view.party.her_id})")
    if details.path:
        say("Under: " + " › ".join(f"{a.name} ({a.her_id})" for a in details.path))
    lines = [
        ("Kategori", CATEGORY_TEXT[p.category]),
        ("Aktiv", "ja" if p.active else "nei"),
        ("Kommune", " ".join(x for x in (view.party.municipality, view.municipality_name) if x) or "–"),
        ("Organisasjonsnummer", dash(p.organisation_number)),
        ("Domene", dash(p.domain)),
        ("EPJ", " ".join(x for x in (p.epj_system, p.epj_version) if x) or "–"),
        ("Kommunikasjonsmodul (Link)", " ".join(x for x in (p.comm_module, p.comm_version) if x) or "–"),
        ("Merknad", dash(p.note)),
        ("Kan motta", receives_summary(details.capabilities) or "ukjent (importer CPP med «partners import-cpp»)"),
    ]
    for label, value in lines:
        say(f"  {label}: {value}")
    if details.members:
        say("Tjenester og personer:")
        for depth, member in details.members:
            say(f"  {'  ' * (depth - 1)}{member.her_id}  {member.name}")
    say("Kontaktpunkter:" if details.contacts else "Kontaktpunkter: ingen")
    for contact in details.contacts:
        say(f"  {PURPOSE_TEXT[contact.purpose]}: {contact_line(contact)}")
    say("Sertifikater:" if details.certificates else "Sertifikater: ingen")
    for certificate in details.certificates:
        say(f"  {certificate_line(certificate)}")
    for agreement in details.agreements:
        say(f"Avtale: {AREA_TEXT[agreement.area]}: {STATUS_TEXT[agreement.effective_status(today)]}")


NameOption = Annotated[str | None, typer.Option("--name", help="Navn (for en part som ikke er registrert ennå).")]
KindOption = Annotated[PartyKind | None, typer.Option("--kind", help="Partstype (standard: organisation).")]
ParentOption = Annotated[str | None, typer.Option("--parent", help="HER-id til overordnet part.")]
MunicipalityOption = Annotated[str | None, typer.Option("--municipality", help="Kommunenummer (fire sifre).")]
CategoryOption = Annotated[PartnerCategory | None, typer.Option("--category", help="Kategori.")]
OrgOption = Annotated[str | None, typer.Option("--org-number", help="Organisasjonsnummer (ni sifre).")]
DomainOption = Annotated[
    str | None, typer.Option("--domain", help="E-postdomenet for standardadressen meldingsansvarlig@DOMENE.")
]
EpjOption = Annotated[str | None, typer.Option("--epj", help="EPJ-system.")]
EpjVersionOption = Annotated[str | None, typer.Option("--epj-version", help="EPJ-versjon.")]
LinkOption = Annotated[str | None, typer.Option("--link", help="Kommunikasjonsmodul (sjekklistens «Link»).")]
LinkVersionOption = Annotated[str | None, typer.Option("--link-version", help="Versjon av kommunikasjonsmodulen.")]


@partners_app.command("add")
def partners_add(
    her_id: Annotated[str, typer.Argument(help="HER-id til samarbeidsparten.")],
    name: NameOption = None,
    kind: KindOption = None,
    parent: ParentOption = None,
    municipality: MunicipalityOption = None,
    category: CategoryOption = None,
    org_number: OrgOption = None,
    domain: DomainOption = None,
    epj: EpjOption = None,
    epj_version: EpjVersionOption = None,
    link: LinkOption = None,
    link_version: LinkVersionOption = None,
    inactive: Annotated[bool, typer.Option("--inactive", help="Registrer parten som inaktiv.")] = False,
    note: NoteOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Registrer en samarbeidspart. En HER-id som ikke er registrert, trenger --name."""
    from samhandling.services.registers.partners import add_partner, partner_json

    fields = _partner_fields(
        name=name, kind=kind, parent_her_id=parent, municipality=municipality, category=category,
        organisation_number=org_number, domain=domain, epj_system=epj, epj_version=epj_version, comm_module=link,
        comm_version=link_version, active=False if inactive else None, note=note,
    )
    with session() as node:
        view = add_partner(node.uow(), her_id, fields, by=changed_by(by))
    if as_json:
        print_json(partner_json(view))
    else:
        say(f"Registrerte samarbeidsparten {view.party.name} (HER-id {view.party.her_id}).")


@partners_app.command("edit")
def partners_edit(
    her_id: Annotated[str, typer.Argument(help="HER-id til samarbeidsparten.")],
    name: Annotated[str | None, typer.Option("--name", help="Nytt navn.")] = None,
    kind: KindOption = None,
    parent: ParentOption = None,
    municipality: MunicipalityOption = None,
    category: CategoryOption = None,
    org_number: OrgOption = None,
    domain: DomainOption = None,
    epj: EpjOption = None,
    epj_version: EpjVersionOption = None,
    link: LinkOption = None,
    link_version: LinkVersionOption = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Aktiv eller inaktiv.")] = None,
    note: NoteOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Endre en samarbeidspart. En tom tekst ("") fjerner en verdi."""
    from samhandling.services.registers.partners import edit_partner, partner_json

    fields = _partner_fields(
        name=name, kind=kind, parent_her_id=parent, municipality=municipality, category=category,
        organisation_number=org_number, domain=domain, epj_system=epj, epj_version=epj_version, comm_module=link,
        comm_version=link_version, active=active, note=note,
    )
    with session() as node:
        view = edit_partner(node.uow(), her_id, fields, by=changed_by(by))
    if as_json:
        print_json(partner_json(view))
    else:
        say(f"Oppdaterte samarbeidsparten {view.party.name} (HER-id {view.party.her_id}).")


@partners_app.command("import")
def partners_import(
    files: Annotated[
        list[Path],
        typer.Argument(help="Svar fra adresseregisteret (XML) eller JSON ({\"parties\": [...], \"partners\": [...]})."),
    ],
    category: Annotated[
        PartnerCategory | None, typer.Option("--category", help="Kategori for samarbeidspartene i filene.")
    ] = None,
    local: Annotated[bool, typer.Option("--local", help="Parten hver adresseregisterfil gjelder, er lokal.")] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Importer samarbeidsparter med kommunikasjonspartene deres. Alt kontrolleres først; ved feil lagres ingenting."""
    from samhandling.services.registers.partner_files import import_partners

    with session() as node:
        sources = [file_source(path) for path in files]
        result = import_partners(
            node.uow(), sources, by=changed_by(by), category=category, local=True if local else None,
            max_bytes=node.settings.max_message_bytes,
        )
    if as_json:
        print_json({
            "parties": {"created": result.parties_created, "updated": result.parties_updated,
                        "unchanged": result.parties_unchanged},
            "partners": {"created": result.partners_created, "updated": result.partners_updated},
        })
        return
    parties = counted(len(result.parties_created), len(result.parties_updated), len(result.parties_unchanged))
    say(
        f"Importerte {count(len(files), 'fil', 'filer')}: kommunikasjonsparter {parties}; samarbeidsparter "
        f"{len(result.partners_created)} nye, {len(result.partners_updated)} oppdatert."
    )


@partners_app.command("export")
def partners_export(
    format: Annotated[DataFormat, typer.Option("--format", help="csv eller json.")] = DataFormat.JSON,
    out_file: OutOption = None,
) -> None:
    """Eksporter samarbeidspartene (JSON kan importeres igjen med «partners import»)."""
    from samhandling.services.registers.partner_files import export_partners_csv, export_partners_json

    export_data(format, out_file, csv=export_partners_csv, json_value=export_partners_json)


@partners_app.command("seed")
def partners_seed(
    file: Annotated[Path | None, typer.Argument(help="Egen startdatafil (standard: kommunene i Innlandet).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Fjern kommuner som ikke er i filen.")] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Last kommunene i regionen (startdata): navn og kommunenummer."""
    from samhandling.services.registers.municipalities import DEFAULT_SEED, bundled_seed, load_seed, read_seed

    with session(seed=False) as node:
        if file is None:
            seed = read_seed(bundled_seed(), DEFAULT_SEED)
        else:
            seed = read_seed(read_file(file, node.settings.max_message_bytes), str(file))
        result = load_seed(node.uow(), seed, by=changed_by(by), replace_all=replace)
    if as_json:
        print_json({"region": seed.region, "created": result.created, "updated": result.updated,
                    "unchanged": result.unchanged, "removed": result.removed})
        return
    say(f"Kommuner{' i ' + seed.region if seed.region else ''}: "
        f"{counted(result.created, result.updated, result.unchanged)}"
        + (f", {result.removed} fjernet." if replace else "."))


@partners_app.command("municipalities")
def partners_municipalities(as_json: JsonOption = False) -> None:
    """Vis kommunene i registeret."""
    from samhandling.services.registers.municipalities import list_municipalities

    with session() as node:
        found = list_municipalities(node.uow())
    if as_json:
        print_json([{"number": m.number, "name": m.name, "region": m.region} for m in found])
        return
    print_table([["Nr.", "Kommune", "Region"], *([m.number, m.name, dash(m.region)] for m in found)])


@partners_app.command("import-cpp")
def partners_import_cpp(
    her_id: Annotated[str, typer.Argument(help="HER-id til kommunikasjonsparten dokumentet gjelder.")],
    file: Annotated[Path, typer.Argument(help="CPP, CPA eller CommunicationDetails (XML).")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Importer meldingstypene og sertifikatene til en part fra CPP/CPA, eller kommunikasjonsdetaljene."""
    from samhandling.services.registers.cpp import import_cpp

    with session() as node:
        result = import_cpp(
            node.uow(), her_id, file_source(file), by=changed_by(by), max_bytes=node.settings.max_message_bytes
        )
    if as_json:
        print_json({
            "source": result.label, "her_id": result.her_id, "receives": result.capabilities,
            "certificates": {"created": result.certificates_created, "updated": result.certificates_updated,
                             "unchanged": result.certificates_unchanged, "skipped": result.certificates_skipped},
        })
        return
    if result.partner_import is not None:
        say(f"Importerte kommunikasjonsdetaljene for HER-id {her_id}.")
        return
    certificates = counted(
        len(result.certificates_created), len(result.certificates_updated), len(result.certificates_unchanged)
    )
    say(
        f"Importerte {result.label} for HER-id {her_id}: {result.capabilities} meldingstyper parten kan motta; "
        f"sertifikater {certificates}."
    )
    if result.certificates_skipped:
        say("Merk: bruken av sertifikatene " + ", ".join(result.certificates_skipped) + " er ukjent; de ble ikke "
            "registrert (bruk «partners certificates import --usage»).")


@partners_app.command("journal")
def partners_journal(
    entity: EntityOption = None, key: KeyOption = None, limit: LimitOption = None, as_json: JsonOption = False
) -> None:
    """Vis journalen over endringer i registrene (hvem, når, hva)."""
    show_journal(entity, key, limit, as_json)
