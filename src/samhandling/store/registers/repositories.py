"""Repositories of the cooperation's registers: municipalities, partner profiles, contact points, certificates,
receivable message types, local agreements, and the register journal.

They hang together on a unit of work as ``uow.registers`` (:class:`RegisterRepositories`):
:class:`~samhandling.store.registers.sql.SqlRegisters` on the unit of work's connection,
:class:`~samhandling.store.registers.memory.FakeRegisters` in memory. Like the node's repositories they never
commit, and they keep the database's rules in the fakes too: a partner needs its party, a contact point its
partner, a certificate or message type its party, an agreement its municipality, and a municipality with
agreements cannot be removed. This module holds what both promise: the protocols, their errors, and the
orders the lists come in.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Protocol

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
from samhandling.store.errors import DuplicateError, UnknownError


class UnknownPartnerError(UnknownError):
    def __init__(self, her_id: str) -> None:
        super().__init__(f"Ingen samarbeidspart med HER-id {her_id} (registrer den med «samhandling partners add»).")
        self.her_id = her_id


class DuplicatePartnerError(DuplicateError):
    def __init__(self, her_id: str) -> None:
        super().__init__(f"Samarbeidsparten med HER-id {her_id} finnes allerede (endre den med «partners edit»).")
        self.her_id = her_id


class UnknownMunicipalityError(UnknownError):
    def __init__(self, number: str) -> None:
        super().__init__(f"Ingen kommune med nummer {number} i registeret.")
        self.number = number


class MunicipalityInUseError(Exception):
    def __init__(self, number: str) -> None:
        super().__init__(f"Kommune {number} har lokale tilleggsavtaler og kan ikke fjernes.")
        self.number = number



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


PURPOSE_ORDER = {p: i for i, p in enumerate(ContactPurpose)}
"""A partner's contact points are listed by purpose in this order (that of :class:`ContactPurpose`)."""
AREA_ORDER = {a: i for i, a in enumerate(AgreementArea)}
"""A municipality's agreements are listed by area in this order (that of :class:`AgreementArea`)."""
