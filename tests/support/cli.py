"""The command line in process, as a user runs it: argv, environment and streams swapped for one call.

``run_cli`` calls :func:`samhandling.cli.app.main` (the real entry point, with its one-line error handling) and
returns the exit code and what was written to stdout and stderr. It asserts that no traceback reached the
user. Use it for most CLI tests; real processes only for journeys (signals, crashes, several nodes).
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class _Stream(io.StringIO):
    """A text stream that says it is not a terminal (so Rich writes plain text at its default width)."""

    def isatty(self) -> bool:
        return False


@contextmanager
def _kept_log() -> Iterator[None]:
    """The ``samhandling`` logger as it was: ``node run`` and ``msh serve`` point it at the (swapped) stderr."""
    logger = logging.getLogger("samhandling")
    saved = logger.handlers[:], logger.level, logger.propagate
    try:
        yield
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved


@contextmanager
def _swapped_environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for key in [k for k in os.environ if k.startswith("SAMHANDLING_")]:
            del os.environ[key]
        os.environ.update(env)
        time.tzset()  # a TZ in ``env`` is the server's zone for this call
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        time.tzset()


def run_cli(*args: str | Path, home: Path | None = None, env: Mapping[str, str] | None = None,
            stdin: str = "", columns: int = 80) -> CliResult:
    """Run ``samhandling ARGS`` in this process. ``home`` sets SAMHANDLING_HOME; every other SAMHANDLING_*
    variable of the test process is removed, then ``env`` is applied."""
    from samhandling.cli.app import main

    environment = {"COLUMNS": str(columns)}
    if home is not None:
        environment["SAMHANDLING_HOME"] = str(home)
    environment.update(env or {})
    out, err = _Stream(), _Stream()
    saved = sys.argv, sys.stdin, sys.stdout, sys.stderr
    code = 0
    with _swapped_environment(environment), _kept_log():
        sys.argv = ["samhandling", *map(str, args)]
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
    result = CliResult(code, out.getvalue(), err.getvalue())
    assert "Traceback" not in result.output, result.output
    return result


def run(*args: str, home: Path, schema_dir: Path | None = None, **env: str) -> CliResult:
    """``samhandling ARGS`` in this process (tests/support/cli.py), as a user runs it: SAMHANDLING_HOME is
    ``home``, the other SAMHANDLING_* variables are ``env`` (and SAMHANDLING_SCHEMA_DIR when ``schema_dir``)."""
    if schema_dir is not None:
        env = {"SAMHANDLING_SCHEMA_DIR": str(schema_dir), **env}
    return run_cli(*args, home=home, env=env)


def run_process(*args: str, home: Path, schema_dir: Path | None = None, timeout: float = 120,
                command: tuple[str, ...] = (sys.executable, "-m", "samhandling"),
                **env: str) -> subprocess.CompletedProcess[str]:
    """``samhandling ARGS`` as a real process (``python -m samhandling`` unless ``command`` says otherwise), for the
    journeys that need one and the smoke tests of the entry points."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SAMHANDLING_")}
    environment["SAMHANDLING_HOME"] = str(home)
    if schema_dir is not None:
        environment["SAMHANDLING_SCHEMA_DIR"] = str(schema_dir)
    environment.update(env)
    result = subprocess.run([*command, *args], capture_output=True, text=True, env=environment, timeout=timeout)
    assert "Traceback" not in result.stderr + result.stdout
    return result
