"""Person identifiers outside the message itself (Normen): masked on every screen, log and error, redacted from
free text that the store keeps, and refused in registers that hold no patient data.

The message is the only place a fødselsnummer, D-nummer or H-nummer is kept as it was written.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also accepts other scripts' digits


def mask_person_id(value: str) -> str:
    """The identifier for any output other than the message itself (logs, screens, errors), as Normen asks:
    the six date digits stay, the personal number (individual number and check digits) is hidden.
    Anything that is not 11 digits is hidden entirely, keeping its length."""
    if len(value) == 11 and _DIGITS.fullmatch(value):
        return value[:6] + "*" * 5
    return "*" * len(value)


_ELEVEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{11}(?![0-9])")


def redact_person_ids(text: str) -> str:
    """``text`` with every run of exactly eleven digits masked as a person identifier.

    For free text that ends up in the journal or in error columns (an AppRec's description from a partner
    may quote a fødselsnummer): the store keeps no patient identifier outside the message itself.
    """
    return _ELEVEN_DIGITS.sub(lambda m: mask_person_id(m.group()), text)


_PERSON_ID_LIKE = re.compile(r"(?<![0-9])[0-9]{6}\s?[0-9]{5}(?![0-9])")


def holds_person_id(text: str) -> bool:
    """Whether free text holds what looks like a fødselsnummer or D-nummer (eleven digits, also written as six and
    five): registers without patient data refuse such text."""
    return _PERSON_ID_LIKE.search(text) is not None
