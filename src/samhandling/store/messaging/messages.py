"""Stored messages: the errors of storing them, the filters for listing them, and the repository protocol the
services use (its SQL implementation is :mod:`samhandling.store.messaging.sql_messages`, the in-memory one in
:mod:`samhandling.store.fakes`).

Error texts and journal details are stored without person identifiers (:func:`clean_error`).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from samhandling.domain.messaging.messages import (
    INITIAL_STATE,
    Direction,
    JournalEntry,
    MessageState,
    StoredMessage,
    outgoing_address_problem,
)
from samhandling.domain.privacy import redact_person_ids
from samhandling.store.errors import DuplicateError, UnknownError

MAX_ERROR_TEXT = 2000


class DuplicateMessageError(DuplicateError):
    """The same MsgId from the same sender to the same recipient (and direction) is stored already."""

    def __init__(self, existing_id: int) -> None:
        super().__init__(f"Meldingen er lagret før, som melding {existing_id}.")
        self.existing_id = existing_id


class UnknownMessageError(UnknownError):
    def __init__(self, message_id: int) -> None:
        super().__init__(f"Ingen lagret melding med id {message_id}.")
        self.message_id = message_id


def new_message_problem(message: StoredMessage) -> str | None:
    """Why ``message`` cannot be added as new, or None."""
    if message.id is not None:
        return "a new message has no id yet"
    initial = INITIAL_STATE[message.direction]
    if message.state is not initial:
        return f"a new {message.direction} message starts as {initial}, not {message.state}"
    return outgoing_address_problem(message)


@dataclass(frozen=True, kw_only=True)
class MessageQuery:
    """Filters for listing stored messages; a field left as None (or empty) does not filter.

    ``party_her_id`` matches the sender, the recipient and every receiver. The newest come first unless
    ``oldest_first``.
    """

    direction: Direction | None = None
    states: frozenset[MessageState] = field(default_factory=frozenset)
    msg_id: str | None = None
    party_her_id: str | None = None
    msg_type: str | None = None
    conversation_ref: str | None = None
    linked_to_msg_id: str | None = None
    transport_ref: str | None = None
    patient_ref: str | None = field(default=None, repr=False)
    is_apprec: bool | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    updated_before: datetime | None = None
    oldest_first: bool = False
    limit: int | None = 100
    offset: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", frozenset(MessageState(s) for s in self.states))

    def matches(self, m: StoredMessage) -> bool:
        """Whether ``m`` passes the filters (paging and order aside)."""
        checks = (
            self.direction is None or m.direction == self.direction,
            not self.states or m.state in self.states,
            self.msg_id is None or m.msg_id == self.msg_id,
            self.party_her_id is None
            or self.party_her_id in (m.sender_her_id, m.recipient_her_id, *m.receiver_her_ids),
            self.msg_type is None or m.msg_type == self.msg_type,
            self.conversation_ref is None or m.conversation_ref == self.conversation_ref,
            self.linked_to_msg_id is None or m.linked_to_msg_id == self.linked_to_msg_id,
            self.transport_ref is None or m.transport_ref == self.transport_ref,
            self.patient_ref is None or m.patient_ref == self.patient_ref,
            self.is_apprec is None or m.is_apprec == self.is_apprec,
            self.created_from is None or m.created_at >= self.created_from,
            self.created_before is None or m.created_at < self.created_before,
            self.updated_before is None or m.updated_at < self.updated_before,
        )
        return all(checks)


def clean_error(error: str) -> str:
    """An error text fit for storing: no person identifiers, bounded length."""
    return redact_person_ids(error)[:MAX_ERROR_TEXT]


class MessageRepository(Protocol):
    def add(self, message: StoredMessage, *, detail: str = "") -> StoredMessage:
        """Store a new message in its initial state (queued or received) with its first journal entry;
        returns it with its id. Raises :class:`DuplicateMessageError`."""
        ...

    def get(self, message_id: int) -> StoredMessage | None: ...

    def get_by_key(
        self,
        msg_id: str,
        sender_her_id: str | None,
        recipient_her_id: str | None,
        direction: Direction = Direction.INCOMING,
    ) -> StoredMessage | None:
        """The message the duplicate rule would match (never one kept as a MsgId conflict)."""
        ...

    def list(self, query: MessageQuery | None = None) -> builtins.list[StoredMessage]: ...

    def update_state(
        self,
        message_id: int,
        state: MessageState,
        *,
        detail: str = "",
        error_codes: Sequence[str] | None = None,
        at: datetime | None = None,
    ) -> StoredMessage:
        """Move a message to ``state`` and journal it, both or neither. ``error_codes`` replaces the stored
        codes when given. Raises :class:`UnknownMessageError` and :class:`InvalidTransitionError`."""
        ...

    def set_transport_ref(self, message_id: int, transport_ref: str) -> StoredMessage:
        """Record the transport's id for the message (no journal entry)."""
        ...

    def set_link(self, message_id: int, linked_to_msg_id: str | None) -> StoredMessage:
        """Record the MsgId of the message a change or cancellation refers to. Not a state change: no
        journal entry, ``updated_at`` stays. Raises :class:`UnknownMessageError`."""
        ...

    def journal(self, message_id: int) -> builtins.list[JournalEntry]:
        """The message's state changes (and notes), oldest first."""
        ...

    def note(self, message_id: int, detail: str, *, at: datetime | None = None) -> None:
        """Journal ``detail`` on the message in the state it is in, without changing it. Raises
        :class:`UnknownMessageError`."""
        ...

    def record_receipt_conflict(self, message_id: int, detail: str, *, at: datetime | None = None) -> StoredMessage:
        """Keep a receipt that contradicts the one the sent message has (the first one stands), journaled.
        Raises :class:`UnknownMessageError`."""
        ...

    def status_due(self, states: frozenset[MessageState], *, now: datetime, limit: int
                   ) -> builtins.list[StoredMessage]:
        """Outgoing non-AppRec messages in ``states`` with a transport reference whose status is due at ``now``
        (never asked, or asked and due again), the longest-due first."""
        ...

    def status_asked(self, message_id: int, *, next_at: datetime) -> int:
        """Record that the transport was asked about the message and when to ask again; returns how many times
        it has been asked."""
        ...

    def status_checks(self, message_id: int) -> int:
        """How many times the transport has been asked about the message."""
        ...

    def find_apprec_targets(
        self, original_msg_id: str, *, apprec_sender_her_id: str | None = None
    ) -> builtins.list[StoredMessage]:
        """The outgoing messages an incoming AppRec with this OriginalMsgId answers; with the AppRec's sender,
        only the copy sent to that party."""
        ...

    def apprecs_for(self, original_msg_id: str, *, direction: Direction | None = None) -> builtins.list[StoredMessage]:
        """The AppRecs stored for a message, oldest first (e.g. the one to send again for a duplicate)."""
        ...
