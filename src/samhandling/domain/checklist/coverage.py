"""The procedure's rule over the checklist's runs: which hospital changes and which municipalities are tested.

The cooperation procedure (samhandlingsprosedyren, section 3.5) has the hospital test every change against at
least one municipal partner per municipal EPJ system, and a municipality test every change against the
hospital; :func:`coverage` applies that rule to the runs. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.checklist.run import ChecklistRun
from samhandling.domain.checklist.systems import Configuration, PartySnapshot, folded


@dataclass(frozen=True, kw_only=True)
class TestedSystem:
    epj_system: str
    municipality_her_id: str
    municipality_name: str
    run_id: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class HospitalChangeCoverage:
    """One configuration of a hospital's systems (a change): which municipal EPJ systems a passed run covered,
    and which are missing."""

    hospital_her_id: str
    hospital_name: str
    configuration: Configuration
    current: bool
    tested: tuple[TestedSystem, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MunicipalityCoverage:
    """Whether a municipality's current systems were tested against the hospital in a passed run."""

    her_id: str
    name: str
    configuration: Configuration
    tested: bool
    last_passed_run: str | None
    last_passed_at: datetime | None
    last_passed_configuration: Configuration | None


@dataclass(frozen=True, kw_only=True)
class Coverage:
    hospitals: tuple[HospitalChangeCoverage, ...]
    municipalities: tuple[MunicipalityCoverage, ...]
    without_epj: tuple[str, ...]
    """Municipalities (names) without an EPJ system in the register: they cannot count for the rule."""


def coverage(runs: Sequence[ChecklistRun], *, hospitals: Sequence[PartySnapshot],
             municipalities: Sequence[PartySnapshot]) -> Coverage:
    """The procedure's rule (samhandlingsprosedyren 3.5): every hospital change (a configuration of its EPJ and
    communication module) is flow-tested against at least one municipality per municipal EPJ system, and every
    municipality's change against the hospital. Only runs where every case passed count; the systems are the
    ones each run recorded, the requirement the EPJ systems of ``municipalities`` (the register now)."""
    passed = sorted((r for r in runs if r.all_passed), key=lambda r: r.started_at)
    required: dict[str, str] = {}
    for m in municipalities:
        if m.epj_system:
            required.setdefault(folded(m.epj_system), m.epj_system)
    without = tuple(sorted(m.name for m in municipalities if not m.epj_system))

    hospital_rows: list[HospitalChangeCoverage] = []
    registered = {h.her_id: h for h in hospitals}
    known = dict(registered)
    for run in runs:
        known.setdefault(run.hospital.her_id, run.hospital)
    for her_id, hospital in sorted(known.items()):
        configurations: dict[tuple[str, str, str, str], Configuration] = {}
        for run in sorted((r for r in runs if r.hospital.her_id == her_id), key=lambda r: r.started_at):
            configurations.setdefault(run.hospital.configuration.key, run.hospital.configuration)
        current = registered[her_id].configuration if her_id in registered else None
        if current is not None:
            configurations.setdefault(current.key, current)
        for key, configuration in configurations.items():
            tested: dict[str, TestedSystem] = {}
            for run in passed:
                if run.hospital.her_id != her_id or run.hospital.configuration.key != key:
                    continue
                system = folded(run.municipality.epj_system)
                if system:
                    tested[system] = TestedSystem(
                        epj_system=run.municipality.epj_system or "", municipality_her_id=run.municipality.her_id,
                        municipality_name=run.municipality.name, run_id=run.run_id, at=run.started_at)
            missing = tuple(sorted(name for folded, name in required.items() if folded not in tested))
            hospital_rows.append(HospitalChangeCoverage(
                hospital_her_id=her_id, hospital_name=hospital.name, configuration=configuration,
                current=current is not None and key == current.key,
                tested=tuple(sorted(tested.values(), key=lambda t: folded(t.epj_system))), missing=missing))

    municipality_rows = []
    for m in sorted(municipalities, key=lambda m: folded(m.name)):
        own = [r for r in passed if r.municipality.her_id == m.her_id]
        matching = [r for r in own if r.municipality.configuration.key == m.configuration.key]
        last = (matching or own)[-1] if own else None
        municipality_rows.append(MunicipalityCoverage(
            her_id=m.her_id, name=m.name, configuration=m.configuration, tested=bool(matching),
            last_passed_run=last.run_id if last else None, last_passed_at=last.started_at if last else None,
            last_passed_configuration=last.municipality.configuration if last else None))
    return Coverage(hospitals=tuple(hospital_rows), municipalities=tuple(municipality_rows), without_epj=without)
