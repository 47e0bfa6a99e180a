"""The transport interface: what the node needs from a network between communication parties.

Modelled on httpx's transports: one primitive per direction, a contract stated here once, and every
adapter a small file that can be tested alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class TransportError(Exception):
    """The transport could not do what was asked. ``retryable`` says whether trying again later may help
    (network down, server error) or not (the message was refused as it is)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Envelope:
    """One stored message on its way to one recipient: the bytes exactly as stored, and the routing."""

    msg_id: str
    sender_her_id: str
    recipient_her_id: str
    payload: bytes = field(repr=False)
    is_apprec: bool = False
    answers_reference: str | None = None
    """For an AppRec: the transport's id of the message it answers (the EDI 2.0 API answers by that id)."""


@dataclass(frozen=True)
class Delivery:
    """The transport's answer to a send: its own reference for the message (e.g. NHN's message id)."""

    reference: str


@dataclass(frozen=True)
class Inbound:
    """A message the transport has for one of the node's parties.

    ``faults`` carries the AppRec error codes the transport found (S01–S03: signature and certificate
    faults, which only the transport can see); ``reference`` is what :meth:`Transport.confirm` needs.
    ``sender_her_id``, ``msg_id`` and ``issued_at`` are what the transport itself knows of the message (NHN's
    metadata: sender, MsgId, GenDate), when it knows them: they let the node answer a message whose header it
    cannot read.
    """

    reference: str
    recipient_her_id: str
    payload: bytes = field(repr=False)
    faults: tuple[str, ...] = ()
    sender_her_id: str | None = None
    msg_id: str | None = None
    issued_at: datetime | None = None


class DeliveryState(StrEnum):
    """What the transport knows of a sent message at one receiver (NHN's ``transportDeliveryState``)."""

    UNCONFIRMED = "Unconfirmed"
    ACKNOWLEDGED = "Acknowledged"
    REJECTED = "Rejected"


@dataclass(frozen=True)
class ReceiverStatus:
    """The transport's status of a sent message for one receiver; ``apprec_status`` is the 8258 code
    ("1", "2", "3") once an AppRec has come, with its error codes."""

    recipient_her_id: str
    delivery: DeliveryState
    apprec_status: str | None = None
    apprec_errors: tuple[str, ...] = ()


class Transport(ABC):
    """A network that carries messages between communication parties.

    Contract:

    - ``send(envelope)`` hands one message to the network for ``envelope.recipient_her_id`` and returns a
      :class:`Delivery`, or raises :class:`TransportError`. It is **idempotent per (MsgId, sender,
      recipient)**: the node may call it again for a message whose earlier call it cannot know the outcome
      of (a crash between the call and the commit), and the recipient still gets the message once.
    - ``receive(her_ids)`` returns what is waiting for those parties, without removing it.
    - ``confirm(inbound)`` removes a message the node has safely stored; until then the transport keeps
      offering it, so a crash between download and store loses nothing.
    - ``status(reference)`` (optional) reports delivery and AppRec status per receiver of a sent message.

    Example::

        transport = DirectoryTransport(Path("/srv/region"))
        transport.send(Envelope(msg_id, "8101", "8201", payload))
        for inbound in transport.receive(["8201"]):
            store(inbound.payload)
            transport.confirm(inbound)
    """

    @abstractmethod
    def send(self, envelope: Envelope) -> Delivery: ...

    @abstractmethod
    def receive(self, her_ids: Sequence[str]) -> list[Inbound]: ...

    @abstractmethod
    def confirm(self, inbound: Inbound) -> None: ...

    def status(self, reference: str) -> list[ReceiverStatus]:
        """What the transport knows of a message it sent (by :attr:`Delivery.reference`); empty when it keeps
        no status (then only AppRecs arriving as messages tell)."""
        return []

    def close(self) -> None:  # noqa: B027 (optional hook, nothing to release by default)
        """Release connections; the default transport holds none."""
