"""AppRec 1.0 and 1.1, the application receipt (HIS 80415:2004, HIS 80415:2012, used as HITS 1168:2016 says).

An AppRec tells the sender of a business message (fagmelding) whether the receiving system took it in:
status ``OK``, ``Avvist`` or ``OK, feil i delmelding`` (code system 8258) with error codes (code system 8221).
It is not wrapped in MsgHead: its root element is ``AppRec``. Its ``Sender`` is the recipient that answers
(the primary receiver or a copy receiver, with its role), its ``Receiver`` is the sender of the original
message, and ``OriginalMsgId`` carries the original MsgHead type, GenDate and MsgId.

The two versions have the same structure and differ in namespace (HIS 80415:2012 §5.1) and in the role codes
of ``Sender`` and ``Receiver`` (HITS 1168 §6.2, §8.1). Which version answers a message is decided by the
message's standard (HITS 1168 §8.2, §8.3): see :func:`apprec_version_for`.
"""

# The binding declares each field with element(), which returns a dataclasses.field(): not a shared default.

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from lxml import etree

from samhandling.domain.clock import message_time
from samhandling.standards import msghead
from samhandling.standards.binding import BindingError, Namespaces, element, read, write, xml_type
from samhandling.standards.content import ContentStandard
from samhandling.standards.kith import CS, CV, URL

APPREC_NS_1_0 = "http://www.kith.no/xmlstds/apprec/2004-11-21"
APPREC_NS_1_1 = "http://www.kith.no/xmlstds/apprec/2012-02-15"

NAMESPACES_1_0 = Namespaces(uris={"ar": APPREC_NS_1_0}, prefixes={"ar": None})
NAMESPACES_1_1 = Namespaces(uris={"ar": APPREC_NS_1_1}, prefixes={"ar": None})

# Code system OIDs (volven.no): HIS 80415:2012 §6.1.1 gives the common prefix 2.16.578.1.12.4.1.1.
OID_STATUS = "2.16.578.1.12.4.1.1.8258"
OID_ERROR = "2.16.578.1.12.4.1.1.8221"
OID_ROLE = "2.16.578.1.12.4.1.1.8112"


# --- code tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    """A code of a code system: value (V), official Norwegian display name (DN) and the system's OID (S)."""

    value: str
    name: str
    system: str

    def cs(self) -> CS:
        return CS(v=self.value, dn=self.name)

    def cv(self, text: str | None = None) -> CV:
        """The code as a coded value, with ``text`` as original text (OT)."""
        return CV(v=self.value, s=self.system, dn=self.name, ot=text)


def _table(*codes: Code) -> Mapping[str, Code]:
    return {code.value: code for code in codes}


# Status for mottak av melding, code system 8258 (HIS 80415:2012 §6.2).
STATUS_OK = Code("1", "OK", OID_STATUS)
STATUS_REJECTED = Code("2", "Avvist", OID_STATUS)
STATUS_OK_ERROR_IN_PART = Code("3", "OK, feil i delmelding", OID_STATUS)
STATUS_CODES = _table(STATUS_OK, STATUS_REJECTED, STATUS_OK_ERROR_IN_PART)

# Feilmeldinger for applikasjonskvittering – Generelle, code system 8221 (HIS 80415:2012 §6.3, which rules
# for each situation which code to use in §3.3.4; HITS 1168 §7: always the most precise code).
ERROR_T01 = Code("T01", "Ikke XML / ikke 'well formed' / uleselig", OID_ERROR)
ERROR_T02 = Code("T02", "XML validerer ikke", OID_ERROR)
ERROR_T10 = Code("T10", "Støtter ikke meldingsformatet", OID_ERROR)
ERROR_T99 = Code("T99", "Annen feil på format", OID_ERROR)
ERROR_S01 = Code("S01", "Feil på signatur", OID_ERROR)
ERROR_S02 = Code("S02", "Ugyldig sertifikat", OID_ERROR)
ERROR_S03 = Code("S03", "Tilbaketrukket sertifikat", OID_ERROR)
ERROR_S99 = Code("S99", "Annen feil på signatur eller sertifikat", OID_ERROR)
ERROR_E10 = Code("E10", "Ugyldig meldingsidentifikator", OID_ERROR)
ERROR_E20 = Code("E20", "Lege finnes ikke", OID_ERROR)
ERROR_E21 = Code("E21", "Mottaker finnes ikke", OID_ERROR)
ERROR_E30 = Code("E30", "Pasientens fødselsnummer mangler", OID_ERROR)
ERROR_E31 = Code("E31", "Pasientens fødselsnummer er feil", OID_ERROR)
ERROR_E32 = Code("E32", "Pasientens navn mangler", OID_ERROR)
ERROR_E35 = Code("E35", "Pasienten finnes ikke i mottakersystemet", OID_ERROR)
ERROR_E36 = Code("E36", "Pasientopplysninger er utilstrekkelig", OID_ERROR)
ERROR_E53 = Code(
    "E53", "Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret", OID_ERROR
)
ERROR_E54 = Code("E54", "Pasientens fødselsnummer er ikke registrert i mottagersystemet", OID_ERROR)
ERROR_X99 = Code("X99", "Annen feil", OID_ERROR)
ERROR_CODES = _table(
    ERROR_T01, ERROR_T02, ERROR_T10, ERROR_T99,
    ERROR_S01, ERROR_S02, ERROR_S03, ERROR_S99,
    ERROR_E10, ERROR_E20, ERROR_E21, ERROR_E30, ERROR_E31, ERROR_E32, ERROR_E35, ERROR_E36,
    ERROR_E53, ERROR_E54, ERROR_X99,
)  # fmt: skip

# Roles of Sender and Receiver (Rolle til mottaker, code system 8112, the code system of MsgHead's
# OtherReceiver/RoleReceiver). AppRec 1.1: PRIM or COP for Sender, always AVS for Receiver (HIS 80415:2012
# §4.4.4, §4.4.5). AppRec 1.0: REQ for a requester and SPR for other service providers as primary receiver,
# COP for a copy receiver, always RECEIVER for Receiver (HIS 80415:2004 §4.4.4, §4.4.5; HITS 1168 §6.2).
ROLE_PRIMARY = Code("PRIM", "Primærmottaker", OID_ROLE)
ROLE_COPY = Code("COP", "Kopimottaker", OID_ROLE)
ROLE_ORIGINAL_SENDER = Code("AVS", "Avsender", OID_ROLE)
ROLE_REQUESTER = Code("REQ", "Rekvirent", OID_ROLE)
ROLE_SERVICE_PROVIDER = Code("SPR", "Tjenesteyter", OID_ROLE)
ROLE_RECEIVER = Code("RECEIVER", "Mottaker", OID_ROLE)

# The AppRec's own MsgType, from Meldingens funksjon (code system 8279; HIS 80415:2012 §4.3.1).
APPREC_MSG_TYPE = Code("APPREC", "Applikasjonskvittering", msghead.OID_MSG_TYPE)


# --- models ----------------------------------------------------------------------------------------


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


def _is_her(type_code: str | None) -> bool:
    # V is an xs:token: surrounding whitespace (the official samples have V=" HER") carries no meaning.
    return (type_code or "").strip() == "HER"


def _her_id(unit: _Identified) -> str | None:
    if unit.id and unit.type_id is not None and _is_her(unit.type_id.v):
        return unit.id
    return next((a.id for a in unit.additional_id if _is_her(a.type.v)), None)


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
_BY_VERSION = {s.version: s for s in STANDARDS}


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
    standard = _BY_VERSION[apprec.version]
    return write(apprec, standard.root, standard.namespaces, nsmap=standard.namespaces.nsmap())


# --- which version answers a message --------------------------------------------------------------

# HITS 1168:2016 §8.3 (the standards of the reference catalogue): the first version of each standard that
# is answered with AppRec 1.1; earlier versions are answered with AppRec 1.0, and None means every version
# is. HIS 80415:2012 §3.6 states these as minimum versions, so later versions (PLO 2.0) take AppRec 1.1 too.
# Dialogmelding 1.0 takes AppRec 1.0 "så fremt ikke annet er avtalt mellom kommunikasjonspartene" (§3.6).
# The NAV, Helfo and FHI messages of §8.3 and §8.4 take AppRec 1.0 where they use an AppRec at all;
# samhandling does not exchange them, so they are left out.
FIRST_VERSION_ANSWERED_WITH_1_1: Mapping[str, str | None] = {
    "Epikrise": "1.2",
    "Henvisning": "1.1",
    "Henvisning ny tilstand": "1.0",
    "Viderehenvisning": "1.0",
    "Rekvisisjon": "1.6",
    "Svarrapport": "1.4",
    "Dialogmelding": "1.1",
    "PLO": "1.6",
    "e-resept": None,
}


def apprec_version_for(standard: str, version: str) -> str:
    """The AppRec version ("1.0" or "1.1") that answers a message of ``standard`` in ``version``.

    HITS 1168 §8.2: the message's standard decides, not the AppRec standard. Raises LookupError for a
    standard HITS 1168 does not list.
    """
    try:
        first = FIRST_VERSION_ANSWERED_WITH_1_1[standard]
    except KeyError:
        raise LookupError(f"HITS 1168 sier ikke hvilken AppRec-versjon som besvarer {standard}") from None
    if first is not None and _version_key(version) >= _version_key(first):
        return "1.1"
    return "1.0"


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        raise ValueError(f"ugyldig versjonsnummer {version!r}") from None


# --- answering a received message -----------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """A recipient of a received message, which answers it with its own AppRec.

    HIS 80415:2012 §3.5.1 and HITS 1168 §5.1: one AppRec per recipient in the own organisation. The
    primary receiver is MsgHead's ``Receiver``; a copy receiver is an ``OtherReceiver`` and ``role`` is its
    ``RoleReceiver`` (code system 8112, normally ``COP``).
    """

    party: msghead.Organisation | msghead.HealthcareProfessional
    role: CS | None = None  # None for the primary receiver

    @property
    def is_copy(self) -> bool:
        return self.role is not None

    @property
    def her_id(self) -> str | None:
        """The HER-id of the communication party the message was addressed to (the most specific level)."""
        if isinstance(self.party, msghead.Organisation):
            return self.party.addressee_her_id()
        return self.party.her_id()


def recipients(original: msghead.MsgHead) -> list[Recipient]:
    """The primary receiver and every copy receiver that is an organisation or a healthcare professional."""
    info = original.msg_info
    found = [Recipient(info.receiver.organisation)]
    for other in info.other_receiver:
        party = other.organisation or other.healthcare_professional
        if party is not None:
            found.append(Recipient(party, other.role_receiver))
    return found


@dataclass(frozen=True)
class AppRecError:
    """An error to report: its code (8221 or a message-specific error code system) and OT.

    ``text`` says in Norwegian what is wrong and where; HIS 80415:2012 §3.3.4 and HITS 1168 §7 require the
    receiver of the AppRec to show it together with the code's display name.
    """

    code: Code
    text: str

    def cv(self) -> CV:
        return self.code.cv(self.text)


def build_apprec(
    original: msghead.MsgHead,
    *,
    version: str,
    status: str,
    errors: Sequence[AppRecError] = (),
    recipient_her_id: str | None = None,
    role: Code | None = None,
    msg_id: str | None = None,
    gen_date: datetime | None = None,
) -> AppRec:
    """The AppRec with which one recipient answers the received message ``original``.

    - ``version``: "1.0" or "1.1", normally :func:`apprec_version_for` of the original's standard.
    - ``status``: "1" OK, "2" Avvist, "3" OK, feil i delmelding (code system 8258). OK carries no errors,
      the other two at least one (HIS 80415:2012 §4.3.1).
    - ``recipient_her_id``: the HER-id of the answering recipient as the original addresses it (see
      :attr:`Recipient.her_id`); None answers for the primary receiver.
    - ``role``: the answering recipient's role. By default PRIM (1.1) or SPR (1.0) for the primary receiver
      and the copy receiver's own RoleReceiver for a copy receiver (HITS 1168 §6.2; AppRec 1.0 returns the
      role of the received message, HIS 80415:2004 change log 24.04.2008). Pass :data:`ROLE_REQUESTER` when
      an AppRec 1.0 answers as requester.

    The AppRec mirrors the addressing of the original (HITS 1168 §6.1): its Sender is the answering
    recipient, its Receiver the original's sender, and OriginalMsgId the original's MsgInfo Type, GenDate
    and MsgId (HIS 80415:2012 §3.1, §4.3.2).
    """
    standard = _BY_VERSION.get(version)
    if standard is None:
        raise ValueError(f"ukjent AppRec-versjon {version!r}; samhandling skriver 1.0 og 1.1")
    model: type[AppRec] = standard.model
    status_code = _checked_status(status, errors)
    recipient = _recipient(original, recipient_her_id)
    if role is not None:
        sender_role = role.cs()
    elif recipient.role is not None:
        sender_role = CS(v=recipient.role.v, dn=recipient.role.dn)
    else:
        sender_role = model.primary_role.cs()
    info = original.msg_info
    return model(
        gen_date=gen_date or message_time(),
        id=msg_id or str(uuid.uuid4()),
        sender=HcpPointer(role=sender_role, hcp=_hcp(recipient.party)),
        receiver=HcpPointer(role=model.receiver_role.cs(), hcp=_hcp(info.sender.organisation)),
        status=status_code.cs(),
        error=[e.cv() for e in errors],
        original_msg_id=OriginalMsgId(
            msg_type=CS(v=info.type.v, dn=info.type.dn), issue_date=info.gen_date, id=info.msg_id
        ),
    )


UNKNOWN_MSG_TYPE = CS(dn="Ukjent (meldingen kunne ikke leses)")
"""OriginalMsgId/MsgType of an AppRec for a message whose MsgHead could not be read (V is optional in CS)."""


def build_apprec_for_unreadable(
    *,
    version: str,
    errors: Sequence[AppRecError],
    answering: msghead.Organisation,
    original_sender: msghead.Organisation,
    original_msg_id: str,
    original_issued: datetime,
    msg_id: str | None = None,
    gen_date: datetime | None = None,
) -> AppRec:
    """A negative AppRec (status 2, Avvist) for a received message whose MsgHead cannot be read.

    HIS 80415:2012 §3.3.4: a message that is not well-formed XML (T01), too large (T99) or of a format the
    receiver does not support (T10) may be answered with a negative AppRec when the sender can be known. Without
    a readable MsgHead, what the AppRec mirrors (HITS 1168 §6.1) comes from the transport instead: the sender,
    the MsgId and the time the message was issued; the message's type is unknown and given by name only.
    """
    standard = _BY_VERSION.get(version)
    if standard is None:
        raise ValueError(f"ukjent AppRec-versjon {version!r}; samhandling skriver 1.0 og 1.1")
    model: type[AppRec] = standard.model
    status_code = _checked_status(STATUS_REJECTED.value, errors)
    return model(
        gen_date=gen_date or message_time(),
        id=msg_id or str(uuid.uuid4()),
        sender=HcpPointer(role=model.primary_role.cs(), hcp=_hcp(answering)),
        receiver=HcpPointer(role=model.receiver_role.cs(), hcp=_hcp(original_sender)),
        status=status_code.cs(),
        error=[e.cv() for e in errors],
        original_msg_id=OriginalMsgId(msg_type=UNKNOWN_MSG_TYPE, issue_date=original_issued, id=original_msg_id),
    )


def _checked_status(status: str, errors: Sequence[AppRecError]) -> Code:
    code = STATUS_CODES.get(status)
    if code is None:
        raise ValueError(f"ukjent status {status!r} for applikasjonskvittering (kodeverk 8258: 1, 2 eller 3)")
    if code is STATUS_OK and errors:
        raise ValueError("en applikasjonskvittering med status OK skal ikke ha feilmeldinger")
    if code is not STATUS_OK and not errors:
        raise ValueError(f"en applikasjonskvittering med status «{code.name}» skal ha minst én feilmelding")
    return code


def _recipient(original: msghead.MsgHead, her_id: str | None) -> Recipient:
    candidates = recipients(original)
    if her_id is None:
        return candidates[0]
    for candidate in candidates:
        if candidate.her_id == her_id:
            return candidate
    raise ValueError(f"HER-id {her_id} er ikke mottaker av meldingen {original.msg_id}")


# HIS 80415:2012 §3.5: MsgHead's Organisation maps to HCP/Inst, a nested Organisation to Inst/Dept, a
# HealthcareProfessional to Inst/HCPerson, and the Idents to Id with TypeId and further AdditionalIds.


def _hcp(party: msghead.Organisation | msghead.HealthcareProfessional) -> HCP:
    if isinstance(party, msghead.Organisation):
        return HCP(inst=_inst(party))
    return HCP(hc_prof=_hc_prof(party))


def _inst(organisation: msghead.Organisation) -> Inst:
    levels = list(_levels(organisation))
    addressed_to_organisation = any(level.her_id() for level in levels)
    id_, type_id, additional = _identifiers(organisation.ident)
    return Inst(
        name=organisation.organisation_name,
        id=id_,
        type_id=type_id,
        dept=[_dept(level) for level in levels[1:]],
        additional_id=additional,
        hc_person=[
            _hc_person(person)
            for level in levels
            if (person := level.healthcare_professional) is not None
            and _is_communication_party(person, addressed_to_organisation)
        ],
    )


def _levels(organisation: msghead.Organisation) -> Iterator[msghead.Organisation]:
    level: msghead.Organisation | None = organisation
    while level is not None:
        yield level
        level = level.organisation


def _is_communication_party(person: msghead.HealthcareProfessional, addressed_to_organisation: bool) -> bool:
    # HITS 1168 §11.2: a signing or responsible person without a HER-id of their own is not mapped when the
    # organisation or service is the communication party.
    return person.her_id() is not None or not addressed_to_organisation


def _dept(organisation: msghead.Organisation) -> Dept:
    id_, type_id, additional = _identifiers(organisation.ident)
    return Dept(name=organisation.organisation_name, id=id_, type_id=type_id, additional_id=additional)


def _hc_person(person: msghead.HealthcareProfessional) -> HCPerson:
    id_, type_id, additional = _identifiers(person.ident)
    return HCPerson(name=_full_name(person), id=id_, type_id=type_id, additional_id=additional)


def _hc_prof(person: msghead.HealthcareProfessional) -> HCProf:
    id_, type_id, additional = _identifiers(person.ident)
    kind = person.type_healthcare_professional
    return HCProf(
        type=CS(v=kind.v, dn=kind.dn) if kind is not None else None,
        name=_full_name(person),
        id=id_,
        type_id=type_id,
        additional_id=additional,
    )


def _full_name(person: msghead.HealthcareProfessional) -> str | None:
    """The name as one string for presentation (HIS 80415:2012 §4.4.1), e.g. "August September"."""
    parts = [person.given_name, person.middle_name, person.family_name]
    return " ".join(part for part in parts if part) or None


def _identifiers(idents: Sequence[msghead.Ident]) -> tuple[str | None, CS | None, list[AdditionalId]]:
    """Id, TypeId and AdditionalIds for MsgHead's Idents: every identifier is returned (HIS 80415:2012 §3.5).

    The HER-id, the communication party's address (HIS 1153), comes first as Id; the others follow.
    """
    ordered = sorted(idents, key=lambda ident: not _is_her(ident.type_id.v))
    if not ordered:
        return None, None, []
    first, *rest = ordered
    return first.id, _type_cs(first), [AdditionalId(id=i.id, type=_type_cs(i)) for i in rest]


def _type_cs(ident: msghead.Ident) -> CS:
    return CS(v=ident.type_id.v, dn=ident.type_id.dn)
