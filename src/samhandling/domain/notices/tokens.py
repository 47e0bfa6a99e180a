"""The signed one-click acknowledgement link: an HMAC-SHA256 token naming notice, version and recipient, with an
expiry. ``<notice>.<version>.<recipient>.<expires (unix seconds)>.<signature>``; the signature is over the rest
with the node's secret. Nothing personal is in the token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from samhandling.domain.clock import as_utc

TOKEN_LIFETIME = timedelta(days=30)


class TokenError(ValueError):
    """A link that is not valid: the message says why, in Norwegian."""


@dataclass(frozen=True)
class AckClaim:
    notice_id: int
    version: int
    recipient_id: int
    expires: datetime


def _signature(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def make_token(secret: bytes, notice_id: int, version: int, recipient_id: int, *, now: datetime,
               lifetime: timedelta = TOKEN_LIFETIME) -> str:
    if not secret:
        raise TokenError("Nøkkelen for bekreftelseslenker mangler.")
    expires = int((as_utc("now", now) + lifetime).timestamp())
    payload = f"{notice_id}.{version}.{recipient_id}.{expires}"
    return f"{payload}.{_signature(secret, payload)}"


def read_token(secret: bytes, token: str, *, now: datetime) -> AckClaim:
    """The claim of a valid token; TokenError for a forged, malformed or expired one."""
    parts = token.strip().split(".")
    if len(parts) != 5 or not all(p.isascii() and p.isdigit() for p in parts[:4]):
        raise TokenError("Lenken er ikke gyldig (feil format).")
    payload = ".".join(parts[:4])
    if not secret or not hmac.compare_digest(_signature(secret, payload), parts[4]):
        raise TokenError("Lenken er ikke gyldig (signaturen stemmer ikke).")
    notice_id, version, recipient_id, expires = (int(p) for p in parts[:4])
    moment = datetime.fromtimestamp(expires, UTC)
    if as_utc("now", now) >= moment:
        raise TokenError("Lenken er utløpt; be om et nytt varsel eller kontakt avsenderen.")
    return AckClaim(notice_id, version, recipient_id, moment)
