"""Identifiers as MSH API v2 takes them: a message id is a Guid, a HER-id an int32 from 1 up. Both are checked
before they become part of a request's path or body.
"""

from __future__ import annotations

import uuid

from samhandling.domain.text import one_line
from samhandling.transport.edi2.errors import MshApiError, unexpected_answer

MAX_HER_ID = 2_147_483_647  # HER-ids are int32 in the spec (minimum 1)


def api_message_id(value: str, *, unexpected: str | None = None) -> str:
    """A message id as the spec has it (a Guid), normalised; refused before it becomes part of a path."""
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        if unexpected is not None:
            raise unexpected_answer(unexpected, "meldingens id er ikke en Guid") from None
        raise MshApiError(f"«{one_line(str(value), 60)}» er ikke en meldings-id fra meldingstjeneren (en Guid)",
                          retryable=False) from None


def api_her_id(value: str | int) -> int:
    """A HER-id as the API takes it: an int32 from 1 up."""
    try:
        number = value if isinstance(value, int) else int(value.strip())
    except ValueError:
        number = 0
    if isinstance(number, bool) or not 1 <= number <= MAX_HER_ID:
        raise MshApiError(f"HER-id «{one_line(str(value), 40)}» kan ikke brukes mot EDI 2.0-APIet "
                          "(et heltall fra 1 til 2147483647)", retryable=False)
    return number
