"""The ``samhandling`` command line: thin, in Norwegian for users, one line per fault, never a traceback."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from typer._click import exceptions as click  # the Click that Typer vendors and raises
from typer.exceptions import Abort

from samhandling.cli import norsk
from samhandling.cli.checklist import checklist_app
from samhandling.cli.common import UserError, err, out, read_file, settings, settings_problem
from samhandling.cli.deviations import deviations_app
from samhandling.cli.incidents import hold, holds, incidents_app, release
from samhandling.cli.messaging import messages, node
from samhandling.cli.monitoring import alerts_app, monitor_app, ping
from samhandling.cli.msh import msh_app
from samhandling.cli.notices import freeze_app, notices_app
from samhandling.cli.registers.agreements import agreements_app
from samhandling.cli.registers.contacts import contacts_app
from samhandling.cli.registers.parties import parties_app, patients_app
from samhandling.cli.registers.partners import partners_app
from samhandling.cli.statistics import stats_app
from samhandling.services.pdf import PdfUnavailableError

app = typer.Typer(
    name="samhandling",
    help="Elektronisk samhandling mellom helseforetak og kommuner: PLO- og dialogmeldinger, AppRec, Norsk Helsenett.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
schemas_app = typer.Typer(help="Offisielle XML-skjemaer (XSD) for validering.", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")
app.add_typer(parties_app, name="parties")
app.add_typer(patients_app, name="patients")
app.add_typer(partners_app, name="partners")
app.add_typer(contacts_app, name="contacts")
app.add_typer(agreements_app, name="agreements")
app.command()(messages.receive)
app.command()(messages.send)
app.add_typer(messages.messages_app, name="messages")
app.add_typer(node.node_app, name="node")
app.add_typer(node.outbox_app, name="outbox")
app.add_typer(msh_app, name="msh")
app.add_typer(monitor_app, name="monitor")
app.add_typer(alerts_app, name="alerts")
app.command()(ping)
app.add_typer(checklist_app, name="checklist")
app.add_typer(incidents_app, name="incidents")
app.add_typer(deviations_app, name="deviations")
app.add_typer(stats_app, name="stats")
app.command("hold")(hold)
app.command("release")(release)
app.command("holds")(holds)
app.add_typer(notices_app, name="notices")
app.add_typer(freeze_app, name="freeze")


@app.command()
def web(
    host: Annotated[str, typer.Option("--host", help="Adressen tjeneren lytter på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Porten tjeneren lytter på.")] = 8080,
) -> None:
    """Nodens webtjener: endringskanalen (/endringer, .atom, .ics) og bekreftelseslenkene i varslene."""
    from samhandling.cli.web import serve

    serve(host, port)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Meldingsfiler (XML) som skal valideres.")],
    as_json: Annotated[bool, typer.Option("--json", help="Ett JSON-objekt per fil.")] = False,
) -> None:
    """Valider meldinger mot de offisielle skjemaene og de innebygde reglene."""
    from samhandling.standards.validation import validate_message

    cfg = settings()
    schemas = cfg.schemas
    if schemas is None and not as_json:
        err.print(f"Merk: skjemavalidering er av (ingen skjemaer i {cfg.effective_schema_dir}); "
                  "bare de innebygde reglene kjøres. Installer med «samhandling schemas install MAPPE».")
    any_invalid = judged = False
    for path in files:
        try:
            data = read_file(path, cfg.max_message_bytes)
        except UserError as exc:
            any_invalid = True
            if as_json:
                print(json.dumps({"file": str(path), "valid": False, "msg_type": None, "standard": None,
                                  "findings": [{"code": "T01", "path": "/", "text": str(exc)}]}, ensure_ascii=False))
            else:
                err.print(str(exc), markup=False)
            continue
        report = validate_message(data, schemas=schemas, max_bytes=cfg.max_message_bytes,
                                  test_environment=cfg.test_environment)
        if not as_json and not judged:
            err.print(f"Vurdert etter miljø: {_environment_label(cfg.environment)}.", markup=False)
            judged = True
        any_invalid |= not report.valid
        standard = report.standard.label if report.standard is not None else None
        if as_json:
            print(json.dumps({
                "file": str(path), "valid": report.valid, "msg_type": report.msg_type, "standard": standard,
                "schema_checked": report.schema_checked, "environment": cfg.environment,
                "findings": [{"code": f.code, "path": f.path, "text": f.text} for f in report.findings],
                "notes": [{"code": f.code, "path": f.path, "text": f.text} for f in report.notes],
            }, ensure_ascii=False))
        elif report.valid:
            out.print(f"{path}: OK ({report.msg_type}, {standard})", markup=False)
        else:
            out.print(f"{path}: UGYLDIG — " + "; ".join(str(f) for f in report.findings), markup=False)
        if not as_json:
            for note in report.notes:  # HIS 80415:2012 §3.3.4: found, but not a reason to reject
                out.print(f"  Merknad (avviser ikke): {note}", markup=False)
    raise typer.Exit(1 if any_invalid else 0)


def _environment_label(environment: str) -> str:
    """The environment a message is judged by, in the user's words (``SAMHANDLING_ENVIRONMENT``)."""
    return ("test (syntetiske testpersoner godtas)" if environment == "test"
            else "produksjon (syntetiske testpersoner er ikke fødselsnummer)")


@app.command()
def show(file: Annotated[Path, typer.Argument(help="Meldingsfil (XML).")]) -> None:
    """Vis en melding lesbart: type, avsender, mottakere, pasient (maskert), samtale og innhold."""
    from samhandling.services.messaging.presentation import render
    from samhandling.standards.validation import validate_message

    cfg = settings()
    report = validate_message(read_file(file, cfg.max_message_bytes), schemas=None,
                              max_bytes=cfg.max_message_bytes, test_environment=cfg.test_environment)
    if report.root is None or (report.head is None and report.document is None):
        raise UserError(f"{file}: " + "; ".join(f.text for f in report.findings))
    render(report, out)
    for finding in report.findings:
        err.print(f"Merk: {finding}", markup=False)
    for note in report.notes:
        err.print(f"Merknad (avviser ikke): {note}", markup=False)
    err.print(f"Vurdert etter miljø: {_environment_label(cfg.environment)}.", markup=False)


@schemas_app.command("install")
def schemas_install(
    source: Annotated[Path, typer.Argument(help="Mappe eller zip-fil med de offisielle XSD-ene.")],
) -> None:
    """Installer en offisiell skjemapakke (mappe eller zip) i datamappen."""
    from samhandling.services.messaging.schema_bundle import install_bundle

    cfg = settings()
    target = cfg.home / "schemas"
    try:
        count = install_bundle(source, target)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    out.print(f"Installerte {count} skjemafiler i {target}.", markup=False)
    if cfg.schema_dir is not None and cfg.schema_dir != target:
        err.print(f"Merk: SAMHANDLING_SCHEMA_DIR peker på {cfg.schema_dir}, så de installerte skjemaene brukes ikke.")


@schemas_app.command("status")
def schemas_status() -> None:
    """Vis hvilke skjemaer som brukes."""
    cfg = settings()
    if cfg.schemas is None:
        out.print(f"Skjemavalidering er av: ingen skjemaer i {cfg.effective_schema_dir}.", markup=False)
        raise typer.Exit(1)
    out.print(f"Skjemaer: {cfg.effective_schema_dir} ({len(cfg.schemas.index)} XSD-filer).", markup=False)


@app.command()
def demo(
    codec: Annotated[bool, typer.Option("--codec", help="Bare meldingskodeken, uten tjener og noder.")] = False,
) -> None:
    """Demonstrasjon: meldingstjener, et sykehus og to kommuner som utveksler meldinger og kvitteringer."""
    if codec:
        from samhandling.demo.codec import run_codec_demo

        run_codec_demo(settings(), out)
        return
    from samhandling.demo.region import run_region_demo
    from samhandling.msh.region import RegionError

    try:
        run_region_demo(settings(), out)
    except RegionError as exc:
        raise UserError(str(exc)) from None


EXIT_INTERRUPTED = 130


def main() -> None:
    """Entry point: turns every known fault into one line on stderr and a non-zero exit."""
    norsk.install()
    quiet = logging.getLogger("samhandling")
    if not quiet.handlers:  # commands say what happened in Norwegian; node run and msh serve set up their own log
        quiet.addHandler(logging.NullHandler())
    try:
        code = app(standalone_mode=False)  # Click's own handling would print English ("Aborted!")
    except Abort:  # end of input inside a prompt
        err.print("Avbrutt.")
        sys.exit(EXIT_INTERRUPTED)
    except click.NoArgsIsHelpError as exc:  # the help is printed already
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # bad usage: one line, and where to read more
        err.print(f"Feil: {norsk.usage_error(exc.format_message())}", markup=False)
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            err.print(f"Se «{exc.ctx.command_path} --help».", markup=False)
        sys.exit(exc.exit_code)
    except (UserError, PdfUnavailableError) as exc:
        err.print(f"Feil: {exc}", markup=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("Avbrutt.")
        sys.exit(EXIT_INTERRUPTED)
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        err.print(f"Feil: {settings_problem(exc)}", markup=False)
        sys.exit(2)
    except OperationalError as exc:  # the database cannot be reached, refused the connection or does not answer
        if os.environ.get("SAMHANDLING_DEBUG"):
            raise
        where = make_url(settings().effective_database_url).render_as_string(hide_password=True)
        reason = _first_line(exc.orig or exc)
        if type(exc.orig).__name__ == "ConnectionTimeout":
            reason = f"fikk ingen forbindelse på {settings().database_connect_timeout:g} sekunder"
        err.print(f"Feil: databasen {where} svarer ikke: {reason}", markup=False)
        sys.exit(2)
    except Exception as exc:  # the last guard: no traceback reaches a user
        if os.environ.get("SAMHANDLING_DEBUG"):
            raise
        err.print(f"Intern feil: {type(exc).__name__}: {_first_line(exc)} (sett SAMHANDLING_DEBUG=1 for detaljer)",
                  markup=False)
        sys.exit(3)
    if code == EXIT_INTERRUPTED:  # Typer turns Ctrl-C inside a command into this exit status, silently
        err.print("Avbrutt.")
    sys.exit(code if isinstance(code, int) else 0)


def _first_line(exc: BaseException) -> str:
    """An error's first line: driver messages run over several lines, and a user gets one."""
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)


if __name__ == "__main__":
    main()
