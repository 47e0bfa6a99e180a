"""MsgHead 1.2, the message header every KITH message travels in (HIS 80601:2006, "Hodemelding").

The header says what the message is (``MsgInfo/Type``, code system 8279), who sends it and who
receives it (organisations with nested services and healthcare professionals, identified by HER-id,
code system 9051), which patient it concerns (identifiers in code system 8116) and carries the
business document in ``Document/RefDoc/Content`` (XML) or as a base64 attachment.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from samhandling.domain.identifiers import is_her_id
from samhandling.standards import kith
from samhandling.standards.binding import AnyXml, Namespaces, any_content, element, read, write, xml_type
from samhandling.standards.kith import CS, CV, TS

MSGHEAD_NS = "http://www.kith.no/xmlstds/msghead/2006-05-24"
XMLDSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
BASE64_NS = "http://www.kith.no/xmlstds/base64container"
MIG_VERSION = "v1.2 2006-05-24"

NAMESPACES = kith.COMMON_NAMESPACES.merged(
    Namespaces(uris={"mh": MSGHEAD_NS, "ds": XMLDSIG_NS}, prefixes={"mh": None})
)

# Code system OIDs (volven.no), cited by HIS 80601 chapter 4.
OID_MSG_TYPE = "2.16.578.1.12.4.1.1.8279"
OID_ORG_IDENT = "2.16.578.1.12.4.1.1.9051"
OID_PERSON_IDENT = "2.16.578.1.12.4.1.1.8116"


@xml_type(ns="mh")
@dataclass(kw_only=True)
class Ident(kith.Ident):
    """An identifier (MsgHead's own ``mh:Ident``)."""


@xml_type(ns="mh")
@dataclass(kw_only=True)
class Address(kith.Address):
    pass


@xml_type(ns="mh")
@dataclass(kw_only=True)
class TeleCom(kith.TeleCom):
    pass


@xml_type(ns="mh")
@dataclass(kw_only=True)
class HealthcareProfessional:
    type_healthcare_professional: CS | None = element("TypeHealthcareProfessional", default=None)
    role_to_patient: CV | None = element("RoleToPatient", default=None)
    family_name: str | None = element("FamilyName", default=None)
    middle_name: str | None = element("MiddleName", default=None)
    given_name: str | None = element("GivenName", default=None)
    date_of_birth: date | None = element("DateOfBirth", default=None)
    sex: CS | None = element("Sex", default=None)
    nationality: CS | None = element("Nationality", default=None)
    ident: list[Ident] = element("Ident", default_factory=list)
    address: Address | None = element("Address", default=None)
    tele_com: list[TeleCom] = element("TeleCom", default_factory=list)

    def her_id(self) -> str | None:
        return _her_id(self.ident)


@xml_type(ns="mh")
@dataclass(kw_only=True)
class Organisation:
    """An organisation; a nested organisation is a service (department, tjeneste) within it."""

    organisation_name: str = element("OrganisationName")
    type_organisation: CV | None = element("TypeOrganisation", default=None)
    ident: list[Ident] = element("Ident", default_factory=list)
    address: Address | None = element("Address", default=None)
    tele_com: list[TeleCom] = element("TeleCom", default_factory=list)
    organisation: Organisation | None = element("Organisation", default=None)
    healthcare_professional: HealthcareProfessional | None = element("HealthcareProfessional", default=None)

    def her_id(self) -> str | None:
        return _her_id(self.ident)

    def ident_of(self, type_id: str) -> str | None:
        return next((i.id for i in self.ident if i.type_id.v == type_id), None)

    def innermost(self) -> Organisation:
        """The most specific organisation level (the service, when there is one)."""
        return self.organisation.innermost() if self.organisation is not None else self

    def addressee_her_id(self) -> str | None:
        """The HER-id of the most specific communication party named: person, else service, else organisation.

        Service-based addressing (HIS 1153) names the organisation and then the service or person within it;
        the most specific level that carries a HER-id is the communication party the message is for.
        """
        inner = self.innermost()
        if inner.healthcare_professional is not None and inner.healthcare_professional.her_id():
            return inner.healthcare_professional.her_id()
        level: Organisation | None = self
        found = self.her_id()
        while level is not None:
            found = level.her_id() or found
            level = level.organisation
        return found

    def her_path(self) -> list[str]:
        """HER-ids from the top organisation down to the person, where present."""
        path: list[str] = []
        level: Organisation | None = self
        while level is not None:
            if level.her_id():
                path.append(level.her_id() or "")
            if level.healthcare_professional is not None and level.healthcare_professional.her_id():
                path.append(level.healthcare_professional.her_id() or "")
            level = level.organisation
        return path


def _her_id(idents: list[Ident]) -> str | None:
    """The first usable HER-id: an ``Ident`` of type HER whose ``Id`` is a non-empty string of digits. An empty
    or malformed one (``<Id/>``) identifies no communication party, so nothing can be addressed to it
    (HITS 1168 §5.3)."""
    for ident in idents:
        if ident.type_id.v == "HER" and is_her_id(ident.id.strip()):
            return ident.id.strip()
    return None


@xml_type(ns="mh")
@dataclass(kw_only=True)
class Patient:
    family_name: str | None = element("FamilyName", default=None)
    middle_name: str | None = element("MiddleName", default=None)
    given_name: str | None = element("GivenName", default=None)
    date_of_birth: date | None = element("DateOfBirth", default=None)
    sex: CS | None = element("Sex", default=None)
    nationality: CS | None = element("Nationality", default=None)
    ident: list[Ident] = element("Ident", default_factory=list)
    address: Address | None = element("Address", default=None)
    tele_com: list[TeleCom] = element("TeleCom", default_factory=list)

    def ident_of(self, *type_ids: str) -> Ident | None:
        return next((i for i in self.ident if i.type_id.v in type_ids), None)


@xml_type(ns="mh")
@dataclass(kw_only=True)
class Person(Patient):
    """A person receiving a copy (``OtherReceiver/Person``, type fk1:Person)."""


@xml_type(ns="fk1")
@dataclass(kw_only=True)
class CopyPerson(kith.Person):
    pass


@xml_type(ns="mh")
@dataclass(kw_only=True)
class Sender:
    com_method: CS | None = element("ComMethod", default=None)
    organisation: Organisation = element("Organisation")


@xml_type(ns="mh")
@dataclass(kw_only=True)
class Receiver:
    com_method: CS | None = element("ComMethod", default=None)
    organisation: Organisation = element("Organisation")


@xml_type(ns="mh")
@dataclass(kw_only=True)
class OtherReceiver:
    """A copy receiver; ``RoleReceiver`` says its role (code system 8112, e.g. ``COP``)."""

    com_method: CS | None = element("ComMethod", default=None)
    role_receiver: CS = element("RoleReceiver")
    organisation: Organisation | None = element("Organisation", default=None)
    patient: Patient | None = element("Patient", default=None)
    person: CopyPerson | None = element("Person", default=None)
    healthcare_professional: HealthcareProfessional | None = element("HealthcareProfessional", default=None)


@xml_type(ns="mh")
@dataclass(kw_only=True)
class ConversationRef:
    """Links a message to what it answers (HITS 1218): the parent message and the first of the conversation."""

    ref_to_parent: str = element("RefToParent")
    ref_to_conversation: str = element("RefToConversation")


@xml_type(ns="mh")
@dataclass(kw_only=True)
class MsgInfo:
    type: CS = element("Type")
    mig_version: str = element("MIGversion", default=MIG_VERSION)
    gen_date: datetime = element("GenDate")
    msg_id: str = element("MsgId")
    processing_status: CS | None = element("ProcessingStatus", default=None)
    requested_priority: CS | None = element("RequestedPriority", default=None)
    ack: CS | None = element("Ack", default=None)
    conversation_ref: ConversationRef | None = element("ConversationRef", default=None)
    sender: Sender = element("Sender")
    receiver: Receiver = element("Receiver")
    other_receiver: list[OtherReceiver] = element("OtherReceiver", default_factory=list)
    patient: Patient | None = element("Patient", default=None)


@xml_type(ns="mh")
@dataclass(kw_only=True)
class RefDoc:
    issue_date: TS | None = element("IssueDate", default=None)
    msg_type: CS = element("MsgType")
    id: str | None = element("Id", default=None)
    mime_type: str | None = element("MimeType", default=None)
    description: str | None = element("Description", default=None)
    compression: CS | None = element("Compression", default=None)
    file_reference: str | None = element("FileReference", default=None)
    content: Content | None = element("Content", default=None)

    def attachment(self) -> bytes | None:
        """The decoded bytes of a ``Base64Container`` in the content, if this RefDoc is an attachment."""
        if self.content is None:
            return None
        for child in self.content.any:
            if child.tag == f"{{{BASE64_NS}}}Base64Container":
                return base64.b64decode("".join((child.text or "").split()))
        return None

    def xml_content(self) -> etree._Element | None:
        """The business document (the first element of the content that is not an attachment)."""
        if self.content is None:
            return None
        return next((c for c in self.content.any if c.tag != f"{{{BASE64_NS}}}Base64Container"), None)


@xml_type(ns="mh")
@dataclass(kw_only=True)
class Content:
    any: AnyXml = any_content()


@xml_type(ns="mh")
@dataclass(kw_only=True)
class Document:
    document_connection: CS | None = element("DocumentConnection", default=None)
    content_type: CV | None = element("ContentType", default=None)
    content_description: str | None = element("ContentDescription", default=None)
    content_category: CV | None = element("ContentCategory", default=None)
    consent: CV | None = element("Consent", default=None)
    annotation: str | None = element("Annotation", default=None)
    from_date: TS | None = element("FromDate", default=None)
    to_date: TS | None = element("ToDate", default=None)
    oid_ref: str | None = element("OidRef", default=None)
    enquiry_ref_id: str | None = element("EnquiryRefId", default=None)
    ref_doc: RefDoc = element("RefDoc")


@xml_type(ns="mh")
@dataclass(kw_only=True)
class PatientReport:
    document_connection: CS | None = element("DocumentConnection", default=None)
    case_no: str = element("CaseNo")
    document: list[Document] = element("Document", default_factory=list)
    patient: Patient | None = element("Patient", default=None)


@xml_type(ns="mh")
@dataclass(kw_only=True)
class Signature:
    """An XML signature (``ds:Signature``), kept as XML."""

    any: AnyXml = any_content()


@xml_type(ns="mh")
@dataclass(kw_only=True)
class MsgHead:
    """The whole header message: MsgInfo, one or more documents, an optional signature."""

    msg_info: MsgInfo = element("MsgInfo")
    document: list[Document] = element("Document", default_factory=list)
    patient_report: list[PatientReport] = element("PatientReport", default_factory=list)
    signature: Signature | None = element("Signature", ns="ds", default=None)

    @property
    def msg_type(self) -> str:
        return self.msg_info.type.v or ""

    @property
    def msg_id(self) -> str:
        return self.msg_info.msg_id

    def business_document(self) -> etree._Element | None:
        """The XML content of the first document (the PLO or dialog message the header carries)."""
        for doc in self.document:
            found = doc.ref_doc.xml_content()
            if found is not None:
                return found
        return None

    def attachments(self) -> list[tuple[RefDoc, bytes]]:
        """Every base64 attachment with the RefDoc that describes it (MIME type, description)."""
        found: list[tuple[RefDoc, bytes]] = []
        for doc in self.document:
            data = doc.ref_doc.attachment()
            if data is not None:
                found.append((doc.ref_doc, data))
        return found


def base64_content(data: bytes) -> Content:
    """A ``Content`` holding ``data`` in a ``Base64Container`` (kith-base64.xsd)."""
    container = etree.Element(f"{{{BASE64_NS}}}Base64Container", nsmap={"b64": BASE64_NS})
    container.text = base64.b64encode(data).decode("ascii")
    return Content(any=[container])


def read_msghead(root: etree._Element, *, strict: bool = True) -> MsgHead:
    return read(MsgHead, root, NAMESPACES, strict=strict)


def write_msghead(head: MsgHead) -> etree._Element:
    return write(head, "MsgHead", NAMESPACES, nsmap=NAMESPACES.nsmap(["mh"]))


def her_ident(her_id: str) -> Ident:
    """A HER-id identifier (code system 9051)."""
    return Ident(id=her_id, type_id=CV(v="HER", s=OID_ORG_IDENT, dn="HER-id"))


def party(name: str, her_id: str, *, service: Organisation | None = None) -> Organisation:
    """An organisation identified by HER-id, optionally with a service (nested organisation) in it."""
    return Organisation(organisation_name=name, ident=[her_ident(her_id)], organisation=service)


def person_ident(value: str, kind: str = "FNR") -> Ident:
    """A person identifier (code system 8116)."""
    names = {"FNR": "Fødselsnummer", "DNR": "D-nummer", "HNR": "H-nummer"}
    return Ident(id=value, type_id=CV(v=kind, s=OID_PERSON_IDENT, dn=names.get(kind)))
