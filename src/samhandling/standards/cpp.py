"""Collaboration protocol profiles and agreements (ebXML CPP/CPA), and what else tells about a partner: its
communication details from the address register, and its certificates.

**CPP and CPA.** A party's CPP (``CollaborationProtocolProfile``, OASIS ebXML CPPA 2.0, namespace
:data:`CPPA`) says which business processes it takes part in, in which roles, and which messages it can send
and receive; a CPA (``CollaborationProtocolAgreement``) holds two such ``PartyInfo`` blocks agreed between two
parties (HIS 1037:2011 chapter 5; HITS 1171:2017). Norsk Helsenett keeps them per HER-id
(``PartyId type="HER"``). What is read, per ``PartyInfo``:

- ``PartyId`` of type HER and ``partyName``;
- per ``CollaborationRole``: ``ProcessSpecification`` (name, version) and ``Role``; its
  ``ServiceBinding/Service``; every ``CanReceive``/``CanSend`` ``ThisPartyActionBinding``: the *action* is the
  message type, and its ``packageId`` leads through ``Packaging`` (``Constituent idref``, through
  ``Encapsulation`` and ``Composite``) to the ``SimplePart``\\ s and their ``NamespaceSupported`` (namespace and
  version): the version of the content standard, not MsgHead's or the ebXML header's, is the message version;
- the ``Certificate`` elements (``ds:KeyInfo/ds:X509Data/ds:X509Certificate``), read as X.509.

Transport, delivery channels, security details and the signature are not needed here and are not read.

**Communication details.** The address register's answer (and the ``CommunicationDetails`` that accompany a
CPP) is read for the parties by :mod:`samhandling.standards.adresseregister`; :func:`read_register_details`
adds what the partner register also wants from it: the organisation number and the active state of every
party in the answer.

**Certificates.** :func:`read_certificates` reads X.509 certificates from PEM (one or more) or DER bytes.

Bytes are parsed with :func:`samhandling.standards.parsing.parse_xml`: no DTD, no entities, no network.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

from samhandling.domain.registers.certificates import CertificateUsage, usage_from_key_usage
from samhandling.domain.text import cut
from samhandling.standards.adresseregister import CP
from samhandling.standards.parsing import DEFAULT_MAX_BYTES, parse_xml

CPPA = "http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd"
XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPE_NAMESPACES = frozenset(
    {
        "http://www.kith.no/xmlstds/msghead/2006-05-24",  # MsgHead 1.2 around the content
        "http://www.oasis-open.org/committees/ebxml-msg/schema",  # the ebXML message header
    }
)
"""Namespaces in a package that carry the message rather than being its content."""

ROOTS = ("CollaborationProtocolProfile", "CollaborationProtocolAgreement")

HER = "HER"
"""``PartyId/@type`` of a HER-id."""

_ATTRIBUTE_NAMES = {NameOID.SERIAL_NUMBER: "SERIALNUMBER", NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier"}
_MAX_TEXT = 200


class CppError(ValueError):
    """The bytes are not a usable CPP, CPA or certificate; the message says why, in Norwegian."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line

    def __str__(self) -> str:
        return f"linje {self.line}: {self.args[0]}" if self.line else str(self.args[0])


@dataclass(frozen=True)
class SupportedNamespace:
    namespace: str
    version: str | None


@dataclass(frozen=True)
class ActionBinding:
    """A message a party can send or receive in one role of one process."""

    direction: str
    """``receive`` or ``send``."""
    service: str
    action: str
    process: str | None
    process_version: str | None
    role: str | None
    package: str | None
    namespaces: tuple[SupportedNamespace, ...] = ()

    @property
    def content(self) -> SupportedNamespace | None:
        """The content standard of the message: the first namespace that is not MsgHead or the ebXML header."""
        return next((n for n in self.namespaces if n.namespace not in ENVELOPE_NAMESPACES), None)

    @property
    def message_version(self) -> str | None:
        content = self.content
        return content.version if content is not None else self.process_version


@dataclass(frozen=True)
class CertificateInfo:
    """What the register keeps of an X.509 certificate. ``usage`` is None when the key usage does not say."""

    serial: str
    subject: str
    issuer: str
    valid_from: datetime
    valid_to: datetime
    usage: CertificateUsage | None
    cert_id: str | None = None
    """The CPP's ``certId`` of the certificate, where it came from a CPP."""


@dataclass(frozen=True)
class CollaborationParty:
    her_id: str
    name: str | None
    bindings: tuple[ActionBinding, ...]
    certificates: tuple[CertificateInfo, ...]

    def receivable(self) -> list[ActionBinding]:
        """The messages the party can receive, once per service and action, in document order."""
        seen: set[tuple[str, str]] = set()
        found = []
        for binding in self.bindings:
            if binding.direction == "receive" and (binding.service, binding.action) not in seen:
                seen.add((binding.service, binding.action))
                found.append(binding)
        return found


@dataclass(frozen=True)
class Collaboration:
    """A CPP (one party) or a CPA (two parties)."""

    kind: str
    """``CPP`` or ``CPA``."""
    id: str | None
    parties: tuple[CollaborationParty, ...]

    def party(self, her_id: str) -> CollaborationParty | None:
        return next((p for p in self.parties if p.her_id == her_id), None)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.id}" if self.id else self.kind


def is_collaboration(root: etree._Element) -> bool:
    """Whether a parsed root element is a CPP or CPA."""
    name = etree.QName(root)
    return name.namespace == CPPA and name.localname in ROOTS


def read_cpp(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Collaboration:
    """The parties of a CPP or CPA with the messages they can send and receive and their certificates.
    Raises :class:`CppError`."""
    try:
        root = parse_xml(data, max_bytes=max_bytes)
    except ValueError as exc:  # NotWellFormedError, TooLargeError
        raise CppError(str(exc), getattr(exc, "line", None)) from None
    return read_cpp_element(root)


def read_cpp_element(root: etree._Element) -> Collaboration:
    """Like :func:`read_cpp`, from a parsed root element."""
    if not is_collaboration(root):
        raise CppError(
            f"XML-dokumentet ({etree.QName(root).localname}) er verken en CPP (CollaborationProtocolProfile) "
            "eller en CPA (CollaborationProtocolAgreement)",
            _line(root),
        )
    agreement = etree.QName(root).localname == "CollaborationProtocolAgreement"
    parts = _simple_parts(root)
    packages = _packages(root, parts)
    parties = tuple(_party(info, packages) for info in _children(root, "PartyInfo"))
    if not parties:
        raise CppError("dokumentet har ingen PartyInfo", _line(root))
    return Collaboration(
        kind="CPA" if agreement else "CPP",
        id=_attr(root, "cpaid" if agreement else "cppid"),
        parties=parties,
    )


# --- parts and packages ----------------------------------------------------------------------------------


def _simple_parts(root: etree._Element) -> dict[str, tuple[SupportedNamespace, ...]]:
    found: dict[str, tuple[SupportedNamespace, ...]] = {}
    for part in root.iter(f"{{{CPPA}}}SimplePart"):
        part_id = _attr(part, "id")
        if part_id:
            found[part_id] = tuple(
                SupportedNamespace(_clean(n.text) or "", _attr(n, "version"))
                for n in part.iter(f"{{{CPPA}}}NamespaceSupported")
                if _clean(n.text)
            )
    return found


def _packages(
    root: etree._Element, parts: dict[str, tuple[SupportedNamespace, ...]]
) -> dict[str, tuple[SupportedNamespace, ...]]:
    """Per ``Packaging/@id``, the namespaces of the simple parts it is made of, in order, once each."""
    found: dict[str, tuple[SupportedNamespace, ...]] = {}
    for packaging in root.iter(f"{{{CPPA}}}Packaging"):
        package_id = _attr(packaging, "id")
        if package_id:
            found[package_id] = tuple(_package_namespaces(packaging, parts))
    return found


def _package_namespaces(
    packaging: etree._Element, parts: dict[str, tuple[SupportedNamespace, ...]]
) -> list[SupportedNamespace]:
    containers = {
        _attr(e, "id"): e for e in packaging.iter(f"{{{CPPA}}}Encapsulation", f"{{{CPPA}}}Composite") if _attr(e, "id")
    }
    namespaces: list[SupportedNamespace] = []
    pending = [packaging]
    visited: set[str] = set()
    while pending:
        element = pending.pop(0)
        for constituent in element.iter(f"{{{CPPA}}}Constituent"):
            ref = _attr(constituent, "idref") or ""
            if ref in parts:
                namespaces.extend(n for n in parts[ref] if n not in namespaces)
            elif ref in containers and ref not in visited:
                visited.add(ref)
                pending.append(containers[ref])
    return namespaces


# --- a party ---------------------------------------------------------------------------------------------


def _party(info: etree._Element, packages: dict[str, tuple[SupportedNamespace, ...]]) -> CollaborationParty:
    her_ids = [_clean(p.text) for p in _children(info, "PartyId") if (_attr(p, "type") or "").upper() == HER]
    her_id = next((h for h in her_ids if h), None)
    if her_id is None:
        raise CppError("PartyInfo har ingen PartyId av typen HER", _line(info))
    if not (her_id.isascii() and her_id.isdigit()):
        raise CppError(f"PartyId «{_short(her_id)}»: HER-id kan bare inneholde sifre", _line(info))
    bindings: list[ActionBinding] = []
    for role in _children(info, "CollaborationRole"):
        bindings.extend(_bindings(role, packages))
    certificates = tuple(_certificate(c) for c in _children(info, "Certificate"))
    return CollaborationParty(her_id, _short(_clean(_attr(info, "partyName"))), tuple(bindings), certificates)


def _bindings(role: etree._Element, packages: dict[str, tuple[SupportedNamespace, ...]]) -> Iterator[ActionBinding]:
    process = role.find(f"{{{CPPA}}}ProcessSpecification")
    role_element = role.find(f"{{{CPPA}}}Role")
    for service_binding in _children(role, "ServiceBinding"):
        service_element = service_binding.find(f"{{{CPPA}}}Service")
        service = _clean(service_element.text if service_element is not None else None)
        if not service:
            raise CppError("ServiceBinding mangler Service", _line(service_binding))
        for direction, tag in (("receive", "CanReceive"), ("send", "CanSend")):
            for can in _children(service_binding, tag):
                for binding in _children(can, "ThisPartyActionBinding"):
                    action = _clean(_attr(binding, "action"))
                    if not action:
                        raise CppError("ThisPartyActionBinding mangler action", _line(binding))
                    package = _attr(binding, "packageId")
                    yield ActionBinding(
                        direction=direction,
                        service=service,
                        action=action,
                        process=_attr(process, "name") if process is not None else None,
                        process_version=_attr(process, "version") if process is not None else None,
                        role=_attr(role_element, "name") if role_element is not None else None,
                        package=package,
                        namespaces=packages.get(package or "", ()),
                    )


def _certificate(element: etree._Element) -> CertificateInfo:
    cert_id = _attr(element, "certId")
    encoded = element.find(f".//{{{XMLDSIG}}}X509Certificate")
    if encoded is None or not _clean(encoded.text):
        raise CppError(f"sertifikatet «{cert_id}» har ikke noe X509Certificate", _line(element))
    try:
        der = base64.b64decode("".join((encoded.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise CppError(f"sertifikatet «{cert_id}» er ikke gyldig base64", _line(encoded)) from None
    try:
        info = certificate_info(x509.load_der_x509_certificate(der), cert_id=cert_id)
    except ValueError as exc:
        raise CppError(f"sertifikatet «{cert_id}» kan ikke leses: {exc}", _line(encoded)) from None
    if info.usage is None and cert_id:
        # The key usage does not tell; the CPP's own name for it may ("enc", "sign").
        hint = cert_id.lower()
        usage = (
            CertificateUsage.ENCRYPTION
            if hint.startswith("enc")
            else CertificateUsage.SIGNING
            if hint.startswith("sign")
            else None
        )
        info = CertificateInfo(info.serial, info.subject, info.issuer, info.valid_from, info.valid_to, usage, cert_id)
    return info


# --- certificates ----------------------------------------------------------------------------------------


def certificate_info(certificate: x509.Certificate, *, cert_id: str | None = None) -> CertificateInfo:
    """Serial (upper-case hexadecimal), subject and issuer (RFC 4514), validity and usage of a certificate."""
    usage: CertificateUsage | None = None
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        pass
    else:
        usage = usage_from_key_usage(
            digital_signature=key_usage.digital_signature,
            content_commitment=key_usage.content_commitment,
            key_encipherment=key_usage.key_encipherment,
            data_encipherment=key_usage.data_encipherment,
        )
    return CertificateInfo(
        serial=format(certificate.serial_number, "X"),
        subject=certificate.subject.rfc4514_string(_ATTRIBUTE_NAMES),
        issuer=certificate.issuer.rfc4514_string(_ATTRIBUTE_NAMES),
        valid_from=certificate.not_valid_before_utc,
        valid_to=certificate.not_valid_after_utc,
        usage=usage,
        cert_id=cert_id,
    )


def read_certificates(data: bytes) -> list[CertificateInfo]:
    """The certificates in PEM bytes (one or more ``BEGIN CERTIFICATE`` blocks) or one DER certificate.
    Raises :class:`CppError`."""
    try:
        if b"-----BEGIN" in data:
            found = x509.load_pem_x509_certificates(data)
        else:
            found = [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise CppError(f"filen er verken et PEM- eller et DER-sertifikat ({_short(str(exc))})") from None
    return [certificate_info(c) for c in found]


# --- the address register's details ------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterDetails:
    """What the partner register takes from the address register about a party, beyond the party itself."""

    her_id: str
    organisation_number: str | None = None
    active: bool | None = None


def read_register_details(root: etree._Element) -> dict[str, RegisterDetails]:
    """Per HER-id, the organisation number and active state of every party in a register answer (parsed; read
    its parties with :func:`samhandling.standards.adresseregister.read_register_element`).

    A party's own ``OrganizationNumber`` counts; where a party has none, a child's ``ParentOrganizationNumber``
    gives it. ``-1`` means none."""
    own: dict[str, RegisterDetails] = {}
    from_children: dict[str, str] = {}
    for element in root.iter(f"{{{CP}}}*"):
        her_id = _clean(_text(element.find(f"{{{CP}}}HerId")))
        if not her_id:
            continue
        number = _organisation_number(element.find(f"{{{CP}}}OrganizationNumber"))
        active_text = _clean(_text(element.find(f"{{{CP}}}Active")))
        active = None if active_text is None else active_text.lower() == "true"
        if her_id not in own:
            own[her_id] = RegisterDetails(her_id, number, active)
        parent = _clean(_text(element.find(f"{{{CP}}}ParentHerId")))
        parent_number = _organisation_number(element.find(f"{{{CP}}}ParentOrganizationNumber"))
        if parent and parent != "-1" and parent_number:
            from_children.setdefault(parent, parent_number)
    for her_id, number in from_children.items():
        details = own.get(her_id)
        if details is None:
            own[her_id] = RegisterDetails(her_id, number, None)
        elif details.organisation_number is None:
            own[her_id] = RegisterDetails(her_id, number, details.active)
    return own


def _organisation_number(element: etree._Element | None) -> str | None:
    value = _clean(_text(element))
    if value is None or value == "-1" or not (value.isascii() and value.isdigit() and len(value) == 9):
        return None
    return value


# --- small helpers -------------------------------------------------------------------------------------


def _children(parent: etree._Element, name: str) -> list[etree._Element]:
    return parent.findall(f"{{{CPPA}}}{name}")


def _attr(element: etree._Element, name: str) -> str | None:
    """An attribute in the CPPA namespace (as the schema qualifies them) or, failing that, unqualified."""
    value = element.get(f"{{{CPPA}}}{name}")
    return value if value is not None else element.get(name)


def _text(element: etree._Element | None) -> str | None:
    return None if element is None else element.text


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(text.split()) or None


def _short(text: str | None) -> str | None:
    return None if text is None else cut(text, _MAX_TEXT)


def _line(element: etree._Element) -> int | None:
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else None
