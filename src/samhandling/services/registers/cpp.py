"""What a partner can receive, read from its CPP or a CPA (:mod:`samhandling.standards.cpp`): the message
types it takes (replacing those known) and its certificates; communication details (the address register's
``CommunicationParty``) are imported as ``partners import`` does
(:mod:`samhandling.services.registers.partner_files`). Every input is checked before anything is stored; each
change is journaled (:mod:`samhandling.services.registers.journal`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.clock import utc_now
from samhandling.domain.registers.partners import Entity, MessageCapability
from samhandling.services.registers.certificates import certificate_from_info, put_certificate
from samhandling.services.registers.journal import RegisterInputError, record_change
from samhandling.services.registers.parties import PartySource
from samhandling.services.registers.partner_files import PartnerImport, import_partners
from samhandling.standards.adresseregister import RegisterError, read_register_element
from samhandling.standards.cpp import CppError, is_collaboration, read_cpp_element
from samhandling.standards.parsing import DEFAULT_MAX_BYTES, parse_xml
from samhandling.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CppImport:
    label: str
    her_id: str
    capabilities: int
    certificates_created: tuple[str, ...] = ()
    certificates_updated: tuple[str, ...] = ()
    certificates_unchanged: tuple[str, ...] = ()
    certificates_skipped: tuple[str, ...] = ()
    """Serial numbers of certificates whose usage neither the key usage nor the CPP's certId tells."""
    partner_import: PartnerImport | None = None


def import_cpp(
    uow: UnitOfWork,
    her_id: str,
    source: PartySource,
    *,
    by: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    now: datetime | None = None,
) -> CppImport:
    """Import what a CPP or CPA says about the party ``her_id``: the messages it can receive (replacing
    those known) and its certificates. Communication details (the register's ``CommunicationParty``) about
    ``her_id`` are imported as ``partners import`` does. The party must be registered; a document about
    another HER-id is refused."""
    at = now or utc_now()
    try:
        root = parse_xml(source.data, max_bytes=max_bytes)
    except ValueError as exc:
        raise RegisterInputError(f"{source.name}: {exc}") from None
    if not is_collaboration(root):
        try:
            record = read_register_element(root)
        except RegisterError as exc:
            raise RegisterInputError(f"{source.name}: {exc}") from None
        if record.main.party.her_id != her_id:
            raise RegisterInputError(
                f"{source.name}: kommunikasjonsdetaljene gjelder HER-id {record.main.party.her_id}, ikke {her_id}"
            )
        result = import_partners(uow, [source], by=by, max_bytes=max_bytes, now=at)
        return CppImport("CommunicationDetails", her_id, 0, partner_import=result)
    try:
        collaboration = read_cpp_element(root)
    except CppError as exc:
        raise RegisterInputError(f"{source.name}: {exc}") from None
    party = collaboration.party(her_id)
    if party is None:
        present = ", ".join(p.her_id for p in collaboration.parties)
        raise RegisterInputError(
            f"{source.name}: {collaboration.kind}-en gjelder HER-id {present}, ikke {her_id}"
        )
    capabilities = [
        MessageCapability(
            her_id=her_id,
            service=b.service,
            action=b.action,
            message_version=b.message_version,
            namespace=b.content.namespace if b.content is not None else None,
            process=b.process,
            process_version=b.process_version,
            source=collaboration.label,
        )
        for b in party.receivable()
    ]
    outcomes: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": [], "skipped": []}
    with uow:
        if uow.parties.get(her_id) is None:
            raise RegisterInputError(
                f"HER-id {her_id} er ikke registrert: importer parten først (partners import eller parties import)."
            )
        before = uow.registers.capabilities.list(her_id)
        uow.registers.capabilities.replace(her_id, capabilities)
        record_change(uow, by=by, at=at, entity=Entity.CAPABILITIES, key=her_id,
                      before={"receives": _capability_labels(before), "source": _sources(before)} if before else None,
                      after={"receives": _capability_labels(capabilities), "source": collaboration.label})
        for info in party.certificates:
            if info.usage is None:
                outcomes["skipped"].append(info.serial)
                continue
            outcome = put_certificate(uow, certificate_from_info(her_id, info, info.usage), by=by, at=at)
            outcomes[outcome].append(info.serial)
        uow.commit()
    return CppImport(
        collaboration.label,
        her_id,
        len(capabilities),
        certificates_created=tuple(outcomes["created"]),
        certificates_updated=tuple(outcomes["updated"]),
        certificates_unchanged=tuple(outcomes["unchanged"]),
        certificates_skipped=tuple(outcomes["skipped"]),
    )


def _capability_labels(capabilities: Iterable[MessageCapability]) -> list[str]:
    return sorted(f"{c.service}/{c.action} {c.message_version or ''}".strip() for c in capabilities)


def _sources(capabilities: Iterable[MessageCapability]) -> str | None:
    found = sorted({c.source for c in capabilities if c.source})
    return ", ".join(found) or None
