"""Storage of the local message server: posted business documents and their delivery to each receiver.

Tables ``msh_messages`` and ``msh_deliveries`` (:mod:`samhandling.store.messaging.tables`, migration 0005) live in the
node's database and schema history. A :class:`MessageServerRepository` works on one connection inside the
caller's transaction (:func:`transaction`) and never commits; operations that write more than one row run
in a savepoint, so they happen entirely or not at all.

The state kept per receiver is what NHN's EDI 2.0 API (MSH API v2) reports: ``transportDeliveryState``
(``DeliveryState``), whether the message is read (``GET /Messages`` lists only unread ones), and the
receiver's application receipt: status (``AppRecStatus``) and errors (``AppRecError``), and the AppRec
message the server made from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from samhandling.domain.clock import as_utc
from samhandling.store.messaging.tables import msh_deliveries, msh_messages
from samhandling.transport.base import DeliveryState


class AppRecStatus(StrEnum):
    """A receiver's application receipt status as the API names it, with its code in code system 8258
    (HIS 80415:2012 §6.2)."""

    OK = "Ok"
    REJECTED = "Rejected"
    OK_ERROR_IN_MESSAGE_PART = "OkErrorInMessagePart"

    @property
    def code(self) -> str:
        return _STATUS_CODES[self]

    @classmethod
    def from_code(cls, code: str) -> AppRecStatus:
        return next(status for status, value in _STATUS_CODES.items() if value == code)


_STATUS_CODES = {AppRecStatus.OK: "1", AppRecStatus.REJECTED: "2", AppRecStatus.OK_ERROR_IN_MESSAGE_PART: "3"}


@dataclass(frozen=True, kw_only=True)
class ReceiptError:
    """An error in a receiver's application receipt, as the API carries it (``AppRecError``)."""

    error_code: str | None
    details: str | None
    description: str | None = None
    oid: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"errorCode": self.error_code, "details": self.details, "description": self.description,
                "oid": self.oid}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ReceiptError:
        return cls(error_code=value.get("errorCode"), details=value.get("details"),
                   description=value.get("description"), oid=value.get("oid"))


@dataclass(frozen=True, kw_only=True)
class NewMessage:
    """A business document to store, with the receivers it is delivered to: (HER-id, position), the position
    being the receiver's place among all receivers of the document (the primary receiver is 0), so that the
    order stays the same when a client delivers to some receivers first and to others later."""

    sender_her_id: str
    business_document_id: str
    gen_date: datetime
    is_apprec: bool
    content_type: str
    document: bytes = field(repr=False)
    receivers: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "gen_date", as_utc("gen_date", self.gen_date))
        her_ids = [her_id for her_id, _ in self.receivers]
        if not her_ids or len(set(her_ids)) != len(her_ids):
            raise ValueError("a message has one or more receivers, each once")


@dataclass(frozen=True, kw_only=True)
class ServerMessage:
    """A stored message: ``id`` is the API's message id (a UUID), ``key`` the row's own."""

    key: int
    id: str
    sender_her_id: str
    business_document_id: str
    gen_date: datetime
    is_apprec: bool
    content_type: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """A message's delivery to one receiver."""

    receiver_her_id: str
    position: int
    state: DeliveryState
    read_at: datetime | None = None
    acknowledged_at: datetime | None = None
    apprec_status: AppRecStatus | None = None
    apprec_errors: tuple[ReceiptError, ...] | None = None
    apprec_message_id: str | None = None
    """The API's id of the AppRec message the server made from the receipt."""
    apprec_at: datetime | None = None

    @property
    def unread(self) -> bool:
        return self.read_at is None


def _message_from(row: Row[Any]) -> ServerMessage:
    return ServerMessage(
        key=row.id,
        id=row.public_id,
        sender_her_id=row.sender_her_id,
        business_document_id=row.business_document_id,
        gen_date=row.gen_date,
        is_apprec=row.is_apprec,
        content_type=row.content_type,
        created_at=row.created_at,
    )


class MessageServerRepository:
    """The message server's messages and deliveries on one database connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- messages ------------------------------------------------------------------------------------

    def add(self, message: NewMessage, *, at: datetime) -> tuple[ServerMessage, bool]:
        """Store ``message`` with one unconfirmed, unread delivery per receiver; returns it and True.

        The same business document id from the same sender is the same message: then the stored one is
        returned with False (also when another transaction stored it a moment ago). Only receivers it was
        not yet delivered to get a delivery then: a client that posts the document once per receiver
        (``receiverHerIdsSubset``) reaches each of them, and posting it again changes nothing.
        """
        existing = self.find(message.sender_her_id, message.business_document_id)
        if existing is not None:
            self._deliver(existing, message.receivers)
            return existing, False
        try:
            with self._connection.begin_nested():
                result = self._connection.execute(
                    insert(msh_messages).values(
                        public_id=str(uuid.uuid4()),
                        sender_her_id=message.sender_her_id,
                        business_document_id=message.business_document_id,
                        gen_date=message.gen_date,
                        is_apprec=message.is_apprec,
                        content_type=message.content_type,
                        document=message.document,
                        created_at=as_utc("at", at),
                    )
                )
                key = result.inserted_primary_key
                assert key is not None
                self._connection.execute(insert(msh_deliveries), _deliveries(int(key[0]), message.receivers))
        except IntegrityError:
            existing = self.find(message.sender_her_id, message.business_document_id)
            if existing is None:
                raise
            self._deliver(existing, message.receivers)
            return existing, False
        stored = self.get_by_key(int(key[0]))
        assert stored is not None
        return stored, True

    def _deliver(self, message: ServerMessage, receivers: Sequence[tuple[str, int]]) -> None:
        """Deliveries for the receivers ``message`` does not have yet."""
        d = msh_deliveries
        present = set(self._connection.execute(
            select(d.c.receiver_her_id).where(d.c.message_id == message.key)).scalars())
        missing = [(her_id, position) for her_id, position in receivers if her_id not in present]
        if not missing:
            return
        try:
            with self._connection.begin_nested():
                self._connection.execute(insert(d), _deliveries(message.key, missing))
        except IntegrityError:
            # Another transaction delivered to them a moment ago: each receiver has its delivery.
            pass

    def get(self, message_id: str) -> ServerMessage | None:
        """The message with the API id ``message_id``."""
        row = self._connection.execute(select(msh_messages).where(msh_messages.c.public_id == message_id)).first()
        return _message_from(row) if row is not None else None

    def get_by_key(self, key: int) -> ServerMessage | None:
        row = self._connection.execute(select(msh_messages).where(msh_messages.c.id == key)).first()
        return _message_from(row) if row is not None else None

    def find(self, sender_her_id: str, business_document_id: str) -> ServerMessage | None:
        """The message the duplicate rule would match."""
        row = self._connection.execute(
            select(msh_messages).where(
                msh_messages.c.sender_her_id == sender_her_id,
                msh_messages.c.business_document_id == business_document_id,
            )
        ).first()
        return _message_from(row) if row is not None else None

    def document(self, message: ServerMessage) -> bytes:
        """The business document, byte for byte as posted (or made, for an AppRec)."""
        found = self._connection.execute(
            select(msh_messages.c.document).where(msh_messages.c.id == message.key)
        ).scalar_one()
        return bytes(found)

    # --- deliveries ----------------------------------------------------------------------------------

    def deliveries(self, message: ServerMessage) -> list[Delivery]:
        """The message's deliveries, the primary receiver first."""
        d, m = msh_deliveries, msh_messages.alias("apprec")
        rows = self._connection.execute(
            select(d, m.c.public_id.label("apprec_public_id"))
            .outerjoin(m, m.c.id == d.c.apprec_message_id)
            .where(d.c.message_id == message.key)
            .order_by(d.c.position)
        )
        return [
            Delivery(
                receiver_her_id=row.receiver_her_id,
                position=row.position,
                state=DeliveryState(row.state),
                read_at=row.read_at,
                acknowledged_at=row.acknowledged_at,
                apprec_status=AppRecStatus(row.apprec_status) if row.apprec_status is not None else None,
                apprec_errors=(
                    tuple(ReceiptError.from_json(e) for e in row.apprec_errors)
                    if row.apprec_errors is not None else None
                ),
                apprec_message_id=row.apprec_public_id,
                apprec_at=row.apprec_at,
            )
            for row in rows
        ]

    def unread(
        self,
        receiver_her_ids: Sequence[str],
        *,
        sender_her_id: str | None = None,
        business_document_id: str | None = None,
        limit: int = 10,
        newest_first: bool = False,
    ) -> list[tuple[ServerMessage, str]]:
        """Unread deliveries to any of ``receiver_her_ids``, as (message, receiver), ordered by the business
        document's GenDate (oldest first unless ``newest_first``)."""
        d, m = msh_deliveries, msh_messages
        statement = (
            select(m, d.c.receiver_her_id)
            .join(d, d.c.message_id == m.c.id)
            .where(d.c.receiver_her_id.in_(list(receiver_her_ids)), d.c.read_at.is_(None))
        )
        if sender_her_id is not None:
            statement = statement.where(m.c.sender_her_id == sender_her_id)
        if business_document_id is not None:
            statement = statement.where(m.c.business_document_id == business_document_id)
        if newest_first:
            statement = statement.order_by(m.c.gen_date.desc(), m.c.id.desc(), d.c.position)
        else:
            statement = statement.order_by(m.c.gen_date, m.c.id, d.c.position)
        rows = self._connection.execute(statement.limit(limit))
        return [(_message_from(row), row.receiver_her_id) for row in rows]

    def acknowledge(self, message: ServerMessage, receiver_her_ids: Sequence[str], *, at: datetime) -> None:
        """The receivers have the message: their unconfirmed deliveries become acknowledged."""
        if not receiver_her_ids:
            return
        d = msh_deliveries
        self._connection.execute(
            update(d)
            .where(d.c.message_id == message.key, d.c.receiver_her_id.in_(list(receiver_her_ids)),
                   d.c.state == DeliveryState.UNCONFIRMED.value)
            .values(state=DeliveryState.ACKNOWLEDGED.value, acknowledged_at=as_utc("at", at))
        )

    def mark_read(self, message: ServerMessage, receiver_her_id: str, *, at: datetime) -> None:
        """The receiver has read the message (marking it again changes nothing); it is acknowledged too."""
        d = msh_deliveries
        self._connection.execute(
            update(d)
            .where(d.c.message_id == message.key, d.c.receiver_her_id == receiver_her_id, d.c.read_at.is_(None))
            .values(read_at=as_utc("at", at))
        )
        self.acknowledge(message, [receiver_her_id], at=at)

    def record_apprec(
        self,
        message: ServerMessage,
        receiver_her_id: str,
        *,
        status: AppRecStatus,
        errors: Sequence[ReceiptError],
        apprec: ServerMessage,
        at: datetime,
    ) -> bool:
        """Record the receiver's application receipt and the AppRec message made from it; the delivery is
        acknowledged. False, and nothing changed, when the receiver has a receipt already."""
        d = msh_deliveries
        result = self._connection.execute(
            update(d)
            .where(d.c.message_id == message.key, d.c.receiver_her_id == receiver_her_id,
                   d.c.apprec_status.is_(None))
            .values(apprec_status=status.value, apprec_errors=[e.as_json() for e in errors],
                    apprec_message_id=apprec.key, apprec_at=as_utc("at", at))
        )
        if result.rowcount != 1:
            return False
        self.acknowledge(message, [receiver_her_id], at=at)
        return True


def _deliveries(key: int, receivers: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    return [
        {"message_id": key, "receiver_her_id": her_id, "position": position, "state": DeliveryState.UNCONFIRMED.value}
        for her_id, position in receivers
    ]


@contextmanager
def transaction(engine: Engine) -> Iterator[MessageServerRepository]:
    """A repository in one transaction: committed when the block ends normally, rolled back on an error."""
    with engine.begin() as connection:
        yield MessageServerRepository(connection)
