"""Validation of a whole message: well-formedness, schema, and the built-in rules.

Each finding carries the AppRec error code (code system 8221, HIS 80415 §6.3, HITS 1168) that a
receiver answers with, the element path, and a Norwegian text saying what is wrong:

====  =====================================================================
T01   not well-formed, not readable, or a forbidden DTD
T02   not valid against the official schema (or, without schemas, the model)
T10   message type or version that samhandling does not support
T99   other format fault (here: the document is larger than the limit)
E10   MsgId is not a UUID (HIS 80601 §4: MsgId is a globally unique id)
E21   receiver identification missing
E36   patient not identified at all
E30   patient's fødselsnummer missing (the patient has other information)
E31   patient's fødselsnummer invalid (HIS 1001 checksum and date rules)
E32   patient's name missing
====  =====================================================================

The same report carries what was read (MsgHead model, typed business document, its standard), so a
caller parses a message once.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lxml import etree

from samhandling.domain.clock import message_time
from samhandling.domain.identifiers import is_uuid, person_id_problem
from samhandling.standards import registry
from samhandling.standards.binding import BindingError, read
from samhandling.standards.kith import CS
from samhandling.standards.msghead import (
    MSGHEAD_NS,
    NAMESPACES,
    ConversationRef,
    MsgHead,
    MsgInfo,
    OtherReceiver,
    Patient,
    Receiver,
    Sender,
    read_msghead,
)
from samhandling.standards.parsing import DEFAULT_MAX_BYTES, NotWellFormedError, TooLargeError, parse_xml
from samhandling.standards.registry import ContentStandard
from samhandling.standards.schemas import MSGHEAD_XSD, SchemaSet

T = TypeVar("T")
PERSON_ID_TYPES = ("FNR", "DNR", "HNR")
PATIENT_BOUND_STANDARDS = ("PLO", "Dialogmelding")
MAX_SCHEMA_FINDINGS = 20


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a message: its 8221 code, where, and what (in Norwegian)."""

    code: str
    path: str
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.path}: {self.text}"


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)
    root: etree._Element | None = None
    head: MsgHead | None = None
    standard: ContentStandard | None = None
    document: Any = None
    schema_checked: bool = False

    @property
    def valid(self) -> bool:
        return not self.findings

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(f.code for f in self.findings))

    @property
    def msg_type(self) -> str | None:
        if self.head is not None:
            return self.head.msg_type or None
        if self.standard is not None and self.standard.msg_types:
            return self.standard.msg_types[0]
        return None

    def add(self, code: str, path: str, text: str) -> None:
        self.findings.append(Finding(code, path, text))


def validate_message(
    data: bytes, *, schemas: SchemaSet | None, max_bytes: int = DEFAULT_MAX_BYTES
) -> ValidationReport:
    """Check message bytes as a receiver would, and keep what was read."""
    report = ValidationReport()
    try:
        root = parse_xml(data, max_bytes=max_bytes)
    except TooLargeError as exc:
        report.add("T99", "/", f"Meldingen er for stor: {exc}.")
        return report
    except NotWellFormedError as exc:
        where = f" (linje {exc.line})" if exc.line else ""
        report.add("T01", "/", f"Meldingen er ikke lesbar XML{where}: {exc}.")
        return report
    report.root = root
    if root.tag == f"{{{MSGHEAD_NS}}}MsgHead":
        _validate_msghead(root, report, schemas)
    else:
        _validate_standalone(root, report, schemas)
    return report


def _validate_standalone(root: etree._Element, report: ValidationReport, schemas: SchemaSet | None) -> None:
    """A document that travels without MsgHead (the AppRec)."""
    standard = registry.standard_for(root)
    if standard is None:
        report.add("T10", _path(root), f"Ukjent meldingstype: rotelementet {_describe(root)} støttes ikke.")
        return
    report.standard = standard
    if schemas is not None:
        report.schema_checked = True
        _schema_findings(report, schemas.validate(root, standard.schema_file))
    report.document = _read_document(root, report)


def _validate_msghead(root: etree._Element, report: ValidationReport, schemas: SchemaSet | None) -> None:
    content = _business_document(root)
    standard = registry.standard_for(content) if content is not None else None
    report.standard = standard
    if content is not None and standard is None:
        report.add("T10", _path(content),
                   f"Meldingstypen eller versjonen støttes ikke: innholdet {_describe(content)} er ukjent.")
    if schemas is not None:
        report.schema_checked = True
        extra = (standard.schema_file,) if standard is not None else ()
        if standard is not None or content is None:
            _schema_findings(report, schemas.validate(root, MSGHEAD_XSD, *extra))
    try:
        head = read_msghead(root, strict=not report.schema_checked)
    except BindingError as exc:
        if not report.schema_checked:
            report.add("T02", exc.path, f"Hodemeldingen er ikke gyldig: {exc.message}.")
        salvaged = _salvage_head(root)
        if salvaged is None:
            return
        head = salvaged
    report.head = head
    _check_msg_info(head, report)
    if standard is not None and content is not None:
        _check_type_matches(head, standard, report)
        report.document = _read_document(content, report)
        if standard.standard in PATIENT_BOUND_STANDARDS and not _test_without_patient(head):
            _check_patient(head.msg_info.patient, report)


def _salvage_head(root: etree._Element) -> MsgHead | None:
    """What can be read of an invalid header, so that the receiver can still answer the sender.

    A header that breaks the schema is rejected (T02), but HITS 1168 §4.4 wants that rejection sent back:
    the addressing is read element by element, and a value that cannot be read (say GenDate) is replaced.
    Returns None when not even the sender and receiver can be read.
    """
    info = root.find(f"{{{MSGHEAD_NS}}}MsgInfo")
    if info is None:
        return None

    def part(name: str, cls: type[T]) -> T | None:
        found = info.find(f"{{{MSGHEAD_NS}}}{name}")
        if found is None:
            return None
        try:
            return read(cls, found, NAMESPACES, strict=False)
        except BindingError:
            return None

    sender, receiver = part("Sender", Sender), part("Receiver", Receiver)
    if sender is None or receiver is None:
        return None
    others = []
    for elem in info.findall(f"{{{MSGHEAD_NS}}}OtherReceiver"):
        with suppress(BindingError):
            others.append(read(OtherReceiver, elem, NAMESPACES, strict=False))
    return MsgHead(msg_info=MsgInfo(
        type=part("Type", CS) or CS(v=""),
        gen_date=message_time(),
        msg_id=(info.findtext(f"{{{MSGHEAD_NS}}}MsgId") or "").strip(),
        conversation_ref=part("ConversationRef", ConversationRef),
        sender=sender,
        receiver=receiver,
        other_receiver=others,
        patient=part("Patient", Patient),
    ))


def _business_document(root: etree._Element) -> etree._Element | None:
    for content in root.iterfind(f"{{{MSGHEAD_NS}}}Document/{{{MSGHEAD_NS}}}RefDoc/{{{MSGHEAD_NS}}}Content"):
        for child in content:
            if isinstance(child.tag, str) and not child.tag.endswith("}Base64Container"):
                return child
    return None


def _read_document(elem: etree._Element, report: ValidationReport) -> Any:
    try:
        return registry.read_content(elem, strict=not report.schema_checked)
    except BindingError as exc:
        report.add("T02", exc.path, f"Innholdet er ikke gyldig: {exc.message}.")
        return None


def _schema_findings(report: ValidationReport, issues: list[Any]) -> None:
    for issue in issues[:MAX_SCHEMA_FINDINGS]:
        where = f" (linje {issue.line})" if issue.line else ""
        report.add("T02", issue.path, f"Validerer ikke mot skjema{where}: {issue.message}")
    if len(issues) > MAX_SCHEMA_FINDINGS:
        report.add("T02", "/", f"… og {len(issues) - MAX_SCHEMA_FINDINGS} avvik til mot skjema.")


_MSG_INFO = "/MsgHead/MsgInfo"


def _check_msg_info(head: MsgHead, report: ValidationReport) -> None:
    info = head.msg_info
    if not is_uuid(info.msg_id.strip()):
        report.add("E10", f"{_MSG_INFO}/MsgId",
                   f"Meldingsidentifikatoren «{info.msg_id}» er ikke en UUID (HIS 80601).")
    receiver = info.receiver.organisation
    if not receiver.her_path():
        report.add("E21", f"{_MSG_INFO}/Receiver/Organisation/Ident",
                   "Mottaker er ikke identifisert: ingen HER-id for mottakeren.")


def _check_type_matches(head: MsgHead, standard: ContentStandard, report: ValidationReport) -> None:
    if standard.msg_types and head.msg_type not in standard.msg_types:
        report.add("T10", f"{_MSG_INFO}/Type",
                   f"Meldingstypen «{head.msg_type}» passer ikke med innholdet {standard.label} {standard.root}.")


TEST_PROCESSING_STATUS = "D"
"""``MsgInfo/ProcessingStatus`` of a test message. HIS 80601:2006 (MsgHead v1.2), MsgInfo: ProcessingStatus
says "hvilken status meldingen har i prosessen (Opplæring/testing, produksjon, debugging)", code system
Prosesstatus (8213 in the element table, listed as 8113 among the code systems), where "D Debugging" is
explained as "Denne benyttes også når det sendes testmeldinger i utviklingsfasen, og for godkjenning"."""


def is_test_message(head: MsgHead) -> bool:
    """Whether the header marks the message as a test message (ProcessingStatus D)."""
    status = head.msg_info.processing_status
    return status is not None and (status.v or "").strip() == TEST_PROCESSING_STATUS


def _test_without_patient(head: MsgHead) -> bool:
    """The one exception to the patient rules: a test message without a patient.

    The rules of HIS 80415 §6.3 (E30, E31, E32, E36) are for messages about a patient. A test message, such as
    the line test of the cooperation procedure («Test-meldinger kan også brukes hvis man er usikker på om
    systemet er oppe. Mottatt applikasjonskvittering vil indikere at linje er oppe.»), is about no patient and
    must carry no patient data; it is answered with an AppRec like any other message. A test message that
    does name a patient is checked as any other.
    """
    return is_test_message(head) and head.msg_info.patient is None


def _check_patient(patient: Patient | None, report: ValidationReport) -> None:
    """Patient identification rules of HIS 80415 §6.3 (E30, E31, E32, E36)."""
    path = f"{_MSG_INFO}/Patient"
    if patient is None:
        report.add("E36", path, "Pasienten er ikke identifisert: Patient mangler i hodemeldingen.")
        return
    has_name = bool((patient.family_name or "").strip() and (patient.given_name or "").strip())
    person_ids = [i for i in patient.ident if i.type_id.v in PERSON_ID_TYPES]
    if not patient.ident and not has_name:
        report.add("E36", path, "Pasienten er ikke identifisert: verken identifikator eller navn er oppgitt.")
        return
    if not person_ids:
        report.add("E30", f"{path}/Ident",
                   "Pasientens fødselsnummer mangler: ingen identifikator av typen FNR, DNR eller HNR.")
    for ident in person_ids:
        problem = person_id_problem(ident.id.strip(), ident.type_id.v)
        if problem is not None:
            report.add("E31", f"{path}/Ident/Id", f"Pasientens fødselsnummer er feil: {problem}")
    if not has_name:
        missing = "etternavn" if not (patient.family_name or "").strip() else "fornavn"
        report.add("E32", path, f"Pasientens navn mangler: {missing} er ikke oppgitt.")


def _path(elem: etree._Element) -> str:
    return elem.getroottree().getpath(elem) if elem.getparent() is not None else "/" + etree.QName(elem).localname


def _describe(elem: etree._Element) -> str:
    qname = etree.QName(elem)
    return f"{qname.localname} ({qname.namespace})" if qname.namespace else qname.localname
