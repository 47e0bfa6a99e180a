"""``samhandling checklist …``: the cooperation test checklist (forløpstester) between hospital and municipality.

``run`` carries it out (automatically between two samhandling nodes over a local message server it starts
itself, or with ``--partner-mode`` against a real external system), ``mark`` records a tester's judgement,
``history``/``show`` list and show stored runs, ``report`` writes the filled-in form, and ``coverage`` shows the
procedure's rule: which changes are tested against which EPJ systems. Registered in ``cli.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from samhandling.cli.common import UserError, err, out, settings
from samhandling.domain.checklist.model import CHECK_SHORT, TRIGGER_TEXT, CaseResult, Side, Trigger
from samhandling.domain.checklist.run import ChecklistRun
from samhandling.domain.clock import shown, shown_date
from samhandling.domain.text import cut

if TYPE_CHECKING:
    from samhandling.bootstrap import Node
    from samhandling.services.checklist.runs import Progress

checklist_app = typer.Typer(
    help="Sjekklisten for forløpstester mellom sykehus og kommune (samhandlingsprosedyren 3.5).",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Skriv resultatet som JSON.")]


class MarkResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


@contextmanager
def _node() -> Iterator[Node]:
    """The installation's node; a checklist fault becomes a one-line error."""
    from samhandling.bootstrap import bootstrap
    from samhandling.msh.region import RegionError
    from samhandling.services.checklist.runs import ChecklistError

    node = bootstrap(settings())
    try:
        yield node
    except (ChecklistError, RegionError) as exc:
        raise UserError(str(exc)) from None
    finally:
        node.close()


def _say(text: str) -> None:
    out.print(text, markup=False)


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _write_report(run: ChecklistRun, target: Path, kind: str | None = None) -> None:
    from samhandling.services.checklist.report import report_html, report_json, report_pdf

    chosen = kind or target.suffix.lower().lstrip(".")
    try:
        if chosen == "pdf":
            target.write_bytes(report_pdf(run))
        elif chosen in ("html", "htm"):
            target.write_text(report_html(run), encoding="utf-8")
        elif chosen == "json":
            target.write_text(json.dumps(report_json(run), ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            raise UserError(f"{target}: rapporten skrives som .pdf, .html eller .json")
    except OSError as exc:
        raise UserError(f"{target}: kan ikke skrive filen ({exc.strerror})") from None
    err.print(f"Skrev rapporten {target}.", markup=False)


def _check_report_target(report: Path) -> None:
    """``--report`` checked before the run (which takes minutes): a known format, and a place it can be written."""
    if report.suffix.lower() not in (".pdf", ".html", ".htm", ".json"):
        raise UserError(f"{report}: rapporten skrives som .pdf, .html eller .json")
    if report.is_dir():
        raise UserError(f"{report}: er en mappe; oppgi et filnavn for rapporten")
    folder = report.parent if str(report.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"{report}: mappen {folder} finnes ikke")
    if not os.access(folder, os.W_OK) or (report.exists() and not os.access(report, os.W_OK)):
        raise UserError(f"{report}: mangler skrivetilgang")


def _again(run_id: str, report: Path) -> str:
    kind = {".htm": "--html", ".html": "--html", ".json": "--json"}.get(report.suffix.lower(), "--pdf")
    return f"Kjøringen er lagret; lag rapporten igjen med «samhandling checklist report {run_id} {kind} {report}»."


def _case_lines(run: ChecklistRun, *, details: bool) -> None:
    width = max(len(c.sender_side) for c in run.cases) if run.cases else 1
    for case in run.cases:
        title = cut(case.title, 90)
        _say(f"{case.number:>3}  {case.sender_side:<{width}}  {case.result.label:<12}  {title}")
        if not details and case.result is CaseResult.PASSED:
            if case.note:
                _say(f"       Merk: {case.note}")
            continue
        for problem in case.problems():
            _say(f"       ! {problem}")
        for note in case.notes if case.result is not CaseResult.FAILED else ():
            _say(f"       ? {note}")
        if details:
            for evidence in case.evidence:
                checked = ", ".join(CHECK_SHORT[c.check] for c in evidence.checks if c.passed)
                _say(f"       {evidence.side.value} → {evidence.receiver_her_id or '–'}: {evidence.kind.label}, "
                     f"MsgId {evidence.msg_id or '–'}, AppRec {evidence.apprec.label}"
                     + (f" ({checked})" if checked else ""))
            for mark in case.marks:
                said = f": {mark.note}" if mark.note else ""
                _say(f"       Markert {mark.result.label.lower()} av {mark.by}{said}")
        if case.note:
            _say(f"       Merk: {case.note}")


def _summary(run: ChecklistRun) -> None:
    _say(f"Kjøring {run.run_id}: {run.municipality.name} og {run.hospital.name}, "
         f"{shown(run.started_at)}. Bestått {run.passed} av {len(run.cases)}, "
         f"ikke bestått {run.failed}, ikke kjørt {run.not_run}.")


class _ProgressBar:
    """A Rich progress bar on stderr: one step per case, the case and its wait in the description."""

    def __init__(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=err, transient=False)
        self.task = self.bar.add_task("Sjekklisten", total=total)

    def __call__(self, progress: Progress) -> None:
        text = cut(progress.text, 70)
        if progress.event == "done":
            self.bar.update(self.task, advance=1, description=text)
        else:
            self.bar.update(self.task, description=text)


@checklist_app.command("run")
def run(
    hospital: Annotated[str, typer.Option("--hospital", help="HER-id til sykehuset (eller en av dets tjenester).")],
    municipality: Annotated[str, typer.Option("--municipality", help="HER-id til kommunen (eller en tjeneste).")],
    trigger: Annotated[Trigger, typer.Option("--trigger", help="Hvorfor testen kjøres.")] = Trigger.SYSTEM,
    changed: Annotated[Side, typer.Option("--changed", help="Hvem endringen gjelder: S (sykehuset) eller K (kommunen).")
                       ] = Side.HOSPITAL,
    tester_hospital: Annotated[str | None, typer.Option("--tester-hospital", help="Testeren på sykehuset.")] = None,
    tester_municipality: Annotated[str | None, typer.Option("--tester-municipality", help="Testeren i kommunen.")
                                   ] = None,
    patient: Annotated[str | None, typer.Option("--patient", help="Syntetisk testpasient (fødselsnummer med gyldige "
                                                "kontrollsifre; aldri en virkelig person).")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", min=0.1, help="Sekunder hvert tilfelle kan ta "
                                                  "(standard 30, i partnermodus 600).")] = None,
    partner_mode: Annotated[bool, typer.Option("--partner-mode", help="Den andre parten er et eksternt system: send "
                                               "denne installasjonens tilfeller og vent på partnerens.")] = False,
    checklist_file: Annotated[Path | None, typer.Option("--checklist", help="En egen sjekklistefil (JSON).")] = None,
    as_json: JsonOption = False,
    report: Annotated[Path | None, typer.Option("--report", help="Skriv rapporten (.pdf, .html eller .json).")] = None,
    evidence: Annotated[Path | None, typer.Option("--evidence", help="Skriv hver melding og kvittering som XML-fil "
                                                  "i denne mappen.")] = None,
) -> None:
    """Kjør sjekklisten mellom sykehuset og kommunen og lagre resultatet med rapport.

    Uten --partner-mode settes begge sider opp her (to noder og en lokal meldingstjener på en ledig port) og
    tas ned etterpå; alt som trengs, er de to partene og deres tjenester i registeret.
    """
    from samhandling.bootstrap import ConfigurationError, checklist_nodes
    from samhandling.services.checklist.runs import RunOptions, RunRequest, load_checklist, run_automatic, run_partner
    from samhandling.standards.plo.examples.story import PATIENT_FNR

    if report is not None:
        _check_report_target(report)
    request = RunRequest(hospital=hospital, municipality=municipality, trigger=trigger, changed=changed,
                         tester_hospital=tester_hospital, tester_municipality=tester_municipality,
                         patient_id=patient or PATIENT_FNR, timeout=timeout)
    with _node() as node:
        checklist = load_checklist(checklist_file)
        bar = _ProgressBar(len(checklist.cases))
        options = RunOptions(progress=bar, evidence_dir=evidence, checklist=checklist)
        if node.settings.schemas is None:
            err.print(f"Merk: skjemavalidering er av (ingen skjemaer i {node.settings.effective_schema_dir}); "
                      "bare de innebygde reglene kjøres.", markup=False)
        with bar.bar:
            if partner_mode:
                try:
                    transport = node.transport()
                except ConfigurationError as exc:
                    raise UserError(str(exc)) from None
                if transport is None:
                    raise UserError("partnermodus trenger en transport (SAMHANDLING_MSH_URL eller "
                                    "SAMHANDLING_TRANSPORT_DIR)")
                try:
                    result = run_partner(node.uow, node.receive_options, node.send_options, transport, request, options)
                finally:
                    transport.close()
            else:
                result = run_automatic(node.uow, checklist_nodes(node.settings), request, options)
    if report is not None:
        try:
            _write_report(result, report)
        except UserError as exc:  # the run is stored: the report can be made again
            err.print(f"Feil: {exc}", markup=False)
            err.print(_again(result.run_id, report), markup=False)
            raise typer.Exit(2) from None
        err.print(_again(result.run_id, report), markup=False)
    if as_json:
        from samhandling.services.checklist.runs import run_json

        _print_json(run_json(result))
    else:
        _case_lines(result, details=False)
        _summary(result)
        if result.not_run:
            _say(f"Tilfeller som ikke er kjørt, markeres med «samhandling checklist mark {result.run_id} NR "
                 "passed|failed --note …».")
    raise typer.Exit(0 if result.all_passed else 1)


@checklist_app.command("mark")
def mark(
    run_id: Annotated[str, typer.Argument(help="Kjøringens id.")],
    case: Annotated[int, typer.Argument(help="Tilfellets nummer.")],
    result: Annotated[MarkResult, typer.Argument(help="passed (bestått) eller failed (ikke bestått).")],
    note: Annotated[str, typer.Option("--note", help="Hva testeren så.")] = "",
    by: Annotated[str | None, typer.Option("--by", help="Hvem som markerer (standard: brukernavnet ditt).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Marker et tilfelle som bestått eller ikke bestått (det testeren må vurdere selv)."""
    import getpass

    from samhandling.services.checklist.runs import mark_case

    who = (by or "").strip()
    if not who:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "ukjent"
    with _node() as node:
        changed = mark_case(node.uow(), run_id, case, CaseResult(result.value), by=who[:100], note=note)
    outcome = changed.case(case)
    if as_json:
        from samhandling.services.checklist.runs import run_json

        _print_json(run_json(changed))
        return
    _say(f"Tilfelle {case} i kjøring {run_id}: {outcome.result.label}.")
    _summary(changed)


@checklist_app.command("history")
def history(
    municipality: Annotated[str | None, typer.Option("--municipality", help="Bare kjøringer med denne kommunen.")
                            ] = None,
    hospital: Annotated[str | None, typer.Option("--hospital", help="Bare kjøringer med dette sykehuset.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Bare de siste N kjøringene.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Kjøringene av sjekklisten, nyeste først."""
    from samhandling.services.checklist.report import summary_json
    from samhandling.services.checklist.runs import history as load_history

    with _node() as node:
        runs = load_history(node.uow(), municipality=municipality, hospital=hospital, limit=limit)
    if as_json:
        _print_json([summary_json(r) for r in runs])
        return
    if not runs:
        _say("Ingen kjøringer av sjekklisten er lagret.")
        return
    for r in runs:
        status = "bestått" if r.all_passed else f"{r.failed} ikke bestått, {r.not_run} ikke kjørt"
        _say(f"{r.run_id}  {shown(r.started_at)}  {r.municipality.name} – {r.hospital.name}  "
             f"{TRIGGER_TEXT[r.trigger]}  {r.passed}/{len(r.cases)} ({status})")


@checklist_app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="Kjøringens id.")],
    as_json: JsonOption = False,
) -> None:
    """Vis en kjøring med hvert tilfelle, bevis og markeringer."""
    from samhandling.services.checklist.report import report_json
    from samhandling.services.checklist.runs import get_run

    with _node() as node:
        found = get_run(node.uow(), run_id)
    if as_json:
        _print_json(report_json(found))
        return
    _summary(found)
    _case_lines(found, details=True)


@checklist_app.command("report")
def report(
    run_id: Annotated[str, typer.Argument(help="Kjøringens id.")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Skriv skjemaet som PDF.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Skriv skjemaet som HTML.")] = None,
    json_file: Annotated[Path | None, typer.Option("--json", help="Skriv skjemaet som JSON.")] = None,
) -> None:
    """Skriv den utfylte sjekklisten (skjemaet i prosedyren) for en kjøring."""
    from samhandling.services.checklist.runs import get_run

    if pdf is None and html is None and json_file is None:
        raise UserError("oppgi --pdf FIL, --html FIL eller --json FIL")
    with _node() as node:
        found = get_run(node.uow(), run_id)
    for target, kind in ((pdf, "pdf"), (html, "html"), (json_file, "json")):
        if target is not None:
            _write_report(found, target, kind)


@checklist_app.command("coverage")
def coverage(as_json: JsonOption = False) -> None:
    """Dekningen etter prosedyrens regel: hver endring hos sykehuset testet mot minst én kommune per EPJ-system,
    og hver kommunes endring testet mot sykehuset."""
    from samhandling.services.checklist.report import coverage_json
    from samhandling.services.checklist.runs import checklist_coverage

    with _node() as node:
        found = checklist_coverage(node.uow())
    if as_json:
        _print_json(coverage_json(found))
        return
    if not found.hospitals and not found.municipalities:
        _say("Ingen helseforetak eller kommuner er registrert som samarbeidsparter (samhandling partners).")
        return
    for h in found.hospitals:
        now = " (nåværende)" if h.current else ""
        _say(f"{h.hospital_name}: {h.configuration.label}{now}")
        for t in h.tested:
            _say(f"    testet mot {t.epj_system}: {t.municipality_name}, kjøring {t.run_id} "
                 f"{shown_date(t.at)}")
        for system in h.missing:
            _say(f"    MANGLER test mot en kommune med {system}")
    for m in found.municipalities:
        if m.tested:
            status = f"testet (kjøring {m.last_passed_run})"
        elif m.last_passed_run:
            status = f"ikke testet etter endring (siste beståtte kjøring {m.last_passed_run})"
        else:
            status = "aldri testet"
        _say(f"{m.name}: {m.configuration.label}: {status}")
    if found.without_epj:
        _say("Uten EPJ-system i registeret: " + ", ".join(found.without_epj))
