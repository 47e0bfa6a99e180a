"""Validation against the official XSDs, which are not part of samhandling.

The schemas come from the directorate's archive of standards; a user installs the bundle with
``samhandling schemas install PATH`` and tests point ``SAMHANDLING_SCHEMA_DIR`` at the conformance
folder. Schemas import each other by relative path, by bare file name and by W3C or KITH URL: every
import is resolved to a local file by its file name, and the parser never touches the network.

MsgHead's ``RefDoc/Content`` is a strict wildcard (HIS 80601, chapter 5), so a whole message is
validated against a small in-memory wrapper schema that imports MsgHead and the content's schema
together.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

MSGHEAD_XSD = "MsgHead-v1_2.xsd"


class SchemaError(RuntimeError):
    """The schema directory is missing a file or holds a schema that does not compile."""


@dataclass(frozen=True)
class SchemaIssue:
    """One schema violation: the element path and libxml2's message."""

    path: str
    message: str
    line: int | None


class _LocalResolver(etree.Resolver):
    def __init__(self, index: dict[str, Path]) -> None:
        super().__init__()
        self.index = index

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:  # type: ignore[override]
        if not system_url:
            return None
        name = system_url.replace("\\", "/").rsplit("/", 1)[-1]
        local = self.index.get(name)
        if local is not None:
            return self.resolve_filename(str(local), context)  # type: ignore[attr-defined]  # missing in lxml-stubs
        # Nothing of ours: refuse rather than let libxml2 go to the network.
        return self.resolve_string(b"", context, base_url=None)


class SchemaSet:
    """The official schemas under one directory, compiled on first use and cached."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._index: dict[str, Path] | None = None
        self._compiled: dict[tuple[str, ...], etree.XMLSchema] = {}
        self._lock = threading.Lock()

    @property
    def index(self) -> dict[str, Path]:
        if self._index is None:
            index: dict[str, Path] = {}
            for path in sorted(self.directory.rglob("*.xsd")):
                index.setdefault(path.name, path)
            self._index = index
        return self._index

    def available(self) -> bool:
        return MSGHEAD_XSD in self.index

    def path_of(self, schema_file: str) -> Path:
        direct = self.directory / schema_file
        if direct.is_file():
            return direct
        found = self.index.get(Path(schema_file).name)
        if found is None:
            raise SchemaError(f"skjemaet {schema_file} finnes ikke i {self.directory}")
        return found

    def _parser(self) -> etree.XMLParser:
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        parser.resolvers.add(_LocalResolver(self.index))
        return parser

    def schema(self, *schema_files: str) -> etree.XMLSchema:
        """The compiled schema for one XSD, or a wrapper importing several (e.g. MsgHead and a PLO XSD)."""
        key = tuple(schema_files)
        with self._lock:
            cached = self._compiled.get(key)
            if cached is not None:
                return cached
            paths = [self.path_of(f) for f in schema_files]
            try:
                if len(paths) == 1:
                    doc = etree.parse(str(paths[0]), self._parser())
                else:
                    doc = etree.ElementTree(etree.fromstring(self._wrapper(paths), self._parser()))
                compiled = etree.XMLSchema(doc)
            except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
                raise SchemaError(f"kan ikke lese skjemaet {', '.join(schema_files)}: {exc}") from None
            self._compiled[key] = compiled
            return compiled

    @staticmethod
    def _wrapper(paths: list[Path]) -> bytes:
        xs = "http://www.w3.org/2001/XMLSchema"
        root = etree.Element(f"{{{xs}}}schema", nsmap={"xs": xs})
        for path in paths:
            target = etree.parse(str(path)).getroot().get("targetNamespace")
            imp = etree.SubElement(root, f"{{{xs}}}import")
            if target:
                imp.set("namespace", target)
            imp.set("schemaLocation", path.resolve().as_uri())
        return etree.tostring(root)

    def validate(self, elem: etree._Element, *schema_files: str) -> list[SchemaIssue]:
        """Schema issues of ``elem`` against the given XSDs; an empty list means valid."""
        schema = self.schema(*schema_files)
        doc = elem.getroottree() if elem.getparent() is None else etree.ElementTree(_detached(elem))
        if schema.validate(doc):
            return []
        return [SchemaIssue(e.path or "/", e.message, e.line) for e in schema.error_log]  # type: ignore[attr-defined]


def _detached(elem: etree._Element) -> etree._Element:
    from copy import deepcopy

    return deepcopy(elem)
