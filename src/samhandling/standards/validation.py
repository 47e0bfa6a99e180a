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
E36   patient not sufficiently identified (HIS 80415:2012 §3.3.4)
====  =====================================================================

Sufficient patient identification (HIS 80415:2012 §3.3.4, HIS 80415:2004 the same): "Det SKAL returneres
negativ applikasjonskvittering hvis pasienten ikke er tilstrekkelig identifisert i form av et av følgende
kriterier": navn og fødselsnummer; navn, fødselsdato og kjønn; navn og D-nummer; navn og felles hjelpenummer.
"Bruk feilkode E36". A message that meets one criterion is accepted even when another identifier is missing
or wrong: that problem is a *note* (:attr:`ValidationReport.notes`) under its own code, E30 (fødselsnummer
mangler), E31 (fødselsnummer er feil) or E32 (navn mangler), which code system 8221 says are used "kun hvis
systemet ikke gjenkjenner øvrige opplysninger om pasienten heller" and "kun når bruk er dokumentert i
tilhørende forretningsprosess" (the PLO and dialogue message processes document none): they never reject
here, and a rejection names them in the text of its E36.

The same report carries what was read (MsgHead model, typed business document, its standard), so a
caller parses a message once.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lxml import etree

from samhandling.domain.clock import message_time
from samhandling.domain.identifiers import is_felles_hjelpenummer, is_uuid, person_id_problem
from samhandling.standards import registry
from samhandling.standards.binding import BindingError, read
from samhandling.standards.content import ContentStandard
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
from samhandling.standards.schemas import MSGHEAD_XSD, SchemaSet

T = TypeVar("T")
PERSON_ID_TYPES = ("FNR", "DNR", "HNR")
FELLES_HJELPENUMMER_TYPE = "FHN"
"""Code system 8116 (ID-type for personer, on Volven) for a felles hjelpenummer (HIS 1001:2010 kap. 3.1)."""
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
    notes: list[Finding] = field(default_factory=list)
    """What is wrong but does not reject the message (HIS 80415:2012 §3.3.4: a patient sufficiently identified
    by other information): kept on the message and shown to a person, never in the AppRec."""
    test_environment: bool = False
    """Whether the message was judged by a test environment's rules (synthetic test persons are valid)."""

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
    data: bytes, *, schemas: SchemaSet | None, max_bytes: int = DEFAULT_MAX_BYTES, test_environment: bool = False
) -> ValidationReport:
    """Check message bytes as a receiver would, and keep what was read.

    ``test_environment``: judge by a test environment, where NHN's synthetic test persons are valid
    fødselsnummer and D-nummer (see :mod:`samhandling.domain.identifiers`); in production they are not."""
    report = ValidationReport(test_environment=test_environment)
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
    """Sufficient patient identification, HIS 80415:2012 §3.3.4 (see the module): E36 when no criterion holds,
    notes E30/E31/E32 for what is missing or wrong besides.

    The exception for an ø-hjelpshenvisning (Henvisning with hastegrad 0, always a positive AppRec when it can
    be read) concerns the Henvisning standard, which samhandling does not receive (it is answered T10)."""
    path = f"{_MSG_INFO}/Patient"
    if patient is None:
        report.add("E36", path, "Pasientopplysninger er utilstrekkelige: Patient mangler i hodemeldingen.")
        return
    family, given = (patient.family_name or "").strip(), (patient.given_name or "").strip()
    has_name = bool(family and given)
    has_birth_date_and_sex = patient.date_of_birth is not None and bool(patient.sex and (patient.sex.v or "").strip())
    notes: list[Finding] = []
    identified_by = ""
    person_ids = [i for i in patient.ident if i.type_id.v in (*PERSON_ID_TYPES, FELLES_HJELPENUMMER_TYPE)]
    given_ids = [i for i in person_ids if i.id.strip()]  # an empty <Id/> is a missing identifier, not a wrong one
    for ident in given_ids:
        value, declared = ident.id.strip(), ident.type_id.v
        if declared == FELLES_HJELPENUMMER_TYPE or is_felles_hjelpenummer(value):
            if is_felles_hjelpenummer(value):
                identified_by = identified_by or "felles hjelpenummer"
                continue
            notes.append(Finding("E31", f"{path}/Ident/Id", "Pasientens felles hjelpenummer er feil: "
                                 "kontrollsifrene eller nummerserien stemmer ikke (HIS 1001:2010 kap. 3.1)."))
            continue
        problem = person_id_problem(value, declared, synthetic=report.test_environment)
        if problem is not None:
            notes.append(Finding("E31", f"{path}/Ident/Id", f"Pasientens fødselsnummer er feil: {problem}"))
        elif declared in ("FNR", "DNR"):
            identified_by = identified_by or ("fødselsnummer" if declared == "FNR" else "D-nummer")
    if not given_ids:
        notes.append(Finding("E30", f"{path}/Ident", "Pasientens fødselsnummer mangler: ingen identifikator av "
                             "typen FNR, DNR, HNR eller FHN er oppgitt."))
    if not has_name:
        missing = "etternavn" if not family else "fornavn"
        notes.append(Finding("E32", path, f"Pasientens navn mangler: {missing} er ikke oppgitt."))
    if has_name and (identified_by or has_birth_date_and_sex):
        report.notes.extend(notes)
        return
    said = " ".join(n.text for n in notes) or (
        "Navnet er oppgitt, men ingen av identifikatorene er fødselsnummer, D-nummer eller felles hjelpenummer, "
        "og fødselsdato og kjønn er ikke begge oppgitt.")
    report.add("E36", path, "Pasientopplysninger er utilstrekkelige: pasienten er ikke identifisert med navn og "
               "fødselsnummer, navn og D-nummer, navn og felles hjelpenummer eller navn, fødselsdato og kjønn "
               f"(HIS 80415:2012 §3.3.4). {said}")
    report.notes.extend(notes)


def _path(elem: etree._Element) -> str:
    return elem.getroottree().getpath(elem) if elem.getparent() is not None else "/" + etree.QName(elem).localname


def _describe(elem: etree._Element) -> str:
    qname = etree.QName(elem)
    return f"{qname.localname} ({qname.namespace})" if qname.namespace else qname.localname
