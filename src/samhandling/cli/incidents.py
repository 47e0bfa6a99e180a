"""``samhandling incidents new|update|resolve|list|show|phone``, ``samhandling hold|release|holds``.

Incidents and the emergency routine (the cooperation procedure §3.4). Commands that look at time (durations,
the three-hour rule) take ``--now``; commands that change something act at the clock's time.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

from samhandling.bootstrap import ConfigurationError, bootstrap
from samhandling.cli.common import UserError, out, settings
from samhandling.cli.monitoring import parse_moment, parse_now
from samhandling.cli.registers.session import changed_by
from samhandling.domain.clock import shown, utc_now
from samhandling.domain.incidents.hold import HoldError
from samhandling.domain.incidents.incident import (
    DOWNTIME_NOTICE_AFTER,
    ORAL_DIALOGUE_REMINDER,
    AffectedSide,
    Incident,
    IncidentError,
    IncidentStatus,
    PhoneCall,
    needs_downtime_notice,
)
from samhandling.services.incidents import holds as hold_service
from samhandling.services.incidents import incidents as service

incidents_app = typer.Typer(help="Hendelser og akutt nedetid i meldingsutvekslingen (samhandlingsrutinen 3.4).",
                            no_args_is_help=True)

ByOption = Annotated[str | None, typer.Option("--by", help="Hvem (standard: brukernavnet ditt).")]
NowOption = Annotated[str | None, typer.Option(
    "--now", help="Tidspunktet det vurderes for (ISO 8601, f.eks. 2026-03-10T14:00; uten sone: norsk tid).")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON i stedet for tekst.")]
STATUS_NAMES = ", ".join(s.value for s in IncidentStatus)


def _run(action: Any) -> Any:
    node = bootstrap(settings())
    try:
        return action(node.uow)
    except (IncidentError, HoldError) as exc:
        raise UserError(str(exc).rstrip(".")) from None
    finally:
        node.close()


def _when(moment: datetime | None) -> str:
    return shown(moment) or "–"


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60} t {minutes % 60} min"


def incident_json(incident: Incident, now: datetime) -> dict[str, Any]:
    return {
        "id": incident.id, "title": incident.title, "description": incident.description,
        "side": incident.side.value, "partners": list(incident.partner_her_ids),
        "message_types": list(incident.message_types), "status": incident.status.value,
        "status_label": incident.status.label, "detected_at": incident.detected_at.isoformat(),
        "expected_end": incident.expected_end.isoformat() if incident.expected_end else None,
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "duration_minutes": int(incident.duration(now).total_seconds()) // 60,
        "responsible": incident.responsible, "contact_person": incident.contact_person,
        "downtime_notice_at": incident.downtime_notice_at.isoformat() if incident.downtime_notice_at else None,
        "downtime_notice_due": needs_downtime_notice(incident, now), "source": incident.source.value,
        "updates": [{"at": u.at.isoformat(), "by": u.by, "status": u.status.value, "text": u.text}
                    for u in incident.updates],
        "calls": [{"at": c.at.isoformat(), "caller": c.caller, "callee": c.callee, "about": c.about,
                   "message_id": c.message_id, "by": c.by} for c in incident.calls],
    }


def _line(incident: Incident, now: datetime) -> str:
    where = incident.side.label + (f" ({', '.join(incident.partner_her_ids)})" if incident.partner_her_ids else "")
    return (f"{incident.id:>4}  {incident.status.label:<13} {_when(incident.detected_at)}  "
            f"{_duration(incident.duration(now)):>11}  {where}: {incident.title}")


@incidents_app.command("new")
def incidents_new(
    responsible: Annotated[str, typer.Option("--responsible", help="Hvem som har ansvaret for å følge opp.")],
    contact: Annotated[str, typer.Option("--contact", help="Kontaktperson (navn og telefon).")],
    title: Annotated[str | None, typer.Option("--title", help="Kort beskrivelse av hendelsen.")] = None,
    from_alert: Annotated[int | None, typer.Option("--from-alert", help="Registrer hendelsen overvåkingen "
                                                   "foreslår for dette varselet.")] = None,
    side: Annotated[AffectedSide, typer.Option("--side", help="Hvor feilen er: egen eller partner.")] = (
        AffectedSide.OURS),
    partner: Annotated[list[str] | None, typer.Option("--partner", help="Berørt samhandlingspart (HER-id); "
                                                      "kan gjentas.")] = None,
    message_type: Annotated[list[str] | None, typer.Option("--type", help="Berørt meldingstype; kan gjentas.")] = None,
    description: Annotated[str, typer.Option("--description", help="Hva som er kjent.")] = "",
    detected: Annotated[str | None, typer.Option("--detected", help="Når den ble oppdaget (standard: nå).")] = None,
    expected_end: Annotated[str | None, typer.Option("--expected-end", help="Når den ventes løst.")] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Registrer en hendelse. Varer den (eller ventes den å vare) over tre timer, skal kontaktpunktene for akutt
    nedetid varsles (``incidents notify``)."""
    now = utc_now()
    end = parse_moment("--expected-end", expected_end)
    if from_alert is not None:
        if title or partner or detected:
            raise UserError("med --from-alert kommer tittel, parter og tidspunkt fra varselet")
        incident = _run(lambda uow: service.register_proposed(uow(), from_alert, responsible=responsible,
                                                              contact_person=contact, by=changed_by(by), now=now,
                                                              expected_end=end))
        _registered(incident, now, as_json)
        return
    if not title:
        raise UserError("oppgi --title (eller --from-alert)")
    form = service.IncidentForm(
        title=title, side=side, responsible=responsible, contact_person=contact, description=description,
        partner_her_ids=tuple(p.strip() for p in partner or ()), message_types=tuple(message_type or ()),
        detected_at=parse_moment("--detected", detected), expected_end=end)
    incident = _run(lambda uow: service.register_incident(uow(), form, by=changed_by(by), now=now))
    _registered(incident, now, as_json)


def _registered(incident: Incident, now: datetime, as_json: bool) -> None:
    if as_json:
        print(json.dumps(incident_json(incident, now), ensure_ascii=False))
        return
    out.print(f"Hendelse {incident.id} er registrert: {incident.title}.", markup=False)
    if needs_downtime_notice(incident, now):
        out.print("Den varer eller ventes å vare over tre timer: kontaktpunktene for akutt nedetid skal varsles nå.",
                  markup=False)
    else:
        out.print(f"Varer den over tre timer (etter {_when(incident.detected_at + DOWNTIME_NOTICE_AFTER)}), skal "
                  "kontaktpunktene for akutt nedetid varsles.", markup=False)


@incidents_app.command("proposals")
def incidents_proposals(as_json: JsonOption = False) -> None:
    """Hendelser overvåkingen foreslår: transporten nede, sending eller henting feiler, en part er stille,
    kvitteringer mangler hos mange parter samtidig. Registrer med ``incidents new --from-alert N``."""
    found = _run(lambda uow: service.proposals(uow()))
    if as_json:
        print(json.dumps([{"title": p.title, "side": p.side.value, "since": p.since.isoformat(),
                           "partners": list(p.partner_her_ids), "alerts": list(p.alert_ids)} for p in found],
                         ensure_ascii=False))
        return
    if not found:
        out.print("Overvåkingen foreslår ingen hendelser nå.", markup=False)
        return
    for p in found:
        partners = f" ({', '.join(p.partner_her_ids)})" if p.partner_her_ids else ""
        out.print(f"Varsel {', '.join(map(str, p.alert_ids))}: {p.title}{partners}, siden {_when(p.since)}",
                  markup=False)


@incidents_app.command("update")
def incidents_update(
    incident_id: Annotated[int, typer.Argument(help="Hendelsens nummer.")],
    status: Annotated[IncidentStatus | None, typer.Option("--status", help=f"Ny status: {STATUS_NAMES}.")] = None,
    text: Annotated[str, typer.Option("--text", help="Oppfølgingsinformasjon.")] = "",
    expected_end: Annotated[str | None, typer.Option("--expected-end", help="Ny forventet slutt.")] = None,
    by: ByOption = None,
) -> None:
    """Oppdater en hendelse: ny status, ny informasjon eller ny forventet slutt."""
    end = parse_moment("--expected-end", expected_end)
    incident = _run(lambda uow: service.update_incident(uow(), incident_id, by=changed_by(by), now=utc_now(),
                                                        status=status, text=text, expected_end=end))
    out.print(f"Hendelse {incident.id} er oppdatert: {incident.status.label}.", markup=False)


@incidents_app.command("resolve")
def incidents_resolve(
    incident_id: Annotated[int, typer.Argument(help="Hendelsens nummer.")],
    text: Annotated[str, typer.Option("--text", help="Hva som ble gjort, og hva som ble holdt tilbake.")] = "",
    by: ByOption = None,
) -> None:
    """Meld en hendelse løst: meldingene går igjen."""
    incident = _run(lambda uow: service.resolve_incident(uow(), incident_id, by=changed_by(by), now=utc_now(),
                                                         text=text))
    out.print(f"Hendelse {incident.id} er løst {_when(incident.resolved_at)}.", markup=False)


@incidents_app.command("list")
def incidents_list(
    open_only: Annotated[bool, typer.Option("--open", help="Bare hendelser som ikke er løst.")] = False,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hendelsene, nyeste først."""
    at = parse_now(now) or utc_now()
    found = _run(lambda uow: service.list_incidents(uow(), open_only=open_only))
    if as_json:
        print(json.dumps([incident_json(i, at) for i in found], ensure_ascii=False))
        return
    if not found:
        out.print("Ingen hendelser." if not open_only else "Ingen åpne hendelser.", markup=False)
        return
    out.print(f"{'Nr':>4}  {'Status':<13} {'Oppdaget':<16}  {'Varighet':>11}  Hva", markup=False)
    for incident in found:
        out.print(_line(incident, at), markup=False)


@incidents_app.command("show")
def incidents_show(
    incident_id: Annotated[int, typer.Argument(help="Hendelsens nummer.")],
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Alt om én hendelse: status, historikk og telefonlogg."""
    at = parse_now(now) or utc_now()
    incident = _run(lambda uow: service.get_incident(uow(), incident_id))
    held = [h for h in _run(lambda uow: hold_service.holds_now(uow())) if h.hold.incident_id == incident_id]
    if as_json:
        print(json.dumps(incident_json(incident, at) | {"held": [{"target": h.hold.target, "waiting": len(h.waiting)}
                                                                  for h in held]}, ensure_ascii=False))
        return
    partners = ", ".join(incident.partner_her_ids) or "–"
    lines = [
        f"Hendelse {incident.id}: {incident.title}",
        f"Status:          {incident.status.label}",
        f"Hvor:            {incident.side.label}; parter: {partners}",
        f"Meldingstyper:   {', '.join(incident.message_types) or 'alle'}",
        f"Oppdaget:        {_when(incident.detected_at)}",
        f"Forventet slutt: {_when(incident.expected_end)}",
        f"Løst:            {_when(incident.resolved_at)}",
        f"Varighet:        {_duration(incident.duration(at))}",
        f"Ansvarlig:       {incident.responsible}",
        f"Kontaktperson:   {incident.contact_person}",
        "Varsel om akutt nedetid: "
        + (_when(incident.downtime_notice_at) if incident.downtime_notice_at else "ikke sendt")
        + (" (skal sendes nå)" if needs_downtime_notice(incident, at) else ""),
    ]
    for h in held:  # the one line monitoring gives held messages: they are not failures
        lines.append(f"Holdt tilbake:   {len(h.waiting)} meldinger til {h.hold.label} (nødrutinen, siden "
                     f"{_when(h.hold.since)})")
    if incident.description:
        lines += ["", incident.description]
    if incident.updates:
        lines += ["", "Historikk:"] + [f"  {_when(u.at)}  {u.status.label:<13} {u.by}: {u.text}"
                                       for u in incident.updates]
    if incident.calls:
        lines += ["", "Telefonlogg:"] + [
            f"  {_when(c.at)}  {c.caller} → {c.callee}: {c.about}"
            + (f" (melding {c.message_id})" if c.message_id else "") for c in incident.calls]
    out.print("\n".join(lines), markup=False)


@incidents_app.command("phone")
def incidents_phone(
    incident_id: Annotated[int, typer.Argument(help="Hendelsens nummer.")],
    caller: Annotated[str, typer.Option("--caller", help="Hvem som ringte.")],
    callee: Annotated[str, typer.Option("--callee", help="Hvem som ble ringt.")],
    about: Annotated[str, typer.Option("--about", help="Hva samtalen gjaldt (ingen pasientnavn eller "
                                                       "fødselsnummer).")],
    message: Annotated[int | None, typer.Option("--message", help="Meldingens interne id, om den gjelder "
                                                                  "en melding.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Når samtalen var (standard: nå).")] = None,
    by: ByOption = None,
) -> None:
    """Før en telefonsamtale i nødrutinens logg. Tidskritisk informasjon gis på telefon under nedetid."""
    call = PhoneCall(at=parse_moment("--at", at) or utc_now(), caller=caller.strip(), callee=callee.strip(),
                     about=about.strip(), message_id=message, by=changed_by(by))
    incident = _run(lambda uow: service.record_call(uow(), incident_id, call))
    out.print(f"Samtalen er ført i loggen til hendelse {incident.id}. {ORAL_DIALOGUE_REMINDER}", markup=False)


@incidents_app.command("notify")
def incidents_notify(now: NowOption = None) -> None:
    """Send det som skal sendes nå: varsel om akutt nedetid for hendelser over tre timer, oppdateringer og
    melding om at hendelsen er løst (noden gjør det samme i hver runde)."""
    from samhandling.services.incidents.mails import tell
    from samhandling.services.notices.sending import deliver_notices

    at = parse_now(now) or utc_now()
    node = bootstrap(settings())
    try:
        config = node.notice_config()
        queued = tell(node.notices_uow(), config, now=at)
        run = deliver_notices(node.notices_uow, config, now=lambda: at)
    except ConfigurationError as exc:
        raise UserError(str(exc)) from None
    finally:
        node.close()
    if config.smtp is None:
        out.print(f"{len(queued)} e-poster venter i utboksen; e-post er ikke satt opp (SAMHANDLING_SMTP_URL).",
                  markup=False)
    else:
        out.print(f"{len(run.sent)} e-poster sendt, {len(run.failed)} feilet"
                  + (f" ({run.error})" if run.error else "") + ".", markup=False)


# --- the emergency routine's hold ---------------------------------------------------------------------------


def hold(
    target: Annotated[str, typer.Argument(help="HER-id til samhandlingsparten, eller «all» for hele transporten.")],
    reason: Annotated[str, typer.Option("--reason", help="Hvorfor meldingene holdes tilbake.")],
    incident: Annotated[int | None, typer.Option("--incident", help="Hendelsen det gjelder.")] = None,
    by: ByOption = None,
) -> None:
    """Nødrutinen: hold meldinger til en part (eller alle) tilbake. De venter i utboksen og sendes ved «release»."""
    held = _run(lambda uow: hold_service.place_hold(uow(), target, reason=reason, by=changed_by(by), now=utc_now(),
                                                    incident_id=incident))
    out.print(f"Meldinger til {held.hold.label} holdes nå tilbake. {len(held.waiting)} venter allerede i "
              "utboksen; nye meldinger venter også til «samhandling release».", markup=False)


def release(
    target: Annotated[str, typer.Argument(help="HER-id til samhandlingsparten, eller «all».")],
    by: ByOption = None,
) -> None:
    """Slipp meldingene som ble holdt tilbake: de sendes i den rekkefølgen de ble laget, ved nodens neste runde."""
    held = _run(lambda uow: hold_service.release_hold(uow(), target, by=changed_by(by), now=utc_now()))
    out.print(f"Meldinger til {held.hold.label} slippes: {len(held.waiting)} sendes i rekkefølgen de ble laget. "
              "Overvåkingen følger kvitteringene som vanlig.", markup=False)


def holds(as_json: JsonOption = False) -> None:
    """Hva som holdes tilbake nå, og hvor mange meldinger som venter."""
    found = _run(lambda uow: hold_service.holds_now(uow()))
    if as_json:
        print(json.dumps([{"target": h.hold.target, "reason": h.hold.reason, "since": h.hold.since.isoformat(),
                           "by": h.hold.by, "incident": h.hold.incident_id, "waiting": len(h.waiting)}
                          for h in found], ensure_ascii=False))
        return
    if not found:
        out.print("Ingenting holdes tilbake.", markup=False)
        return
    for h in found:
        out.print(f"{h.hold.label}: {len(h.waiting)} meldinger venter, siden {_when(h.hold.since)} "
                  f"({h.hold.by}: {h.hold.reason})", markup=False)
