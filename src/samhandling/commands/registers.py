"""Commands for the cooperation's registers: ``samhandling partners …`` (with ``partners certificates …``),
``samhandling contacts …`` and ``samhandling agreements …``. Registered in ``cli.py``.

Every command opens the node's database; the first one on a new installation loads the bundled seed (the
municipalities of Innlandet). Changing commands take ``--by`` (default: the operating system's user) for the
journal. ``--json`` prints machine-readable output.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from samhandling.commands.common import UserError, out, read_file, settings
from samhandling.domain.agreements import AREA_TEXT, STATUS_TEXT, AgreementArea, AgreementStatus
from samhandling.domain.certificates import DEFAULT_WINDOW_DAYS, USAGE_TEXT, Certificate, CertificateUsage
from samhandling.domain.contacts import PURPOSE_TEXT, REASON_TEXT, ContactPoint, ContactPurpose
from samhandling.domain.parties import PartyKind
from samhandling.domain.registers import CATEGORY_TEXT, Entity, PartnerCategory, RegisterChange

if TYPE_CHECKING:
    from samhandling.bootstrap import Node

partners_app = typer.Typer(
    help="Samarbeidsparter: virksomhetene i samhandlingen, deres kommunikasjonsparter, systemer og sertifikater.",
    no_args_is_help=True,
)
certificates_app = typer.Typer(help="Virksomhetssertifikater per kommunikasjonspart.", no_args_is_help=True)
partners_app.add_typer(certificates_app, name="certificates")
contacts_app = typer.Typer(
    help="Kontakt- og varslingslisten: kontaktpunkt per samarbeidspart og formål (samhandlingsprosedyren 3.1).",
    no_args_is_help=True,
)
agreements_app = typer.Typer(help="Lokale tilleggsavtaler per kommune og område.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Skriv resultatet som JSON.")]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Hvem som gjør endringen, til journalen (standard: brukernavnet ditt).")
]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Skriv til denne filen (standard: skjermen).")]


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


class DataFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def _node() -> Node:
    from samhandling.bootstrap import bootstrap

    return bootstrap(settings())


@contextmanager
def _session(*, seed: bool = True) -> Iterator[Node]:
    """The node, with the seed loaded on first use; a :class:`RegisterInputError` becomes a one-line error."""
    from samhandling.services.registers import RegisterInputError, ensure_seeded

    node = _node()
    try:
        if seed:
            ensure_seeded(node.uow())
        yield node
    except RegisterInputError as exc:
        raise UserError(str(exc)) from None
    finally:
        node.close()


def _by(by: str | None) -> str:
    from samhandling.services.registers import current_user

    chosen = (by or "").strip() or current_user()
    return chosen[:100]


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _say(text: str) -> None:
    out.print(text, markup=False)


def _table(rows: Sequence[Sequence[str]]) -> None:
    """Rows as lines with aligned columns (the last column is not padded)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        _say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _write(text: str | bytes, target: Path | None) -> None:
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
    _say(f"Skrev {target}.")


def _moment(value: str | None, option: str) -> datetime | None:
    """An ISO date or time from the command line; without a zone it is UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option}: «{value}» er ikke et ISO-tidspunkt (for eksempel 2025-03-14 eller "
                        "2025-03-14T09:00:00+01:00)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _dash(value: object) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nei"
    return "–" if value is None or value == "" else str(value)


def _source(path: Path) -> Any:
    from samhandling.services.parties import PartySource

    return PartySource(str(path), read_file(path, settings().max_message_bytes))


def _journal_lines(changes: Sequence[RegisterChange]) -> None:
    actions = {"created": "opprettet", "updated": "endret", "deleted": "slettet"}
    if not changes:
        _say("Journalen er tom.")
        return
    for change in changes:
        fields = "; ".join(
            f"{name}: {_dash(value['before'])} → {_dash(value['after'])}" for name, value in change.changes.items()
        )
        when = change.at.astimezone().strftime("%Y-%m-%d %H:%M")
        _say(f"{when}  {change.by}  {change.entity.value} {change.key} {actions[change.action.value]}"
             + (f": {fields}" if fields else ""))


def _show_journal(entities: Sequence[Entity] | None, entity: Entity | None, key: str | None, limit: int | None,
                  as_json: bool) -> None:
    from samhandling.services.registers import change_json, journal_entries

    with _session() as node:
        found = journal_entries(node.uow(), entity=entity, key=key)
    if entities is not None and entity is None:
        found = [c for c in found if c.entity in entities]
    if limit is not None:
        found = found[-limit:] if limit > 0 else []
    if as_json:
        _print_json([change_json(c) for c in found])
    else:
        _journal_lines(found)


EntityOption = Annotated[Entity | None, typer.Option("--entity", help="Bare endringer av denne typen.")]
KeyOption = Annotated[str | None, typer.Option("--key", help="Bare endringer av denne nøkkelen (f.eks. HER-id).")]
LimitOption = Annotated[int | None, typer.Option("--limit", help="Bare de siste N endringene.")]


# --- partners ------------------------------------------------------------------------------------------


def _partner_fields(**values: Any) -> Any:
    from samhandling.services.registers import PartnerFields

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
    from samhandling.services.registers import list_partners, partner_json, partner_to_be_json

    with _session() as node:
        found = list_partners(node.uow(), search=search, municipality=municipality, active=active)
    if as_json:
        _print_json([partner_json(v) for v in found.partners] + [partner_to_be_json(m) for m in found.to_be])
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
                _dash(p.organisation_number),
                " ".join(x for x in (p.epj_system, p.epj_version) if x) or "–",
                " ".join(x for x in (p.comm_module, p.comm_version) if x) or "–",
                "ja" if p.active else "nei",
            ])
        _table(rows)
    else:
        _say("Ingen samarbeidsparter funnet.")
    if found.to_be:
        _say("")
        _say(f"Kommende parter (kommuner uten registrert HER-id): {len(found.to_be)}")
        _say(", ".join(f"{m.number} {m.name}" for m in found.to_be))


@partners_app.command("show")
def partners_show(
    her_id: Annotated[str, typer.Argument(help="HER-id til samarbeidsparten.")],
    as_json: JsonOption = False,
) -> None:
    """Vis alt registrene vet om en samarbeidspart."""
    from samhandling.services.registers import get_partner, partner_details_json, receives_summary

    with _session() as node:
        details = get_partner(node.uow(), her_id)
    today = date.today()
    if as_json:
        _print_json(partner_details_json(details, today=today))
        return
    view, p = details.view, details.view.profile
    _say(f"{view.party.name} (HER-id {view.party.her_id})")
    if details.path:
        _say("Under: " + " › ".join(f"{a.name} ({a.her_id})" for a in details.path))
    lines = [
        ("Kategori", CATEGORY_TEXT[p.category]),
        ("Aktiv", "ja" if p.active else "nei"),
        ("Kommune", " ".join(x for x in (view.party.municipality, view.municipality_name) if x) or "–"),
        ("Organisasjonsnummer", _dash(p.organisation_number)),
        ("Domene", _dash(p.domain)),
        ("EPJ", " ".join(x for x in (p.epj_system, p.epj_version) if x) or "–"),
        ("Kommunikasjonsmodul (Link)", " ".join(x for x in (p.comm_module, p.comm_version) if x) or "–"),
        ("Merknad", _dash(p.note)),
        ("Kan motta", receives_summary(details.capabilities) or "ukjent (importer CPP med «partners import-cpp»)"),
    ]
    for label, value in lines:
        _say(f"  {label}: {value}")
    if details.members:
        _say("Tjenester og personer:")
        for depth, member in details.members:
            _say(f"  {'  ' * (depth - 1)}{member.her_id}  {member.name}")
    _say("Kontaktpunkter:" if details.contacts else "Kontaktpunkter: ingen")
    for contact in details.contacts:
        _say(f"  {PURPOSE_TEXT[contact.purpose]}: {_contact_line(contact)}")
    _say("Sertifikater:" if details.certificates else "Sertifikater: ingen")
    for certificate in details.certificates:
        _say(f"  {_certificate_line(certificate)}")
    for agreement in details.agreements:
        _say(f"Avtale: {AREA_TEXT[agreement.area]}: {STATUS_TEXT[agreement.effective_status(today)]}")


def _contact_line(contact: ContactPoint) -> str:
    staffed = "døgnbemannet" if contact.staffed_24_7 else "ikke døgnbemannet"
    return f"{contact.name}, {contact.email}, {_dash(contact.phone)}, {staffed}"


def _certificate_line(certificate: Certificate) -> str:
    return (
        f"{certificate.her_id}  {certificate.serial}  {USAGE_TEXT[certificate.usage]}  "
        f"{certificate.valid_from:%Y-%m-%d} – {certificate.valid_to:%Y-%m-%d}  {certificate.subject}"
    )


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
NoteOption = Annotated[str | None, typer.Option("--note", help="Merknad.")]


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
    from samhandling.services.registers import add_partner, partner_json

    fields = _partner_fields(
        name=name, kind=kind, parent_her_id=parent, municipality=municipality, category=category,
        organisation_number=org_number, domain=domain, epj_system=epj, epj_version=epj_version, comm_module=link,
        comm_version=link_version, active=False if inactive else None, note=note,
    )
    with _session() as node:
        view = add_partner(node.uow(), her_id, fields, by=_by(by))
    if as_json:
        _print_json(partner_json(view))
    else:
        _say(f"Registrerte samarbeidsparten {view.party.name} (HER-id {view.party.her_id}).")


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
    from samhandling.services.registers import edit_partner, partner_json

    fields = _partner_fields(
        name=name, kind=kind, parent_her_id=parent, municipality=municipality, category=category,
        organisation_number=org_number, domain=domain, epj_system=epj, epj_version=epj_version, comm_module=link,
        comm_version=link_version, active=active, note=note,
    )
    with _session() as node:
        view = edit_partner(node.uow(), her_id, fields, by=_by(by))
    if as_json:
        _print_json(partner_json(view))
    else:
        _say(f"Oppdaterte samarbeidsparten {view.party.name} (HER-id {view.party.her_id}).")


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
    from samhandling.services.registers import import_partners

    with _session() as node:
        sources = [_source(path) for path in files]
        result = import_partners(
            node.uow(), sources, by=_by(by), category=category, local=True if local else None,
            max_bytes=node.settings.max_message_bytes,
        )
    if as_json:
        _print_json({
            "parties": {"created": result.parties_created, "updated": result.parties_updated,
                        "unchanged": result.parties_unchanged},
            "partners": {"created": result.partners_created, "updated": result.partners_updated},
        })
        return
    _say(
        f"Importerte {len(files)} fil(er): kommunikasjonsparter {len(result.parties_created)} nye, "
        f"{len(result.parties_updated)} oppdatert, {len(result.parties_unchanged)} uendret; samarbeidsparter "
        f"{len(result.partners_created)} nye, {len(result.partners_updated)} oppdatert."
    )


@partners_app.command("export")
def partners_export(
    format: Annotated[DataFormat, typer.Option("--format", help="csv eller json.")] = DataFormat.JSON,
    out_file: OutOption = None,
) -> None:
    """Eksporter samarbeidspartene (JSON kan importeres igjen med «partners import»)."""
    from samhandling.services.registers import export_partners_csv, export_partners_json

    with _session() as node:
        if format is DataFormat.CSV:
            text = export_partners_csv(node.uow())
        else:
            text = json.dumps(export_partners_json(node.uow()), ensure_ascii=False, indent=2) + "\n"
    _write(text, out_file)


@partners_app.command("seed")
def partners_seed(
    file: Annotated[Path | None, typer.Argument(help="Egen startdatafil (standard: kommunene i Innlandet).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Fjern kommuner som ikke er i filen.")] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Last kommunene i regionen (startdata): navn og kommunenummer."""
    from samhandling.services.registers import DEFAULT_SEED, bundled_seed, load_seed, read_seed

    with _session(seed=False) as node:
        if file is None:
            seed = read_seed(bundled_seed(), DEFAULT_SEED)
        else:
            seed = read_seed(read_file(file, node.settings.max_message_bytes), str(file))
        result = load_seed(node.uow(), seed, by=_by(by), replace_all=replace)
    if as_json:
        _print_json({"region": seed.region, "created": result.created, "updated": result.updated,
                     "unchanged": result.unchanged, "removed": result.removed})
        return
    _say(f"Kommuner{' i ' + seed.region if seed.region else ''}: {result.created} nye, {result.updated} oppdatert, "
         f"{result.unchanged} uendret" + (f", {result.removed} fjernet." if replace else "."))


@partners_app.command("municipalities")
def partners_municipalities(as_json: JsonOption = False) -> None:
    """Vis kommunene i registeret."""
    from samhandling.services.registers import list_municipalities

    with _session() as node:
        found = list_municipalities(node.uow())
    if as_json:
        _print_json([{"number": m.number, "name": m.name, "region": m.region} for m in found])
        return
    _table([["Nr.", "Kommune", "Region"], *([m.number, m.name, _dash(m.region)] for m in found)])


@partners_app.command("import-cpp")
def partners_import_cpp(
    her_id: Annotated[str, typer.Argument(help="HER-id til kommunikasjonsparten dokumentet gjelder.")],
    file: Annotated[Path, typer.Argument(help="CPP, CPA eller CommunicationDetails (XML).")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Importer meldingstypene og sertifikatene til en part fra CPP/CPA, eller kommunikasjonsdetaljene."""
    from samhandling.services.registers import import_cpp

    with _session() as node:
        result = import_cpp(node.uow(), her_id, _source(file), by=_by(by), max_bytes=node.settings.max_message_bytes)
    if as_json:
        _print_json({
            "source": result.label, "her_id": result.her_id, "receives": result.capabilities,
            "certificates": {"created": result.certificates_created, "updated": result.certificates_updated,
                             "unchanged": result.certificates_unchanged, "skipped": result.certificates_skipped},
        })
        return
    if result.partner_import is not None:
        _say(f"Importerte kommunikasjonsdetaljene for HER-id {her_id}.")
        return
    _say(
        f"Importerte {result.label} for HER-id {her_id}: {result.capabilities} meldingstyper parten kan motta; "
        f"sertifikater {len(result.certificates_created)} nye, {len(result.certificates_updated)} oppdatert, "
        f"{len(result.certificates_unchanged)} uendret."
    )
    if result.certificates_skipped:
        _say("Merk: bruken av sertifikatene " + ", ".join(result.certificates_skipped) + " er ukjent; de ble ikke "
             "registrert (bruk «partners certificates import --usage»).")


@partners_app.command("journal")
def partners_journal(
    entity: EntityOption = None, key: KeyOption = None, limit: LimitOption = None, as_json: JsonOption = False
) -> None:
    """Vis journalen over endringer i registrene (hvem, når, hva)."""
    _show_journal(None, entity, key, limit, as_json)


# --- certificates --------------------------------------------------------------------------------------


@certificates_app.command("add")
def certificates_add(
    her_id: Annotated[str, typer.Argument(help="HER-id til kommunikasjonsparten.")],
    serial: Annotated[str, typer.Option("--serial", help="Serienummer (heksadesimalt).")],
    subject: Annotated[str, typer.Option("--subject", help="Subjekt, f.eks. «CN=…, O=…, SERIALNUMBER=…».")],
    usage: Annotated[CertificateUsage, typer.Option("--usage", help="signing eller encryption.")],
    valid_from: Annotated[str, typer.Option("--valid-from", help="Gyldig fra (ISO-dato eller -tidspunkt).")],
    valid_to: Annotated[str, typer.Option("--valid-to", help="Gyldig til (ISO-dato eller -tidspunkt).")],
    issuer: Annotated[str | None, typer.Option("--issuer", help="Utsteder.")] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Registrer et virksomhetssertifikat for en kommunikasjonspart."""
    from samhandling.services.registers import add_certificate, certificate_json

    start, end = _moment(valid_from, "--valid-from"), _moment(valid_to, "--valid-to")
    assert start is not None and end is not None
    try:
        certificate = Certificate(her_id=her_id, serial=serial, subject=subject, usage=usage, valid_from=start,
                                  valid_to=end, issuer=issuer)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with _session() as node:
        add_certificate(node.uow(), certificate, by=_by(by))
    if as_json:
        _print_json(certificate_json(certificate))
    else:
        _say(f"Registrerte sertifikatet {certificate.serial} ({USAGE_TEXT[certificate.usage]}) for HER-id {her_id}.")


@certificates_app.command("import")
def certificates_import(
    her_id: Annotated[str, typer.Argument(help="HER-id til kommunikasjonsparten.")],
    file: Annotated[Path, typer.Argument(help="Sertifikat som PEM eller DER.")],
    usage: Annotated[
        CertificateUsage | None, typer.Option("--usage", help="signing eller encryption (standard: fra nøkkelbruken).")
    ] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Registrer sertifikatene i en PEM- eller DER-fil for en kommunikasjonspart."""
    from samhandling.services.registers import certificate_json, import_certificate_file

    with _session() as node:
        result = import_certificate_file(node.uow(), her_id, _source(file), by=_by(by), usage=usage)
    if as_json:
        _print_json([{**certificate_json(c), "outcome": outcome} for c, outcome in result])
        return
    texts = {"created": "registrert", "updated": "oppdatert", "unchanged": "uendret"}
    for certificate, outcome in result:
        _say(f"{certificate.serial} ({USAGE_TEXT[certificate.usage]}, gyldig til {certificate.valid_to:%Y-%m-%d}): "
             f"{texts[outcome]}")


@certificates_app.command("list")
def certificates_list(
    her_id: Annotated[str | None, typer.Argument(help="Bare denne kommunikasjonsparten.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Vis de registrerte sertifikatene."""
    from samhandling.services.registers import certificate_json, list_certificates

    with _session() as node:
        found = list_certificates(node.uow(), her_id)
    if as_json:
        _print_json([certificate_json(c) for c in found])
        return
    if not found:
        _say("Ingen sertifikater er registrert.")
    for certificate in found:
        _say(_certificate_line(certificate))


@certificates_app.command("remove")
def certificates_remove(
    her_id: Annotated[str, typer.Argument(help="HER-id til kommunikasjonsparten.")],
    serial: Annotated[str, typer.Argument(help="Serienummer (heksadesimalt).")],
    by: ByOption = None,
) -> None:
    """Fjern et sertifikat fra registeret."""
    from samhandling.domain.certificates import normalise_serial
    from samhandling.services.registers import remove_certificate

    try:
        number = normalise_serial(serial)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with _session() as node:
        remove_certificate(node.uow(), her_id, number, by=_by(by))
    _say(f"Fjernet sertifikatet {number} for HER-id {her_id}.")


@certificates_app.command("expiring")
def certificates_expiring(
    within_days: Annotated[
        int, typer.Option("--within-days", min=0, help="Vinduet i dager (standard 60).")
    ] = DEFAULT_WINDOW_DAYS,
    now: Annotated[str | None, typer.Option("--now", help="Regn fra dette tidspunktet (ISO), ikke nå.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Vis sertifikater som går ut innen vinduet (eller har gått ut) uten å ha en etterfølger."""
    from samhandling.services.registers import expiring_certificates, notice_json

    moment = _moment(now, "--now")
    with _session() as node:
        found = expiring_certificates(node.uow(), now=moment, within_days=within_days)
    if as_json:
        _print_json([notice_json(n) for n in found])
        return
    if not found:
        _say(f"Ingen sertifikater går ut de neste {within_days} dagene.")
        return
    for notice in found:
        when = (f"gikk ut for {-notice.days_left} dager siden" if notice.expired
                else f"går ut om {notice.days_left} dager")
        _say(f"{_certificate_line(notice.certificate)}  — {when}")


# --- contacts ------------------------------------------------------------------------------------------


@contacts_app.command("list")
def contacts_list(
    partner: Annotated[str | None, typer.Option("--partner", help="Bare denne samarbeidsparten (HER-id).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Vis kontaktpunktene, per samarbeidspart og formål."""
    from samhandling.services.registers import contact_json, list_contacts

    with _session() as node:
        found = list_contacts(node.uow(), partner)
    if as_json:
        _print_json([contact_json(c) for c in found])
        return
    if not found:
        _say("Ingen kontaktpunkter er registrert. Importer med «samhandling contacts import FIL.csv».")
        return
    rows = [["HER-id", "Formål", "Navn", "E-post", "Telefon", "Døgnbemannet"]]
    rows += [[c.partner_her_id, c.purpose.value, c.name, c.email, _dash(c.phone), "ja" if c.staffed_24_7 else "nei"]
             for c in found]
    _table(rows)


@contacts_app.command("show")
def contacts_show(
    her_id: Annotated[str, typer.Argument(help="HER-id til samarbeidsparten.")],
    as_json: JsonOption = False,
) -> None:
    """Vis kontaktpunktene til én samarbeidspart, med manglende formål og avvik."""
    from samhandling.services.registers import (
        contact_deviations,
        contact_gaps,
        contact_json,
        deviation_json,
        list_contacts,
    )

    with _session() as node:
        found = list_contacts(node.uow(), her_id)
        gaps = [g for g in contact_gaps(node.uow()) if g.partner_her_id == her_id]
        deviations = [d for d in contact_deviations(node.uow()) if d.partner_her_id == her_id]
    missing = [p for g in gaps for p in g.missing]
    if as_json:
        _print_json({
            "partner_her_id": her_id,
            "contacts": [contact_json(c) for c in found],
            "missing": [p.value for p in missing],
            "deviations": [deviation_json(d) for d in deviations],
        })
        return
    for contact in found:
        _say(f"{PURPOSE_TEXT[contact.purpose]}: {_contact_line(contact)}")
        for deviation in deviations:
            if deviation.purpose is contact.purpose:
                _say(f"  avvik: {REASON_TEXT[deviation.reason]}")
    for purpose in missing:
        _say(f"{PURPOSE_TEXT[purpose]}: MANGLER")


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
    from samhandling.services.registers import add_contact, contact_json

    try:
        contact = ContactPoint(partner_her_id=her_id, purpose=_purpose(purpose), name=name, email=email,
                               phone=phone, staffed_24_7=staffed)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with _session() as node:
        add_contact(node.uow(), contact, by=_by(by))
    if as_json:
        _print_json(contact_json(contact))
    else:
        _say(f"Registrerte kontaktpunktet for {PURPOSE_TEXT[contact.purpose].lower()} hos HER-id {her_id}.")


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
    from samhandling.services.registers import ContactFields, contact_json, edit_contact

    fields = ContactFields(name=name, email=email, phone=phone, staffed_24_7=staffed)
    with _session() as node:
        contact = edit_contact(node.uow(), her_id, _purpose(purpose), fields, by=_by(by))
    if as_json:
        _print_json(contact_json(contact))
    else:
        _say(f"Oppdaterte kontaktpunktet for {PURPOSE_TEXT[contact.purpose].lower()} hos HER-id {her_id}.")


@contacts_app.command("remove")
def contacts_remove(
    her_id: Annotated[str, typer.Argument(help="HER-id til samarbeidsparten.")],
    purpose: PurposeArgument,
    by: ByOption = None,
) -> None:
    """Fjern et kontaktpunkt."""
    from samhandling.services.registers import remove_contact

    chosen = _purpose(purpose)
    with _session() as node:
        remove_contact(node.uow(), her_id, chosen, by=_by(by))
    _say(f"Fjernet kontaktpunktet for {PURPOSE_TEXT[chosen].lower()} hos HER-id {her_id}.")


@contacts_app.command("import")
def contacts_import(
    file: Annotated[Path, typer.Argument(help="CSV: partner_her_id,purpose,name,email,phone,staffed_24_7.")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Importer kontaktpunkter fra CSV. Hele filen kontrolleres først; ved en feil lagres ingenting."""
    from samhandling.services.registers import import_contacts

    with _session() as node:
        result = import_contacts(node.uow(), _source(file), by=_by(by))
    if as_json:
        _print_json({"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
        return
    _say(f"Importerte {len(result.created) + len(result.updated) + len(result.unchanged)} kontaktpunkter: "
         f"{len(result.created)} nye, {len(result.updated)} oppdatert, {len(result.unchanged)} uendret.")


@contacts_app.command("export")
def contacts_export(
    format: Annotated[ExportFormat, typer.Option("--format", help="csv, pdf eller json.")] = ExportFormat.CSV,
    out_file: OutOption = None,
) -> None:
    """Eksporter hele kontaktlisten: CSV (samme kolonner som importen), JSON, eller PDF til partene."""
    from samhandling.services.registers import contact_json, contacts_pdf, export_contacts_csv, list_contacts

    data: str | bytes
    with _session() as node:
        if format is ExportFormat.PDF:
            data = contacts_pdf(node.uow())
        elif format is ExportFormat.JSON:
            data = json.dumps([contact_json(c) for c in list_contacts(node.uow())], ensure_ascii=False, indent=2)
            data += "\n"
        else:
            data = export_contacts_csv(node.uow())
    _write(data, out_file)


@contacts_app.command("gaps")
def contacts_gaps(as_json: JsonOption = False) -> None:
    """Vis aktive samarbeidsparter som mangler kontaktpunkt for et formål."""
    from samhandling.services.registers import contact_gaps, gap_json

    with _session() as node:
        found = contact_gaps(node.uow())
    if as_json:
        _print_json([gap_json(g) for g in found])
        return
    if not found:
        _say("Alle aktive samarbeidsparter har kontaktpunkt for alle formål.")
    for gap in found:
        _say(f"{gap.partner_her_id}: mangler " + ", ".join(PURPOSE_TEXT[p].lower() for p in gap.missing))


@contacts_app.command("deviations")
def contacts_deviations(as_json: JsonOption = False) -> None:
    """Vis kontaktpunkter som bør følges opp (ikke standardadressen, personlig adresse, mangler telefon)."""
    from samhandling.services.registers import contact_deviations, deviation_json

    with _session() as node:
        found = contact_deviations(node.uow())
    if as_json:
        _print_json([deviation_json(d) for d in found])
        return
    if not found:
        _say("Ingen avvik: alle kontaktpunkter bruker standardadressen.")
    for deviation in found:
        reason = REASON_TEXT[deviation.reason]
        _say(f"{deviation.partner_her_id} {deviation.purpose.value}: {deviation.email}: {reason}")


@contacts_app.command("journal")
def contacts_journal(key: KeyOption = None, limit: LimitOption = None, as_json: JsonOption = False) -> None:
    """Vis journalen over endringer i kontaktlisten."""
    _show_journal([Entity.CONTACT], Entity.CONTACT, key, limit, as_json)


# --- agreements ----------------------------------------------------------------------------------------


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
    from samhandling.services.registers import document_from

    if path is None:
        return None
    return document_from(path.name, read_file(path, settings().max_message_bytes))


def _agreement_line(agreement: Any, today: date) -> list[str]:
    return [
        agreement.municipality,
        AREA_TEXT[agreement.area],
        STATUS_TEXT[agreement.effective_status(today)],
        _dash(agreement.signed_on),
        f"{_dash(agreement.valid_from)} – {_dash(agreement.valid_to)}"
        if agreement.valid_from or agreement.valid_to
        else "–",
        _dash(agreement.contact),
        _dash(agreement.document_name),
    ]


@agreements_app.command("list")
def agreements_list(
    municipality: Annotated[str | None, typer.Option("--municipality", help="Kommunenummer eller -navn.")] = None,
    status: StatusOption = None,
    as_json: JsonOption = False,
) -> None:
    """Vis de lokale tilleggsavtalene."""
    from samhandling.services.registers import agreement_json, list_agreements

    today = date.today()
    with _session() as node:
        found = list_agreements(node.uow(), municipality=municipality, status=status, today=today)
    if as_json:
        _print_json([agreement_json(a, today=today) for a in found])
        return
    if not found:
        _say("Ingen lokale tilleggsavtaler er registrert.")
        return
    _table([["Kommune", "Område", "Status", "Signert", "Gyldig", "Kontakt", "Dokument"],
            *(_agreement_line(a, today) for a in found)])


@agreements_app.command("show")
def agreements_show(
    municipality: MunicipalityArgument, area: AreaArgument, as_json: JsonOption = False
) -> None:
    """Vis en lokal tilleggsavtale."""
    from samhandling.services.registers import agreement_json, get_agreement

    today = date.today()
    with _session() as node:
        found, agreement = get_agreement(node.uow(), municipality, _area(area))
    if as_json:
        _print_json({**agreement_json(agreement, today=today), "municipality_name": found.name})
        return
    _say(f"{found.number} {found.name}: {AREA_TEXT[agreement.area]}")
    for label, value in (
        ("Status", STATUS_TEXT[agreement.effective_status(today)]),
        ("Signert", _dash(agreement.signed_on)),
        ("Gjelder fra", _dash(agreement.valid_from)),
        ("Gjelder til", _dash(agreement.valid_to)),
        ("Kontakt", _dash(agreement.contact)),
        ("Merknad", _dash(agreement.note)),
        ("Dokument", f"{agreement.document_name} ({agreement.document_size} byte)" if agreement.document_name
         else "–"),
    ):
        _say(f"  {label}: {value}")


def _agreement_fields(status: Any, signed_on: Any, valid_from: Any, valid_to: Any, contact: Any, note: Any) -> Any:
    from samhandling.services.registers import AgreementFields

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
    from samhandling.services.registers import add_agreement, agreement_json

    fields = _agreement_fields(status, signed_on, valid_from, valid_to, contact, note)
    with _session() as node:
        agreement = add_agreement(node.uow(), municipality, _area(area), fields, by=_by(by),
                                  document=_document(document))
    if as_json:
        _print_json(agreement_json(agreement, today=date.today()))
    else:
        _say(f"Registrerte avtalen med kommune {agreement.municipality} om {AREA_TEXT[agreement.area].lower()}.")


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
    from samhandling.services.registers import agreement_json, edit_agreement

    fields = _agreement_fields(status, signed_on, valid_from, valid_to, contact, note)
    with _session() as node:
        agreement = edit_agreement(node.uow(), municipality, _area(area), fields, by=_by(by),
                                   document=_document(document))
    if as_json:
        _print_json(agreement_json(agreement, today=date.today()))
    else:
        _say(f"Oppdaterte avtalen med kommune {agreement.municipality} om {AREA_TEXT[agreement.area].lower()}.")


@agreements_app.command("import")
def agreements_import(
    file: Annotated[Path, typer.Argument(help="CSV (municipality,area,status,signed_on,…) eller JSON.")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Importer lokale tilleggsavtaler. Alt kontrolleres først; ved en feil lagres ingenting."""
    from samhandling.services.registers import import_agreements

    with _session() as node:
        result = import_agreements(node.uow(), _source(file), by=_by(by))
    if as_json:
        _print_json({"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
        return
    _say(f"Importerte avtaler: {len(result.created)} nye, {len(result.updated)} oppdatert, "
         f"{len(result.unchanged)} uendret.")


@agreements_app.command("export")
def agreements_export(
    format: Annotated[DataFormat, typer.Option("--format", help="csv eller json.")] = DataFormat.CSV,
    out_file: OutOption = None,
) -> None:
    """Eksporter de lokale tilleggsavtalene (uten dokumentene)."""
    from samhandling.services.registers import export_agreements_csv, export_agreements_json

    with _session() as node:
        if format is DataFormat.JSON:
            text = json.dumps(export_agreements_json(node.uow()), ensure_ascii=False, indent=2) + "\n"
        else:
            text = export_agreements_csv(node.uow())
    _write(text, out_file)


@agreements_app.command("document")
def agreements_document(
    municipality: MunicipalityArgument,
    area: AreaArgument,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Filen dokumentet skrives til.")],
) -> None:
    """Hent avtaledokumentet."""
    from samhandling.services.registers import agreement_document

    with _session() as node:
        document = agreement_document(node.uow(), municipality, _area(area))
    _write(document.content, out_file)


@agreements_app.command("journal")
def agreements_journal(key: KeyOption = None, limit: LimitOption = None, as_json: JsonOption = False) -> None:
    """Vis journalen over endringer i avtalene."""
    _show_journal([Entity.AGREEMENT], Entity.AGREEMENT, key, limit, as_json)
