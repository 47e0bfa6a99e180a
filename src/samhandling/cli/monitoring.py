"""``samhandling monitor run|status|report``, ``samhandling alerts list|ack|resolve`` and ``samhandling ping``.

Every command that evaluates time takes ``--now`` (ISO 8601; without an offset it is Norwegian local time), so
that the deadlines can be looked at as they will stand later.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import date, datetime
from typing import Annotated, Any

import typer

from samhandling.bootstrap import ConfigurationError, Node, bootstrap
from samhandling.cli.common import UserError, err, norwegian_to_iso, out, settings
from samhandling.domain.calendar import OSLO
from samhandling.domain.messaging.parties import Parties
from samhandling.domain.monitoring.alerts import Alert, AlertTransitionError
from samhandling.services.messaging.node import NodeParts
from samhandling.services.monitoring.daily_report import build_daily_report, line_test_json, report_json, report_text
from samhandling.services.monitoring.line_test import LineTestError
from samhandling.services.monitoring.line_test import ping as run_ping
from samhandling.services.monitoring.monitor import (
    MonitorConfig,
    MonitorStatus,
    UnknownAlertError,
    acknowledge_alert,
    evaluate,
    resolve_alert,
    status,
)
from samhandling.services.monitoring.notify import deliver_mails, queue_daily_mail
from samhandling.services.monitoring.transport_health import MonitoredTransport

monitor_app = typer.Typer(help="Overvåking av meldingsflyten: kvitteringer, transport, linjetester og varsler.",
                          no_args_is_help=True)
alerts_app = typer.Typer(help="Varsler fra overvåkingen: liste, bekrefte og løse.", no_args_is_help=True)

NowOption = Annotated[str | None, typer.Option(
    "--now", help="Tidspunktet det vurderes for (ISO 8601, f.eks. 2026-03-10T14:00; uten sone: norsk tid).")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON i stedet for tekst.")]
StoringNowOption = Annotated[str | None, typer.Option(
    "--now", help="Bare sammen med --test: lagre som om klokken var dette (ISO 8601; uten sone: norsk tid).")]
TestOption = Annotated[bool, typer.Option(
    "--test", help="Testoppsett: tillat --now på en kommando som lagrer (varsler, e-post). Aldri i drift.")]


def stored_now(text: str | None, test: bool, command: str) -> datetime | None:
    """``--now`` on a command that stores state: refused unless ``--test`` says this is a test setup, since an
    alert opened or handled "in the future" would never close and later counts would not agree."""
    if text is not None and not test:
        raise UserError(f"--now brukes til å lese («monitor status», «monitor report»): «{command}» lagrer, og et "
                        "annet tidspunkt enn nå ville lagre fremtiden. Legg til --test bare i et testoppsett")
    return parse_now(text)


def parse_now(text: str | None) -> datetime | None:
    """``--now``: an ISO 8601 moment; one without an offset is local time in Norway."""
    return parse_moment("--now", text)


def parse_moment(option: str, text: str | None) -> datetime | None:
    """A moment typed for ``option`` (ISO 8601 or Norwegian date and time); without an offset, Norwegian time."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(norwegian_to_iso(text))
    except ValueError:
        raise UserError(f"{option}: «{text}» er ikke et tidspunkt på formen 2026-03-10T14:00") from None
    return moment.replace(tzinfo=OSLO) if moment.tzinfo is None else moment


def _node() -> Node:
    return bootstrap(settings())


def _config(node: Node) -> MonitorConfig:
    try:
        return node.monitor_config()
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _when(moment: datetime | None) -> str:
    return moment.astimezone(OSLO).strftime("%d.%m.%Y %H.%M") if moment is not None else ""


def _party(parties: Parties, her_id: str | None) -> str:
    if her_id is None:
        return ""
    party = parties.get(her_id)
    return f"{party.name} ({her_id})" if party is not None else her_id


def alert_json(alert: Alert, parties: Parties) -> dict[str, Any]:
    party = parties.get(alert.partner_her_id) if alert.partner_her_id else None

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "id": alert.id, "cause": alert.cause.value, "title": alert.cause.label, "severity": alert.severity.value,
        "state": alert.state.value, "partner_her_id": alert.partner_her_id,
        "partner_name": party.name if party is not None else None, "opened_at": iso(alert.opened_at),
        "since": iso(alert.since), "last_seen_at": iso(alert.last_seen_at), "message_ids": list(alert.message_ids),
        "details": list(alert.details), "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": iso(alert.acknowledged_at), "resolved_at": iso(alert.resolved_at),
        "resolved_by": alert.resolved_by, "resolution": alert.resolution or None, "advice": alert.cause.advice,
    }


def _alert_line(alert: Alert, parties: Parties) -> str:
    """One alert on one line: id, state, severity, cause, partner, since, messages, who took it."""
    party = _party(parties, alert.partner_her_id) or ("hele noden" if alert.cause.node_wide else "ukjent part")
    line = (f"Varsel {alert.id}: {alert.state.label}, {alert.severity.label.lower()} – {alert.cause.label} – {party}, "
            f"siden {_when(alert.since)}")
    if alert.message_ids:
        line += f", {len(alert.message_ids)} melding{'er' if len(alert.message_ids) != 1 else ''}"
    if alert.acknowledged_by:
        line += f", bekreftet av {alert.acknowledged_by}"
    if alert.resolved_at is not None:
        line += f", løst {_when(alert.resolved_at)} ({alert.resolved_by or 'automatisk'})"
    return line


# --- monitor -----------------------------------------------------------------------------------------------


@monitor_app.command("run")
def monitor_run(now: StoringNowOption = None, test: TestOption = False, as_json: JsonOption = False) -> None:
    """Én evaluering: åpne, oppdatere og løse varsler, og sende e-post om dem."""
    moment = stored_now(now, test, "monitor run")
    node = _node()
    config = _config(node)
    if not config.notify.enabled and not as_json:
        err.print("Merk: e-post er av (SAMHANDLING_SMTP_URL er ikke satt); varslene vises bare av «alerts list» og "
                  "«monitor status».", markup=False)
    elif not config.notify.meldingsansvarlig and not as_json:
        err.print("Merk: SAMHANDLING_MELDINGSANSVARLIG er ikke satt; varslene går bare til partenes kontaktpunkter.",
                  markup=False)
    evaluation = evaluate(node.uow, config, now=moment)
    with node.uow() as uow:  # the count agrees with «alerts list», whichever evaluation opened them
        open_alerts = uow.monitor.list_alerts(include_resolved=False, limit=1_000_000)
    if as_json:
        print(json.dumps({
            "at": evaluation.at.isoformat(),
            "opened": [a.id for a in evaluation.opened], "resolved": [a.id for a in evaluation.resolved],
            "open": sorted(a.id for a in open_alerts if a.id is not None),
            "superseded": [a.id for a in evaluation.superseded], "marked_missing": evaluation.marked_missing,
            "mail": {"sent": len(evaluation.mail.sent), "failed": len(evaluation.mail.failed),
                     "error": evaluation.mail.error},
        }, ensure_ascii=False))
        return
    out.print(f"Evaluert {_when(evaluation.at)}: {len(evaluation.opened)} nye varsler, {len(evaluation.resolved)} "
              f"løst, {len(open_alerts)} åpne.", markup=False)
    if evaluation.marked_missing:
        out.print(f"Kvittering mangler nå for melding {', '.join(map(str, evaluation.marked_missing))}.",
                  markup=False)
    if evaluation.mail.sent or evaluation.mail.failed:
        line = f"E-post: {len(evaluation.mail.sent)} sendt, {len(evaluation.mail.failed)} feilet"
        out.print(line + (f" ({evaluation.mail.error})" if evaluation.mail.error else "") + ".", markup=False)


def _status_json(current: MonitorStatus) -> dict[str, Any]:
    return {
        "at": current.at.isoformat(),
        "open_alerts": [alert_json(a, current.parties) for a in current.open_alerts],
        "overdue_messages": [
            {"id": o.message.id, "msg_id": o.message.msg_id, "msg_type": o.message.msg_type,
             "recipient_her_id": o.message.recipient_her_id, "partner_her_id": o.partner_her_id,
             "state": o.message.state.value, "created_at": o.message.created_at.isoformat(), "cause": o.cause.value,
             "severity": o.cause.severity.value}
            for o in current.overdue
        ],
        "findings": [{"cause": f.cause.value, "partner_her_id": f.partner_her_id, "since": f.since.isoformat(),
                      "message_ids": list(f.message_ids), "details": list(f.details)} for f in current.findings],
        "unsent_mails": current.unsent_mails,
    }


@monitor_app.command("status")
def monitor_status(now: NowOption = None, as_json: JsonOption = False) -> None:
    """Åpne varsler og meldinger som venter på kvittering over fristen (lagrer ingenting)."""
    node = _node()
    current = status(node.uow, _config(node), now=parse_now(now))
    if as_json:
        print(json.dumps(_status_json(current), ensure_ascii=False))
        return
    out.print(f"Status {_when(current.at)}: {len(current.open_alerts)} åpne varsler, {len(current.overdue)} "
              "meldinger over kvitteringsfristen.", markup=False)
    for alert in current.open_alerts:
        out.print(_alert_line(alert, current.parties), markup=False)
    for o in current.overdue:
        m = o.message
        out.print(f"Melding {m.id}: {m.msg_type}, MsgId {m.msg_id}, til {_party(current.parties, m.recipient_her_id)}, "
                  f"laget {_when(m.created_at)}, «{m.state.label}» – {o.cause.label}", markup=False)
    if current.unsent_mails:
        out.print(f"{current.unsent_mails} e-poster venter på å bli sendt.", markup=False)


@monitor_app.command("report")
def monitor_report(
    now: NowOption = None,
    day: Annotated[str | None, typer.Option(help="Dagen (ÅÅÅÅ-MM-DD); standard er dagen for --now, så langt.")]
    = None,
    as_json: JsonOption = False,
    send: Annotated[bool, typer.Option("--send", help="Send oppsummeringen til meldingsansvarlig nå.")] = False,
    test: TestOption = False,
) -> None:
    """Daglig oppsummering: sendt og mottatt per part og type, manglende og negative kvitteringer, åpne varsler."""
    if send:
        stored_now(now, test, "monitor report --send")
    node = _node()
    config = _config(node)
    try:
        chosen = date.fromisoformat(norwegian_to_iso(day)) if day else None
    except ValueError:
        raise UserError(f"--day: «{day}» er ikke en dato på formen 2026-03-10") from None
    report = build_daily_report(node.uow, config, day=chosen, now=parse_now(now))
    subject, body = report_text(report, config)
    if send:
        if not config.notify.enabled or not config.notify.meldingsansvarlig:
            raise UserError("e-post er ikke satt opp (SAMHANDLING_SMTP_URL og SAMHANDLING_MELDINGSANSVARLIG)")
        with node.uow() as uow:
            queued = queue_daily_mail(uow, report.day, subject, body, config.notify, at=report.at)
            uow.commit()
        run = deliver_mails(node.uow, config.notify)
        if queued is None:
            out.print(f"Oppsummeringen for {report.day.isoformat()} er laget før.", markup=False)
        elif queued.id in run.failed:
            raise UserError(f"oppsummeringen ble ikke sendt: {run.error}; den sendes på nytt ved neste evaluering")
    if as_json:
        print(json.dumps(report_json(report), ensure_ascii=False))
    else:
        out.print(body, markup=False, end="")


# --- alerts ------------------------------------------------------------------------------------------------


@alerts_app.command("list")
def alerts_list(
    as_json: JsonOption = False,
    show_all: Annotated[bool, typer.Option("--all", help="Også løste varsler.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="Høyst så mange, nyeste først.")] = 200,
) -> None:
    """List åpne varsler (med --all også de løste), nyeste først."""
    node = _node()
    with node.uow() as uow:
        found = uow.monitor.list_alerts(include_resolved=show_all, limit=limit)
        parties = uow.parties.all()
    if as_json:
        print(json.dumps([alert_json(a, parties) for a in found], ensure_ascii=False))
        return
    if not found:
        out.print("Ingen åpne varsler." if not show_all else "Ingen varsler.", markup=False)
        return
    for alert in found:
        out.print(_alert_line(alert, parties), markup=False)


ByOption = Annotated[str, typer.Option("--by", help="Hvem (navn eller brukernavn).")]


@alerts_app.command("ack")
def alerts_ack(alert_id: Annotated[int, typer.Argument(help="Varselets id.")], by: ByOption,
               now: StoringNowOption = None, test: TestOption = False, as_json: JsonOption = False) -> None:
    """Bekreft et varsel: noen har tatt det. Det løses av seg selv når årsaken er borte."""
    moment = stored_now(now, test, "alerts ack")
    node = _node()
    try:
        alert = acknowledge_alert(node.uow, alert_id, by, now=moment)
    except (AlertTransitionError, UnknownAlertError) as exc:
        raise UserError(str(exc).rstrip(".")) from None
    _print_alert(node, alert, as_json, f"Varsel {alert.id} er bekreftet av {alert.acknowledged_by}.")


@alerts_app.command("resolve")
def alerts_resolve(
    alert_id: Annotated[int, typer.Argument(help="Varselets id.")],
    by: ByOption,
    note: Annotated[str, typer.Option("--note", help="Hva som ble gjort.")] = "",
    now: StoringNowOption = None,
    test: TestOption = False,
    as_json: JsonOption = False,
) -> None:
    """Løs et varsel for hånd. Meldingene det gjelder, varsles ikke igjen for samme årsak."""
    moment = stored_now(now, test, "alerts resolve")
    node = _node()
    try:
        alert, mail = resolve_alert(node.uow, _config(node), alert_id, by, note=note, now=moment)
    except (AlertTransitionError, UnknownAlertError) as exc:
        raise UserError(str(exc).rstrip(".")) from None
    text = f"Varsel {alert.id} er løst av {alert.resolved_by}."
    if mail.failed:
        text += f" E-posten om det sendes på nytt senere ({mail.error})."
    _print_alert(node, alert, as_json, text)


def _print_alert(node: Node, alert: Alert, as_json: bool, text: str) -> None:
    if as_json:
        with node.uow() as uow:
            parties = uow.parties.all()
        print(json.dumps(alert_json(alert, parties), ensure_ascii=False))
    else:
        out.print(text, markup=False)


# --- ping --------------------------------------------------------------------------------------------------


def ping(
    her_id: Annotated[str, typer.Argument(help="HER-id til samhandlingsparten (tjeneste eller virksomhet).")],
    timeout: Annotated[float, typer.Option(min=0.1, help="Sekunder å vente på applikasjonskvitteringen.")] = 60.0,
    sender: Annotated[str | None, typer.Option(help="Avsender (HER-id); standard er nodens virksomhet.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Linjetest: send en testmelding og vent på applikasjonskvitteringen som viser at linjen er oppe."""
    node = _node()
    config = _config(node)
    try:
        transport = node.transport()
    except ConfigurationError as exc:
        raise UserError(str(exc)) from None
    if transport is None:
        raise UserError("ingen transport er satt opp (SAMHANDLING_MSH_URL eller SAMHANDLING_TRANSPORT_DIR)")
    parts = NodeParts(new_uow=node.uow, transport=MonitoredTransport(transport, node.uow),
                      receive_options=node.receive_options, worker=f"{socket.gethostname()}:{os.getpid()}:ping")
    try:
        test = run_ping(parts, node.send_options, her_id, timeout=timeout, sender_her_id=sender)
    except LineTestError as exc:
        raise UserError(str(exc)) from None
    finally:
        transport.close()
    evaluate(node.uow, config)  # a failed line test opens its alert (and mail) at once
    if as_json:
        print(json.dumps(line_test_json(test), ensure_ascii=False))
    else:
        with node.uow() as uow:
            target = _party(uow.parties.all(), her_id)
        if test.ok:
            trip = f"{test.round_trip.total_seconds():.1f}".replace(".", ",") if test.round_trip else "?"
            out.print(f"Linjetest til {target}: OK, rundetid {trip} s. {test.detail}", markup=False)
        else:
            out.print(f"Linjetest til {target}: FEILET. {test.detail}", markup=False)
    raise typer.Exit(0 if test.ok else 1)
