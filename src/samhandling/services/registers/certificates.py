"""Use cases of the certificate register: the enterprise certificates (virksomhetssertifikat) of the
communication parties, and those about to expire.

The rules live in :mod:`samhandling.domain.registers.certificates` (usage from the key usage, expiry without a
successor; HIS 1037:2011). Certificates are read from a PEM or DER file
(:func:`samhandling.standards.cpp.read_certificates`) or from a CPP or CPA
(:func:`samhandling.services.registers.cpp.import_cpp`), or registered by hand; each change is journaled
(:mod:`samhandling.services.registers.journal`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from samhandling.domain.clock import utc_now
from samhandling.domain.messaging.parties import Party
from samhandling.domain.registers.certificates import (
    DEFAULT_WINDOW_DAYS,
    Certificate,
    CertificateUsage,
    ExpiryNotice,
    expiring,
)
from samhandling.domain.registers.partners import Entity
from samhandling.services.registers.journal import RegisterInputError, record_change
from samhandling.services.registers.parties import PartySource
from samhandling.standards.cpp import CertificateInfo, CppError, read_certificates
from samhandling.store.unit_of_work import UnitOfWork


def certificate_json(certificate: Certificate) -> dict[str, Any]:
    return {"her_id": certificate.her_id, "serial": certificate.serial, **certificate.values()}


def notice_json(notice: ExpiryNotice) -> dict[str, Any]:
    return {**certificate_json(notice.certificate), "days_left": notice.days_left, "expired": notice.expired}


def certificate_from_info(her_id: str, info: CertificateInfo, usage: CertificateUsage) -> Certificate:
    """The register's certificate of ``her_id`` from one read from a file or a CPP."""
    return Certificate(
        her_id=her_id,
        serial=info.serial,
        subject=info.subject,
        usage=usage,
        valid_from=info.valid_from,
        valid_to=info.valid_to,
        issuer=info.issuer,
    )


def put_certificate(uow: UnitOfWork, certificate: Certificate, *, by: str, at: datetime) -> str:
    """Store and journal the certificate, within an open unit of work; "created", "updated" or "unchanged"."""
    before = uow.registers.certificates.get(certificate.her_id, certificate.serial)
    if before == certificate:
        return "unchanged"
    uow.registers.certificates.put(certificate)
    record_change(uow, by=by, at=at, entity=Entity.CERTIFICATE, key=certificate.key,
                  before=None if before is None else before.values(), after=certificate.values())
    return "created" if before is None else "updated"


def _require_party(uow: UnitOfWork, her_id: str) -> Party:
    party = uow.parties.get(her_id)
    if party is None:
        raise RegisterInputError(f"Ingen kommunikasjonspart med HER-id {her_id} (importer den først).")
    return party


def add_certificate(uow: UnitOfWork, certificate: Certificate, *, by: str, now: datetime | None = None) -> Certificate:
    """Register a certificate of a party; the same party and serial number twice is refused."""
    with uow:
        _require_party(uow, certificate.her_id)
        if uow.registers.certificates.get(certificate.her_id, certificate.serial) is not None:
            raise RegisterInputError(
                f"Sertifikatet med serienummer {certificate.serial} er allerede registrert for HER-id "
                f"{certificate.her_id}."
            )
        put_certificate(uow, certificate, by=by, at=now or utc_now())
        uow.commit()
    return certificate


def import_certificate_file(
    uow: UnitOfWork,
    her_id: str,
    source: PartySource,
    *,
    by: str,
    usage: CertificateUsage | None = None,
    now: datetime | None = None,
) -> list[tuple[Certificate, str]]:
    """Register the certificates in a PEM or DER file for ``her_id``; with each, "created", "updated" or
    "unchanged". The usage comes from the key usage unless ``usage`` says it."""
    try:
        infos = read_certificates(source.data)
    except CppError as exc:
        raise RegisterInputError(f"{source.name}: {exc}") from None
    found: list[Certificate] = []
    for info in infos:
        chosen = usage or info.usage
        if chosen is None:
            raise RegisterInputError(
                f"{source.name}: nøkkelbruken i sertifikatet {info.serial} sier ikke om det er for signering eller "
                "kryptering; oppgi --usage"
            )
        try:
            found.append(certificate_from_info(her_id, info, chosen))
        except ValueError as exc:
            raise RegisterInputError(f"{source.name}: sertifikatet {info.serial}: {exc}") from None
    at = now or utc_now()
    with uow:
        _require_party(uow, her_id)
        result = [(c, put_certificate(uow, c, by=by, at=at)) for c in found]
        uow.commit()
    return result


def remove_certificate(uow: UnitOfWork, her_id: str, serial: str, *, by: str, now: datetime | None = None) -> None:
    with uow:
        current = uow.registers.certificates.get(her_id, serial)
        if current is None:
            raise RegisterInputError(f"HER-id {her_id} har ikke noe sertifikat med serienummer {serial}.")
        uow.registers.certificates.remove(her_id, serial)
        record_change(uow, by=by, at=now or utc_now(), entity=Entity.CERTIFICATE, key=current.key,
                      before=current.values(), after=None)
        uow.commit()


def list_certificates(uow: UnitOfWork, her_id: str | None = None) -> list[Certificate]:
    with uow:
        return uow.registers.certificates.list(her_id)


def expiring_certificates(
    uow: UnitOfWork, *, now: datetime | None = None, within_days: int = DEFAULT_WINDOW_DAYS
) -> list[ExpiryNotice]:
    """Certificates that run out within ``within_days`` of ``now`` (or have run out) without a successor."""
    with uow:
        certificates = uow.registers.certificates.list()
    try:
        return expiring(certificates, now or utc_now(), within_days=within_days)
    except ValueError as exc:
        raise RegisterInputError(str(exc)) from None
