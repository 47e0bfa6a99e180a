"""Answering a received message with an AppRec: one per recipient in the own organisation.

HIS 80415:2012 §3.5.1 and HITS 1168 §5.1: each recipient (the primary receiver and every copy receiver)
answers with its own AppRec, which mirrors the addressing of the original (HITS 1168 §6.1). A message whose
MsgHead cannot be read is answered from what the transport knows (HIS 80415:2012 §3.3.4).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.clock import message_time
from samhandling.standards import msghead
from samhandling.standards.apprec.codes import STATUS_CODES, STATUS_OK, STATUS_REJECTED, Code
from samhandling.standards.apprec.model import (
    HCP,
    STANDARDS_BY_VERSION,
    AdditionalId,
    AppRec,
    Dept,
    HCPerson,
    HcpPointer,
    HCProf,
    Inst,
    OriginalMsgId,
    is_her_type,
)
from samhandling.standards.kith import CS, CV


@dataclass(frozen=True)
class Recipient:
    """A recipient of a received message, which answers it with its own AppRec.

    HIS 80415:2012 §3.5.1 and HITS 1168 §5.1: one AppRec per recipient in the own organisation. The
    primary receiver is MsgHead's ``Receiver``; a copy receiver is an ``OtherReceiver`` and ``role`` is its
    ``RoleReceiver`` (code system 8112, normally ``COP``).
    """

    party: msghead.Organisation | msghead.HealthcareProfessional
    role: CS | None = None  # None for the primary receiver

    @property
    def is_copy(self) -> bool:
        return self.role is not None

    @property
    def her_id(self) -> str | None:
        """The HER-id of the communication party the message was addressed to (the most specific level)."""
        if isinstance(self.party, msghead.Organisation):
            return self.party.addressee_her_id()
        return self.party.her_id()


def recipients(original: msghead.MsgHead) -> list[Recipient]:
    """The primary receiver and every copy receiver that is an organisation or a healthcare professional."""
    info = original.msg_info
    found = [Recipient(info.receiver.organisation)]
    for other in info.other_receiver:
        party = other.organisation or other.healthcare_professional
        if party is not None:
            found.append(Recipient(party, other.role_receiver))
    return found


@dataclass(frozen=True)
class AppRecError:
    """An error to report: its code (8221 or a message-specific error code system) and OT.

    ``text`` says in Norwegian what is wrong and where; HIS 80415:2012 §3.3.4 and HITS 1168 §7 require the
    receiver of the AppRec to show it together with the code's display name.
    """

    code: Code
    text: str

    def cv(self) -> CV:
        return self.code.cv(self.text)


def build_apprec(
    original: msghead.MsgHead,
    *,
    version: str,
    status: str,
    errors: Sequence[AppRecError] = (),
    recipient_her_id: str | None = None,
    role: Code | None = None,
    msg_id: str | None = None,
    gen_date: datetime | None = None,
) -> AppRec:
    """The AppRec with which one recipient answers the received message ``original``.

    - ``version``: "1.0" or "1.1", normally :func:`.versions.apprec_version_for` of the original's standard.
    - ``status``: "1" OK, "2" Avvist, "3" OK, feil i delmelding (code system 8258). OK carries no errors,
      the other two at least one (HIS 80415:2012 §4.3.1).
    - ``recipient_her_id``: the HER-id of the answering recipient as the original addresses it (see
      :attr:`Recipient.her_id`); None answers for the primary receiver.
    - ``role``: the answering recipient's role. By default PRIM (1.1) or SPR (1.0) for the primary receiver
      and the copy receiver's own RoleReceiver for a copy receiver (HITS 1168 §6.2; AppRec 1.0 returns the
      role of the received message, HIS 80415:2004 change log 24.04.2008). Pass :data:`.codes.ROLE_REQUESTER` when
      an AppRec 1.0 answers as requester.

    The AppRec mirrors the addressing of the original (HITS 1168 §6.1): its Sender is the answering
    recipient, its Receiver the original's sender, and OriginalMsgId the original's MsgInfo Type, GenDate
    and MsgId (HIS 80415:2012 §3.1, §4.3.2).
    """
    standard = STANDARDS_BY_VERSION.get(version)
    if standard is None:
        raise ValueError(f"ukjent AppRec-versjon {version!r}; samhandling skriver 1.0 og 1.1")
    model: type[AppRec] = standard.model
    status_code = _checked_status(status, errors)
    recipient = _recipient(original, recipient_her_id)
    if role is not None:
        sender_role = role.cs()
    elif recipient.role is not None:
        sender_role = CS(v=recipient.role.v, dn=recipient.role.dn)
    else:
        sender_role = model.primary_role.cs()
    info = original.msg_info
    return model(
        gen_date=gen_date or message_time(),
        id=msg_id or str(uuid.uuid4()),
        sender=HcpPointer(role=sender_role, hcp=_hcp(recipient.party)),
        receiver=HcpPointer(role=model.receiver_role.cs(), hcp=_hcp(info.sender.organisation)),
        status=status_code.cs(),
        error=[e.cv() for e in errors],
        original_msg_id=OriginalMsgId(
            msg_type=CS(v=info.type.v, dn=info.type.dn), issue_date=info.gen_date, id=info.msg_id
        ),
    )


UNKNOWN_MSG_TYPE = CS(dn="Ukjent (meldingen kunne ikke leses)")
"""OriginalMsgId/MsgType of an AppRec for a message whose MsgHead could not be read (V is optional in CS)."""


def build_apprec_for_unreadable(
    *,
    version: str,
    errors: Sequence[AppRecError],
    answering: msghead.Organisation,
    original_sender: msghead.Organisation,
    original_msg_id: str,
    original_issued: datetime,
    msg_id: str | None = None,
    gen_date: datetime | None = None,
) -> AppRec:
    """A negative AppRec (status 2, Avvist) for a received message whose MsgHead cannot be read.

    HIS 80415:2012 §3.3.4: a message that is not well-formed XML (T01), too large (T99) or of a format the
    receiver does not support (T10) may be answered with a negative AppRec when the sender can be known. Without
    a readable MsgHead, what the AppRec mirrors (HITS 1168 §6.1) comes from the transport instead: the sender,
    the MsgId and the time the message was issued; the message's type is unknown and given by name only.
    """
    standard = STANDARDS_BY_VERSION.get(version)
    if standard is None:
        raise ValueError(f"ukjent AppRec-versjon {version!r}; samhandling skriver 1.0 og 1.1")
    model: type[AppRec] = standard.model
    status_code = _checked_status(STATUS_REJECTED.value, errors)
    return model(
        gen_date=gen_date or message_time(),
        id=msg_id or str(uuid.uuid4()),
        sender=HcpPointer(role=model.primary_role.cs(), hcp=_hcp(answering)),
        receiver=HcpPointer(role=model.receiver_role.cs(), hcp=_hcp(original_sender)),
        status=status_code.cs(),
        error=[e.cv() for e in errors],
        original_msg_id=OriginalMsgId(msg_type=UNKNOWN_MSG_TYPE, issue_date=original_issued, id=original_msg_id),
    )


def _checked_status(status: str, errors: Sequence[AppRecError]) -> Code:
    code = STATUS_CODES.get(status)
    if code is None:
        raise ValueError(f"ukjent status {status!r} for applikasjonskvittering (kodeverk 8258: 1, 2 eller 3)")
    if code is STATUS_OK and errors:
        raise ValueError("en applikasjonskvittering med status OK skal ikke ha feilmeldinger")
    if code is not STATUS_OK and not errors:
        raise ValueError(f"en applikasjonskvittering med status «{code.name}» skal ha minst én feilmelding")
    return code


def _recipient(original: msghead.MsgHead, her_id: str | None) -> Recipient:
    candidates = recipients(original)
    if her_id is None:
        return candidates[0]
    for candidate in candidates:
        if candidate.her_id == her_id:
            return candidate
    raise ValueError(f"HER-id {her_id} er ikke mottaker av meldingen {original.msg_id}")


# HIS 80415:2012 §3.5: MsgHead's Organisation maps to HCP/Inst, a nested Organisation to Inst/Dept, a
# HealthcareProfessional to Inst/HCPerson, and the Idents to Id with TypeId and further AdditionalIds.


def _hcp(party: msghead.Organisation | msghead.HealthcareProfessional) -> HCP:
    if isinstance(party, msghead.Organisation):
        return HCP(inst=_inst(party))
    return HCP(hc_prof=_hc_prof(party))


def _inst(organisation: msghead.Organisation) -> Inst:
    levels = list(_levels(organisation))
    addressed_to_organisation = any(level.her_id() for level in levels)
    id_, type_id, additional = _identifiers(organisation.ident)
    return Inst(
        name=organisation.organisation_name,
        id=id_,
        type_id=type_id,
        dept=[_dept(level) for level in levels[1:]],
        additional_id=additional,
        hc_person=[
            _hc_person(person)
            for level in levels
            if (person := level.healthcare_professional) is not None
            and _is_communication_party(person, addressed_to_organisation)
        ],
    )


def _levels(organisation: msghead.Organisation) -> Iterator[msghead.Organisation]:
    level: msghead.Organisation | None = organisation
    while level is not None:
        yield level
        level = level.organisation


def _is_communication_party(person: msghead.HealthcareProfessional, addressed_to_organisation: bool) -> bool:
    # HITS 1168 §11.2: a signing or responsible person without a HER-id of their own is not mapped when the
    # organisation or service is the communication party.
    return person.her_id() is not None or not addressed_to_organisation


def _dept(organisation: msghead.Organisation) -> Dept:
    id_, type_id, additional = _identifiers(organisation.ident)
    return Dept(name=organisation.organisation_name, id=id_, type_id=type_id, additional_id=additional)


def _hc_person(person: msghead.HealthcareProfessional) -> HCPerson:
    id_, type_id, additional = _identifiers(person.ident)
    return HCPerson(name=_full_name(person), id=id_, type_id=type_id, additional_id=additional)


def _hc_prof(person: msghead.HealthcareProfessional) -> HCProf:
    id_, type_id, additional = _identifiers(person.ident)
    kind = person.type_healthcare_professional
    return HCProf(
        type=CS(v=kind.v, dn=kind.dn) if kind is not None else None,
        name=_full_name(person),
        id=id_,
        type_id=type_id,
        additional_id=additional,
    )


def _full_name(person: msghead.HealthcareProfessional) -> str | None:
    """The name as one string for presentation (HIS 80415:2012 §4.4.1), e.g. "August September"."""
    parts = [person.given_name, person.middle_name, person.family_name]
    return " ".join(part for part in parts if part) or None


def _identifiers(idents: Sequence[msghead.Ident]) -> tuple[str | None, CS | None, list[AdditionalId]]:
    """Id, TypeId and AdditionalIds for MsgHead's Idents: every identifier is returned (HIS 80415:2012 §3.5).

    The HER-id, the communication party's address (HIS 1153), comes first as Id; the others follow.
    """
    ordered = sorted(idents, key=lambda ident: not is_her_type(ident.type_id.v))
    if not ordered:
        return None, None, []
    first, *rest = ordered
    return first.id, _type_cs(first), [AdditionalId(id=i.id, type=_type_cs(i)) for i in rest]


def _type_cs(ident: msghead.Ident) -> CS:
    return CS(v=ident.type_id.v, dn=ident.type_id.dn)
