"""The payload as the API takes it: a business document in UTF-8 for POST /Messages, and the status and errors
of an AppRec document for POST /Messages/{id}/apprec (the server writes the AppRec itself).
"""

from __future__ import annotations

import codecs
import re

from samhandling.domain.text import one_line
from samhandling.standards.apprec.model import read_apprec
from samhandling.standards.binding import BindingError
from samhandling.standards.parsing import NotWellFormedError, TooLargeError, declared_encoding, parse_xml
from samhandling.transport.edi2.errors import MshApiError
from samhandling.transport.edi2.spec import AppRecError, AppRecStatus, EbXmlInfo, PostAppRecRequest

_BOM = codecs.BOM_UTF8
_DECLARATION = re.compile(r"^<\?xml\s[^>]*?\?>")
_VERSION = re.compile(r"""version\s*=\s*["']([^"']+)["']""")
_STANDALONE = re.compile(r"""standalone\s*=\s*["'](yes|no)["']""")


def as_utf8_document(data: bytes) -> bytes:
    """The document as the spec asks for POST /Messages: UTF-8, declared on the first line.

    A UTF-8 document that declares so is returned unchanged. Another declared encoding (ISO-8859-1 is the
    other one Norwegian systems send) is read and re-encoded as UTF-8 with its declaration changed to say so;
    a document without a declaration gets one (without one it is read as UTF-8, else as ISO-8859-1, as
    :func:`samhandling.standards.parsing.parse_xml` does). The text of the document is not changed.
    """
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    declared = declared_encoding(data)
    if declared is not None and _codec_name(declared) == "utf-8":
        return data
    encoding = declared or "utf-8"
    try:
        text = data.decode(encoding)
    except LookupError:
        raise MshApiError(f"meldingen oppgir et ukjent tegnsett «{one_line(encoding, 40)}»",
                          retryable=False) from None
    except UnicodeDecodeError:
        if declared is not None:
            raise MshApiError(f"meldingen er ikke kodet i tegnsettet den oppgir («{one_line(encoding, 40)}»)",
                              retryable=False) from None
        text = data.decode("iso-8859-1")
    text = text.lstrip()
    declaration = _DECLARATION.match(text)
    version, standalone = "1.0", ""
    if declaration is not None:
        found = _VERSION.search(declaration.group(0))
        version = found.group(1) if found else version
        found = _STANDALONE.search(declaration.group(0))
        standalone = f' standalone="{found.group(1)}"' if found else ""
        text = text[declaration.end():]
    else:
        text = "\n" + text
    return f'<?xml version="{version}" encoding="UTF-8"{standalone}?>{text}'.encode()


def _codec_name(encoding: str) -> str | None:
    """Python's canonical name of an encoding, or None when it does not know it."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def apprec_request(payload: bytes, *, ebxml_overrides: EbXmlInfo | None = None) -> PostAppRecRequest:
    """The POST /Messages/{id}/apprec request for an AppRec document: its status (code system 8258 by name)
    and its errors, each with its code (V), text (OT) as ``details``, display name (DN) as ``description``
    and code system (S) as ``oid``."""
    try:
        apprec = read_apprec(parse_xml(payload), strict=False)
        status = AppRecStatus.from_code(apprec.status_code)
    except (NotWellFormedError, TooLargeError, BindingError, ValueError) as exc:
        raise MshApiError(f"kan ikke lese applikasjonskvitteringen som skal sendes: {one_line(str(exc))}",
                          retryable=False) from None
    errors = tuple(
        AppRecError(error_code=(e.v or "").strip() or None, details=e.ot, description=e.dn, oid=e.s)
        for e in apprec.error
    )
    return PostAppRecRequest(app_rec_status=status, app_rec_error_list=errors, ebxml_overrides=ebxml_overrides)
