"""The families of the repositories' errors, so that a caller can catch a family whatever the capability.

A repository refuses to store a second thing under a key already taken (a :class:`DuplicateError`) and to
refer to, or change, a thing it does not hold (an :class:`UnknownError`, a :class:`LookupError` as before).
Each repository's own errors subclass these and keep their message (in Norwegian) and their key fields.
"""

from __future__ import annotations


class DuplicateError(Exception):
    """The thing is stored already under the same key."""


class UnknownError(LookupError):
    """No such thing is stored."""
