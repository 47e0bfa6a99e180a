"""The register repositories in memory (``uow.registers`` on a :class:`samhandling.store.fakes.FakeStore`), with
the database's rules kept (see :mod:`samhandling.store.registers.repositories`).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from samhandling.domain.identifiers import her_id_order
from samhandling.domain.messaging.parties import Party
from samhandling.domain.registers.agreements import Agreement, AgreementArea, AgreementDocument
from samhandling.domain.registers.certificates import Certificate
from samhandling.domain.registers.contacts import ContactPoint, ContactPurpose
from samhandling.domain.registers.partners import (
    Entity,
    MessageCapability,
    Municipality,
    PartnerProfile,
    RegisterChange,
)
from samhandling.store.messaging.parties import UnknownPartyError
from samhandling.store.registers.repositories import (
    AREA_ORDER,
    PURPOSE_ORDER,
    DuplicatePartnerError,
    MunicipalityInUseError,
    UnknownMunicipalityError,
    UnknownPartnerError,
)


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
    def __init__(self, store: RegisterStore) -> None:
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
        return sorted(found, key=lambda c: (her_id_order(c.partner_her_id), PURPOSE_ORDER[c.purpose]))

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
        return sorted(found, key=lambda a: (a.municipality, AREA_ORDER[a.area]))

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


class RegisterStore(Protocol):
    """What this fake reads and writes of the in-memory store (the unit of work's ``FakeStore`` has it all;
    a snapshot replaces its containers, so the fake looks them up on each call)."""

    parties: dict[str, Party]
    registers: RegisterData

    def new_id(self, kind: str) -> int: ...


class FakeRegisters:
    """The register repositories in memory, on a :class:`samhandling.store.fakes.FakeStore`."""

    def __init__(self, store: RegisterStore) -> None:
        self.municipalities = FakeMunicipalities(store)
        self.partners = FakePartners(store)
        self.contacts = FakeContacts(store)
        self.certificates = FakeCertificates(store)
        self.capabilities = FakeCapabilities(store)
        self.agreements = FakeAgreements(store)
        self.journal = FakeRegisterJournal(store)

