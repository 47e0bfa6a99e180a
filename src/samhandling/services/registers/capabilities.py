"""What a partner can receive: the message types (service, action, version) each communication party takes,
as the registers list them and as ``--json`` and the checklist show them. They come from the party's CPP or a
CPA (:mod:`samhandling.services.registers.cpp`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from samhandling.domain.registers.partners import MessageCapability
from samhandling.store.unit_of_work import UnitOfWork


def list_capabilities(uow: UnitOfWork, her_id: str | None = None) -> list[MessageCapability]:
    with uow:
        return uow.registers.capabilities.list(her_id)


def capability_json(capability: MessageCapability) -> dict[str, Any]:
    return {
        "her_id": capability.her_id,
        "service": capability.service,
        "message_type": capability.action,
        "version": capability.message_version,
        "namespace": capability.namespace,
        "process": capability.process,
        "process_version": capability.process_version,
        "source": capability.source,
    }


def receives_summary(capabilities: Iterable[MessageCapability]) -> str:
    """"ACTION version" once each, sorted: the checklist's view of what a partner can receive."""
    labels = {f"{c.action} {c.message_version}" if c.message_version else c.action for c in capabilities}
    return "; ".join(sorted(labels))
