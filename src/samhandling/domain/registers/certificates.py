"""Enterprise certificates (virksomhetssertifikat) of the communication parties, and their expiry.

Messages over Norsk Helsenett are signed with the sender's certificate and encrypted with the receiver's
(HIS 1037:2011, the ebXML framework). Norwegian enterprise certificates come as a set with one key for
signing and one for encryption; the key usage tells them apart (:func:`usage_from_key_usage`). A party whose
certificate runs out can neither send nor receive, so a certificate that expires within a window (default
:data:`DEFAULT_WINDOW_DAYS` days) is reported in time to order a new one and to tell the partners (the contact
point for change of certificate, the cooperation procedure section 3.1).

A certificate that has a successor (the same party, the same usage, valid to a later time) is not reported:
it is being replaced. Only the newest of each party and usage counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from samhandling.domain.clock import as_utc
from samhandling.domain.identifiers import HerId
from samhandling.domain.registers.partners import clean_text

DEFAULT_WINDOW_DAYS = 60
"""How many days ahead an expiring certificate is reported, unless configured otherwise."""

_HEX = re.compile(r"[0-9A-F]+")
_SEPARATORS = re.compile(r"[\s:]")


class CertificateUsage(StrEnum):
    SIGNING = "signing"
    ENCRYPTION = "encryption"


USAGE_TEXT = {CertificateUsage.SIGNING: "signering", CertificateUsage.ENCRYPTION: "kryptering"}


def usage_from_key_usage(
    *, digital_signature: bool, content_commitment: bool, key_encipherment: bool, data_encipherment: bool
) -> CertificateUsage | None:
    """Which of the set a certificate is, from its X.509 key usage (RFC 5280 section 4.2.1.3): a key that
    may encipher keys or data is the encryption certificate (it may also sign, as the register's encryption
    certificates do); one that may only sign (digitalSignature, nonRepudiation) is the signing certificate.
    None when neither."""
    if key_encipherment or data_encipherment:
        return CertificateUsage.ENCRYPTION
    if digital_signature or content_commitment:
        return CertificateUsage.SIGNING
    return None


def normalise_serial(value: str) -> str:
    """A serial number as upper-case hexadecimal without separators ("10:a2:dc…" → "10A2DC…") and without
    leading zeros. Raises ValueError (Norwegian)."""
    compact = _SEPARATORS.sub("", value).upper()
    if compact.startswith("0X"):
        compact = compact[2:]
    if not compact or _HEX.fullmatch(compact) is None or len(compact) > 64:
        raise ValueError(f"Serienummeret «{value[:70]}» må være heksadesimalt (0-9, A-F).")
    return compact.lstrip("0") or "0"


@dataclass(frozen=True, kw_only=True)
class Certificate:
    """A party's certificate: serial number (hexadecimal), subject, usage and validity (aware UTC)."""

    her_id: str
    serial: str
    subject: str
    usage: CertificateUsage
    valid_from: datetime
    valid_to: datetime
    issuer: str | None = None

    def __post_init__(self) -> None:
        HerId(self.her_id)
        object.__setattr__(self, "serial", normalise_serial(self.serial))
        object.__setattr__(self, "usage", CertificateUsage(self.usage))
        subject = clean_text(self.subject)
        if subject is None:
            raise ValueError("Sertifikatet må ha et subjekt (for eksempel «CN=…, O=…, SERIALNUMBER=…»).")
        object.__setattr__(self, "subject", subject)
        object.__setattr__(self, "issuer", clean_text(self.issuer))
        object.__setattr__(self, "valid_from", as_utc("valid_from", self.valid_from))
        object.__setattr__(self, "valid_to", as_utc("valid_to", self.valid_to))
        if self.valid_to <= self.valid_from:
            raise ValueError("Sertifikatet må være gyldig til etter at det er gyldig fra.")

    @property
    def key(self) -> str:
        return f"{self.her_id}/{self.serial}"

    def values(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "usage": self.usage.value,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
        }


@dataclass(frozen=True)
class ExpiryNotice:
    """A certificate that runs out within the window (or has run out) and has no successor."""

    certificate: Certificate
    days_left: int
    """Whole days from now to the end of validity; negative when it has run out."""

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def expiring(
    certificates: Iterable[Certificate], now: datetime, *, within_days: int = DEFAULT_WINDOW_DAYS
) -> list[ExpiryNotice]:
    """The certificates that run out before ``now + within_days`` (or have run out) and have no successor,
    soonest first."""
    if within_days < 0:
        raise ValueError("Vinduet kan ikke være negativt.")
    moment = as_utc("now", now)
    horizon = moment + timedelta(days=within_days)
    newest: dict[tuple[str, CertificateUsage], Certificate] = {}
    for certificate in certificates:
        key = (certificate.her_id, certificate.usage)
        if key not in newest or certificate.valid_to > newest[key].valid_to:
            newest[key] = certificate
    notices = [ExpiryNotice(c, _days_between(moment, c.valid_to)) for c in newest.values() if c.valid_to <= horizon]
    return sorted(notices, key=lambda n: (n.certificate.valid_to, n.certificate.her_id, n.certificate.serial))


def _days_between(start: datetime, end: datetime) -> int:
    """Whole days from ``start`` to ``end``, rounded down (an hour after expiry is day -1)."""
    return (end - start) // timedelta(days=1)
