"""Which business documents samhandling reads and writes: one :class:`ContentStandard` per root element.

Each standard module (PLO, Dialogmelding, AppRec) declares its documents as ``STANDARDS``; this module
collects them and finds the one for an element by its namespace and local name. Reading and writing
of any registered document goes through :func:`read_content` and :func:`write_content`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from samhandling.standards.binding import Namespaces, read, write


@dataclass(frozen=True)
class ContentStandard:
    """One root element of a message standard in one version."""

    standard: str  # "PLO", "Dialogmelding", "AppRec"
    version: str  # "1.6"
    namespace: str  # the root element's namespace URI
    root: str  # the root element's local name, e.g. "Pasientlogistikk"
    model: type  # the root model class
    namespaces: Namespaces  # namespace keys used by the model, resolved for this version
    schema_file: str  # the official XSD, relative to the schema directory
    msg_types: tuple[str, ...] = ()  # MsgHead types (code system 8279) that carry this document
    writable: bool = True  # False: read only (an older or newer version partners may send)

    @property
    def label(self) -> str:
        return f"{self.standard} {self.version}"

    @property
    def qname(self) -> str:
        return f"{{{self.namespace}}}{self.root}"


_by_qname: dict[str, ContentStandard] = {}
_by_model: dict[type, ContentStandard] = {}
_loaded = False


def register(standards: Iterable[ContentStandard]) -> None:
    for s in standards:
        _by_qname[s.qname] = s
        if s.writable or s.model not in _by_model:
            _by_model[s.model] = s


def _load() -> None:
    global _loaded
    if _loaded:
        return
    from samhandling.standards import apprec, dialogmelding, plo

    for module in (apprec, dialogmelding, plo):
        register(module.STANDARDS)
    _loaded = True


def all_standards() -> list[ContentStandard]:
    _load()
    return list(_by_qname.values())


def standard_for(elem: etree._Element) -> ContentStandard | None:
    """The standard whose root element ``elem`` is, or None when samhandling does not know it."""
    _load()
    tag = elem.tag
    return _by_qname.get(tag) if isinstance(tag, str) else None


def standard_of(model: Any) -> ContentStandard:
    """The standard (and version) a model instance is written in."""
    _load()
    try:
        return _by_model[type(model)]
    except KeyError:
        raise TypeError(f"{type(model).__name__} is not a registered message document") from None


def read_content(elem: etree._Element, *, strict: bool = True) -> Any:
    """Read a business document into its typed model; raises LookupError for an unknown root."""
    found = standard_for(elem)
    if found is None:
        raise LookupError(f"ukjent dokumenttype {elem.tag}")
    return read(found.model, elem, found.namespaces, strict=strict)


def write_content(model: Any, standard: ContentStandard | None = None) -> etree._Element:
    """Write a typed business document as its root element, declaring the standard's prefixes."""
    s = standard or standard_of(model)
    if not s.writable:
        raise ValueError(f"{s.label} {s.root} leses, men skrives ikke av samhandling")
    return write(model, s.root, s.namespaces, ns=s.namespace, nsmap=s.namespaces.nsmap())
