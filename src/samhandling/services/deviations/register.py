"""Register deviations from each source, and handle them: status, measures, closing.

Sources (the issue and the cooperation procedure §2): by hand; from a monitoring alert; from a received
«Tilbakemelding om feil i mottatt melding» (HIS 1151, DIALOG_AVVIK); from a broken procedure rule (a notice with
less than a week's lead, a planned change in a freeze period, an acknowledgement overdue, a checklist case
failed); from an incident. A source registers at most one deviation: registering from the same alert, message
or incident again returns the deviation already there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from samhandling.domain.calendar import OSLO
from samhandling.domain.checklist.model import CaseResult
from samhandling.domain.clock import as_utc
from samhandling.domain.deviations.deviation import (
    Deviation,
    DeviationCategory,
    DeviationError,
    DeviationSeverity,
    DeviationSource,
    DeviationStatus,
    MeasureStatus,
    add_measure,
    finish_measure,
    move,
    new_deviation,
)
from samhandling.domain.messaging.messages import Direction
from samhandling.domain.privacy import redact_person_ids
from samhandling.store.deviations.repository import DeviationQuery
from samhandling.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

RECEIVED_AVVIK_TYPE = "DIALOG_AVVIK"
"""«Tilbakemelding om feil i mottatt melding» (HIS 1151:2006 chapter 4.2.1)."""


@dataclass(frozen=True, kw_only=True)
class DeviationForm:
    title: str
    description: str
    category: DeviationCategory
    severity: DeviationSeverity = DeviationSeverity.MEDIUM
    occurred_at: datetime | None = None
    """When it happened; ``now`` when not given."""
    partner_her_ids: tuple[str, ...] = ()
    message_ids: tuple[int, ...] = ()


def register_deviation(uow: UnitOfWork, form: DeviationForm, *, by: str, now: datetime,
                       source: DeviationSource = DeviationSource.MANUAL, source_ref: str | None = None) -> Deviation:
    """Register a deviation; a source (other than by hand) registers it once."""
    now = as_utc("now", now)
    with uow:
        if source is not DeviationSource.MANUAL and source_ref is not None:
            existing = uow.deviations.list(DeviationQuery(source=source, source_ref=source_ref, limit=1))
            if existing:
                return existing[0]
        for her_id in form.partner_her_ids:
            if uow.parties.get(her_id) is None:
                raise DeviationError(f"HER-id {her_id} finnes ikke i partsregisteret.")
        for message_id in form.message_ids:
            if uow.messages.get(message_id) is None:
                raise DeviationError(f"Ingen lagret melding med id {message_id}.")
        deviation = new_deviation(
            title=form.title, description=form.description,
            occurred_at=as_utc("occurred_at", form.occurred_at) if form.occurred_at else now,
            category=form.category, severity=form.severity, registered_by=by, registered_at=now, source=source,
            source_ref=source_ref, partner_her_ids=form.partner_her_ids, message_ids=form.message_ids)
        stored = uow.deviations.add(deviation)
        uow.commit()
    log.info("deviation registered", extra={"deviation": stored.id, "source": source.value})
    return stored


def from_alert(uow: UnitOfWork, alert_id: int, *, by: str, now: datetime,
               category: DeviationCategory = DeviationCategory.TECHNICAL_FAULT,
               severity: DeviationSeverity = DeviationSeverity.MEDIUM) -> Deviation:
    with uow:
        alert = uow.monitor.get_alert(alert_id)
    if alert is None:
        raise DeviationError(f"Ingen varsel med nummer {alert_id}.")
    details = "\n".join(alert.details) or alert.cause.advice
    form = DeviationForm(title=f"{alert.cause.label}", description=details, category=category, severity=severity,
                         occurred_at=alert.since, partner_her_ids=(alert.partner_her_id,) if alert.partner_her_id
                         else (), message_ids=alert.message_ids)
    return register_deviation(uow, form, by=by, now=now, source=DeviationSource.ALERT, source_ref=f"alert:{alert_id}")


def from_received_avvik(uow: UnitOfWork, message_id: int, *, by: str, now: datetime,
                        category: DeviationCategory = DeviationCategory.CONTENT_ERROR,
                        severity: DeviationSeverity = DeviationSeverity.MEDIUM) -> Deviation:
    """A deviation from a received «Tilbakemelding om feil i mottatt melding» (HIS 1151): a partner tells us
    that a message we sent had an error. The deviation names the message by id; its text stays in the message."""
    with uow:
        message = uow.messages.get(message_id)
    if message is None:
        raise DeviationError(f"Ingen lagret melding med id {message_id}.")
    if message.direction is not Direction.INCOMING or message.msg_type != RECEIVED_AVVIK_TYPE:
        raise DeviationError(f"Melding {message_id} er ikke en mottatt tilbakemelding om feil i mottatt melding "
                             f"({RECEIVED_AVVIK_TYPE}).")
    sender = message.sender_her_id
    form = DeviationForm(
        title=f"Tilbakemelding om feil i mottatt melding fra HER-id {sender}",
        description=f"Samhandlingsparten meldte feil i en melding vi sendte; se melding {message_id} for teksten.",
        category=category, severity=severity, occurred_at=message.created_at,
        partner_her_ids=(sender,) if sender else (), message_ids=(message_id,))
    return register_deviation(uow, form, by=by, now=now, source=DeviationSource.RECEIVED_AVVIK,
                              source_ref=f"message:{message_id}")


def from_incident(uow: UnitOfWork, incident_id: int, *, by: str, now: datetime,
                  severity: DeviationSeverity = DeviationSeverity.MEDIUM) -> Deviation:
    with uow:
        incident = uow.incidents.get(incident_id)
    if incident is None:
        raise DeviationError(f"Ingen hendelse med nummer {incident_id}.")
    lasted = incident.duration(now)
    hours, minutes = divmod(int(lasted.total_seconds()) // 60, 60)
    form = DeviationForm(
        title=f"Hendelse: {incident.title}",
        description=(incident.description or incident.title) + f"\nVarighet: {hours} t {minutes} min.",
        category=DeviationCategory.TECHNICAL_FAULT, severity=severity, occurred_at=incident.detected_at,
        partner_her_ids=incident.partner_her_ids)
    return register_deviation(uow, form, by=by, now=now, source=DeviationSource.INCIDENT,
                              source_ref=f"incident:{incident_id}")


def from_procedure_rule(uow: UnitOfWork, rule_ref: str, *, title: str, description: str, by: str, now: datetime,
                        occurred_at: datetime | None = None, partner_her_ids: tuple[str, ...] = (),
                        severity: DeviationSeverity = DeviationSeverity.LOW) -> Deviation:
    """A broken rule of the procedure, named by ``rule_ref`` (``notice:<id>:lead``, ``checklist:<run>:<case>``…),
    registered once per reference."""
    form = DeviationForm(title=title, description=description, category=DeviationCategory.ROUTINE_NOT_FOLLOWED,
                         severity=severity, occurred_at=occurred_at, partner_her_ids=partner_her_ids)
    return register_deviation(uow, form, by=by, now=now, source=DeviationSource.PROCEDURE_RULE, source_ref=rule_ref)


def record_rule_breach(uow: UnitOfWork, rule_ref: str, *, title: str, description: str, by: str, now: datetime,
                       partner_her_ids: tuple[str, ...] = ()) -> Deviation:
    """In the caller's open unit of work (it commits): a broken rule of the procedure as a deviation, once per
    ``rule_ref`` (``notice:<id>:v<version>:lead``…). Used where the rule is checked, such as sending a notice."""
    existing = uow.deviations.list(DeviationQuery(source=DeviationSource.PROCEDURE_RULE, source_ref=rule_ref, limit=1))
    if existing:
        return existing[0]
    known = tuple(h for h in partner_her_ids if uow.parties.get(h) is not None)
    # Texts come from elsewhere (a notice): never a person id in the register, never too long to store.
    title, description = redact_person_ids(title)[:500], redact_person_ids(description)[:3500]
    deviation = new_deviation(title=title, description=description, occurred_at=now,
                              category=DeviationCategory.ROUTINE_NOT_FOLLOWED, severity=DeviationSeverity.LOW,
                              registered_by=by, registered_at=now, source=DeviationSource.PROCEDURE_RULE,
                              source_ref=rule_ref, partner_her_ids=known)
    return uow.deviations.add(deviation)


def from_checklist_run(uow: UnitOfWork, run_id: str, *, by: str, now: datetime) -> list[Deviation]:
    """One deviation per failed case of a checklist run (a broken rule of the procedure: §3.5's test cases
    must pass), once per case. Partner is the municipality of the run."""
    with uow:
        stored = uow.checklist.get(run_id)
        known = stored is not None and uow.parties.get(stored.run.municipality.her_id) is not None
    if stored is None:
        raise DeviationError(f"Ingen kjøring av sjekklisten med id {run_id}.")
    run = stored.run
    found = []
    for case in run.cases:
        if case.result is not CaseResult.FAILED:
            continue
        problems = ("; ".join(case.problems()) or "Tilfellet ble markert som ikke bestått.")[:3000]
        partners = (run.municipality.her_id,) if known else ()
        found.append(from_procedure_rule(
            uow, f"checklist:{run_id}:{case.number}", title=f"Sjekklisten: tilfelle {case.number} ikke bestått",
            description=f"{case.title}. Kjøring {run_id} med {run.municipality.name}. {problems}", by=by, now=now,
            occurred_at=run.finished_at or run.started_at, partner_her_ids=partners,
            severity=DeviationSeverity.MEDIUM))
    return found


def _load(uow: UnitOfWork, deviation_id: int) -> Deviation:
    found = uow.deviations.get(deviation_id)
    if found is None:
        raise DeviationError(f"Ingen avvik med nummer {deviation_id}.")
    return found


def get_deviation(uow: UnitOfWork, deviation_id: int) -> Deviation:
    with uow:
        return _load(uow, deviation_id)


def list_deviations(uow: UnitOfWork, query: DeviationQuery | None = None) -> list[Deviation]:
    with uow:
        return uow.deviations.list(query or DeviationQuery())


def set_status(uow: UnitOfWork, deviation_id: int, status: DeviationStatus, *, now: datetime) -> Deviation:
    with uow:
        changed = move(_load(uow, deviation_id), status, at=now)
        uow.deviations.save(changed)
        uow.commit()
    return changed


def close_deviation(uow: UnitOfWork, deviation_id: int, *, now: datetime) -> Deviation:
    return set_status(uow, deviation_id, DeviationStatus.CLOSED, now=now)


def new_measure(uow: UnitOfWork, deviation_id: int, *, description: str, owner: str, deadline: date,
                now: datetime) -> Deviation:
    with uow:
        changed = add_measure(_load(uow, deviation_id), description=description, owner=owner, deadline=deadline,
                              today=as_utc("now", now).astimezone(OSLO).date())
        uow.deviations.save(changed)
        uow.commit()
    return changed


def end_measure(uow: UnitOfWork, deviation_id: int, number: int, status: MeasureStatus, *,
                now: datetime) -> Deviation:
    with uow:
        changed = finish_measure(_load(uow, deviation_id), number, status, at=now)
        uow.deviations.save(changed)
        uow.commit()
    return changed
