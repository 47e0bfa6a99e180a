"""``samhandling node run`` and ``samhandling outbox send``: the long-running node and one outbox pass."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from types import FrameType
from typing import Annotated

import typer

from samhandling import eventlog
from samhandling.bootstrap import ConfigurationError, Node, bootstrap
from samhandling.cli.common import UserError, err, out, settings
from samhandling.domain.clock import shown
from samhandling.services.messaging.node import NodeParts, release_dead_claims, run_forever, run_once
from samhandling.services.messaging.outbox import OutboxError, cancel, deliver_due, not_sent, retry
from samhandling.services.messaging.presentation import count
from samhandling.store.unit_of_work import UnitOfWork

log = logging.getLogger("samhandling.node")

node_app = typer.Typer(help="Noden: sender utboksen, henter meldinger og kvitterer.", no_args_is_help=True)
outbox_app = typer.Typer(help="Utboksen: meldinger som venter på transporten.", no_args_is_help=True)


class LogFormat(StrEnum):
    TEXT = "tekst"
    JSON = "json"


def _parts(node: Node) -> NodeParts:
    try:
        transport = node.monitored_transport()  # sends and polls are recorded for the monitoring
    except ConfigurationError as exc:
        raise UserError(str(exc)) from None
    if transport is None:
        raise UserError("ingen transport er satt opp (SAMHANDLING_MSH_URL eller SAMHANDLING_TRANSPORT_DIR); "
                        "meldingene venter i utboksen")
    try:
        steps = node.steps(transport)
    except ConfigurationError as exc:
        raise UserError(str(exc)) from None
    return NodeParts(new_uow=node.uow, transport=transport, receive_options=node.receive_options,
                     worker=f"{socket.gethostname()}:{os.getpid()}", steps=list(steps.values()),
                     step_names=list(steps), lease=timedelta(seconds=node.settings.outbox_lease_seconds))


@node_app.command("run")
def run(
    once: Annotated[bool, typer.Option("--once", help="Én runde, så avslutt.")] = False,
    interval: Annotated[float | None, typer.Option(min=0.05, help="Sekunder mellom rundene.")] = None,
    log_format: Annotated[LogFormat, typer.Option(
        "--log-format", help="Loggen på stderr: tekst (lesbar, norsk tid) eller json (én JSON-linje per hendelse, "
        "for logginnsamling).")] = LogFormat.TEXT,
) -> None:
    """Kjør noden til den stoppes (SIGTERM eller Ctrl+C avslutter etter runden som pågår).

    SIGUSR1 ber noden sende og hente med én gang, uten å vente på neste runde.
    """
    eventlog.configure(json_lines=log_format is LogFormat.JSON)
    node = bootstrap(settings())
    parts = _parts(node)
    release_dead_claims(node.uow, socket.gethostname())  # what a killed node had claimed goes now, not in 5 min
    if once:
        result = run_once(parts)
        out.print(f"Sendt: {len(result.outbox.sent)}, feilet: {len(result.outbox.failed)}, "
                  f"mottatt: {result.received}", markup=False)
        return
    stop, wake = threading.Event(), threading.Event()

    def finish(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        wake.set()

    def poll_now(signum: int, _frame: FrameType | None) -> None:
        wake.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    signal.signal(signal.SIGUSR1, poll_now)
    log.info("node running", extra={"worker": parts.worker, "pid": os.getpid()})  # signals are handled from here
    try:
        metrics = node.serve_metrics()  # Prometheus /metrics, read from the store on each scrape
    except OSError as exc:
        raise UserError(f"/metrics kan ikke lytte på {node.settings.metrics_host}:{node.settings.metrics_port}: "
                        f"{exc.strerror or exc}") from None
    if metrics is not None:
        out.print(f"Metrikker på http://{node.settings.metrics_host}:{metrics.server_port}/metrics", markup=False)
    run_forever(parts, stop, interval=interval or node.settings.poll_interval, wake=wake)
    if metrics is not None:
        metrics.shutdown()
    parts.transport.close()
    node.close()


@outbox_app.command("send")
def send_outbox() -> None:
    """Send det som venter i utboksen, én gang."""
    node = bootstrap(settings())
    parts = _parts(node)
    result = deliver_due(parts.new_uow, parts.transport, worker=parts.worker, lease=parts.lease,
                         backoff=parts.backoff)
    if result.failed:
        with node.uow() as uow:
            for message_id in result.failed:
                message = uow.messages.get(message_id)
                what = (f"{message.msg_type} {message.msg_id} til HER {message.recipient_her_id}"
                        if message is not None else f"melding {message_id}")
                lead = "Kan ikke sendes (prøves ikke igjen)" if message_id in result.stopped else "Ikke sendt"
                err.print(f"{lead}: {what}: {result.reasons.get(message_id, 'ukjent feil')}", markup=False)
    out.print(f"Sendt: {len(result.sent)}, feilet: {len(result.failed)}", markup=False)
    parts.transport.close()
    node.close()
    if result.stopped:
        err.print("Se «samhandling outbox list»; send på nytt med «outbox retry ID» når årsaken er rettet, "
                  "eller avbryt med «outbox cancel ID».", markup=False)
    if result.failed:
        raise typer.Exit(1)


@outbox_app.command("list")
def list_outbox(
    as_json: Annotated[bool, typer.Option("--json", help="JSON i stedet for tekst.")] = False,
) -> None:
    """Vis det som ikke er sendt: meldinger som venter i utboksen og meldinger som ikke kan sendes, med årsak."""
    node = bootstrap(settings())
    with node.uow() as uow:
        found = not_sent(uow)
        parties = uow.parties.all()
    node.close()
    if as_json:
        print(json.dumps([{
            "id": w.message.id, "msg_id": w.message.msg_id, "msg_type": w.message.msg_type,
            "recipient_her_id": w.message.recipient_her_id, "state": w.message.state.value,
            "state_label": w.message.state.label, "attempts": w.attempts, "reason": w.reason,
            "stopped": w.stopped,
            "next_attempt_at": w.next_attempt_at.isoformat() if w.next_attempt_at else None,
        } for w in found], ensure_ascii=False))
        return
    if not found:
        out.print("Utboksen er tom: alt er sendt.", markup=False)
        return
    for w in found:
        party = parties.get(w.message.recipient_her_id or "")
        to = f"{party.name} (HER-id {party.her_id})" if party else f"HER-id {w.message.recipient_her_id}"
        when = "prøves ikke igjen" if w.stopped else "sendes ved neste runde"
        if not w.stopped and w.attempts and w.next_attempt_at is not None:
            when = f"neste forsøk {shown(w.next_attempt_at)}"
        line = (f"{w.message.id}: {w.message.msg_type} til {to}, «{w.message.state.label}», "
                f"{count(w.attempts, 'forsøk', 'forsøk')}, {when}")
        out.print(line + (f" – årsak: {w.reason}" if w.reason else ""), markup=False)
    waiting = sum(not w.stopped for w in found)
    out.print(f"{count(waiting, 'melding venter', 'meldinger venter')}, "
              f"{count(len(found) - waiting, 'kan ikke sendes', 'kan ikke sendes')}.", markup=False)


MessageIds = Annotated[list[int], typer.Argument(help="Meldingenes id (fra «outbox list»).", metavar="ID...")]
ByOption = Annotated[str, typer.Option("--by", help="Hvem (navn eller brukernavn), skrives i journalen.")]


@outbox_app.command("retry")
def retry_outbox(message_ids: MessageIds, by: ByOption) -> None:
    """Send på nytt: en melding som ikke kunne sendes (når årsaken er rettet), eller en som venter, nå."""
    _each(message_ids, lambda uow, i: retry(uow, i, by=by), "legges i utboksen igjen og sendes ved neste runde")


@outbox_app.command("cancel")
def cancel_outbox(message_ids: MessageIds, by: ByOption) -> None:
    """Avbryt: ta meldingen ut av utboksen for godt. Den sendes ikke, og venter ikke på kvittering."""
    _each(message_ids, lambda uow, i: cancel(uow, i, by=by), "er avbrutt og sendes ikke")


def _each(message_ids: list[int], act: Callable[[UnitOfWork, int], object], done: str) -> None:
    node = bootstrap(settings())
    failed = False
    for message_id in message_ids:
        with node.uow() as uow:
            try:
                act(uow, message_id)
                uow.commit()
            except OutboxError as exc:
                err.print(f"Feil: {exc}", markup=False)
                failed = True
                continue
        out.print(f"Melding {message_id} {done}.", markup=False)
    node.close()
    if failed:
        raise typer.Exit(2)
