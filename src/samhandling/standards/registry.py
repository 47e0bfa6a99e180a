"""Which business documents samhandling reads and writes: one :class:`ContentStandard` per root element.

Each standard module (PLO, Dialogmelding, AppRec) declares its documents as ``STANDARDS``; this module
collects them and finds the one for an element by its namespace and local name. Reading and writing
of any registered document goes through :func:`read_content` and :func:`write_content`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lxml import etree

from samhandling.standards import plo
from samhandling.standards.apprec import model as apprec
from samhandling.standards.content import ContentStandard, read_document, write_document
from samhandling.standards.dialogmelding import model as dialogmelding

_by_qname: dict[str, ContentStandard] = {}
_by_model: dict[type, ContentStandard] = {}


def _register(standards: Iterable[ContentStandard]) -> None:
    for s in standards:
        _by_qname[s.qname] = s
        if s.writable or s.model not in _by_model:
            _by_model[s.model] = s


for _standards in (apprec.STANDARDS, dialogmelding.STANDARDS, plo.STANDARDS):
    _register(_standards)


def all_standards() -> list[ContentStandard]:
    return list(_by_qname.values())


def standard_for(elem: etree._Element) -> ContentStandard | None:
    """The standard whose root element ``elem`` is, or None when samhandling does not know it."""
    tag = elem.tag
    return _by_qname.get(tag) if isinstance(tag, str) else None


def standard_of(model: Any) -> ContentStandard:
    """The standard (and version) a model instance is written in."""
    try:
        return _by_model[type(model)]
    except KeyError:
        raise TypeError(f"{type(model).__name__} is not a registered message document") from None


def read_content(elem: etree._Element, *, strict: bool = True) -> Any:
    """Read a business document into its typed model; raises LookupError for an unknown root."""
    found = standard_for(elem)
    if found is None:
        raise LookupError(f"ukjent dokumenttype {elem.tag}")
    return read_document(found, elem, strict=strict)


def write_content(model: Any, standard: ContentStandard | None = None) -> etree._Element:
    """Write a typed business document as its root element, declaring the standard's prefixes."""
    return write_document(model, standard or standard_of(model))
