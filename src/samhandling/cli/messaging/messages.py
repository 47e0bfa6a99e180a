"""Commands for messages: receive files as if from the transport, send, list and show what is stored."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from samhandling.bootstrap import Node, bootstrap
from samhandling.cli.common import UserError, err, out, read_file, settings
from samhandling.domain.clock import shown
from samhandling.domain.identifiers import person_id_problem
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.privacy import mask_person_id
from samhandling.services.messaging.node import first_line, is_database_outage
from samhandling.services.messaging.receive import receive_message, store_unprocessable
from samhandling.services.messaging.reception import Reception
from samhandling.services.messaging.send import SendRefusedError, answer_misdirected, submit_request
from samhandling.standards.dialogmelding.codes import (
    PASIENTEN_MOTTAR_IKKE_KOMMUNALE_TJENESTER,
    PASIENTEN_TILHORER_IKKE_KOMMUNEN,
)
from samhandling.store.messaging.messages import MessageQuery

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


_DIRECTIONS = {"inn": Direction.INCOMING, "ut": Direction.OUTGOING, "incoming": Direction.INCOMING,
               "outgoing": Direction.OUTGOING}
STATE_WORDS = ", ".join(f"«{s.label.lower()}»" for s in MessageState)


def parse_state(text: str) -> MessageState:
    """A state as the tables show it (Norwegian, any case) or its internal name."""
    wanted = " ".join(text.split()).lower()
    for state in MessageState:
        if wanted in (state.value, state.label.lower()):
            return state
    raise UserError(f"--state: «{text}» er ingen tilstand; bruk en av {STATE_WORDS}")


def parse_day(text: str | None, option: str) -> date | None:
    """A day as Norwegians write it (01.03.2025, 1.3.2025) or in ISO form (2025-03-01)."""
    if text is None:
        return None
    cleaned = text.strip()
    try:
        if "." in cleaned:
            day, month, year = (int(p) for p in cleaned.split("."))
            return date(year, month, day)
        return date.fromisoformat(cleaned)
    except ValueError:
        raise UserError(f"{option}: «{text}» er ikke en dato; skriv 01.03.2025 eller 2025-03-01") from None


def parse_direction(text: str) -> Direction:
    try:
        return _DIRECTIONS[text.strip().lower()]
    except KeyError:
        raise UserError(f"--direction: «{text}» er ingen retning; bruk «inn» eller «ut»") from None


@messages_app.command("list")
def list_messages(
    as_json: Annotated[bool, typer.Option("--json", help="JSON i stedet for tabell.")] = False,
    direction: Annotated[str | None, typer.Option(help="«inn» eller «ut» (også incoming/outgoing).")] = None,
    state: Annotated[list[str] | None, typer.Option(
        help=f"Bare meldinger i denne tilstanden, slik tabellen viser den (kan gjentas): {STATE_WORDS}.")] = None,
    party: Annotated[str | None, typer.Option(help="HER-id for avsender eller mottaker.")] = None,
    msg_type: Annotated[str | None, typer.Option("--type", help="Meldingstype, f.eks. DIALOG_FORESPORSEL.")] = None,
    msg_id: Annotated[str | None, typer.Option("--msg-id", help="Bare meldingen(e) med denne MsgId.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Laget denne dagen eller senere (01.03.2025 "
                                                  "eller 2025-03-01, norsk tid).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Laget denne dagen eller før (norsk tid).")] = None,
    patient: Annotated[bool, typer.Option("--patient", help="Søk på pasient: fødselsnummeret spørres om "
                                          "uten å vises (eller les det fra stdin).")] = False,
    limit: Annotated[int, typer.Option(min=1, help="Høyst så mange, nyeste først.")] = 100,
) -> None:
    """List og søk i lagrede meldinger, nyeste først."""
    from datetime import timedelta

    from samhandling.domain.clock import OSLO

    patient_ref = None
    if patient:
        patient_ref = (typer.prompt("Fødselsnummer", hide_input=True, err=True) if sys.stdin.isatty()
                       else sys.stdin.readline()).strip()
        problem = person_id_problem(patient_ref)
        if problem:
            raise UserError(f"--patient: {problem}")
    start = parse_day(date_from, "--from")
    end = parse_day(date_to, "--to")
    query = MessageQuery(direction=parse_direction(direction) if direction else None,
                         states=frozenset(parse_state(s) for s in state or []), party_her_id=party, limit=limit,
                         msg_type=msg_type.strip().upper() if msg_type else None,
                         msg_id=msg_id.strip() if msg_id else None, patient_ref=patient_ref,
                         created_from=datetime.combine(start, time(0), OSLO) if start else None,
                         created_before=datetime.combine(end + timedelta(days=1), time(0), OSLO) if end else None)
    node = _node()
    with node.uow() as uow:
        found = uow.messages.list(query)
    if as_json:
        print(json.dumps([_summary(m) for m in found], ensure_ascii=False))
        return
    table = Table("Id", "Retning", "Type", "MsgId", "Fra", "Til", "Tilstand", "Feil", "Tid")
    for column in table.columns:  # wrapped, never cut: «messages show» and «messages avvik» take the whole MsgId
        column.overflow = "fold"
    for m in found:
        table.add_row(str(m.id), "inn" if m.direction is Direction.INCOMING else "ut", m.msg_type, m.msg_id,
                      m.sender_her_id or "", m.recipient_her_id or "", m.state.label, ", ".join(m.error_codes),
                      shown(m.created_at))
    out.print(table, soft_wrap=False)


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


def find_message(node: Node, wanted: str) -> StoredMessage:
    """A stored message by its number in «messages list» or by its MsgId (the first stored copy)."""
    text = wanted.strip()
    with node.uow() as uow:
        if text.isdigit():
            found = uow.messages.get(int(text))
            if found is not None:
                return found
        copies = uow.messages.list(MessageQuery(msg_id=text, oldest_first=True, limit=50))
    if not copies:
        raise UserError(f"finner ingen melding med id eller MsgId {text}")
    if len(copies) > 1:
        err.print(f"Merk: MsgId {text} er lagret {len(copies)} ganger (én per mottaker: id "
                  + ", ".join(str(c.id) for c in copies) + "); viser den første.", markup=False)
    return copies[0]


_LABELS = {"id": "Id", "direction": "Retning", "msg_id": "MsgId", "msg_type": "Meldingstype", "standard": "Standard",
           "sender_her_id": "Avsender (HER-id)", "recipient_her_id": "Mottaker (HER-id)",
           "receiver_her_ids": "Adressert til", "state": "Tilstand", "error_codes": "Feilkoder",
           "conversation_ref": "Samtale", "parent_ref": "Svar på", "linked_to": "Gjelder melding",
           "is_apprec": "Applikasjonskvittering", "original_msg_id": "Kvitterer for", "receipt_conflict":
           "Kvitteringskonflikt", "patient": "Pasient", "created_at": "Laget", "updated_at": "Endret"}


@messages_app.command("show")
def show_message(
    message_ref: Annotated[str, typer.Argument(metavar="ID|MSGID",
                                               help="Meldingens id (fra «messages list») eller MsgId.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON i stedet for tekst.")] = False,
) -> None:
    """Vis én lagret melding: nøkkelfelt, kvitteringens feilkoder, selve meldingen lesbart og journalen."""
    from samhandling.services.messaging.presentation import render
    from samhandling.standards.apprec.codes import ERROR_CODES
    from samhandling.standards.validation import validate_message

    node = _node()
    message = find_message(node, message_ref)
    assert message.id is not None
    with node.uow() as uow:
        journal = uow.messages.journal(message.id)
    if as_json:
        summary = _summary(message)
        summary["journal"] = [{"at": e.at.isoformat(), "state": e.state.value, "detail": e.detail} for e in journal]
        print(json.dumps(summary, ensure_ascii=False))
        return
    for key, value in _summary(message).items():
        if value in (None, [], "", False):
            continue
        if key == "direction":
            value = "inn (mottatt)" if message.direction is Direction.INCOMING else "ut (sendt)"
        elif key == "state":
            value = message.state.label
        elif key in ("created_at", "updated_at"):
            value = shown(getattr(message, key), seconds=True)
        elif key == "error_codes":
            value = "; ".join(f"{c} {ERROR_CODES[c].name}" if c in ERROR_CODES else c for c in message.error_codes)
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        elif value is True:
            value = "ja"
        out.print(f"{_LABELS.get(key, key)}: {value}", markup=False)
    report = validate_message(message.raw, schemas=None, max_bytes=max(len(message.raw), 1))
    if report.root is not None and (report.head is not None or report.document is not None):
        out.print("Meldingen:")
        render(report, out)
    out.print("Journal:")
    for entry in journal:
        out.print(f"  {shown(entry.at, seconds=True)} {entry.state.label}: {entry.detail}", markup=False)


@messages_app.command("export")
def export_message(
    message_ref: Annotated[str, typer.Argument(metavar="ID|MSGID", help="Meldingens id eller MsgId.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Filen den opprinnelige XML-en skrives til.")],
) -> None:
    """Skriv en lagret melding nøyaktig slik den ble mottatt eller sendt (original XML) til en fil."""
    node = _node()
    message = find_message(node, message_ref)
    if output.is_dir():
        raise UserError(f"{output}: er en mappe; oppgi et filnavn")
    try:
        output.write_bytes(message.raw)
    except OSError as exc:
        raise UserError(f"{output}: kan ikke skrive filen ({exc.strerror})") from None
    err.print(f"Skrev melding {message.id} ({message.msg_type}, {len(message.raw)} byte) til {output}. Filen "
              "inneholder pasientopplysninger: oppbevar og slett den som annen journalinformasjon.", markup=False)


MUNICIPAL_REASONS = frozenset(AVVIK_REASONS)
HITS_1168_5_3 = ("Merk: en melding adressert til en virksomhet vi ikke representerer, får ingen applikasjonskvittering "
                 "(HITS 1168 §5.3); avviket (HIS 1151) sier fra til avsenderen, som sender til riktig mottaker.")


@messages_app.command("avvik")
def avvik(
    message_ref: Annotated[str, typer.Argument(
        metavar="ID|MSGID", help="Id (fra «messages list») eller MsgId for den feiladresserte mottatte meldingen.")],
    reason: Annotated[str, typer.Option("--grunn", help="Kommunens standardkommentarer «tilhorer-ikke» (Pasienten "
                                        "tilhører ikke kommunen) og «mottar-ikke» (Pasienten mottar ikke kommunale "
                                        "tjenester), eller en egen tekst (sykehuset skriver alltid egen tekst).")],
) -> None:
    """Svar avsender med «Tilbakemelding om feil i mottatt melding» (avvik, HIS 1151)."""
    node = _node()
    wanted = message_ref.strip()
    with node.uow() as uow:
        parties = uow.parties.all()
        candidates = ([m for m in [uow.messages.get(int(wanted))] if m is not None] if wanted.isdigit() else [])
        candidates += uow.messages.list(MessageQuery(direction=Direction.INCOMING, msg_id=wanted, is_apprec=False,
                                                     limit=5))
        received = next((m for m in candidates if m.direction is Direction.INCOMING and not m.is_apprec), None)
        earlier = (uow.messages.list(MessageQuery(direction=Direction.OUTGOING, msg_type="DIALOG_AVVIK", limit=None))
                   if received is not None else [])
    if received is None:
        raise UserError(f"Fant ingen mottatt melding med id eller MsgId {wanted} å svare på")
    ours = received.recipient_her_id
    if ours is None or not parties.is_served_locally(ours):
        raise UserError(f"meldingen {received.msg_id} er ikke levert til en av våre egne parter (HER-id {ours}); "
                        "avvik sendes fra parten som fikk meldingen")
    organisation = parties.organisation_of(ours) or parties.get(ours)
    municipal = organisation is not None and organisation.municipality is not None
    if reason in MUNICIPAL_REASONS and not municipal:
        raise UserError(f"«{reason}» er kommunens standardkommentar («{AVVIK_REASONS[reason]}»); fra sykehuset: "
                        "skriv med --grunn hva som er feil, f.eks. «Pasienten er ikke innlagt hos oss»")
    same = [m for m in earlier if m.parent_ref == received.msg_id]
    if same:
        err.print(f"Merk: det er sendt avvik for denne meldingen før (id {', '.join(str(m.id) for m in same)}); "
                  "dette sendes i tillegg.", markup=False)
    text = AVVIK_REASONS.get(reason, reason)
    try:
        stored = answer_misdirected(node.uow(), node.send_options, received.msg_id, text=text)
    except SendRefusedError as exc:
        raise UserError(str(exc)) from None
    for m in stored:
        out.print(f"Avvik {m.msg_id} til {m.recipient_her_id} er lagt i utboksen.", markup=False)
    err.print(HITS_1168_5_3, markup=False)
