"""Who a request to the local message server comes from, and what it may see and do.

MSH API v2 (``msh-api-v2.json`` of the conformance material, under ``nhn/``) has one security scheme,
``Bearer``. Here the token is one of :mod:`samhandling.msh.tokens`; none or a bad one is 401. A client acts
for the HER-ids in its token and for the services and persons under them in the parties register (without
one, only for the exact HER-ids); sending as, or reading for, anyone else is 403, and the error names no party
of someone else's message. A stored message is the business of its sender and of its receivers only
(:func:`access`).

Also the server's settings as the operations get them (:class:`Server`, from ``app.state.msh``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from samhandling.domain.messaging.parties import Parties
from samhandling.msh.api_models import message_id_param
from samhandling.msh.errors import ApiError
from samhandling.msh.storage import Delivery, MessageServerRepository, ServerMessage
from samhandling.msh.tokens import TokenError, read_token

NOT_AUTHORIZED_FOR_MESSAGE = "Ikke autorisert for meldingen"


@dataclass(frozen=True)
class Server:
    """The settings of one server: its database, the secret its tokens are signed with, the parties register
    and the largest business document it takes."""

    engine: Engine
    secret: bytes
    parties: Parties
    max_message_bytes: int


def _server(request: Request) -> Server:
    server: Server = request.app.state.msh
    return server


ServerDep = Annotated[Server, Depends(_server)]


# --- the client and its rights -----------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """An authenticated client: the HER-ids of its token, and the parties register that says which
    services and persons are under them."""

    her_ids: frozenset[str]
    parties: Parties

    def may_act_for(self, her_id: str) -> bool:
        if her_id in self.her_ids:
            return True
        try:
            return any(party.her_id in self.her_ids for party in self.parties.ancestors(her_id))
        except ValueError:  # a loop in the register: no rights through it
            return False


def authenticated(request: Request, server: ServerDep) -> Client:
    """The client of the bearer token; 401 without a valid one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Mangler token: bruk «Authorization: Bearer TOKEN»", headers={"WWW-Authenticate": "Bearer"})
    try:
        her_ids = read_token(server.secret, token.strip())
    except TokenError as exc:
        text = str(exc)
        raise ApiError(401, text[:1].upper() + text[1:],
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    return Client(her_ids, server.parties)


ClientDep = Annotated[Client, Depends(authenticated)]


def not_authorized_for(her_ids: Iterable[str]) -> ApiError:
    """403 naming HER-ids the client itself asked for (never a party of someone else's message)."""
    return ApiError(403, "Ikke autorisert for HER-id: " + ", ".join(her_ids))


# --- access to a stored message ----------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """A message as one client may see it: is it the sender, and which deliveries are its own."""

    message: ServerMessage
    deliveries: list[Delivery]
    is_sender: bool
    own: list[Delivery]

    @property
    def visible(self) -> list[Delivery]:
        """The sender sees every receiver; a receiver only itself."""
        return self.deliveries if self.is_sender else self.own

    def delivery(self, her_id: str) -> Delivery | None:
        return next((d for d in self.deliveries if d.receiver_her_id == her_id), None)


def access(repo: MessageServerRepository, message_id: str, client: Client) -> Access:
    """The message with ``message_id`` for ``client``: 404 if there is none, 403 if the client is neither
    its sender nor one of its receivers."""
    message = repo.get(message_id_param(message_id))
    if message is None:
        raise ApiError(404, f"Fant ingen melding med id {message_id}")
    deliveries = repo.deliveries(message)
    is_sender = client.may_act_for(message.sender_her_id)
    own = [d for d in deliveries if client.may_act_for(d.receiver_her_id)]
    if not is_sender and not own:
        raise ApiError(403, NOT_AUTHORIZED_FOR_MESSAGE)
    return Access(message, deliveries, is_sender, own)
