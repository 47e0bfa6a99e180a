"""Safe parsing of message bytes: no DTDs, no entities, no network, and a size limit.

Messages come from other systems and are parsed before anyone has looked at them, so the parser
refuses what a hostile or broken file could do: a document type declaration (the door for
billion-laughs and external entity attacks) is rejected outright, entities are never expanded, nothing
is fetched over the network, a document larger than the limit is refused before it is read, and one nested
deeper than :data:`MAX_DEPTH` elements is refused.

Large text nodes are accepted: a Helsefaglig dialog carries its attachments base64-encoded in one element,
and the EDI 2.0 API takes messages up to 35 MB, far above libxml2's default 10 MB limit per text node.
libxml2's "huge" mode lifts that limit; the guards above are what protects the node, and they stay.

Encodings (XML 1.0 appendix F): a byte order mark (UTF-8, UTF-16 or UTF-32) or the XML declaration decides,
and lxml reads the document as it says (UTF-8, ISO-8859-1 and UTF-16 with æøå intact). Only a document with
neither that is not valid UTF-8 is read as ISO-8859-1, the other encoding Norwegian systems send.
"""

from __future__ import annotations

import re

from lxml import etree

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 256
"""The deepest element nesting accepted (libxml2's own default limit; messages nest a few dozen levels)."""

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")
# "<?xml" (or any "<") in UTF-16 and UTF-32 without a byte order mark, as XML 1.0 appendix F detects it.
_WIDE_STARTS = (b"\x00<\x00?", b"<\x00?\x00", b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x00<\x00", b"<\x00\x00")

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
        huge_tree=True,
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
    if not _encoding_is_marked(data):
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
    root = tree.getroot()
    _check_depth(root)
    return root


def _check_depth(root: etree._Element) -> None:
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise NotWellFormedError(f"elementene er nøstet dypere enn {MAX_DEPTH} nivåer")


def _encoding_is_marked(data: bytes) -> bool:
    """Whether a byte order mark, a wide (UTF-16/32) start or the declaration says how the bytes are encoded."""
    head = data[:4]
    return (head.startswith(_BOMS) or head.startswith(_WIDE_STARTS) or declared_encoding(data) is not None)


def _as_utf8(data: bytes) -> bytes:
    """Bytes without an encoding declaration: keep valid UTF-8, otherwise read them as ISO-8859-1."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1").encode("utf-8")
    return data
