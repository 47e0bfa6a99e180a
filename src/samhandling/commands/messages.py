"""Commands for messages: receive files as if from the transport, send, list and show what is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from samhandling.bootstrap import Node, bootstrap
from samhandling.commands.common import UserError, err, out, read_file, settings
from samhandling.domain.identifiers import mask_person_id
from samhandling.domain.messages import Direction, MessageState, StoredMessage
from samhandling.services.node import first_line, is_database_outage
from samhandling.services.receive import Reception, receive_message, store_unprocessable
from samhandling.services.send import SendRefusedError, answer_misdirected, submit_request
from samhandling.standards.dialogmelding import (
    PASIENTEN_MOTTAR_IKKE_KOMMUNALE_TJENESTER,
    PASIENTEN_TILHORER_IKKE_KOMMUNEN,
)
from samhandling.store.repositories import MessageQuery

messages_app = typer.Typer(help="Lagrede meldinger: liste, vise og besvare.", no_args_is_help=True)

AVVIK_REASONS = {
    "tilhorer-ikke": PASIENTEN_TILHORER_IKKE_KOMMUNEN,
    "mottar-ikke": PASIENTEN_MOTTAR_IKKE_KOMMUNALE_TJENESTER,
}


OVERSIZED_READ_FACTOR = 4
"""``receive`` reads a file up to this many times the message limit, so that an oversized one is recorded (T99)."""


def _node() -> Node:
    return bootstrap(settings())


def receive(
    files: Annotated[list[Path], typer.Argument(help="Meldingsfiler, som om de kom fra transporten.")],
    as_json: Annotated[bool, typer.Option("--json", help="Ett JSON-objekt per fil.")] = False,
    apprec_dir: Annotated[Path | None, typer.Option(help="Hvor kvitteringene skrives (standard: <home>/apprec).")]
    = None,
) -> None:
    """Motta meldinger: lagre dem, lag applikasjonskvitteringer og legg kvitteringene i utboksen."""
    node = _node()
    target = apprec_dir or node.settings.home / "apprec"
    unread = False
    for path in files:
        limit = node.settings.max_message_bytes
        try:
            # A file over the limit is received all the same: the pipeline records it and answers T99.
            data = read_file(path, OVERSIZED_READ_FACTOR * limit)
        except UserError as exc:
            said = str(exc)
            if path.is_file():
                said = (f"{path}: filen er {path.stat().st_size} byte, mer enn {OVERSIZED_READ_FACTOR} ganger "
                        f"grensen på {limit} byte for en melding, og leses ikke")
            err.print(said, markup=False)
            unread = True
            continue
        try:
            result = receive_message(data, node.uow(), node.receive_options)
        except Exception as exc:  # kept as failed, like the node does; the other files go on
            if is_database_outage(exc):
                raise
            result = store_unprocessable(data, node.uow(), f"{type(exc).__name__}: {first_line(exc)}")
        paths = []
        for answer in result.apprecs:
            target.mkdir(parents=True, exist_ok=True)
            written = target / f"apprec-{answer.msg_id}.xml"
            written.write_bytes(answer.raw)
            paths.append(written)
        if as_json:
            print(json.dumps(_reception_json(path, result, paths), ensure_ascii=False))
        else:
            _print_reception(path, result, paths)
    if unread:
        raise typer.Exit(1)


def _reception_json(path: Path, result: Reception, paths: list[Path]) -> dict[str, Any]:
    return {
        "file": str(path),
        "msg_id": result.msg_id,
        "msg_type": result.msg_type,
        "duplicate": result.duplicate,
        "linked_to": result.linked_to,
        "disposition": result.disposition.value,
        "errors": result.errors,
        "apprecs": [
            {"to_her_id": a.to_her_id, "from_her_id": a.from_her_id, "role": a.role, "status": a.status,
             "errors": list(a.errors), "version": a.version, "msg_id": a.msg_id, "path": str(p)}
            for a, p in zip(result.apprecs, paths, strict=True)
        ],
        "reason": result.reason or None,
        "notes": [{"code": f.code, "path": f.path, "text": f.text} for f in result.notes],
    }


_DISPOSITION_TEXT = {
    "accepted": "godtatt", "rejected": "avvist", "held": "holdt tilbake til originalen kommer",
    "duplicate": "duplikat (samme kvittering sendes på nytt)", "unanswerable": "kan ikke besvares",
    "receipt": "kvittering mottatt", "failed": "feilet i behandlingen (lagret urørt, se journalen)",
    "msgid_conflict": "MsgId brukt om igjen med annet innhold (lagret, ikke kvittert)",
}


def _print_reception(path: Path, result: Reception, paths: list[Path]) -> None:
    line = f"{path}: {result.msg_type or '?'} {_DISPOSITION_TEXT[result.disposition.value]}"
    if result.errors:
        line += " [" + ", ".join(result.errors) + "]"
    if result.reason:
        line += f" – {result.reason}"
    out.print(line, markup=False)
    for note in result.notes:  # found, but not a reason to reject (HIS 80415:2012 §3.3.4)
        out.print(f"  Merknad (avviser ikke): {note}", markup=False)
    for answer, written in zip(result.apprecs, paths, strict=True):
        out.print(f"  AppRec {answer.version} status {answer.status} fra {answer.from_her_id} ({answer.role}) "
                  f"til {answer.to_her_id}: {written}", markup=False)


def send(
    file: Annotated[Path, typer.Argument(help="En ferdig hodemelding (XML) eller en sendeforespørsel (JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="Skriv resultatet som JSON.")] = False,
) -> None:
    """Send en melding: valider, lagre og legg i utboksen. Ugyldige meldinger sendes ikke."""
    node = _node()
    data = read_file(file, node.settings.max_message_bytes)
    try:
        stored = submit_request(node.uow(), node.send_options, data, base_dir=file.parent)
    except SendRefusedError as exc:
        raise UserError(f"{file}: {exc}") from None
    if as_json:
        print(json.dumps([{"id": m.id, "msg_id": m.msg_id, "msg_type": m.msg_type, "to_her_id": m.recipient_her_id,
                           "state": m.state.value} for m in stored], ensure_ascii=False))
        return
    for m in stored:
        out.print(f"{m.msg_type} {m.msg_id} til {m.recipient_her_id}: lagt i utboksen", markup=False)


@messages_app.command("list")
def list_messages(
    as_json: Annotated[bool, typer.Option("--json", help="JSON i stedet for tabell.")] = False,
    direction: Annotated[str | None, typer.Option(help="incoming eller outgoing.")] = None,
    state: Annotated[list[str] | None, typer.Option(help="Bare meldinger i denne tilstanden (kan gjentas).")]
    = None,
    party: Annotated[str | None, typer.Option(help="HER-id for avsender eller mottaker.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Høyst så mange, nyeste først.")] = 100,
) -> None:
    """List lagrede meldinger, nyeste først."""
    try:
        query = MessageQuery(direction=Direction(direction) if direction else None,
                             states=frozenset(MessageState(s) for s in state or []), party_her_id=party, limit=limit)
    except ValueError as exc:
        raise UserError(f"ugyldig filter: {exc}") from None
    node = _node()
    with node.uow() as uow:
        found = uow.messages.list(query)
    if as_json:
        print(json.dumps([_summary(m) for m in found], ensure_ascii=False))
        return
    table = Table("Id", "Retning", "Type", "MsgId", "Fra", "Til", "Tilstand", "Feil", "Tid")
    for m in found:
        table.add_row(str(m.id), "inn" if m.direction is Direction.INCOMING else "ut", m.msg_type, m.msg_id,
                      m.sender_her_id or "", m.recipient_her_id or "", m.state.label, ", ".join(m.error_codes),
                      m.created_at.astimezone().strftime("%Y-%m-%d %H:%M"))
    out.print(table)


def _summary(m: StoredMessage) -> dict[str, Any]:
    return {
        "id": m.id, "direction": m.direction.value, "msg_id": m.msg_id, "msg_type": m.msg_type,
        "standard": m.standard, "sender_her_id": m.sender_her_id, "recipient_her_id": m.recipient_her_id,
        "receiver_her_ids": list(m.receiver_her_ids), "state": m.state.value, "error_codes": list(m.error_codes),
        "conversation_ref": m.conversation_ref, "parent_ref": m.parent_ref, "linked_to": m.linked_to_msg_id,
        "is_apprec": m.is_apprec, "original_msg_id": m.original_msg_id, "receipt_conflict": m.receipt_conflict,
        "conflicts_with": m.conflicts_with,
        "patient": mask_person_id(m.patient_ref) if m.patient_ref else None,
        "created_at": m.created_at.isoformat(), "updated_at": m.updated_at.isoformat(),
    }


@messages_app.command("show")
def show_message(
    message_id: Annotated[int, typer.Argument(help="Meldingens id (fra «messages list»).")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON i stedet for tekst.")] = False,
) -> None:
    """Vis én lagret melding med journal over tilstandene."""
    node = _node()
    with node.uow() as uow:
        message = uow.messages.get(message_id)
        journal = uow.messages.journal(message_id) if message is not None else []
    if message is None:
        raise UserError(f"finner ingen melding med id {message_id}")
    if as_json:
        summary = _summary(message)
        summary["journal"] = [{"at": e.at.isoformat(), "state": e.state.value, "detail": e.detail} for e in journal]
        print(json.dumps(summary, ensure_ascii=False))
        return
    for key, value in _summary(message).items():
        if value not in (None, [], ""):
            out.print(f"{key}: {value}", markup=False)
    out.print("Journal:")
    for entry in journal:
        out.print(f"  {entry.at.astimezone():%Y-%m-%d %H:%M:%S} {entry.state.label}: {entry.detail}", markup=False)


@messages_app.command("avvik")
def avvik(
    msg_id: Annotated[str, typer.Argument(help="MsgId for den mottatte meldingen som var feiladressert.")],
    reason: Annotated[str, typer.Option("--grunn", help="tilhorer-ikke, mottar-ikke, eller egen tekst.")],
) -> None:
    """Svar avsender med «Tilbakemelding om feil i mottatt melding» (avvik, HIS 1151)."""
    node = _node()
    text = AVVIK_REASONS.get(reason, reason)
    try:
        stored = answer_misdirected(node.uow(), node.send_options, msg_id, text=text)
    except SendRefusedError as exc:
        raise UserError(str(exc)) from None
    for m in stored:
        out.print(f"Avvik {m.msg_id} til {m.recipient_her_id} er lagt i utboksen.", markup=False)
