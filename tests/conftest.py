"""Shared fixtures: where the official conformance material is, and the schema set built from it.

The material is not ours and is never copied into the repository. Tests find it through
``SAMHANDLING_CONFORMANCE_DIR`` (default ``../shared/conformance`` next to the checkout) and skip with
a clear message where it is missing, except under ``CI=true``, where a missing folder is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from samhandling.standards.schemas import SchemaSet

pytest_plugins = ["tests.support.stores", "tests.support.notices"]

# Rich's consoles (samhandling.cli.common) keep the width that COLUMNS says when they are made, at import; pytest-xdist
# sets COLUMNS in its workers. Each command in a test gets its width from tests/support/cli.py, as from a terminal.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

REPO = Path(__file__).resolve().parent.parent
CONFORMANCE = Path(os.environ.get("SAMHANDLING_CONFORMANCE_DIR", REPO.parent / "shared" / "conformance"))


UNDER_LIBFAKETIME = "libfaketime" in os.environ.get("LD_PRELOAD", "")
"""Whether the suite runs under libfaketime (``make test-faketime``)."""

needs_real_thread_waits = pytest.mark.skipif(
    UNDER_LIBFAKETIME,
    reason="libfaketime 0.9.10 (Debian) never returns from a timed thread wait (threading.Event.wait hangs even "
    "at offset +0), so a real node process cannot run under it; this journey does not reason about the clock",
)
"""For tests that start a real node process (its loop waits on threading.Event): they cannot run under
libfaketime, whatever the moment; ``make test`` runs them."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The journeys with real processes first (a stable sort: otherwise in the order collected), so that under
    pytest-xdist the long ones start early and the short ones fill the end of both workers' runs."""
    items.sort(key=lambda item: item.get_closest_marker("process") is None)


def _require(path: Path) -> Path:
    if path.exists():
        return path
    message = f"conformance material missing at {path} (set SAMHANDLING_CONFORMANCE_DIR)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    return _require(CONFORMANCE)


@pytest.fixture(scope="session")
def samples_dir(conformance_dir: Path) -> Path:
    return _require(conformance_dir / "samples")


@pytest.fixture(scope="session")
def schema_dir(conformance_dir: Path) -> Path:
    return _require(conformance_dir / "schemas")


@pytest.fixture(scope="session")
def schemas(schema_dir: Path) -> SchemaSet:
    return SchemaSet(schema_dir)


def sample_files(*patterns: str) -> list[Path]:
    """Sample files for parametrising tests; empty when the material is missing (the fixture then skips)."""
    base = CONFORMANCE / "samples"
    return sorted(p for pattern in patterns for p in base.glob(pattern))
