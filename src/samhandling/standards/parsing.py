"""Safe parsing of message bytes: no DTDs, no entities, no network, and a size limit.

Messages come from other systems and are parsed before anyone has looked at them, so the parser
refuses what a hostile or broken file could do: a document type declaration (the door for
billion-laughs and external entity attacks) is rejected outright, entities are never expanded, nothing
is fetched over the network, and a document larger than the limit is refused before it is read.

Encodings: the XML declaration decides (UTF-8 and ISO-8859-1 are both read with æøå intact); a
document without a declaration that is not valid UTF-8 is read as ISO-8859-1, the other encoding
Norwegian systems send.
"""

from __future__ import annotations

import re

from lxml import etree

DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*['\"]([A-Za-z0-9._-]+)['\"]")


class NotWellFormedError(ValueError):
    """The bytes are not a well-formed, acceptable XML document (AppRec error T01)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class TooLargeError(ValueError):
    """The document is larger than the configured limit."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def declared_encoding(data: bytes) -> str | None:
    found = _DECLARED_ENCODING.match(data[:200])
    return found.group(1).decode("ascii") if found else None


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted message bytes into the root element, or raise NotWellFormedError / TooLargeError."""
    if len(data) > max_bytes:
        raise TooLargeError(f"dokumentet er {len(data):,} byte, grensen er {max_bytes:,} byte".replace(",", " "))
    if not data.strip():
        raise NotWellFormedError("dokumentet er tomt")
    if declared_encoding(data) is None:
        data = _as_utf8(data)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        reason = exc.msg or str(exc)
        raise NotWellFormedError(f"ikke velformet XML: {reason}", line) from None
    except ValueError as exc:  # e.g. an encoding lxml does not know
        raise NotWellFormedError(f"ikke lesbar XML: {exc}") from None
    if tree.docinfo.doctype:  # type: ignore[attr-defined]  # missing in lxml-stubs
        raise NotWellFormedError("dokumenttypedeklarasjon (DOCTYPE) er ikke tillatt i meldinger")
    return tree.getroot()


def _as_utf8(data: bytes) -> bytes:
    """Bytes without an encoding declaration: keep valid UTF-8, otherwise read them as ISO-8859-1."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1").encode("utf-8")
    return data
