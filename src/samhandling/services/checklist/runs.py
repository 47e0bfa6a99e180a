"""Running the cooperation test checklist (forløpstester) between a hospital and a municipality: the entry points.

The checklist is data (``samhandling/data/checklist-1.json``, :mod:`samhandling.domain.checklist.definition`); a
run carries it out over the real transport and gathers the evidence the domain judges
(:mod:`samhandling.domain.checklist.judging`).

- **Automatic mode** (:func:`run_automatic`): both sides are samhandling nodes. The local message server starts
  as a process on a free port (:mod:`samhandling.msh.region`); the two nodes run in this process, each with
  its own SQLite database in a temporary folder and the two parties (with everything under them) copied from the
  installation's register.
- **Partner mode** (:func:`run_partner`): one side is a real external system. This installation plays the other
  side through its configured transport: it sends its side's cases and waits (with a timeout) for the partner's
  messages, which it recognises by type and sender. What it cannot see (the partner's screen, what arrived
  there) it leaves as not run, for the tester to mark (:func:`mark_case`).

Runs are kept in the store with their report (:func:`history`, :func:`get_run`), and :func:`checklist_coverage`
applies the procedure's rule to them. :class:`Tamper` is the one seam for changing what happens (the tests use it
to make a wrong reply address, broken æøå, a missing and a negative AppRec).

The work is split by what it is:

- :mod:`samhandling.services.checklist.setup`: the checklist file and the run's two parties from the register;
- :mod:`samhandling.services.checklist.sides`: the two sides (nodes, message server, partner) and the tamper seam;
- :mod:`samhandling.services.checklist.runner`: carrying out the cases: sending, waiting, judging;
- :mod:`samhandling.services.checklist.documents`: the documents a case sends and what is read back from them;
- :mod:`samhandling.services.checklist.evidence`: the evidence of each message, read from both stores;
- :mod:`samhandling.services.checklist.report`: the filled-in form.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from samhandling.domain.checklist.coverage import Coverage, coverage
from samhandling.domain.checklist.definition import Checklist
from samhandling.domain.checklist.json_form import evidence_json
from samhandling.domain.checklist.model import CaseResult, RunMode, Side
from samhandling.domain.checklist.run import ChecklistRun, Mark
from samhandling.domain.clock import utc_now
from samhandling.domain.identifiers import person_id_problem
from samhandling.domain.registers.partners import PartnerCategory
from samhandling.services.checklist.report import report_json
from samhandling.services.checklist.runner import ChecklistRunner, Progress, RunOptions, RunRequest
from samhandling.services.checklist.setup import (
    ChecklistError,
    RunSetup,
    bundled_checklist,
    load_checklist,
    party_snapshot,
    resolve_parties,
    side_problems,
)
from samhandling.services.checklist.sides import CurrentCase, NodeFactory, Tamper, automatic_sides, partner_sides
from samhandling.services.messaging.reception import ReceiveOptions
from samhandling.services.messaging.send import SendOptions
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Transport

__all__ = [
    "ChecklistError",
    "Progress",
    "RunOptions",
    "RunRequest",
    "Tamper",
    "checklist_coverage",
    "get_run",
    "history",
    "load_checklist",
    "mark_case",
    "run_automatic",
    "run_json",
    "run_partner",
    "save_run",
]


def _prepare(new_uow: Callable[[], UnitOfWork], request: RunRequest, options: RunOptions | None
             ) -> tuple[RunOptions, Checklist, RunSetup]:
    """The run's options, checklist and parties; ChecklistError for a request that cannot be met."""
    chosen = options or RunOptions()
    problem = person_id_problem(request.patient_id)
    if problem:
        raise ChecklistError(f"Testpasienten: {problem}")
    checklist = chosen.checklist or bundled_checklist()
    setup = resolve_parties(new_uow(), request.hospital, request.municipality)
    problems = side_problems(checklist, setup)
    if problems:
        raise ChecklistError("; ".join(problems) + ".")
    return chosen, checklist, setup


def run_automatic(new_uow: Callable[[], UnitOfWork], new_node: NodeFactory, request: RunRequest,
                  options: RunOptions | None = None, *, save: bool = True) -> ChecklistRun:
    """A whole automatic run between two samhandling nodes (made by ``new_node``) over the local message server;
    stored (with its report) in the installation's store unless ``save`` is false."""
    chosen, checklist, setup = _prepare(new_uow, request, options)
    current = CurrentCase()
    started = utc_now()
    with automatic_sides(setup, new_node, tamper=chosen.tamper, current=current) as sides:
        runner = ChecklistRunner(checklist, setup, sides, request=request, mode=RunMode.AUTOMATIC, options=chosen,
                                 current=current, started=started)
        run = runner.run()
    if save:
        save_run(new_uow(), run)
    return run


def run_partner(new_uow: Callable[[], UnitOfWork], receive_options: ReceiveOptions, send_options: SendOptions,
                transport: Transport, request: RunRequest, options: RunOptions | None = None, *, save: bool = True
                ) -> ChecklistRun:
    """A run against a real external system: this installation plays the side it serves, through ``transport``
    (its configured one) and with its own receive and send options, and waits for the partner's messages; what it
    cannot judge is left to be marked."""
    chosen, checklist, setup = _prepare(new_uow, request, options)
    with new_uow() as uow:
        parties = uow.parties.all()
    ours = [side for side in Side if parties.is_served_locally(setup.organisation(side))]
    if len(ours) != 1:
        raise ChecklistError("I partnermodus må denne installasjonen betjene nøyaktig én av partene (sykehuset "
                             "eller kommunen) som lokal part; den andre er partnerens system.")
    current = CurrentCase()
    sides = partner_sides(ours[0], new_uow, receive_options, send_options, transport, tamper=chosen.tamper,
                          current=current)
    runner = ChecklistRunner(checklist, setup, sides, request=request, mode=RunMode.PARTNER, options=chosen,
                             current=current)
    run = runner.run()
    if save:
        save_run(new_uow(), run)
    return run


# --- the store: save, mark, history, coverage ---------------------------------------------------------------


def _no_run(run_id: str) -> ChecklistError:
    return ChecklistError(f"Ingen kjøring av sjekklisten med id {run_id}.")


def save_run(uow: UnitOfWork, run: ChecklistRun) -> None:
    with uow:
        uow.checklist.add(run, report_json(run))
        uow.commit()


def get_run(uow: UnitOfWork, run_id: str) -> ChecklistRun:
    with uow:
        stored = uow.checklist.get(run_id)
    if stored is None:
        raise _no_run(run_id)
    return stored.run


def mark_case(uow: UnitOfWork, run_id: str, number: int, result: CaseResult, *, by: str, note: str = "",
              now: datetime | None = None) -> ChecklistRun:
    """The tester's judgement of a case (one the runner left, or a correction), kept with who and when; the
    report is made again."""
    if result is CaseResult.NOT_RUN:
        raise ChecklistError("Et tilfelle markeres som passed (bestått) eller failed (ikke bestått).")
    with uow:
        stored = uow.checklist.get(run_id)
        if stored is None:
            raise _no_run(run_id)
        try:
            changed = stored.run.with_mark(number, Mark(at=now or utc_now(), by=by, result=result,
                                                        note=" ".join(note.split())[:500]))
        except KeyError:
            raise ChecklistError(f"Kjøringen {run_id} har ikke tilfelle {number}.") from None
        except ValueError as exc:
            raise ChecklistError(str(exc)) from None
        uow.checklist.replace(changed, report_json(changed))
        uow.commit()
    return changed


def history(uow: UnitOfWork, *, municipality: str | None = None, hospital: str | None = None,
            limit: int | None = None) -> list[ChecklistRun]:
    with uow:
        return uow.checklist.list(municipality_her_id=municipality, hospital_her_id=hospital, limit=limit)


def checklist_coverage(uow: UnitOfWork) -> Coverage:
    """The procedure's rule over the stored runs and the register's partners (their EPJ systems now)."""
    with uow:
        runs = uow.checklist.list()
        parties = uow.parties.all()
        hospitals, municipalities = [], []
        for profile in uow.registers.partners.list():
            party = parties.get(profile.her_id)
            if party is None or not profile.active:
                continue
            if profile.category is PartnerCategory.HELSEFORETAK:
                hospitals.append(party_snapshot(uow, party))
            elif profile.category is PartnerCategory.KOMMUNE:
                municipalities.append(party_snapshot(uow, party))
    return coverage(runs, hospitals=hospitals, municipalities=municipalities)


def run_json(run: ChecklistRun) -> dict[str, Any]:
    """The run as ``checklist run --json`` prints it."""
    return {
        "run_id": run.run_id,
        "cases": [{"number": c.number, "title": c.title, "sender_side": c.sender_side, "result": c.result.value,
                   "evidence": [evidence_json(e) for e in c.evidence],
                   "checks": [{"check": k.check.value, "passed": k.passed, "detail": k.detail} for k in c.checks],
                   "notes": list(c.notes), "note": c.note}
                  for c in run.cases],
        "passed": run.passed,
        "failed": run.failed,
        "not_run": run.not_run,
    }
