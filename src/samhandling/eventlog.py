"""Structured logs: one JSON line per event, never patient identifiers or message content.

Callers log an event name with facts in ``extra`` (ids, types, states, counts); free text that could
carry a person identifier is masked before it is written.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from samhandling.domain.privacy import redact_person_ids

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": redact_person_ids(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                event[key] = redact_person_ids(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            event["error"] = redact_person_ids(f"{type(error).__name__}: {error}")
        return json.dumps(event, ensure_ascii=False, default=str)


_LEVELS = {"DEBUG": "feilsøking", "INFO": "info", "WARNING": "advarsel", "ERROR": "feil", "CRITICAL": "kritisk"}
_EVENTS = {
    "node running": "noden kjører",
    "sent": "sendt",
    "send failed": "sending feilet, prøves igjen",
    "send stopped": "kan ikke sendes, prøves ikke igjen",
    "step failed": "et steg feilet",
    "mail failed": "e-post feilet",
}


class PlainLines(logging.Formatter):
    """One readable Norwegian line per event for a person at the console: Oslo time, level, event, facts."""

    def format(self, record: logging.LogRecord) -> str:
        from samhandling.domain.clock import shown

        when = shown(datetime.fromtimestamp(record.created, UTC), seconds=True)
        event = redact_person_ids(record.getMessage())
        facts = [f"{key}={redact_person_ids(value) if isinstance(value, str) else value}"
                 for key, value in vars(record).items() if key not in _STANDARD]
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            facts.append(f"error={redact_person_ids(f'{type(error).__name__}: {error}')}")
        line = f"{when} {_LEVELS.get(record.levelname, record.levelname.lower())}: {_EVENTS.get(event, event)}"
        return line + (f" ({', '.join(facts)})" if facts else "")


def configure(level: int = logging.INFO, *, json_lines: bool = True) -> None:
    """Log ``samhandling.*`` to stderr: JSON lines (for log collectors) or plain Norwegian lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if json_lines else PlainLines())
    root = logging.getLogger("samhandling")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
