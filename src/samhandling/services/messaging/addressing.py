"""Who of ours a received message is addressed to, and how MsgHead addresses one of our parties.

Service-based addressing (HIS 1153) names the organisation and then the service or person within it. One AppRec
goes to the sender per local recipient (HIS 80415 §5.1): the primary receiver and each copy receiver this node
serves. A message addressed to another organisation is not answered (HITS 1168 §5.3); one addressed to our
organisation but to a service or person we cannot identify was misdirected (E21, HIS 80415:2012 §3.3.4), unless
the organisation chose to accept such messages at organisation level.
"""

from __future__ import annotations

from dataclasses import dataclass

from samhandling.domain.messaging.parties import Parties, PartyKind
from samhandling.standards.msghead import HealthcareProfessional, MsgHead, Organisation, her_ident, party


@dataclass(frozen=True)
class Recipient:
    her_id: str
    """The local party that answers (and whose copy is stored): as addressed, or the organisation level."""
    misdirected: bool  # addressed to our organisation, but to a service or person we do not serve
    addressee: str = ""
    """The HER-id as the message addresses this recipient (what the AppRec mirrors); default ``her_id``."""
    unit: str = ""
    """The service or person we could not identify, in Norwegian (for E21 or the note), else empty."""

    @property
    def addressed_as(self) -> str:
        return self.addressee or self.her_id


def local_recipients(head: MsgHead, parties: Parties, *, accept_unknown: bool = False) -> list[Recipient]:
    """The recipients this node answers for: the primary receiver first, then copy receivers."""
    addressed: list[Organisation] = [head.msg_info.receiver.organisation]
    addressed += [r.organisation for r in head.msg_info.other_receiver if r.organisation is not None]
    found: list[Recipient] = []
    for organisation in addressed:
        recipient = _recipient_for(organisation, parties, accept_unknown)
        if recipient is None or any(r.her_id == recipient.her_id for r in found):
            continue
        found.append(recipient)
    return found


def _recipient_for(organisation: Organisation, parties: Parties, accept_unknown: bool) -> Recipient | None:
    """Who of ours ``organisation`` (a Receiver or OtherReceiver as MsgHead names it) is, or None if not ours.

    Service-based addressing (HIS 1153) names the organisation and then the service or person within it. The
    deepest level we serve is the anchor; every level named below it must be one of ours too: by its HER-id, or,
    when it carries none (only a local ``LOK`` identifier, say), by its name among the anchor's parties. A level
    we cannot identify makes the message misdirected: "Det KAN returneres negativ applikasjonskvittering hvis
    mottakende tjeneste ikke kan identifiseres som registrert tjeneste ved organisasjonen. Dersom meldingen
    avvises skal feilkode E21 Mottaker finnes ikke fra kodeverk 8221 benyttes." (HIS 80415:2012 §3.3.4).
    """
    levels = _addressed_levels(organisation)
    served = [n for n, (_, her_id) in enumerate(levels) if her_id and parties.is_served_locally(her_id)]
    if not served:
        return None
    anchor_index = served[-1]
    anchor = levels[anchor_index][1] or ""
    addressee = organisation.addressee_her_id() or anchor
    for name, her_id in levels[anchor_index + 1:]:
        if her_id is None:
            match = next((p for p in parties.children(anchor) if p.name.strip().casefold() == name.casefold()),
                         None)
            if match is not None:
                anchor = match.her_id
                continue
            unit = f"«{name}» (uten HER-id)" if name else "en enhet uten navn og HER-id"
        else:
            unit = f"HER-id {her_id}"
        if accept_unknown:
            return Recipient(anchor, misdirected=False, addressee=addressee, unit=unit)
        return Recipient(addressee if her_id is not None else anchor, misdirected=True, addressee=addressee,
                          unit=unit)
    return Recipient(anchor, misdirected=False, addressee=addressee)


def _addressed_levels(organisation: Organisation) -> list[tuple[str, str | None]]:
    """Name and HER-id of each level MsgHead names, from the organisation down to the service and the person."""
    levels: list[tuple[str, str | None]] = []
    level: Organisation | None = organisation
    while level is not None:
        levels.append(((level.organisation_name or "").strip(), level.her_id()))
        person = level.healthcare_professional
        if person is not None:
            name = " ".join(p.strip() for p in (person.given_name, person.middle_name, person.family_name)
                            if p and p.strip())
            levels.append((name, person.her_id()))
        level = level.organisation
    return levels


def organisation_for(parties: Parties, her_id: str) -> Organisation:
    """``her_id`` as MsgHead would address it: the organisation, with the service or person under it, named as the
    register names them (an unknown party by its HER-id alone)."""
    chain = parties.path(her_id)
    if not chain:
        return party(f"HER-id {her_id}", her_id)
    person = None
    if chain[-1].kind is PartyKind.PERSON and len(chain) > 1:
        leaf = chain.pop()
        person = HealthcareProfessional(family_name=leaf.name, ident=[her_ident(leaf.her_id)])
    nested: Organisation | None = None
    for level in reversed(chain):
        nested = party(level.name, level.her_id, service=nested)
        if person is not None:
            nested.healthcare_professional, person = person, None
    assert nested is not None
    return nested


def receiver_her_ids(head: MsgHead) -> tuple[str, ...]:
    info = head.msg_info
    ids = [info.receiver.organisation.addressee_her_id()]
    ids += [r.organisation.addressee_her_id() for r in info.other_receiver if r.organisation is not None]
    return tuple(i for i in ids if i)
