"""The AppRec document in its two versions (AppRec-v1-2004-11-21.xsd, AppRec-v1.1.xsd), read and written.

The models mirror the schemas type by type; the versions differ only in namespace (HIS 80415:2012 §5.1) and
in the role codes of ``Sender`` and ``Receiver`` (HITS 1168 §6.2, §8.1), which each version's root class
names.
"""

# The binding declares each field with element(), which returns a dataclasses.field(): not a shared default.


from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from lxml import etree

from samhandling.standards.apprec.codes import (
    APPREC_MSG_TYPE,
    ROLE_ORIGINAL_SENDER,
    ROLE_PRIMARY,
    ROLE_RECEIVER,
    ROLE_SERVICE_PROVIDER,
    STATUS_REJECTED,
    Code,
)
from samhandling.standards.binding import BindingError, Namespaces, element, read, write, xml_type
from samhandling.standards.content import ContentStandard
from samhandling.standards.kith import CS, CV, URL

APPREC_NS_1_0 = "http://www.kith.no/xmlstds/apprec/2004-11-21"
APPREC_NS_1_1 = "http://www.kith.no/xmlstds/apprec/2012-02-15"

NAMESPACES_1_0 = Namespaces(uris={"ar": APPREC_NS_1_0}, prefixes={"ar": None})
NAMESPACES_1_1 = Namespaces(uris={"ar": APPREC_NS_1_1}, prefixes={"ar": None})


@xml_type(ns="ar")
@dataclass(kw_only=True)
class AdditionalId:
    """Another identifier the unit is or was known by (Alternativ id)."""

    id: str = element("Id")
    type: CS = element("Type")


@xml_type(ns="ar")
@dataclass(kw_only=True)
class HCPerson:
    """A person within an institution (Person i organisasjon)."""

    name: str | None = element("Name", default=None)
    id: str | None = element("Id", default=None)
    type_id: CS | None = element("TypeId", default=None)
    additional_id: list[AdditionalId] = element("AdditionalId", default_factory=list)


@xml_type(ns="ar")
@dataclass(kw_only=True)
class Dept:
    """A department or service of an institution (Avdeling)."""

    type: CS | None = element("Type", default=None)
    name: str | None = element("Name", default=None)
    id: str | None = element("Id", default=None)
    type_id: CS | None = element("TypeId", default=None)
    additional_id: list[AdditionalId] = element("AdditionalId", default_factory=list)


@xml_type(ns="ar")
@dataclass(kw_only=True)
class Inst:
    """An institution (Institusjon) with its departments and persons."""

    name: str | None = element("Name", default=None)
    id: str | None = element("Id", default=None)
    type_id: CS | None = element("TypeId", default=None)
    dept: list[Dept] = element("Dept", default_factory=list)
    additional_id: list[AdditionalId] = element("AdditionalId", default_factory=list)
    hc_person: list[HCPerson] = element("HCPerson", default_factory=list)


@xml_type(ns="ar")
@dataclass(kw_only=True)
class HCProf:
    """A healthcare professional on their own (Person i helsevesenet)."""

    type: CS | None = element("Type", default=None)
    name: str | None = element("Name", default=None)
    id: str | None = element("Id", default=None)
    type_id: CS | None = element("TypeId", default=None)
    additional_id: list[AdditionalId] = element("AdditionalId", default_factory=list)


@xml_type(ns="ar")
@dataclass(kw_only=True)
class Address:
    type: CS = element("Type")
    street_adr: str | None = element("StreetAdr", default=None)
    postal_code: str | None = element("PostalCode", default=None)
    city: str | None = element("City", default=None)
    county: CS | None = element("County", default=None)
    country: CS | None = element("Country", default=None)
    city_distr: CS | None = element("CityDistr", default=None)
    tele_address: list[URL] = element("TeleAddress", default_factory=list)


@xml_type(ns="ar")
@dataclass(kw_only=True)
class HCP:
    """A health service unit (Helsetjenesteenhet): an institution or a healthcare professional."""

    inst: Inst | None = element("Inst", default=None)
    hc_prof: HCProf | None = element("HCProf", default=None)
    med_speciality: CV | None = element("MedSpeciality", default=None)
    address: Address | None = element("Address", default=None)

    def her_id(self) -> str | None:
        """The most specific HER-id: a person, else the innermost department, else the institution.

        HIS 80415:2012 §3.5.1: the sender of a message keeps account of its receipts per recipient by the
        recipient's own HER-id (the person or service the message was addressed to).
        """
        if self.hc_prof is not None:
            return _her_id(self.hc_prof)
        if self.inst is None:
            return None
        units: list[_Identified] = [*self.inst.hc_person, *reversed(self.inst.dept), self.inst]
        return next((found for unit in units if (found := _her_id(unit)) is not None), None)


@xml_type(ns="ar")
@dataclass(kw_only=True)
class HcpPointer:
    """A health service unit in a role (HTErolle): the type of both ``Sender`` and ``Receiver``."""

    role: CS | None = element("Role", default=None)
    hcp: HCP = element("HCP")

    def her_id(self) -> str | None:
        return self.hcp.her_id()


@xml_type(ns="ar")
@dataclass(kw_only=True)
class OriginalMsgId:
    """The message this AppRec answers: its MsgHead type, GenDate and MsgId (HIS 80415:2012 §4.3.2)."""

    msg_type: CS = element("MsgType")
    issue_date: datetime = element("IssueDate")
    id: str = element("Id")


@xml_type(ns="ar")
@dataclass(kw_only=True)
class AppRec:
    """An application receipt; the subclasses :class:`AppRec10` and :class:`AppRec11` say which version."""

    version: ClassVar[str]
    primary_role: ClassVar[Code]  # the answering primary receiver's role, unless the caller says otherwise
    receiver_role: ClassVar[Code]  # the fixed role of the original sender

    msg_type: CS = element("MsgType", default_factory=APPREC_MSG_TYPE.cs)
    mig_version: str = element("MIGversion")
    software_name: str | None = element("SoftwareName", default=None)
    software_version: str | None = element("SoftwareVersion", default=None)
    gen_date: datetime = element("GenDate")
    id: str = element("Id")
    sender: HcpPointer = element("Sender")
    receiver: HcpPointer = element("Receiver")
    status: CS = element("Status")
    error: list[CV] = element("Error", default_factory=list)
    original_msg_id: OriginalMsgId = element("OriginalMsgId")

    @property
    def status_code(self) -> str:
        """The status (code system 8258): ``"1"`` OK, ``"2"`` Avvist, ``"3"`` OK, feil i delmelding."""
        return (self.status.v or "").strip()

    @property
    def rejected(self) -> bool:
        return self.status_code == STATUS_REJECTED.value

    @property
    def error_codes(self) -> list[str]:
        return [(e.v or "").strip() for e in self.error]

    @property
    def original_id(self) -> str:
        """The MsgId of the message this AppRec answers."""
        return self.original_msg_id.id

    @property
    def sender_her_id(self) -> str | None:
        """The HER-id of the recipient that answers."""
        return self.sender.her_id()

    @property
    def receiver_her_id(self) -> str | None:
        """The HER-id of the original message's sender, to whom this AppRec goes."""
        return self.receiver.her_id()


@xml_type(ns="ar")
@dataclass(kw_only=True)
class AppRec10(AppRec):
    """AppRec 1.0 (HIS 80415:2004); MIGversion without "v" (errata of 26.03.2013)."""

    version: ClassVar[str] = "1.0"
    primary_role: ClassVar[Code] = ROLE_SERVICE_PROVIDER
    receiver_role: ClassVar[Code] = ROLE_RECEIVER

    mig_version: str = element("MIGversion", default="1.0 2004-11-21")


@xml_type(ns="ar")
@dataclass(kw_only=True)
class AppRec11(AppRec):
    """AppRec 1.1 (HIS 80415:2012)."""

    version: ClassVar[str] = "1.1"
    primary_role: ClassVar[Code] = ROLE_PRIMARY
    receiver_role: ClassVar[Code] = ROLE_ORIGINAL_SENDER

    mig_version: str = element("MIGversion", default="v1.1 2012-02-15")


class _Identified(Protocol):
    id: str | None
    type_id: CS | None
    additional_id: list[AdditionalId]


def is_her_type(type_code: str | None) -> bool:
    """Whether an identifier's type code says HER-id."""
    # V is an xs:token: surrounding whitespace (the official samples have V=" HER") carries no meaning.
    return (type_code or "").strip() == "HER"


def _her_id(unit: _Identified) -> str | None:
    if unit.id and unit.type_id is not None and is_her_type(unit.type_id.v):
        return unit.id
    return next((a.id for a in unit.additional_id if is_her_type(a.type.v)), None)


STANDARDS: list[ContentStandard] = [
    ContentStandard(
        standard="AppRec",
        version=model.version,
        namespace=namespaces.uri("ar"),
        root="AppRec",
        model=model,
        namespaces=namespaces,
        schema_file=schema_file,
        msg_types=("APPREC",),
    )
    for model, namespaces, schema_file in (
        (AppRec10, NAMESPACES_1_0, "AppRec-v1-2004-11-21.xsd"),
        (AppRec11, NAMESPACES_1_1, "AppRec-v1.1.xsd"),
    )
]
_BY_QNAME = {s.qname: s for s in STANDARDS}
STANDARDS_BY_VERSION: Mapping[str, ContentStandard] = {s.version: s for s in STANDARDS}
"""The content standard of each AppRec version, by its version ("1.0", "1.1")."""


def read_apprec(root: etree._Element, *, strict: bool = True) -> AppRec:
    """Read an ``AppRec`` root element of either version."""
    tag = root.tag if isinstance(root.tag, str) else ""
    standard = _BY_QNAME.get(tag)
    if standard is None:
        path = "/" + tag.rsplit("}", 1)[-1]
        raise BindingError(path, "er ikke en applikasjonskvittering (AppRec 1.0 eller 1.1)")
    apprec: AppRec = read(standard.model, root, standard.namespaces, strict=strict)
    return apprec


def write_apprec(apprec: AppRec) -> etree._Element:
    """Write an AppRec as the root element of its version's namespace."""
    standard = STANDARDS_BY_VERSION[apprec.version]
    return write(apprec, standard.root, standard.namespaces, nsmap=standard.namespaces.nsmap())
