"""The environment of a real node process in the tests."""

from __future__ import annotations

import os
from pathlib import Path


def node_env(home: Path, network: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMHANDLING_")}
    env.update(SAMHANDLING_HOME=str(home), SAMHANDLING_TRANSPORT_DIR=str(network),
               SAMHANDLING_OUTBOX_LEASE_SECONDS="1")
    return env
