"""Small texts shared by the notices' use cases."""

from __future__ import annotations


def certificate_marker(her_id: str, serial: str) -> str:
    """How a proposed certificate notice names the certificate (and finds it again)."""
    return f"HER-id {her_id}, serienummer {serial}"
