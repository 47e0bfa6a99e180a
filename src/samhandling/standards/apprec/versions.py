"""Which AppRec version answers a message: the message's standard decides (HITS 1168:2016 §8.2, §8.3)."""

from __future__ import annotations

from collections.abc import Mapping

# HITS 1168:2016 §8.3 (the standards of the reference catalogue): the first version of each standard that
# is answered with AppRec 1.1; earlier versions are answered with AppRec 1.0, and None means every version
# is. HIS 80415:2012 §3.6 states these as minimum versions, so later versions (PLO 2.0) take AppRec 1.1 too.
# Dialogmelding 1.0 takes AppRec 1.0 "så fremt ikke annet er avtalt mellom kommunikasjonspartene" (§3.6).
# The NAV, Helfo and FHI messages of §8.3 and §8.4 take AppRec 1.0 where they use an AppRec at all;
# samhandling does not exchange them, so they are left out.
FIRST_VERSION_ANSWERED_WITH_1_1: Mapping[str, str | None] = {
    "Epikrise": "1.2",
    "Henvisning": "1.1",
    "Henvisning ny tilstand": "1.0",
    "Viderehenvisning": "1.0",
    "Rekvisisjon": "1.6",
    "Svarrapport": "1.4",
    "Dialogmelding": "1.1",
    "PLO": "1.6",
    "e-resept": None,
}


def apprec_version_for(standard: str, version: str) -> str:
    """The AppRec version ("1.0" or "1.1") that answers a message of ``standard`` in ``version``.

    HITS 1168 §8.2: the message's standard decides, not the AppRec standard. Raises LookupError for a
    standard HITS 1168 does not list.
    """
    try:
        first = FIRST_VERSION_ANSWERED_WITH_1_1[standard]
    except KeyError:
        raise LookupError(f"HITS 1168 sier ikke hvilken AppRec-versjon som besvarer {standard}") from None
    if first is not None and _version_key(version) >= _version_key(first):
        return "1.1"
    return "1.0"


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        raise ValueError(f"ugyldig versjonsnummer {version!r}") from None
