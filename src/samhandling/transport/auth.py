"""Authentication for the EDI 2.0 message API, pluggable as an :class:`httpx.Auth`.

MSH API v2 takes a Bearer token (its OpenAPI ``securitySchemes``: ``Bearer``, a JWT). Two ways to get one:

- :class:`BearerToken`: a fixed token, such as the local message server's own tokens.
- :class:`HelseIdClientCredentials`: NHN's HelseID, with the OAuth 2.0 client credentials grant (RFC 6749
  §4.4) and the client authenticated by a JWT it signs with its private key (RFC 7523 §2.2, the "client
  assertion"; ``private_key_jwt`` in OpenID Connect Core §9). The access token is cached until shortly
  before it expires, and fetched anew when the API answers 401.

Tokens and keys are never logged, nor shown in ``repr``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from samhandling.domain.text import one_line
from samhandling.transport.base import TransportError

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"  # RFC 7523 §2.2
ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})


class BearerToken(httpx.Auth):
    """A fixed Bearer token (RFC 6750 §2.1)."""

    def __init__(self, token: str) -> None:
        if not token.strip():
            raise ValueError("tokenet er tomt")
        self._token = token.strip()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "BearerToken(***)"


class HelseIdClientCredentials(httpx.Auth):
    """Access tokens from HelseID (or another OAuth 2.0 server) by client credentials and a signed JWT.

    - ``token_endpoint``: e.g. ``https://helseid-sts.nhn.no/connect/token`` (HelseID's test environment has its
      own); ``client_id`` the client registered there, ``private_key_pem`` its RSA private key in PEM.
    - ``scope``: the API's scope as registered in HelseID.
    - ``audience``: the client assertion's ``aud``; by default the token endpoint (RFC 7523 §3).
    - ``algorithm``: RS256 (default) or PS256 (or their 384/512 variants); ``key_id`` the ``kid`` of the
      public key registered for the client, put in the assertion's header so the server finds the key.
    - ``assertion_type``: the assertion's ``typ`` header, "JWT" unless the server asks for another (such as
      ``client-authentication+jwt``).
    - ``refresh_margin``: seconds before expiry that a cached token is replaced (at most half its lifetime).
    - ``transport`` (for tests) and ``timeout`` apply to the token request; ``clock`` gives Unix time.

    A token request that fails raises :class:`TransportError`: ``retryable=False`` when HelseID refuses the
    client (4xx, with its OAuth ``error`` in the message), ``retryable=True`` for network errors and 5xx.

    The token is fetched synchronously: use this with :class:`httpx.Client`, not with an async client.
    """

    def __init__(
        self,
        token_endpoint: str,
        client_id: str,
        private_key_pem: str | bytes,
        *,
        scope: str,
        audience: str | None = None,
        algorithm: str = "RS256",
        key_id: str | None = None,
        assertion_type: str = "JWT",
        assertion_lifetime: float = 60.0,
        refresh_margin: float = 60.0,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algoritmen {algorithm} støttes ikke for klientpåstanden; bruk RS256 eller PS256")
        self.token_endpoint = token_endpoint
        self.client_id = client_id
        self.scope = scope
        self.audience = audience or token_endpoint
        self.algorithm = algorithm
        self.key_id = key_id
        self.assertion_type = assertion_type
        self.assertion_lifetime = assertion_lifetime
        self.refresh_margin = refresh_margin
        self.timeout = timeout
        self._transport = transport
        self._clock = clock
        self._key = _rsa_key(private_key_pem)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def __repr__(self) -> str:
        return f"HelseIdClientCredentials({self.token_endpoint!r}, client_id={self.client_id!r}, key=***)"

    # -- httpx.Auth --

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:  # revoked or expired early: one more try with a fresh token
            self.invalidate(token)
            request.headers["Authorization"] = f"Bearer {self.access_token()}"
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        raise NotImplementedError("HelseIdClientCredentials henter token synkront; bruk httpx.Client")
        yield request  # pragma: no cover (makes this an async generator)

    # -- tokens --

    def access_token(self) -> str:
        """A valid access token: the cached one, or a new one from the token endpoint."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._token, lifetime = self._request_token()
                margin = min(self.refresh_margin, lifetime / 2)
                self._renew_at = self._clock() + lifetime - margin
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``token``, when given)."""
        with self._lock:
            if token is None or self._token == token:
                self._token = None

    def client_assertion(self) -> str:
        """The signed JWT that authenticates the client (RFC 7523 §3: iss and sub the client id, aud the
        token endpoint, a unique jti, iat and a short exp)."""
        now = int(self._clock())
        claims: dict[str, Any] = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.audience,
            "jti": str(uuid.uuid4()),
            "iat": now,
            "nbf": now,
            "exp": now + int(self.assertion_lifetime),
        }
        headers: dict[str, Any] = {"typ": self.assertion_type}
        if self.key_id is not None:
            headers["kid"] = self.key_id
        return jwt.encode(claims, self._key, algorithm=self.algorithm, headers=headers)

    def _request_token(self) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "scope": self.scope,
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": self.client_assertion(),
        }
        try:
            with httpx.Client(transport=self._transport, timeout=self.timeout) as client:
                response = client.post(self.token_endpoint, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise TransportError(f"ingen forbindelse med HelseID ({self.token_endpoint}): "
                                 f"{one_line(str(exc)) or type(exc).__name__}", retryable=True) from None
        if not response.is_success:
            raise _refusal(self.token_endpoint, response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TransportError(f"uventet svar fra HelseID ({self.token_endpoint}): ikke et JSON-objekt",
                                 retryable=True)
        token, kind, lifetime = body.get("access_token"), body.get("token_type", "Bearer"), body.get("expires_in")
        if not isinstance(token, str) or not token:
            raise TransportError(f"uventet svar fra HelseID ({self.token_endpoint}): access_token mangler",
                                 retryable=True)
        if not isinstance(kind, str) or kind.lower() != "bearer":
            raise TransportError(f"HelseID utstedte et token av typen «{one_line(str(kind), 20)}»; samhandling "
                                 "bruker bare Bearer-token", retryable=False)
        if isinstance(lifetime, str) and lifetime.isdigit():
            lifetime = int(lifetime)
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
            lifetime = 60  # RFC 6749 §5.1: expires_in is only recommended; keep such a token a minute
        return token, float(lifetime)


def _rsa_key(pem: str | bytes) -> RSAPrivateKey:
    try:
        key = load_pem_private_key(pem.encode("ascii") if isinstance(pem, str) else pem, password=None)
    except (ValueError, TypeError):
        raise ValueError("kan ikke lese den private nøkkelen for HelseID (forventet en RSA-nøkkel i PEM uten "
                         "passord)") from None
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("den private nøkkelen for HelseID må være en RSA-nøkkel (RS256/PS256)")
    return key


def _refusal(endpoint: str, response: httpx.Response) -> TransportError:
    """RFC 6749 §5.2: an error answer is JSON with ``error`` and maybe ``error_description``."""
    said = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("error", "error_description") if isinstance(body.get(k), str)]
        said = ": " + one_line(" – ".join(parts)) if parts else ""
    code = f"{response.status_code} {response.reason_phrase}".strip()
    if response.status_code >= 500 or response.status_code == 429:
        return TransportError(f"feil hos HelseID ({endpoint}, {code}){said}", retryable=True)
    return TransportError(f"HelseID ga ikke tilgangstoken ({endpoint}, {code}){said}", retryable=False)


