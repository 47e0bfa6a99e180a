"""PDF from our own HTML with WeasyPrint, which needs the Pango library of the operating system."""

from __future__ import annotations

PANGO_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core"


class PdfUnavailableError(RuntimeError):
    """PDF cannot be made on this machine; the message says what to install, in Norwegian."""


def html_to_pdf(html: str) -> bytes:
    """``html`` rendered as PDF; :class:`PdfUnavailableError` when WeasyPrint or Pango is missing."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]  # loads Pango: only when a PDF is asked for
    except (OSError, ImportError) as exc:
        raise PdfUnavailableError(
            "PDF kan ikke lages på denne maskinen: WeasyPrint finner ikke Pango "
            f"({' '.join(str(exc).split())[:160]}). På Debian/Ubuntu: sudo apt-get install {PANGO_PACKAGES}; "
            "velg ellers .html eller .json") from None
    return bytes(HTML(string=html).write_pdf())
