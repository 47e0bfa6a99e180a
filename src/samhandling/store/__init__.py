"""Storage of the message node: every message byte for byte with its key fields and journal, the
communication parties, and the outbox for the transport.

The services use a unit of work (:mod:`samhandling.store.unit_of_work`) and its repositories
(for messaging those of :mod:`samhandling.store.messaging`); :mod:`samhandling.store.database` opens the database
and brings it to the newest schema with the migrations shipped in ``migrations/``.
"""

from samhandling.store.database import open_engine, upgrade
from samhandling.store.messaging.messages import DuplicateMessageError, MessageQuery, UnknownMessageError
from samhandling.store.messaging.outbox import Backoff, LeaseLostError, OutboxItem
from samhandling.store.messaging.parties import DuplicatePartyError
from samhandling.store.unit_of_work import SqlUnitOfWork, UnitOfWork

__all__ = [
    "Backoff",
    "DuplicateMessageError",
    "DuplicatePartyError",
    "LeaseLostError",
    "MessageQuery",
    "OutboxItem",
    "SqlUnitOfWork",
    "UnitOfWork",
    "UnknownMessageError",
    "open_engine",
    "upgrade",
]
