"""The AppRecs the node makes for a received message: one per local recipient (HIS 80415 §5.1), with the role the
recipient had (PRIM/SPR or COP, §6.2), in the AppRec version coupled to the message's standard (§8.3),
addressed back to the sender (§6.1), stored and put in the outbox.
"""

from __future__ import annotations

from datetime import datetime

from samhandling.domain.clock import message_time
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.services.messaging.addressing import Recipient
from samhandling.services.messaging.reception import ProducedAppRec, Reception
from samhandling.standards.apprec.answer import AppRecError, build_apprec
from samhandling.standards.apprec.codes import ERROR_CODES, STATUS_OK, STATUS_REJECTED
from samhandling.standards.apprec.model import AppRec, write_apprec
from samhandling.standards.apprec.versions import apprec_version_for
from samhandling.standards.message import to_bytes
from samhandling.standards.msghead import MsgHead
from samhandling.standards.validation import Finding, ValidationReport
from samhandling.store.unit_of_work import UnitOfWork

UNKNOWN_STANDARD_APPREC_VERSION = "1.0"
"""AppRec version for a message whose standard is unknown: 1.0 is the one every partner reads."""


def make_apprec(head: MsgHead, report: ValidationReport, recipient: Recipient, rejecting: list[Finding],
                 uow: UnitOfWork, result: Reception, at: datetime) -> None:
    version = _apprec_version(report)
    errors = [AppRecError(ERROR_CODES[f.code], f"{f.path}: {f.text}") for f in one_per_code(rejecting)]
    status = STATUS_REJECTED.value if errors else STATUS_OK.value
    receipt = build_apprec(head, version=version, status=status, errors=errors,
                              recipient_her_id=recipient.addressed_as, gen_date=message_time(at))
    sender = head.msg_info.sender.organisation.addressee_her_id() or ""
    store_apprec(receipt, version, head.msg_id, recipient.her_id, sender, tuple(e.code.value for e in errors),
                  status, uow, result, at)


def store_apprec(receipt: AppRec, version: str, original_msg_id: str, from_her_id: str, to_her_id: str,
                  codes: tuple[str, ...], status: str, uow: UnitOfWork, result: Reception, at: datetime) -> None:
    """Store the AppRec ``from_her_id`` sends ``to_her_id`` and put it in the outbox."""
    raw = to_bytes(write_apprec(receipt))
    stored = uow.messages.add(StoredMessage(
        direction=Direction.OUTGOING,
        msg_id=receipt.id,
        msg_type="APPREC",
        standard=f"AppRec {version}",
        sender_her_id=from_her_id,
        receiver_her_ids=(to_her_id,),
        recipient_her_id=to_her_id,
        state=MessageState.QUEUED,
        raw=raw,
        created_at=at,
        updated_at=at,
        is_apprec=True,
        original_msg_id=original_msg_id,
        error_codes=codes,
    ), detail="Applikasjonskvittering laget.")
    assert stored.id is not None
    uow.outbox.enqueue(stored.id, at=at)
    result.apprecs.append(ProducedAppRec(
        to_her_id=to_her_id, from_her_id=from_her_id, role=role_of(receipt), status=status, errors=codes,
        version=version, msg_id=stored.msg_id, raw=raw, stored_id=stored.id,
    ))


def role_of(receipt: AppRec) -> str:
    """The role the answering recipient has in the AppRec (PRIM/SPR/REQ or COP)."""
    return (receipt.sender.role.v or "") if receipt.sender.role is not None else ""


def one_per_code(findings: list[Finding]) -> list[Finding]:
    """The first finding of each code: an AppRec names each error once, with where it was first found."""
    seen: dict[str, Finding] = {}
    for finding in findings:
        seen.setdefault(finding.code, finding)
    return list(seen.values())


def _apprec_version(report: ValidationReport) -> str:
    if report.standard is None:
        return UNKNOWN_STANDARD_APPREC_VERSION
    try:
        return apprec_version_for(report.standard.standard, report.standard.version)
    except LookupError:
        return UNKNOWN_STANDARD_APPREC_VERSION
