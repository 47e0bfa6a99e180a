"""The send pipeline: compose or take a message, validate it, store it and put it in the outbox.

Only approved messages leave (the cooperation procedure; HITS 1168 §4.4 turns an invalid one into a
rejection at the receiver anyway): a message with any finding is refused before it is stored. A valid
message is stored once per recipient (the primary receiver and each copy receiver, as the receivers
answer separately) and queued; the outbox delivers it when the transport can (see ``outbox.py``).

Addressing goes through the register of parties (HIS 1153, service-based addressing): a HER-id is
written as its path, organisation › service › person. A reply is addressed to the sender of the
message it answers, with ``ConversationRef`` to it (HITS 1218).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from samhandling.domain.clock import message_time, utc_now
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.messaging.parties import Parties, PartyKind
from samhandling.standards.dialogmelding.builders import avvik, foresporsel, notat, svar_pa_foresporsel
from samhandling.standards.dialogmelding.codes import (
    PASIENTEN_MOTTAR_IKKE_KOMMUNALE_TJENESTER,
    PASIENTEN_TILHORER_IKKE_KOMMUNEN,
)
from samhandling.standards.kith import CS
from samhandling.standards.message import compose, message_bytes
from samhandling.standards.msghead import (
    HealthcareProfessional,
    MsgHead,
    Organisation,
    OtherReceiver,
    Patient,
    her_ident,
    read_msghead,
)
from samhandling.standards.parsing import NotWellFormedError, TooLargeError, parse_xml
from samhandling.standards.registry import read_content
from samhandling.standards.schemas import SchemaSet
from samhandling.standards.validation import PERSON_ID_TYPES, Finding, ValidationReport, validate_message
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.unit_of_work import UnitOfWork


class SendRefusedError(ValueError):
    """The message may not leave; the message says why in one Norwegian line, ``findings`` in detail."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = list(findings)


class AlreadySubmittedError(SendRefusedError):
    """The same message (MsgId, sender, recipient) is stored already: it is on its way, nothing to do."""


@dataclass(frozen=True)
class SendOptions:
    schemas: SchemaSet | None
    max_bytes: int


def address(parties: Parties, her_id: str) -> Organisation:
    """The MsgHead ``Organisation`` for a registered HER-id: its path from the top organisation down.

    Services nest as organisations within the organisation; a person is the healthcare professional of the
    innermost level (HIS 1153-1 §3).
    """
    path = parties.path(her_id)
    if not path:
        raise SendRefusedError(f"HER-id {her_id} finnes ikke i registeret over kommunikasjonsparter.")
    if path[0].kind is PartyKind.PERSON:
        raise SendRefusedError(f"HER-id {her_id} er en person uten kjent virksomhet i registeret.")
    person = path[-1] if path[-1].kind is PartyKind.PERSON else None
    levels = path[:-1] if person is not None else path
    inner: Organisation | None = None
    for level in reversed(levels):
        inner = Organisation(organisation_name=level.name, ident=[her_ident(level.her_id)], organisation=inner)
    assert inner is not None
    if person is not None:
        innermost = inner.innermost()
        given, _, family = person.name.rpartition(" ")
        innermost.healthcare_professional = HealthcareProfessional(
            family_name=family, given_name=given or None, ident=[her_ident(person.her_id)])
    return inner


def submit_document(
    uow: UnitOfWork,
    options: SendOptions,
    document: Any,
    *,
    sender_her_id: str,
    receiver_her_id: str | None = None,
    copy_her_ids: Sequence[str] = (),
    patient: Patient | None = None,
    in_reply_to: str | None = None,
    processing_status: str | None = None,
    now: datetime | None = None,
    msg_id: str | None = None,
) -> list[StoredMessage]:
    """Compose a typed business document into a message, check it, store it and queue it.

    With ``in_reply_to`` (a MsgId this node received) the message answers that one: it goes to its sender
    with ConversationRef, and the patient is taken from it unless given. ``msg_id`` fixes the MsgId (a caller
    that may submit the same request again after a crash passes the same one, and the second is refused
    with AlreadySubmittedError); otherwise a new one is made.
    """
    at = now or utc_now()
    with uow:
        parties = uow.parties.all()
        _check_local_sender(parties, sender_her_id)
        parent = _received_head(uow, in_reply_to) if in_reply_to else None
        if parent is not None:
            receiver = parent.msg_info.sender.organisation
            patient = patient or parent.msg_info.patient
        elif receiver_her_id is not None:
            receiver = address(parties, receiver_her_id)
        else:
            raise SendRefusedError("Mottaker mangler: oppgi mottakerens HER-id eller meldingen det svares på.")
        copies = [OtherReceiver(role_receiver=CS(v="COP", dn="Kopimottaker"), organisation=address(parties, h))
                  for h in copy_her_ids]
        head = compose(document, sender=address(parties, sender_her_id), receiver=receiver, patient=patient,
                       copies=copies, in_reply_to=parent, processing_status=processing_status, msg_id=msg_id,
                       gen_date=message_time(at))
        stored = _store(uow, options, message_bytes(head), parties, at)
        uow.commit()
    return stored


OWN_CATEGORY_TYPES = frozenset({"DIALOG_FORESPORSEL", "DIALOG_SVAR", "DIALOG_AVVIK", "DIALOG_NOTAT",
                                "DIALOG_HELSEFAGLIG", "UTSKRIVNINGSRAPPORT"})
"""Misdirected messages of these types are handled as their own category in the cooperation procedure: the
standard comments for misdirected PLO messages do not fit them."""


def answer_misdirected(uow: UnitOfWork, options: SendOptions, msg_id: str, *, text: str,
                       now: datetime | None = None) -> list[StoredMessage]:
    """Answer a received message with "Tilbakemelding om feil i mottatt melding" (DIALOG_AVVIK, HIS 1151).

    The municipality's duty when a PLO message reaches it by mistake: the answer goes to the sender, from the
    local party the message was delivered to, with ConversationRef to it and the same patient.
    """
    with uow:
        found = uow.messages.list(MessageQuery(direction=Direction.INCOMING, msg_id=msg_id, is_apprec=False, limit=1))
    if not found or found[0].recipient_her_id is None:
        raise SendRefusedError(f"Fant ingen mottatt melding med MsgId {msg_id} å svare på.")
    standard_comments = (PASIENTEN_TILHORER_IKKE_KOMMUNEN, PASIENTEN_MOTTAR_IKKE_KOMMUNALE_TJENESTER)
    if text in standard_comments and found[0].msg_type in OWN_CATEGORY_TYPES:
        raise SendRefusedError("Standardkommentarene gjelder feiladresserte PLO-meldinger; dialogmeldinger og "
                               "epikriser er en egen kategori: skriv en egen tekst om hva som er feil.")
    return submit_document(uow, options, avvik(tekst=text), sender_her_id=found[0].recipient_her_id,
                           in_reply_to=msg_id, now=now)


def submit_bytes(uow: UnitOfWork, options: SendOptions, data: bytes, *, now: datetime | None = None
                 ) -> list[StoredMessage]:
    """Take a ready MsgHead message (from an EPJ), check it, store it exactly as given and queue it."""
    at = now or utc_now()
    with uow:
        stored = _store(uow, options, data, uow.parties.all(), at)
        uow.commit()
    return stored


def _check_local_sender(parties: Parties, her_id: str | None) -> None:
    if her_id is None:
        raise SendRefusedError("Avsender har ingen HER-id.")
    if not parties.is_served_locally(her_id):
        raise SendRefusedError(f"Avsender {her_id} betjenes ikke av denne noden og kan ikke sende herfra.")


def _received_head(uow: UnitOfWork, msg_id: str) -> MsgHead:
    found = uow.messages.list(MessageQuery(direction=Direction.INCOMING, msg_id=msg_id, is_apprec=False, limit=1))
    if not found:
        raise SendRefusedError(f"Fant ingen mottatt melding med MsgId {msg_id} å svare på.")
    return read_msghead(parse_xml(found[0].raw), strict=False)


def _store(uow: UnitOfWork, options: SendOptions, data: bytes, parties: Parties, at: datetime
           ) -> list[StoredMessage]:
    report = validate_message(data, schemas=options.schemas, max_bytes=options.max_bytes)
    # What a receiver only notes (HIS 80415:2012 §3.3.4: a wrong or missing fødselsnummer of a patient identified
    # otherwise) is still our own mistake: we never send it.
    faults = [*report.findings, *report.notes]
    if faults:
        raise SendRefusedError("Meldingen er ikke gyldig og sendes ikke: "
                               + "; ".join(str(f) for f in faults[:5]), faults)
    head = report.head
    if head is None:
        raise SendRefusedError("Bare meldinger med hodemelding (MsgHead) kan sendes.")
    sender = head.msg_info.sender.organisation.addressee_her_id()
    _check_local_sender(parties, sender)
    recipients = _recipients(head)
    stored: list[StoredMessage] = []
    for recipient in recipients:
        if uow.messages.get_by_key(head.msg_id, sender, recipient, Direction.OUTGOING) is not None:
            raise AlreadySubmittedError(f"Meldingen med MsgId {head.msg_id} er allerede sendt til {recipient}.")
        message = uow.messages.add(_outgoing(head, report, data, sender, recipients, recipient, at),
                                   detail="Lagt i utboksen.")
        assert message.id is not None
        uow.outbox.enqueue(message.id, at=at)
        stored.append(message)
    return stored


def _recipients(head: MsgHead) -> list[str]:
    info = head.msg_info
    found = [info.receiver.organisation.addressee_her_id()]
    found += [r.organisation.addressee_her_id() for r in info.other_receiver if r.organisation is not None]
    return list(dict.fromkeys(h for h in found if h))


def _outgoing(head: MsgHead, report: ValidationReport, data: bytes, sender: str | None, recipients: list[str],
              recipient: str, at: datetime) -> StoredMessage:
    info = head.msg_info
    patient = info.patient
    ident = patient.ident_of(*PERSON_ID_TYPES) if patient is not None else None
    return StoredMessage(
        direction=Direction.OUTGOING,
        msg_id=head.msg_id,
        msg_type=head.msg_type,
        standard=report.standard.label if report.standard is not None else "",
        sender_her_id=sender,
        receiver_her_ids=tuple(recipients),
        recipient_her_id=recipient,
        conversation_ref=info.conversation_ref.ref_to_conversation if info.conversation_ref else None,
        parent_ref=info.conversation_ref.ref_to_parent if info.conversation_ref else None,
        patient_ref=ident.id.strip() if ident is not None else None,
        state=MessageState.QUEUED,
        raw=data,
        created_at=at,
        updated_at=at,
    )


# --- a send request in JSON (``samhandling send FILE``) -----------------------------------------------

@dataclass(frozen=True)
class SendRequest:
    """What an EPJ asks the node to send: addressing, patient, and the business document."""

    sender: str
    document: Any
    receiver: str | None = None
    copies: tuple[str, ...] = ()
    in_reply_to: str | None = None
    patient: Patient | None = None


def parse_send_request(description: Any, *, read_document: Any) -> SendRequest:
    """Read a JSON send request; ValueError with one Norwegian line naming the field that is wrong.

    ``{"sender": HER, "receiver": HER | "in_reply_to": MsgId, "copies": [HER], "patient": {"id", "family_name",
    "given_name"}, "document": {"type": "foresporsel|svar|avvik|notat", "text": "…", "version": "1.0|1.1"} |
    {"file": "document.xml"}}``. ``read_document(name)`` reads a business document file into its model.
    """
    from samhandling.standards.msghead import person_ident

    if not isinstance(description, dict):
        raise ValueError("forventet et JSON-objekt")

    def text(field_name: str, value: Any, *, required: bool = True) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"feltet «{field_name}» må være en ikke-tom tekst")
        return value.strip()

    sender = text("sender", description.get("sender"))
    receiver = text("receiver", description.get("receiver"), required=False)
    in_reply_to = text("in_reply_to", description.get("in_reply_to"), required=False)
    if receiver is None and in_reply_to is None:
        raise ValueError("oppgi «receiver» (HER-id) eller «in_reply_to» (MsgId)")
    copies = description.get("copies", [])
    if not isinstance(copies, list) or not all(isinstance(c, str) and c.strip() for c in copies):
        raise ValueError("feltet «copies» må være en liste av HER-id-er")
    patient = None
    if (p := description.get("patient")) is not None:
        if not isinstance(p, dict):
            raise ValueError("feltet «patient» må være et objekt med id, family_name og given_name")
        patient = Patient(family_name=text("patient.family_name", p.get("family_name")),
                          given_name=text("patient.given_name", p.get("given_name")),
                          ident=[person_ident(text("patient.id", p.get("id")) or "", p.get("kind", "FNR"))])
    doc = description.get("document")
    if not isinstance(doc, dict):
        raise ValueError("feltet «document» mangler eller er ikke et objekt")
    if "file" in doc:
        document = read_document(text("document.file", doc.get("file")))
    else:
        kind = text("document.type", doc.get("type"))
        body = text("document.text", doc.get("text")) or ""
        version = doc.get("version", "1.0")
        if version not in ("1.0", "1.1"):
            raise ValueError("feltet «document.version» må være 1.0 eller 1.1")
        builders = {
            "foresporsel": lambda: foresporsel(sporsmal=body, version=version),
            "svar": lambda: svar_pa_foresporsel(tekst=body, version=version),
            "avvik": lambda: avvik(tekst=body, version=version),
            "notat": lambda: notat(tekst=body, version=version),
        }
        if kind not in builders:
            raise ValueError(f"ukjent dokumenttype «{kind}»; bruk en av {', '.join(builders)} eller «file»")
        document = builders[kind]()
    return SendRequest(sender=sender or "", document=document, receiver=receiver,
                       copies=tuple(c.strip() for c in copies), in_reply_to=in_reply_to, patient=patient)


def submit_request(uow: UnitOfWork, options: SendOptions, data: bytes, *, base_dir: Path,
                   now: datetime | None = None, msg_id: str | None = None) -> list[StoredMessage]:
    """Submit a JSON send request or a ready MsgHead message (from the command line or the EPJ catalog).

    A document file named in a JSON request is read relative to ``base_dir``. ``msg_id`` is the MsgId a JSON
    request's message gets (a ready MsgHead keeps its own). Raises SendRefusedError with one Norwegian line
    for anything that cannot be sent.
    """
    if not data.lstrip().startswith((b"{", b"[")):
        return submit_bytes(uow, options, data, now=now)

    def read_document(name: str) -> Any:
        path = base_dir / name
        try:
            size = path.stat().st_size
            if size > options.max_bytes:
                raise ValueError(f"dokumentet {path} er for stort")
            return read_content(parse_xml(path.read_bytes(), max_bytes=options.max_bytes))
        except OSError as exc:
            raise ValueError(f"dokumentet {path} kan ikke leses: {exc.strerror}") from None
        except (NotWellFormedError, TooLargeError, LookupError) as exc:
            raise ValueError(f"dokumentet {path} kan ikke leses: {exc}") from None

    try:
        request = parse_send_request(json.loads(data), read_document=read_document)
    except json.JSONDecodeError as exc:
        raise SendRefusedError(f"ugyldig JSON på linje {exc.lineno}: {exc.msg}") from None
    except ValueError as exc:
        raise SendRefusedError(str(exc)) from None
    return submit_document(uow, options, request.document, sender_her_id=request.sender,
                           receiver_her_id=request.receiver, copy_her_ids=request.copies, patient=request.patient,
                           in_reply_to=request.in_reply_to, now=now, msg_id=msg_id)
