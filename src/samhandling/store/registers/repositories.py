"""Repositories of the cooperation's registers: municipalities, partner profiles, contact points, certificates,
receivable message types, local agreements, and the register journal.

They hang together on a unit of work as ``uow.registers`` (:class:`RegisterRepositories`): ``SqlRegisters`` on
the unit of work's connection, ``FakeRegisters`` in memory. Like the node's repositories they never commit,
and they keep the database's rules in the fakes too: a partner needs its party, a contact point its partner, a
certificate or message type its party, an agreement its municipality, and a municipality with agreements
cannot be removed.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

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
from samhandling.store.registers.tables import (
    agreements,
    contact_points,
    message_capabilities,
    municipalities,
    partner_profiles,
    party_certificates,
    register_journal,
)

if TYPE_CHECKING:
    from samhandling.store.fakes import FakeStore


class UnknownPartnerError(LookupError):
    def __init__(self, her_id: str) -> None:
        super().__init__(f"Ingen samarbeidspart med HER-id {her_id} (registrer den med «samhandling partners add»).")
        self.her_id = her_id


class DuplicatePartnerError(Exception):
    def __init__(self, her_id: str) -> None:
        super().__init__(f"Samarbeidsparten med HER-id {her_id} finnes allerede (endre den med «partners edit»).")
        self.her_id = her_id


class UnknownMunicipalityError(LookupError):
    def __init__(self, number: str) -> None:
        super().__init__(f"Ingen kommune med nummer {number} i registeret.")
        self.number = number


class MunicipalityInUseError(Exception):
    def __init__(self, number: str) -> None:
        super().__init__(f"Kommune {number} har lokale tilleggsavtaler og kan ikke fjernes.")
        self.number = number


# --- protocols ---------------------------------------------------------------------------------------


class MunicipalityRepository(Protocol):
    def put(self, municipality: Municipality) -> None:
        """Add the municipality or update its name and region."""
        ...

    def get(self, number: str) -> Municipality | None: ...

    def list(self) -> builtins.list[Municipality]:
        """By number."""
        ...

    def remove(self, number: str) -> bool:
        """Raises :class:`MunicipalityInUseError` when agreements refer to it."""
        ...


class PartnerRepository(Protocol):
    def add(self, profile: PartnerProfile) -> None:
        """Raises :class:`DuplicatePartnerError` and :class:`UnknownPartyError`."""
        ...

    def put(self, profile: PartnerProfile) -> None:
        """Add or replace. Raises :class:`UnknownPartyError`."""
        ...

    def get(self, her_id: str) -> PartnerProfile | None: ...

    def list(self) -> builtins.list[PartnerProfile]:
        """By HER-id."""
        ...


class ContactRepository(Protocol):
    def put(self, contact: ContactPoint) -> None:
        """Add or replace the partner's contact point for the purpose. Raises :class:`UnknownPartnerError`."""
        ...

    def get(self, partner_her_id: str, purpose: ContactPurpose) -> ContactPoint | None: ...

    def list(self, partner_her_id: str | None = None) -> builtins.list[ContactPoint]:
        """By partner, then purpose in its order."""
        ...

    def remove(self, partner_her_id: str, purpose: ContactPurpose) -> bool: ...


class CertificateRepository(Protocol):
    def put(self, certificate: Certificate) -> None:
        """Add or replace (by party and serial). Raises :class:`UnknownPartyError`."""
        ...

    def get(self, her_id: str, serial: str) -> Certificate | None: ...

    def list(self, her_id: str | None = None) -> builtins.list[Certificate]:
        """By party, then end of validity."""
        ...

    def remove(self, her_id: str, serial: str) -> bool: ...


class CapabilityRepository(Protocol):
    def replace(self, her_id: str, capabilities: Sequence[MessageCapability]) -> None:
        """The party's receivable message types become ``capabilities``. Raises :class:`UnknownPartyError`."""
        ...

    def list(self, her_id: str | None = None) -> builtins.list[MessageCapability]:
        """By party, service and action."""
        ...


class AgreementRepository(Protocol):
    def put(self, agreement: Agreement) -> None:
        """Add or replace the agreement (its document stays; see :meth:`set_document`). Raises
        :class:`UnknownMunicipalityError`."""
        ...

    def set_document(self, municipality: str, area: AgreementArea, document: AgreementDocument | None) -> None:
        """Attach (or, with None, detach) the agreement's document."""
        ...

    def get(self, municipality: str, area: AgreementArea) -> Agreement | None: ...

    def document(self, municipality: str, area: AgreementArea) -> AgreementDocument | None: ...

    def list(self, municipality: str | None = None) -> builtins.list[Agreement]:
        """By municipality, then area."""
        ...

    def remove(self, municipality: str, area: AgreementArea) -> bool: ...


class RegisterJournal(Protocol):
    def add(self, change: RegisterChange) -> RegisterChange:
        """Write the entry; returns it with its id."""
        ...

    def list(
        self, *, entity: Entity | None = None, key: str | None = None, limit: int | None = None
    ) -> builtins.list[RegisterChange]:
        """Oldest first; with ``limit``, the newest ``limit`` entries (still oldest first)."""
        ...


class RegisterRepositories(Protocol):
    @property
    def municipalities(self) -> MunicipalityRepository: ...

    @property
    def partners(self) -> PartnerRepository: ...

    @property
    def contacts(self) -> ContactRepository: ...

    @property
    def certificates(self) -> CertificateRepository: ...

    @property
    def capabilities(self) -> CapabilityRepository: ...

    @property
    def agreements(self) -> AgreementRepository: ...

    @property
    def journal(self) -> RegisterJournal: ...


_PURPOSE_ORDER = {p: i for i, p in enumerate(ContactPurpose)}
_AREA_ORDER = {a: i for i, a in enumerate(AgreementArea)}


# --- SQL -----------------------------------------------------------------------------------------------


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
        return sorted(found, key=lambda c: (her_id_order(c.partner_her_id), _PURPOSE_ORDER[c.purpose]))

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
        return sorted(found, key=lambda a: (a.municipality, _AREA_ORDER[a.area]))

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


# --- in memory -----------------------------------------------------------------------------------------


class RegisterData:
    """What the fake registers hold. ``RegisterData(other)`` is a snapshot of ``other`` (values are frozen), so
    :class:`samhandling.store.fakes.FakeStore` snapshots and restores it like its own dicts."""

    def __init__(self, source: RegisterData | None = None) -> None:
        self.municipalities: dict[str, Municipality] = dict(source.municipalities) if source else {}
        self.partners: dict[str, PartnerProfile] = dict(source.partners) if source else {}
        self.contacts: dict[tuple[str, ContactPurpose], ContactPoint] = dict(source.contacts) if source else {}
        self.certificates: dict[tuple[str, str], Certificate] = dict(source.certificates) if source else {}
        self.capabilities: dict[tuple[str, str, str], MessageCapability] = (
            dict(source.capabilities) if source else {}
        )
        self.agreements: dict[tuple[str, AgreementArea], Agreement] = dict(source.agreements) if source else {}
        self.documents: dict[tuple[str, AgreementArea], AgreementDocument] = dict(source.documents) if source else {}
        self.journal: builtins.list[RegisterChange] = builtins.list(source.journal) if source else []


class _Fake:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    @property
    def _data(self) -> RegisterData:
        return self._store.registers  # looked up each time: a rollback replaces it


class FakeMunicipalities(_Fake):
    def put(self, municipality: Municipality) -> None:
        self._data.municipalities[municipality.number] = municipality

    def get(self, number: str) -> Municipality | None:
        return self._data.municipalities.get(number)

    def list(self) -> builtins.list[Municipality]:
        return [m for _, m in sorted(self._data.municipalities.items())]

    def remove(self, number: str) -> bool:
        if any(key[0] == number for key in self._data.agreements):
            raise MunicipalityInUseError(number)
        return self._data.municipalities.pop(number, None) is not None


class FakePartners(_Fake):
    def add(self, profile: PartnerProfile) -> None:
        if profile.her_id in self._data.partners:
            raise DuplicatePartnerError(profile.her_id)
        self.put(profile)

    def put(self, profile: PartnerProfile) -> None:
        if profile.her_id not in self._store.parties:
            raise UnknownPartyError(profile.her_id)
        self._data.partners[profile.her_id] = profile

    def get(self, her_id: str) -> PartnerProfile | None:
        return self._data.partners.get(her_id)

    def list(self) -> builtins.list[PartnerProfile]:
        return [p for _, p in sorted(self._data.partners.items(), key=lambda item: her_id_order(item[0]))]


class FakeContacts(_Fake):
    def put(self, contact: ContactPoint) -> None:
        if contact.partner_her_id not in self._data.partners:
            raise UnknownPartnerError(contact.partner_her_id)
        self._data.contacts[(contact.partner_her_id, contact.purpose)] = contact

    def get(self, partner_her_id: str, purpose: ContactPurpose) -> ContactPoint | None:
        return self._data.contacts.get((partner_her_id, purpose))

    def list(self, partner_her_id: str | None = None) -> builtins.list[ContactPoint]:
        found = [c for c in self._data.contacts.values() if partner_her_id in (None, c.partner_her_id)]
        return sorted(found, key=lambda c: (her_id_order(c.partner_her_id), _PURPOSE_ORDER[c.purpose]))

    def remove(self, partner_her_id: str, purpose: ContactPurpose) -> bool:
        return self._data.contacts.pop((partner_her_id, purpose), None) is not None


class FakeCertificates(_Fake):
    def put(self, certificate: Certificate) -> None:
        if certificate.her_id not in self._store.parties:
            raise UnknownPartyError(certificate.her_id)
        self._data.certificates[(certificate.her_id, certificate.serial)] = certificate

    def get(self, her_id: str, serial: str) -> Certificate | None:
        return self._data.certificates.get((her_id, serial))

    def list(self, her_id: str | None = None) -> builtins.list[Certificate]:
        found = [c for c in self._data.certificates.values() if her_id in (None, c.her_id)]
        return sorted(found, key=lambda c: (c.her_id, c.valid_to, c.serial))

    def remove(self, her_id: str, serial: str) -> bool:
        return self._data.certificates.pop((her_id, serial), None) is not None


class FakeCapabilities(_Fake):
    def replace(self, her_id: str, capabilities: Sequence[MessageCapability]) -> None:
        if her_id not in self._store.parties:
            raise UnknownPartyError(her_id)
        if any(c.her_id != her_id for c in capabilities):
            raise ValueError("every capability must belong to the party replaced")
        keys = {(c.her_id, c.service, c.action) for c in capabilities}
        if len(keys) != len(capabilities):
            raise ValueError("a service and action twice")  # the primary key would refuse it
        data = self._data
        data.capabilities = {k: v for k, v in data.capabilities.items() if k[0] != her_id}
        data.capabilities.update({(c.her_id, c.service, c.action): c for c in capabilities})

    def list(self, her_id: str | None = None) -> builtins.list[MessageCapability]:
        return [c for k, c in sorted(self._data.capabilities.items()) if her_id in (None, k[0])]


class FakeAgreements(_Fake):
    def put(self, agreement: Agreement) -> None:
        if agreement.municipality not in self._data.municipalities:
            raise UnknownMunicipalityError(agreement.municipality)
        key = (agreement.municipality, agreement.area)
        self._data.agreements[key] = self._with_document(agreement, self._data.documents.get(key))

    def set_document(self, municipality: str, area: AgreementArea, document: AgreementDocument | None) -> None:
        key = (municipality, area)
        current = self._data.agreements.get(key)
        if current is None:
            return
        if document is None:
            self._data.documents.pop(key, None)
        else:
            self._data.documents[key] = document
        self._data.agreements[key] = self._with_document(current, document)

    @staticmethod
    def _with_document(agreement: Agreement, document: AgreementDocument | None) -> Agreement:
        return replace(
            agreement,
            document_name=None if document is None else document.name,
            document_sha256=None if document is None else document.sha256,
            document_size=None if document is None else len(document.content),
        )

    def get(self, municipality: str, area: AgreementArea) -> Agreement | None:
        return self._data.agreements.get((municipality, area))

    def document(self, municipality: str, area: AgreementArea) -> AgreementDocument | None:
        return self._data.documents.get((municipality, area))

    def list(self, municipality: str | None = None) -> builtins.list[Agreement]:
        found = [a for a in self._data.agreements.values() if municipality in (None, a.municipality)]
        return sorted(found, key=lambda a: (a.municipality, _AREA_ORDER[a.area]))

    def remove(self, municipality: str, area: AgreementArea) -> bool:
        self._data.documents.pop((municipality, area), None)
        return self._data.agreements.pop((municipality, area), None) is not None


class FakeRegisterJournal(_Fake):
    def add(self, change: RegisterChange) -> RegisterChange:
        journal = self._data.journal
        stored = RegisterChange(
            at=change.at, by=change.by, entity=change.entity, key=change.key, action=change.action,
            changes=change.changes, id=self._store.new_id("register_journal"),
        )
        journal.append(stored)
        return stored

    def list(
        self, *, entity: Entity | None = None, key: str | None = None, limit: int | None = None
    ) -> builtins.list[RegisterChange]:
        found = [c for c in self._data.journal if entity in (None, c.entity) and key in (None, c.key)]
        if limit is None:
            return found
        return found[len(found) - limit :] if limit > 0 else []


class FakeRegisters:
    """The register repositories in memory, on a :class:`samhandling.store.fakes.FakeStore`."""

    def __init__(self, store: FakeStore) -> None:
        self.municipalities = FakeMunicipalities(store)
        self.partners = FakePartners(store)
        self.contacts = FakeContacts(store)
        self.certificates = FakeCertificates(store)
        self.capabilities = FakeCapabilities(store)
        self.agreements = FakeAgreements(store)
        self.journal = FakeRegisterJournal(store)

