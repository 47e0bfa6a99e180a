"""Commands for the certificate register: ``samhandling partners certificates …``, the enterprise
certificates of the communication parties and the ones about to expire. Added to ``partners_app`` in
:mod:`samhandling.cli.registers.partners`; the use cases are
:mod:`samhandling.services.registers.certificates`, the rules
:mod:`samhandling.domain.registers.certificates`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from samhandling.cli.common import UserError, norwegian_to_iso
from samhandling.cli.registers.session import (
    ByOption,
    JsonOption,
    changed_by,
    file_source,
    print_json,
    say,
    session,
)
from samhandling.domain.registers.certificates import DEFAULT_WINDOW_DAYS, USAGE_TEXT, Certificate, CertificateUsage

certificates_app = typer.Typer(help="Virksomhetssertifikater per kommunikasjonspart.", no_args_is_help=True)


def _moment(value: str | None, option: str) -> datetime | None:
    """An ISO date or time from the command line; without a zone it is UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(norwegian_to_iso(value))
    except ValueError:
        raise UserError(f"{option}: «{value}» er ikke et ISO-tidspunkt (for eksempel 2025-03-14 eller "
                        "2025-03-14T09:00:00+01:00)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def certificate_line(certificate: Certificate) -> str:
    return (
        f"{certificate.her_id}  {certificate.serial}  {USAGE_TEXT[certificate.usage]}  "
        f"{certificate.valid_from:%Y-%m-%d} – {certificate.valid_to:%Y-%m-%d}  {certificate.subject}"
    )


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
    from samhandling.services.registers.certificates import add_certificate, certificate_json

    start, end = _moment(valid_from, "--valid-from"), _moment(valid_to, "--valid-to")
    assert start is not None and end is not None
    try:
        certificate = Certificate(her_id=her_id, serial=serial, subject=subject, usage=usage, valid_from=start,
                                  valid_to=end, issuer=issuer)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with session() as node:
        add_certificate(node.uow(), certificate, by=changed_by(by))
    if as_json:
        print_json(certificate_json(certificate))
    else:
        say(f"Registrerte sertifikatet {certificate.serial} ({USAGE_TEXT[certificate.usage]}) for HER-id {her_id}.")


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
    from samhandling.services.registers.certificates import certificate_json, import_certificate_file

    with session() as node:
        result = import_certificate_file(node.uow(), her_id, file_source(file), by=changed_by(by), usage=usage)
    if as_json:
        print_json([{**certificate_json(c), "outcome": outcome} for c, outcome in result])
        return
    texts = {"created": "registrert", "updated": "oppdatert", "unchanged": "uendret"}
    for certificate, outcome in result:
        say(f"{certificate.serial} ({USAGE_TEXT[certificate.usage]}, gyldig til {certificate.valid_to:%Y-%m-%d}): "
            f"{texts[outcome]}")


@certificates_app.command("list")
def certificates_list(
    her_id: Annotated[str | None, typer.Argument(help="Bare denne kommunikasjonsparten.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Vis de registrerte sertifikatene."""
    from samhandling.domain.clock import utc_now
    from samhandling.services.registers.certificates import certificate_json, list_certificates

    with session() as node:
        found = list_certificates(node.uow(), her_id)
    now = utc_now()
    if as_json:
        print_json([{**certificate_json(c), "expired": c.valid_to <= now} for c in found])
        return
    if not found:
        say("Ingen sertifikater er registrert.")
    for certificate in found:
        expired = certificate.valid_to <= now
        say(certificate_line(certificate) + ("  — UTGÅTT" if expired else ""))
    gone = sum(c.valid_to <= now for c in found)
    if gone:
        say(f"{gone} av {len(found)} sertifikater er utgått; se «samhandling partners certificates expiring».")


@certificates_app.command("remove")
def certificates_remove(
    her_id: Annotated[str, typer.Argument(help="HER-id til kommunikasjonsparten.")],
    serial: Annotated[str, typer.Argument(help="Serienummer (heksadesimalt).")],
    by: ByOption = None,
) -> None:
    """Fjern et sertifikat fra registeret."""
    from samhandling.domain.registers.certificates import normalise_serial
    from samhandling.services.registers.certificates import remove_certificate

    try:
        number = normalise_serial(serial)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with session() as node:
        remove_certificate(node.uow(), her_id, number, by=changed_by(by))
    say(f"Fjernet sertifikatet {number} for HER-id {her_id}.")


@certificates_app.command("expiring")
def certificates_expiring(
    within_days: Annotated[
        int, typer.Option("--within-days", min=0, help="Vinduet i dager (standard 60).")
    ] = DEFAULT_WINDOW_DAYS,
    now: Annotated[str | None, typer.Option("--now", help="Regn fra dette tidspunktet (ISO), ikke nå.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Vis sertifikater som går ut innen vinduet (eller har gått ut) uten å ha en etterfølger."""
    from samhandling.services.registers.certificates import expiring_certificates, notice_json

    moment = _moment(now, "--now")
    with session() as node:
        found = expiring_certificates(node.uow(), now=moment, within_days=within_days)
    if as_json:
        print_json([notice_json(n) for n in found])
        return
    if not found:
        say(f"Ingen sertifikater går ut de neste {within_days} dagene.")
        return
    for notice in found:
        when = (f"gikk ut for {-notice.days_left} dager siden" if notice.expired
                else f"går ut om {notice.days_left} dager")
        say(f"{certificate_line(notice.certificate)}  — {when}")
