"""The JSON form of a checklist run's results: checks, message evidence and marks, and the details a stored case
keeps beyond its columns (:class:`CaseDetails`). The store keeps them so, and the report prints them so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from samhandling.domain.checklist.judging import CheckResult, MessageEvidence
from samhandling.domain.checklist.model import CHECK_TEXT, AppRecOutcome, CaseResult, Check, DocumentKind, Side
from samhandling.domain.checklist.run import CaseOutcome, Mark


def check_json(check: CheckResult) -> dict[str, Any]:
    return {"check": check.check.value, "text": CHECK_TEXT[check.check], "passed": check.passed,
            "detail": check.detail}


def check_from_json(value: Mapping[str, Any]) -> CheckResult:
    return CheckResult(Check(value["check"]), value.get("passed"), value.get("detail", ""))


def evidence_json(e: MessageEvidence) -> dict[str, Any]:
    return {
        "case": e.case, "side": e.side.value, "kind": e.kind.value, "msg_type": e.msg_type, "msg_id": e.msg_id,
        "sender_her_id": e.sender_her_id, "receiver_her_id": e.receiver_her_id,
        "answers_msg_id": e.answers_msg_id, "apprec": e.apprec.value, "apprec_msg_id": e.apprec_msg_id,
        "apprec_errors": list(e.apprec_errors), "checks": [check_json(c) for c in e.checks], "problem": e.problem,
    }


def evidence_from_json(value: Mapping[str, Any]) -> MessageEvidence:
    return MessageEvidence(
        case=int(value["case"]), side=Side(value["side"]), kind=DocumentKind(value["kind"]), msg_id=value.get("msg_id"),
        sender_her_id=value.get("sender_her_id"), receiver_her_id=value.get("receiver_her_id"),
        answers_msg_id=value.get("answers_msg_id"), apprec=AppRecOutcome(value.get("apprec", "unknown")),
        apprec_msg_id=value.get("apprec_msg_id"), apprec_errors=tuple(value.get("apprec_errors", ())),
        checks=tuple(check_from_json(c) for c in value.get("checks", ())), problem=value.get("problem"),
    )


def mark_json(mark: Mark) -> dict[str, Any]:
    return {"at": mark.at.isoformat(), "by": mark.by, "result": mark.result.value, "note": mark.note}


def mark_from_json(value: Mapping[str, Any]) -> Mark:
    return Mark(at=datetime.fromisoformat(value["at"]), by=value["by"], result=CaseResult(value["result"]),
                note=value.get("note", ""))


@dataclass(frozen=True, kw_only=True)
class CaseDetails:
    """What a stored case keeps beyond its columns: evidence, case checks, notes and marks."""

    evidence: tuple[MessageEvidence, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    notes: tuple[str, ...] = ()
    marks: tuple[Mark, ...] = field(default=())


def case_details_json(case: CaseOutcome) -> dict[str, Any]:
    return {"evidence": [evidence_json(e) for e in case.evidence], "checks": [check_json(c) for c in case.checks],
            "notes": list(case.notes), "marks": [mark_json(m) for m in case.marks]}


def case_details_from_json(value: Mapping[str, Any]) -> CaseDetails:
    return CaseDetails(
        evidence=tuple(evidence_from_json(e) for e in value.get("evidence", ())),
        checks=tuple(check_from_json(c) for c in value.get("checks", ())),
        notes=tuple(value.get("notes", ())),
        marks=tuple(mark_from_json(m) for m in value.get("marks", ())),
    )
