"""Bearer tokens of the local message server: signed JWTs naming the HER-ids a client may act for.

NHN's EDI 2.0 API takes a JWT from HelseID in ``Authorization: Bearer …``. The local server signs its own
tokens instead, with HMAC-SHA256 (JWS ``HS256``, RFC 7518 §3.2) and a secret kept in the data directory:
``<SAMHANDLING_HOME>/msh/token-secret``, made on first use, readable by its owner only (0600). Whoever can read
the secret can make tokens, so it never leaves the machine.

Claims: ``iss`` (this server), ``iat``, ``her_ids`` (the HER-ids, as strings of digits) and, if the token is
to expire, ``exp``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

ISSUER = "samhandling-msh"
ALGORITHM = "HS256"
SECRET_BYTES = 32  # 256 bits, the size of the HMAC-SHA256 output (RFC 7518 §3.2)
MAX_HER_ID = 2**31 - 1  # the API carries HER-ids as int32


class TokenError(ValueError):
    """A token that is missing, malformed, not signed with this server's secret, or expired."""


def secret_path(home: Path) -> Path:
    return home / "msh" / "token-secret"


def load_or_create_secret(home: Path) -> bytes:
    """The signing secret of the server whose data directory is ``home``; made on first use (mode 0600).

    A new secret is written to a temporary file and then linked into place, so a process that starts at the
    same moment sees either no secret or the whole of it, and both end up with the same one.
    """
    path = secret_path(home)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(secrets.token_hex(SECRET_BYTES) + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use that one
        finally:
            temporary.unlink(missing_ok=True)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 2 * SECRET_BYTES:
        raise TokenError(f"hemmeligheten for tokener i {path} er for kort; slett filen, så lages en ny")
    return secret.encode("ascii")


def her_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be a HER-id in a token (the API's HER-ids are positive int32), or None."""
    if not (value.isascii() and value.isdigit()):
        return f"HER-id «{value}» kan bare inneholde sifre"
    if value.startswith("0") or int(value) > MAX_HER_ID:
        return f"HER-id «{value}» må være et tall fra 1 til {MAX_HER_ID}"
    return None


def issue_token(
    secret: bytes, her_ids: Iterable[str], *, lifetime: timedelta | None = None, now: datetime | None = None
) -> str:
    """A token for a client that acts for ``her_ids`` (and the parties under them); ValueError for a bad
    HER-id or none at all."""
    chosen = list(dict.fromkeys(her_ids))
    if not chosen:
        raise ValueError("et token må gjelde minst én HER-id")
    for her_id in chosen:
        problem = her_id_problem(her_id)
        if problem:
            raise ValueError(problem)
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {"iss": ISSUER, "iat": int(issued.timestamp()), "her_ids": chosen}
    if lifetime is not None:
        claims["exp"] = int((issued + lifetime).timestamp())
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(secret: bytes, token: str) -> frozenset[str]:
    """The HER-ids a valid token names; :class:`TokenError` otherwise."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["iss", "iat", "her_ids"]}
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("tokenet er utløpt") from None
    except jwt.InvalidSignatureError:
        raise TokenError("tokenet er ikke signert av denne meldingstjeneren") from None
    except jwt.PyJWTError:
        raise TokenError("ugyldig token") from None
    her_ids = claims["her_ids"]
    if (
        not isinstance(her_ids, list)
        or not her_ids
        or not all(isinstance(h, str) and her_id_problem(h) is None for h in her_ids)
    ):
        raise TokenError("ugyldig token: her_ids må være en liste med HER-id-er")
    return frozenset(her_ids)
