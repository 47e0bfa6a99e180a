"""What a content standard is: one root element of a message standard in one version, read and written.

Each standard module (PLO, Dialogmelding, AppRec) declares its documents as ``STANDARDS``, a list of
:class:`ContentStandard`; :mod:`samhandling.standards.registry` collects them. This module knows none of them.
"""

from __future__ import annotations

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


def read_document(standard: ContentStandard, elem: etree._Element, *, strict: bool = True) -> Any:
    """Read the root element ``elem`` of ``standard`` into its typed model."""
    return read(standard.model, elem, standard.namespaces, strict=strict)


def write_document(model: Any, standard: ContentStandard) -> etree._Element:
    """Write a typed business document as the root element of ``standard``, declaring the standard's prefixes."""
    if not standard.writable:
        raise ValueError(f"{standard.label} {standard.root} leses, men skrives ikke av samhandling")
    return write(model, standard.root, standard.namespaces, ns=standard.namespace, nsmap=standard.namespaces.nsmap())
