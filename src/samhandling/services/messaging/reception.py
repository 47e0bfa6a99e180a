"""What receiving a message takes and gives: the options of the receive pipeline
(:mod:`samhandling.services.messaging.receive`) and its outcome, the :class:`Reception` with the AppRecs made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from samhandling.standards.schemas import SchemaSet
from samhandling.standards.validation import Finding


class Disposition(StrEnum):
    """What became of a received message, for the caller and the journal."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    HELD = "held"
    DUPLICATE = "duplicate"
    UNANSWERABLE = "unanswerable"
    RECEIPT = "receipt"
    FAILED = "failed"
    MSGID_CONFLICT = "msgid_conflict"


@dataclass(frozen=True)
class ProducedAppRec:
    """An AppRec the node made (or made earlier, for a duplicate) for one local recipient."""

    to_her_id: str
    from_her_id: str
    role: str
    status: str
    errors: tuple[str, ...]
    version: str
    msg_id: str
    raw: bytes
    stored_id: int


@dataclass
class Reception:
    """The outcome of receiving one message."""

    msg_id: str | None
    msg_type: str | None
    disposition: Disposition
    errors: list[str] = field(default_factory=list)
    """The AppRec error codes found in the message (including warnings that did not reject it)."""
    apprecs: list[ProducedAppRec] = field(default_factory=list)
    stored_ids: list[int] = field(default_factory=list)
    linked_to: str | None = None
    reason: str = ""
    """Why the message could not be answered, or what a receipt matched; Norwegian, without patient data."""
    notes: list[Finding] = field(default_factory=list)
    """What was found but did not reject the message (HIS 80415:2012 §3.3.4), kept on the stored message."""

    @property
    def duplicate(self) -> bool:
        return self.disposition is Disposition.DUPLICATE


@dataclass(frozen=True)
class ReceiveOptions:
    schemas: SchemaSet | None
    max_bytes: int
    unknown_patient_rejects: bool = True
    """E35: reject a message about a patient not in the recipient's patient directory (else only note it)."""
    test_environment: bool = False
    """Judge by a test environment: NHN's synthetic test persons are valid identifiers (SAMHANDLING_ENVIRONMENT)."""
    unknown_service_accepted: bool = False
    """HIS 80415:2012 §3.3.4, E21: "Leverandøren av fagsystemet skal tilby sine kunder en mulighet for å velge om
    negativ applikasjonskvittering skal sendes etter denne regelen." False rejects a message to a service or
    person of our organisation that we cannot identify; True accepts it at organisation level."""
