"""Free text shown to a person: cut to a length, and put on one line."""

from __future__ import annotations


def cut(text: str, limit: int) -> str:
    """``text`` as it is when it fits in ``limit`` characters, otherwise cut with an ellipsis to exactly ``limit``."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line (every run of whitespace one space), cut to ``limit`` characters: for free text
    from elsewhere (a server's answer, an error) in a one-line message."""
    return cut(" ".join(text.split()), limit)
