"""The register repositories in SQL, on the unit of work's connection (``uow.registers``): each refuses
what the database's keys refuse, before the database is asked (a partner needs its party, a contact point its
partner, an agreement its municipality; see :mod:`samhandling.store.registers.repositories`).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row

from samhandling.domain.identifiers import her_id_order
from samhandling.domain.registers.agreements import Agreement, AgreementArea, AgreementDocument, AgreementStatus
from samhandling.domain.registers.certificates import Certificate, CertificateUsage
from samhandling.domain.registers.contacts import ContactPoint, ContactPurpose
from samhandling.domain.registers.partners import (
    Action,
    Entity,
    MessageCapability,
    Municipality,
    PartnerCategory,
    PartnerProfile,
    RegisterChange,
)
from samhandling.store.messaging.parties import UnknownPartyError
from samhandling.store.messaging.tables import parties
from samhandling.store.registers.repositories import (
    AREA_ORDER,
    PURPOSE_ORDER,
    DuplicatePartnerError,
    MunicipalityInUseError,
    UnknownMunicipalityError,
    UnknownPartnerError,
)
from samhandling.store.registers.tables import (
    agreements,
    contact_points,
    message_capabilities,
    municipalities,
    partner_profiles,
    party_certificates,
    register_journal,
)


def _upsert(connection: Connection, table: Table, values: dict[str, Any], keys: Sequence[str]) -> None:
    dialect = connection.dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(table).values(**values)
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values)
    else:
        raise NotImplementedError(f"upsert on {dialect}")
    changes = {k: v for k, v in values.items() if k not in keys}
    connection.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes))


def _party_known(connection: Connection, her_id: str) -> bool:
    return connection.execute(select(parties.c.her_id).where(parties.c.her_id == her_id)).first() is not None


class SqlMunicipalities:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def put(self, municipality: Municipality) -> None:
        values = {"number": municipality.number, "name": municipality.name, "region": municipality.region}
        _upsert(self._connection, municipalities, values, ["number"])

    def get(self, number: str) -> Municipality | None:
        row = self._connection.execute(select(municipalities).where(municipalities.c.number == number)).first()
        return None if row is None else Municipality(number=row.number, name=row.name, region=row.region)

    def list(self) -> builtins.list[Municipality]:
        rows = self._connection.execute(select(municipalities).order_by(municipalities.c.number))
        return [Municipality(number=r.number, name=r.name, region=r.region) for r in rows]

    def remove(self, number: str) -> bool:
        used = self._connection.execute(
            select(agreements.c.municipality).where(agreements.c.municipality == number).limit(1)
        ).first()
        if used is not None:
            raise MunicipalityInUseError(number)
        result = self._connection.execute(delete(municipalities).where(municipalities.c.number == number))
        return bool(result.rowcount)


def _profile_from(row: Row[Any]) -> PartnerProfile:
    return PartnerProfile(
        her_id=row.her_id,
        category=PartnerCategory(row.category),
        organisation_number=row.organisation_number,
        domain=row.domain,
        epj_system=row.epj_system,
        epj_version=row.epj_version,
        comm_module=row.comm_module,
        comm_version=row.comm_version,
        active=row.active,
        note=row.note,
    )


class SqlPartners:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, profile: PartnerProfile) -> None:
        if self.get(profile.her_id) is not None:
            raise DuplicatePartnerError(profile.her_id)
        self.put(profile)

    def put(self, profile: PartnerProfile) -> None:
        if not _party_known(self._connection, profile.her_id):
            raise UnknownPartyError(profile.her_id)
        _upsert(self._connection, partner_profiles, {"her_id": profile.her_id, **profile.values()}, ["her_id"])

    def get(self, her_id: str) -> PartnerProfile | None:
        row = self._connection.execute(select(partner_profiles).where(partner_profiles.c.her_id == her_id)).first()
        return None if row is None else _profile_from(row)

    def list(self) -> builtins.list[PartnerProfile]:
        rows = self._connection.execute(select(partner_profiles).order_by(func.length(partner_profiles.c.her_id),
                                                                           partner_profiles.c.her_id))
        return [_profile_from(r) for r in rows]


def _contact_from(row: Row[Any]) -> ContactPoint:
    return ContactPoint(
        partner_her_id=row.partner_her_id,
        purpose=ContactPurpose(row.purpose),
        name=row.name,
        email=row.email,
        phone=row.phone,
        staffed_24_7=row.staffed_24_7,
    )


class SqlContacts:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def put(self, contact: ContactPoint) -> None:
        known = self._connection.execute(
            select(partner_profiles.c.her_id).where(partner_profiles.c.her_id == contact.partner_her_id)
        ).first()
        if known is None:
            raise UnknownPartnerError(contact.partner_her_id)
        values = {"partner_her_id": contact.partner_her_id, "purpose": contact.purpose.value, **contact.values()}
        _upsert(self._connection, contact_points, values, ["partner_her_id", "purpose"])

    def get(self, partner_her_id: str, purpose: ContactPurpose) -> ContactPoint | None:
        row = self._connection.execute(
            select(contact_points).where(
                contact_points.c.partner_her_id == partner_her_id, contact_points.c.purpose == purpose.value
            )
        ).first()
        return None if row is None else _contact_from(row)

    def list(self, partner_her_id: str | None = None) -> builtins.list[ContactPoint]:
        statement = select(contact_points)
        if partner_her_id is not None:
            statement = statement.where(contact_points.c.partner_her_id == partner_her_id)
        found = [_contact_from(r) for r in self._connection.execute(statement)]
        return sorted(found, key=lambda c: (her_id_order(c.partner_her_id), PURPOSE_ORDER[c.purpose]))

    def remove(self, partner_her_id: str, purpose: ContactPurpose) -> bool:
        result = self._connection.execute(
            delete(contact_points).where(
                contact_points.c.partner_her_id == partner_her_id, contact_points.c.purpose == purpose.value
            )
        )
        return bool(result.rowcount)


def _certificate_from(row: Row[Any]) -> Certificate:
    return Certificate(
        her_id=row.her_id,
        serial=row.serial,
        subject=row.subject,
        usage=CertificateUsage(row.usage),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        issuer=row.issuer,
    )


class SqlCertificates:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def put(self, certificate: Certificate) -> None:
        if not _party_known(self._connection, certificate.her_id):
            raise UnknownPartyError(certificate.her_id)
        values = {
            "her_id": certificate.her_id,
            "serial": certificate.serial,
            "usage": certificate.usage.value,
            "subject": certificate.subject,
            "issuer": certificate.issuer,
            "valid_from": certificate.valid_from,
            "valid_to": certificate.valid_to,
        }
        _upsert(self._connection, party_certificates, values, ["her_id", "serial"])

    def get(self, her_id: str, serial: str) -> Certificate | None:
        row = self._connection.execute(
            select(party_certificates).where(
                party_certificates.c.her_id == her_id, party_certificates.c.serial == serial
            )
        ).first()
        return None if row is None else _certificate_from(row)

    def list(self, her_id: str | None = None) -> builtins.list[Certificate]:
        c = party_certificates.c
        statement = select(party_certificates).order_by(c.her_id, c.valid_to, c.serial)
        if her_id is not None:
            statement = statement.where(c.her_id == her_id)
        return [_certificate_from(r) for r in self._connection.execute(statement)]

    def remove(self, her_id: str, serial: str) -> bool:
        result = self._connection.execute(
            delete(party_certificates).where(
                party_certificates.c.her_id == her_id, party_certificates.c.serial == serial
            )
        )
        return bool(result.rowcount)


def _capability_values(capability: MessageCapability) -> dict[str, Any]:
    return {
        "her_id": capability.her_id,
        "service": capability.service,
        "action": capability.action,
        "message_version": capability.message_version,
        "namespace": capability.namespace,
        "process": capability.process,
        "process_version": capability.process_version,
        "source": capability.source,
    }


class SqlCapabilities:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def replace(self, her_id: str, capabilities: Sequence[MessageCapability]) -> None:
        if not _party_known(self._connection, her_id):
            raise UnknownPartyError(her_id)
        if any(c.her_id != her_id for c in capabilities):
            raise ValueError("every capability must belong to the party replaced")
        self._connection.execute(delete(message_capabilities).where(message_capabilities.c.her_id == her_id))
        if capabilities:
            self._connection.execute(insert(message_capabilities), [_capability_values(c) for c in capabilities])

    def list(self, her_id: str | None = None) -> builtins.list[MessageCapability]:
        c = message_capabilities.c
        statement = select(message_capabilities).order_by(c.her_id, c.service, c.action)
        if her_id is not None:
            statement = statement.where(c.her_id == her_id)
        return [
            MessageCapability(
                her_id=r.her_id,
                service=r.service,
                action=r.action,
                message_version=r.message_version,
                namespace=r.namespace,
                process=r.process,
                process_version=r.process_version,
                source=r.source,
            )
            for r in self._connection.execute(statement)
        ]


_AGREEMENT_COLUMNS = [c for c in agreements.c if c.name != "document"]


def _agreement_from(row: Row[Any]) -> Agreement:
    return Agreement(
        municipality=row.municipality,
        area=AgreementArea(row.area),
        status=AgreementStatus(row.status),
        signed_on=row.signed_on,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        contact=row.contact,
        note=row.note,
        document_name=row.document_name,
        document_sha256=row.document_sha256,
        document_size=row.document_size,
    )


def _agreement_values(agreement: Agreement) -> dict[str, Any]:
    return {
        "municipality": agreement.municipality,
        "area": agreement.area.value,
        "status": agreement.status.value,
        "signed_on": agreement.signed_on,
        "valid_from": agreement.valid_from,
        "valid_to": agreement.valid_to,
        "contact": agreement.contact,
        "note": agreement.note,
    }


class SqlAgreements:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def put(self, agreement: Agreement) -> None:
        known = self._connection.execute(
            select(municipalities.c.number).where(municipalities.c.number == agreement.municipality)
        ).first()
        if known is None:
            raise UnknownMunicipalityError(agreement.municipality)
        _upsert(self._connection, agreements, _agreement_values(agreement), ["municipality", "area"])

    def set_document(self, municipality: str, area: AgreementArea, document: AgreementDocument | None) -> None:
        self._connection.execute(
            update(agreements)
            .where(agreements.c.municipality == municipality, agreements.c.area == area.value)
            .values(
                document_name=None if document is None else document.name,
                document_sha256=None if document is None else document.sha256,
                document=None if document is None else document.content,
            )
        )

    def _select(self) -> Any:
        return select(*_AGREEMENT_COLUMNS, func.length(agreements.c.document).label("document_size"))

    def get(self, municipality: str, area: AgreementArea) -> Agreement | None:
        row = self._connection.execute(
            self._select().where(agreements.c.municipality == municipality, agreements.c.area == area.value)
        ).first()
        return None if row is None else _agreement_from(row)

    def document(self, municipality: str, area: AgreementArea) -> AgreementDocument | None:
        row = self._connection.execute(
            select(agreements.c.document_name, agreements.c.document, agreements.c.document_sha256).where(
                agreements.c.municipality == municipality, agreements.c.area == area.value
            )
        ).first()
        if row is None or row.document is None:
            return None
        return AgreementDocument(row.document_name or "dokument", bytes(row.document), row.document_sha256 or "")

    def list(self, municipality: str | None = None) -> builtins.list[Agreement]:
        statement = self._select()
        if municipality is not None:
            statement = statement.where(agreements.c.municipality == municipality)
        found = [_agreement_from(r) for r in self._connection.execute(statement)]
        return sorted(found, key=lambda a: (a.municipality, AREA_ORDER[a.area]))

    def remove(self, municipality: str, area: AgreementArea) -> bool:
        result = self._connection.execute(
            delete(agreements).where(agreements.c.municipality == municipality, agreements.c.area == area.value)
        )
        return bool(result.rowcount)


class SqlRegisterJournal:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, change: RegisterChange) -> RegisterChange:
        result = self._connection.execute(
            insert(register_journal).values(
                at=change.at,
                actor=change.by,
                entity=change.entity.value,
                key=change.key,
                action=change.action.value,
                changes=change.changes,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return RegisterChange(
            at=change.at, by=change.by, entity=change.entity, key=change.key, action=change.action,
            changes=change.changes, id=int(key[0]),
        )

    def list(
        self, *, entity: Entity | None = None, key: str | None = None, limit: int | None = None
    ) -> builtins.list[RegisterChange]:
        c = register_journal.c
        statement = select(register_journal).order_by(c.id.desc())
        if entity is not None:
            statement = statement.where(c.entity == entity.value)
        if key is not None:
            statement = statement.where(c.key == key)
        if limit is not None:
            statement = statement.limit(limit)
        rows = builtins.list(self._connection.execute(statement))
        return [
            RegisterChange(
                id=r.id, at=r.at, by=r.actor, entity=Entity(r.entity), key=r.key, action=Action(r.action),
                changes=dict(r.changes),
            )
            for r in reversed(rows)
        ]


class SqlRegisters:
    """The register repositories on one connection (``uow.registers``)."""

    def __init__(self, connection: Connection) -> None:
        self.municipalities = SqlMunicipalities(connection)
        self.partners = SqlPartners(connection)
        self.contacts = SqlContacts(connection)
        self.certificates = SqlCertificates(connection)
        self.capabilities = SqlCapabilities(connection)
        self.agreements = SqlAgreements(connection)
        self.journal = SqlRegisterJournal(connection)


