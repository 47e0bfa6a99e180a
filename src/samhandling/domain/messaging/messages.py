"""Messages as the node keeps them: direction, state, the key fields read from the header, and the raw bytes.

Every message the node receives or sends is stored exactly as it travelled, with the fields the node
looks it up by. Its life is a sequence of states; the allowed moves are data (:data:`TRANSITIONS`) and
every move is written to the message's journal.

The duplicate rule (HIS 80415, Applikasjonskvittering: a receiver answers a message it has already
received with the same AppRec again instead of processing it twice) recognises a message by the same
MsgId from the same sender to the same recipient. A message sent to several parties (a primary receiver
and copies) travels once per party, and each party answers it with its own AppRec, so the node keeps one
stored message per recipient: :attr:`StoredMessage.recipient_her_id`.

Nothing here does I/O; the store reads and writes these values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from samhandling.domain.clock import as_utc, utc_now
from samhandling.domain.identifiers import is_her_id


class Direction(StrEnum):
    """Whether the node received the message or sends it."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"


class MessageState(StrEnum):
    """Where a stored message is in its life. Outgoing and incoming messages have separate states."""

    # Outgoing
    QUEUED = "queued"
    """In the outbox, waiting for the transport (first time, or again after a missing receipt)."""
    SENT = "sent"
    """Handed to the transport; no delivery confirmation or AppRec yet."""
    DELIVERED = "delivered"
    """The transport confirms delivery to the receiver's mailbox; the AppRec has not come yet."""
    RECEIPT_OK = "receipt_ok"
    """The receiver answered with a positive AppRec (OK, possibly with error codes for parts of it)."""
    RECEIPT_REJECTED = "receipt_rejected"
    """The receiver answered with a negative AppRec (avvist); the message must be corrected and sent anew."""
    RECEIPT_MISSING = "receipt_missing"
    """No AppRec within the deadline; a person follows it up, and the message may be sent again."""
    SEND_STOPPED = "send_stopped"
    """The transport refused it for good (trying again cannot help, e.g. an AppRec to a message that came as a
    file, which the EDI 2.0 API cannot answer): never sent, never waiting for a receipt; the reason is in the
    journal and the outbox. A person sends it again (``outbox retry``) once the cause is mended, or cancels it."""
    CANCELLED = "cancelled"
    """Taken out of the outbox by a person (``outbox cancel``): never sent."""

    # Incoming
    RECEIVED = "received"
    """Stored as it arrived, not yet processed or answered."""
    ACCEPTED = "accepted"
    """Processed and answered with a positive AppRec."""
    REJECTED = "rejected"
    """Answered with a negative AppRec (the error codes say why)."""
    HELD = "held"
    """A change or cancellation that arrived before the message it refers to; held until the original comes."""
    UNANSWERABLE = "unanswerable"
    """The sender cannot be identified, so no AppRec can be sent; a person must follow it up."""
    MSGID_CONFLICT = "msgid_conflict"
    """A message with the MsgId of one already received from the same sender to the same recipient, but with
    other content: not a duplicate (HITS 1168 §5.4 "mottas på nytt"), so it is kept as it came, beside the first,
    never imported and never answered (see the receive pipeline); a person follows it up with the sender."""
    FAILED = "failed"
    """The node could not process the message (a fault of ours, not of the message): it is kept exactly as it
    came, with the reason in its journal, taken off the transport so that it does not block what comes after
    it, and reported by the monitoring; a person follows it up."""

    @property
    def direction(self) -> Direction:
        return Direction.OUTGOING if self in OUTGOING_STATES else Direction.INCOMING

    @property
    def label(self) -> str:
        """The Norwegian name shown to users."""
        return _LABELS[self]

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self]


_LABELS: dict[MessageState, str] = {
    MessageState.QUEUED: "I utboksen",
    MessageState.SENT: "Sendt",
    MessageState.DELIVERED: "Levert",
    MessageState.RECEIPT_OK: "Positiv kvittering",
    MessageState.RECEIPT_REJECTED: "Avvist av mottaker",
    MessageState.RECEIPT_MISSING: "Kvittering mangler",
    MessageState.SEND_STOPPED: "Kan ikke sendes",
    MessageState.CANCELLED: "Avbrutt, ikke sendt",
    MessageState.RECEIVED: "Mottatt",
    MessageState.ACCEPTED: "Godtatt",
    MessageState.REJECTED: "Avvist",
    MessageState.HELD: "Holdt tilbake",
    MessageState.UNANSWERABLE: "Kan ikke besvares",
    MessageState.FAILED: "Feilet i behandlingen",
    MessageState.MSGID_CONFLICT: "MsgId brukt om igjen",
}

OUTGOING_STATES = frozenset(
    {
        MessageState.QUEUED,
        MessageState.SENT,
        MessageState.DELIVERED,
        MessageState.RECEIPT_OK,
        MessageState.RECEIPT_REJECTED,
        MessageState.RECEIPT_MISSING,
        MessageState.SEND_STOPPED,
        MessageState.CANCELLED,
    }
)
INCOMING_STATES = frozenset(set(MessageState) - OUTGOING_STATES)

INITIAL_STATE: Mapping[Direction, MessageState] = {
    Direction.OUTGOING: MessageState.QUEUED,
    Direction.INCOMING: MessageState.RECEIVED,
}

_S = MessageState
TRANSITIONS: Mapping[MessageState, frozenset[MessageState]] = {
    # An AppRec may come before the transport's delivery confirmation, or after the deadline (late); a
    # message queued again after a missing receipt may get the late AppRec for the first sending.
    # A message the transport refuses for good stops; a person sends it again or cancels it.
    _S.QUEUED: frozenset({_S.SENT, _S.RECEIPT_OK, _S.RECEIPT_REJECTED, _S.SEND_STOPPED, _S.CANCELLED}),
    _S.SEND_STOPPED: frozenset({_S.QUEUED, _S.CANCELLED}),
    _S.CANCELLED: frozenset(),
    _S.SENT: frozenset({_S.DELIVERED, _S.RECEIPT_OK, _S.RECEIPT_REJECTED, _S.RECEIPT_MISSING}),
    _S.DELIVERED: frozenset({_S.RECEIPT_OK, _S.RECEIPT_REJECTED, _S.RECEIPT_MISSING}),
    _S.RECEIPT_MISSING: frozenset({_S.RECEIPT_OK, _S.RECEIPT_REJECTED, _S.QUEUED, _S.SEND_STOPPED}),
    _S.RECEIPT_OK: frozenset(),
    _S.RECEIPT_REJECTED: frozenset(),
    _S.RECEIVED: frozenset({_S.ACCEPTED, _S.REJECTED, _S.HELD, _S.UNANSWERABLE, _S.FAILED, _S.MSGID_CONFLICT}),
    _S.HELD: frozenset({_S.ACCEPTED, _S.REJECTED}),
    _S.ACCEPTED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.UNANSWERABLE: frozenset(),
    _S.FAILED: frozenset(),
    _S.MSGID_CONFLICT: frozenset(),
}
del _S


RECEIPT_STATES = frozenset({MessageState.RECEIPT_OK, MessageState.RECEIPT_REJECTED})
"""The final states an AppRec gives a sent message."""


def can_move(from_state: MessageState, to_state: MessageState) -> bool:
    """Whether a message in ``from_state`` may move to ``to_state``."""
    return to_state in TRANSITIONS[from_state]


def receipt_move(current: MessageState, learned: MessageState) -> bool | None:
    """What an AppRec's outcome (``learned``: receipt OK or rejected) means for a sent message in ``current``.

    The node can learn one receipt twice: from the transport's status and from the AppRec message, in either
    order, and again after a crash. True: move the message. False: it is there already; nothing changes.
    None: the message already has the *other* receipt, a conflict a person must look at. A sent AppRec is final
    and is never followed by another with the same or another status (HITS 1168 §5.1), so two different answers
    mean that something is wrong at one of the sides; the first one stands, the second is recorded.
    """
    if learned not in RECEIPT_STATES:
        raise ValueError(f"{learned} is not a receipt state")
    if current is learned:
        return False
    if current in RECEIPT_STATES:
        return None
    return can_move(current, learned)


class InvalidTransitionError(ValueError):
    """A state change the rules do not allow; the message says which, in Norwegian."""

    def __init__(self, from_state: MessageState, to_state: MessageState) -> None:
        super().__init__(f"En melding kan ikke gå fra «{from_state.label}» til «{to_state.label}».")
        self.from_state = from_state
        self.to_state = to_state


@dataclass(frozen=True, kw_only=True)
class StoredMessage:
    """A message as the node keeps it: the bytes exactly as received or sent, and the key fields read from them.

    ``msg_id`` is empty for a message whose MsgId could not be read; such a message is never a duplicate.
    ``recipient_her_id`` is the party this copy travels to: for an incoming message the local party it was
    delivered to (the primary receiver or a copy receiver), for an outgoing one the party it is sent to.
    Times are kept in UTC (an aware datetime in another zone is converted).
    ``patient_ref`` and ``raw`` are patient data: they are left out of ``repr`` and must never be logged.
    """

    id: int | None = None
    direction: Direction
    msg_id: str
    msg_type: str
    standard: str
    """The business document's standard and version, e.g. "PLO 1.6"; empty when not known."""
    sender_her_id: str | None
    receiver_her_ids: tuple[str, ...] = ()
    """Everyone the message is addressed to: the primary receiver first, then the copy receivers."""
    recipient_her_id: str | None
    conversation_ref: str | None = None
    """RefToConversation: the MsgId of the message that started the conversation (HITS 1218)."""
    parent_ref: str | None = None
    """RefToParent: the MsgId of the message this one answers (HITS 1218)."""
    patient_ref: str | None = field(default=None, repr=False)
    state: MessageState
    raw: bytes = field(repr=False)
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    linked_to_msg_id: str | None = None
    """The MsgId of the message a change or cancellation refers to."""
    error_codes: tuple[str, ...] = ()
    """AppRec error codes (code system 8221): found in an incoming message, or received for an outgoing one."""
    is_apprec: bool = False
    original_msg_id: str | None = None
    """For an AppRec: the MsgId of the message it answers."""
    transport_ref: str | None = None
    """The transport's own id for the message (e.g. NHN's message id): from the transport for an incoming
    message, from the send for an outgoing one. The transport needs it to mark read, answer and ask status."""
    receipt_conflict: str | None = None
    """For a sent message: a second, different receipt learned after the first (see :func:`receipt_move`),
    in Norwegian; the first receipt stands and a person looks at both."""
    conflicts_with: int | None = None
    """For a received message in :attr:`MessageState.MSGID_CONFLICT`: the id of the message first received with
    the same MsgId, sender and recipient, whose content differs. Such a message is outside the duplicate rule."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", Direction(self.direction))
        object.__setattr__(self, "state", MessageState(self.state))
        object.__setattr__(self, "receiver_her_ids", tuple(self.receiver_her_ids))
        object.__setattr__(self, "error_codes", tuple(self.error_codes))
        if self.state.direction != self.direction:
            raise ValueError(f"state {self.state} does not belong to an {self.direction} message")
        if not isinstance(self.raw, bytes):
            raise TypeError("raw must be bytes, exactly as received or sent")
        object.__setattr__(self, "created_at", as_utc("created_at", self.created_at))
        object.__setattr__(self, "updated_at", as_utc("updated_at", self.updated_at))

    @property
    def receiver_her_id(self) -> str | None:
        """The primary receiver."""
        return self.receiver_her_ids[0] if self.receiver_her_ids else None

    @property
    def copy_her_ids(self) -> tuple[str, ...]:
        return self.receiver_her_ids[1:]

    @property
    def duplicate_key(self) -> tuple[Direction, str, str | None, str | None]:
        """What the duplicate rule compares: direction, MsgId, sender and recipient."""
        return (self.direction, self.msg_id, self.sender_her_id, self.recipient_her_id)


def outgoing_address_problem(message: StoredMessage) -> str | None:
    """Why ``message`` may not be sent, or None: an outgoing message (an AppRec as much as a business message)
    must go to a communication party, that is a usable HER-id. A message whose sender cannot be identified
    "skal ikke besvares med applikasjonskvittering" (HITS 1168 §5.3); nothing is ever addressed to an empty or
    unknown HER-id."""
    if message.direction is not Direction.OUTGOING:
        return None
    if not is_her_id(message.recipient_her_id):
        return f"an outgoing message needs a HER-id to go to, not {message.recipient_her_id!r}"
    if not message.receiver_her_ids or not all(is_her_id(r) for r in message.receiver_her_ids):
        return f"every receiver of an outgoing message needs a HER-id, not {message.receiver_her_ids!r}"
    return None


@dataclass(frozen=True, kw_only=True)
class JournalEntry:
    """One state change of a stored message, at a time in UTC. ``detail`` says why, in Norwegian, without
    patient data."""

    message_id: int
    at: datetime
    state: MessageState
    detail: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc("at", self.at))
