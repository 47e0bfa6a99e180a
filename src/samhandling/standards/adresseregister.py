"""NHN's address register (Adresseregisteret, AR): communication parties read from its answers.

The register describes every communication party by its HER-id (HIS 1153-1:2016 kap. 4 and 6: a party
always has one, it never changes). Two forms of its data contract are read, both in the namespace
``http://register.nhn.no/CommunicationParty``:

- the SOAP answer of ``GetCommunicationPartyDetails``: ``Envelope/Body/GetCommunicationPartyDetailsResponse/
  GetCommunicationPartyDetailsResult``, whose ``i:type`` is ``Organization``, ``Service``, ``Person`` or
  ``OrganizationPerson``; a HER-id the register does not know gives a SOAP ``Fault`` whose
  ``GenericFault/ErrorCode`` is ``InvalidHerIdSupplied``;
- a bare ``CommunicationParty`` element, as a CPP's communication details hold it.

What is mapped to a :class:`~samhandling.domain.messaging.parties.Party`: ``HerId``; ``ParentHerId``, where ``-1``
marks a
party with nothing above it; the name, ``DisplayName`` where the register has one, otherwise ``Name`` (the
register's own ``ParentName`` of a party below uses the display name); the kind, from the ``Type`` element
(``i:type`` where it is missing). Real answers carry parties whose WCF ``i:type`` and ``Type``
disagree (``i:type="OrganizationPerson"`` with ``<Type>Service</Type>``); NHN's own .NET library
(Helsenorge.Messaging) goes by ``Type``, and so does this reader: the disagreement is a note on the party
(:attr:`RegisterParty.notes`), never a reason to refuse the answer; and the municipality number
``Municipality/CodeValue`` (code system 3402, kommunenummer: four digits; older answers drop the leading zero,
"301" for Oslo, which is put back).

A party element also holds the parties that come with it: an organisation its services, people and
departments, a person the organisation(s) it belongs to. They are read as well, as *related* parties: the
answer is about the main party, the related ones are context (the importer decides what to do with them).

Everything else in the answer (addresses, certificates, codes) is not needed here and is not read. The bytes
are parsed with :func:`samhandling.standards.parsing.parse_xml`: no DTD, no entities, no network.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.domain.text import cut
from samhandling.standards.parsing import DEFAULT_MAX_BYTES, parse_xml

CP = "http://register.nhn.no/CommunicationParty"
COMMON = "http://register.nhn.no/Common"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SOAP_NAMESPACES = ("http://www.w3.org/2003/05/soap-envelope", "http://schemas.xmlsoap.org/soap/envelope/")

NOT_FOUND_CODE = "InvalidHerIdSupplied"
"""``GenericFault/ErrorCode`` of the register's answer for a HER-id it does not know."""

NO_PARENT = "-1"
"""``ParentHerId`` of a party with nothing above it."""

KINDS: dict[str, PartyKind] = {
    "Organization": PartyKind.ORGANISATION,
    "Service": PartyKind.SERVICE,
    "Person": PartyKind.PERSON,
    "OrganizationPerson": PartyKind.PERSON,
}
"""The register's party types (``Type`` element and ``i:type``) and what they are here."""

_KIND_NAMES = {PartyKind.ORGANISATION: "organisasjon", PartyKind.SERVICE: "tjeneste", PartyKind.PERSON: "person"}

RELATED_CONTAINERS = ("Services", "People", "Departments", "Organizations")
"""Child elements of a party that hold the parties that come with it."""

_MAX_TEXT = 200


class RegisterError(ValueError):
    """The bytes are not a usable answer from the address register; the message says why, in Norwegian."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line

    @property
    def where(self) -> str:
        return f"linje {self.line}: " if self.line else ""

    def __str__(self) -> str:
        return f"{self.where}{self.args[0]}"


class NotARegisterDocument(RegisterError):  # noqa: N818 (reads as a sentence at the raise)
    """Well-formed XML, but neither a register answer nor a CommunicationParty."""


class RegisterFault(RegisterError):  # noqa: N818
    """The register answered with a SOAP fault (``code`` is its ``ErrorCode``, e.g. InvalidHerIdSupplied)."""

    def __init__(self, message: str, code: str | None, line: int | None = None) -> None:
        super().__init__(message, line)
        self.code = code

    @property
    def not_found(self) -> bool:
        return self.code == NOT_FOUND_CODE


@dataclass(frozen=True)
class RegisterParty:
    """A party read from the register, with the line of its element (for messages about it)."""

    party: Party
    line: int | None
    notes: tuple[str, ...] = ()
    """What was odd but not fatal, in Norwegian (e.g. ``i:type`` and ``Type`` disagree)."""


@dataclass(frozen=True)
class RegisterRecord:
    """One answer: the party it is about and the parties that came with it, in document order."""

    main: RegisterParty
    related: tuple[RegisterParty, ...] = ()

    def __iter__(self) -> Iterator[RegisterParty]:
        yield self.main
        yield from self.related


def looks_like_xml(data: bytes) -> bool:
    """Whether the bytes start, after a byte order mark and white space, like an XML document."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def read_register(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RegisterRecord:
    """The parties in an answer from the address register.

    Raises :class:`RegisterFault` for the register's fault answer (``.not_found`` when it does not know the
    HER-id), :class:`NotARegisterDocument` for other XML, and :class:`RegisterError` for bytes that are not
    well-formed XML or a party the answer describes incompletely.
    """
    try:
        root = parse_xml(data, max_bytes=max_bytes)
    except ValueError as exc:  # NotWellFormedError, TooLargeError
        raise RegisterError(str(exc), getattr(exc, "line", None)) from None
    return read_register_element(root)


def read_register_element(root: etree._Element) -> RegisterRecord:
    """Like :func:`read_register`, from a parsed root element."""
    party_element = _party_element(root)
    main = _read_party(party_element)
    related: list[RegisterParty] = []
    _collect_related(party_element, related)
    return RegisterRecord(main, tuple(related))


# --- locating the party --------------------------------------------------------------------------------


def _party_element(root: etree._Element) -> etree._Element:
    qname = etree.QName(root)
    if qname.namespace == CP and qname.localname == "CommunicationParty":
        return root
    if qname.namespace == CP and qname.localname == "GetCommunicationPartyDetailsResponse":
        return _result_of(root)
    if qname.namespace in SOAP_NAMESPACES and qname.localname == "Envelope":
        body = _child(root, qname.namespace, "Body")
        if body is None:
            raise NotARegisterDocument("SOAP-konvolutten har ingen Body", _line(root))
        for child in _elements(body):
            child_name = etree.QName(child)
            if child_name.localname == "Fault" and child_name.namespace in SOAP_NAMESPACES:
                raise _fault(child)
            if child_name.namespace == CP and child_name.localname == "GetCommunicationPartyDetailsResponse":
                return _result_of(child)
        raise NotARegisterDocument(
            "SOAP-svaret er verken GetCommunicationPartyDetailsResponse eller en feilmelding", _line(body)
        )
    raise NotARegisterDocument(
        f"XML-dokumentet ({qname.localname}) er verken et svar fra adresseregisteret "
        "(GetCommunicationPartyDetailsResponse) eller en CommunicationParty",
        _line(root),
    )


def _result_of(response: etree._Element) -> etree._Element:
    result = _child(response, CP, "GetCommunicationPartyDetailsResult")
    if result is None or _is_nil(result):
        raise RegisterError("svaret har ingen GetCommunicationPartyDetailsResult", _line(response))
    return result


def _fault(fault: etree._Element) -> RegisterFault:
    """The register's SOAP fault (SOAP 1.2 Reason/Text or 1.1 faultstring, with NHN's GenericFault)."""
    code: str | None = None
    text: str | None = None
    for element in fault.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element)
        if name.namespace == COMMON and name.localname == "GenericFault":
            code = _short(_text(_child(element, COMMON, "ErrorCode"))) or code
            text = _short(_text(_child(element, COMMON, "Message"))) or text
        elif text is None and name.localname in ("Text", "faultstring"):
            text = _short(element.text)
    detail = f"«{text}»" if text else "ingen forklaring"
    if code == NOT_FOUND_CODE:
        message = f"adresseregisteret fant ikke kommunikasjonsparten: {detail} ({code})"
    else:
        message = f"adresseregisteret svarte med en feil: {detail}" + (f" ({code})" if code else "")
    return RegisterFault(message, code)


# --- reading a party -----------------------------------------------------------------------------------


def _read_party(element: etree._Element) -> RegisterParty:
    line = _line(element)
    her_id_element = _child(element, CP, "HerId")
    her_id = _clean(_text(her_id_element))
    if her_id_element is None or not her_id:
        raise RegisterError(f"{_label(element)} mangler HerId", line)
    _check_her_id(her_id_element, her_id, "HerId")
    parent_element = _child(element, CP, "ParentHerId")
    parent = _clean(_text(parent_element))
    if parent_element is not None and parent not in (None, NO_PARENT):
        _check_her_id(parent_element, parent, "ParentHerId")
    name = _clean(_text(_child(element, CP, "DisplayName"))) or _clean(_text(_child(element, CP, "Name")))
    if not name:
        raise RegisterError(f"HER-id {her_id}: mangler navn (DisplayName og Name er tomme)", line)
    kind, notes = _kind(element, her_id)
    try:
        party = Party(
            her_id=her_id,
            name=name,
            kind=kind,
            parent_her_id=None if parent in (None, "", NO_PARENT) else parent,
            municipality=_municipality(element, her_id),
        )
    except ValueError as exc:
        raise RegisterError(f"HER-id {her_id}: {exc}", line) from None
    return RegisterParty(party, line, notes)


def _check_her_id(element: etree._Element, value: str | None, name: str) -> None:
    """A HER-id is a string of digits, kept as given (HIS 1153-1:2016 kap. 4)."""
    if value is not None and not (value.isascii() and value.isdigit()):
        raise RegisterError(f"{name} «{value}»: HER-id kan bare inneholde sifre", _line(element))


def _kind(element: etree._Element, her_id: str) -> tuple[PartyKind, tuple[str, ...]]:
    """The party's kind: ``Type`` decides (as NHN's .NET library does), else ``i:type``, else the element's name;
    a note when ``i:type`` says otherwise. An unknown ``Type`` is refused: nothing then says what the party is."""
    declared = element.get(f"{{{XSI}}}type")
    declared = declared.rpartition(":")[2] if declared else None
    type_text = _clean(_text(_child(element, CP, "Type")))
    found = type_text or declared or etree.QName(element).localname
    kind = KINDS.get(found)
    if kind is None:
        known = ", ".join(KINDS)
        raise RegisterError(f"HER-id {her_id}: ukjent partstype «{found}» (kjente: {known})", _line(element))
    notes: list[str] = []
    if declared is not None and type_text and KINDS.get(declared) not in (None, kind):
        where = f"linje {_line(element)}: " if _line(element) else ""
        notes.append(f"{where}HER-id {her_id}: i:type «{declared}» og Type «{type_text}» sier ulike ting; "
                     f"Type gjelder ({_KIND_NAMES[kind]})")
    return kind, tuple(notes)


def _municipality(element: etree._Element, her_id: str) -> str | None:
    municipality = _child(element, CP, "Municipality")
    if municipality is None or _is_nil(municipality):
        return None
    code = _clean(_text(_child(municipality, COMMON, "CodeValue")))
    if not code:
        return None
    if not (code.isascii() and code.isdigit() and len(code) <= 4):
        raise RegisterError(f"HER-id {her_id}: kommunenummeret «{code}» er ikke fire sifre", _line(municipality))
    return code.zfill(4)


def _collect_related(element: etree._Element, found: list[RegisterParty]) -> None:
    for container in _elements(element):
        if etree.QName(container).namespace == CP and etree.QName(container).localname in RELATED_CONTAINERS:
            for child in _elements(container):
                if etree.QName(child).namespace != CP or _is_nil(child):
                    continue
                found.append(_read_party(child))
                _collect_related(child, found)


# --- small helpers -------------------------------------------------------------------------------------


def _line(element: etree._Element) -> int | None:
    line = getattr(element, "sourceline", None)  # lxml-stubs declare it without a type
    return line if isinstance(line, int) else None


def _elements(parent: etree._Element) -> Iterator[etree._Element]:
    return (child for child in parent if isinstance(child.tag, str))


def _child(parent: etree._Element, namespace: str, name: str) -> etree._Element | None:
    return parent.find(f"{{{namespace}}}{name}")


def _is_nil(element: etree._Element) -> bool:
    return element.get(f"{{{XSI}}}nil") in ("true", "1")


def _text(element: etree._Element | None) -> str | None:
    if element is None or _is_nil(element):
        return None
    return element.text


def _clean(text: str | None) -> str | None:
    """White space collapsed (the register pads some values with line breaks); None for nothing."""
    if text is None:
        return None
    return " ".join(text.split()) or None


def _short(text: str | None) -> str | None:
    """A text from the answer, cleaned and bounded, for a message to the user."""
    cleaned = _clean(text)
    return None if cleaned is None else cut(cleaned, _MAX_TEXT)


def _label(element: etree._Element) -> str:
    return f"{etree.QName(element).localname}-elementet"
