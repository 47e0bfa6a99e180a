"""The error of the EDI 2.0 message API: :class:`MshApiError`, with the server's :class:`ErrorMessage` when it
sent one.

A 4xx answer is an error with ``retryable=False`` whose one-line Norwegian message carries the server's
``ErrorMessage.error``; network errors and 5xx answers are raised with ``retryable=True`` once the client's
retries are spent (:mod:`samhandling.transport.edi2.client`).
"""

from __future__ import annotations

from dataclasses import dataclass

from samhandling.transport.base import TransportError


class MshApiError(TransportError):
    """An operation of the message API failed.

    ``status`` is the HTTP status (None when no answer came), ``error`` the server's :class:`ErrorMessage`
    when it sent one.
    """

    def __init__(self, message: str, *, retryable: bool, status: int | None = None,
                 error: ErrorMessage | None = None) -> None:
        super().__init__(message, retryable=retryable)
        self.status = status
        self.error = error


@dataclass(frozen=True)
class ErrorMessage:
    """``ErrorMessage``: what the server says went wrong (its stack trace is never shown)."""

    request_id: str | None
    error: str | None = None
    error_code: int | None = None
    validation_errors: tuple[str, ...] = ()


def unexpected_answer(what: str, problem: str) -> MshApiError:
    return MshApiError(f"uventet svar fra meldingstjeneren ({what}): {problem}", retryable=False)
