"""The statistics over a generated year: how long a year's figures take on a store of N messages.

The store is filled with bulk inserts (messages and their journal: sent, some resent, AppRec), then the year's
figures are computed through the service, as ``samhandling stats`` does. A figure, never a timed assertion.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from samhandling.domain.messaging.messages import MessageState
from samhandling.services.statistics.figures import StatsQuery, statistics
from samhandling.store.database import open_engine, upgrade
from samhandling.store.messaging.tables import journal, messages
from samhandling.store.unit_of_work import SqlUnitOfWork

YEAR = datetime(2026, 1, 1, tzinfo=UTC)
PARTNERS = [str(1000 + i) for i in range(40)]
TYPES = ["LOG_INNLAGT", "LOG_UTSKRIVNINGSKLAR", "LOG_UTSKREVET", "DIALOG_FORESPORSEL", "DIALOG_SVAR"]


def _fill(url: str, count: int, seed: int = 17) -> None:
    engine = open_engine(url)
    upgrade(engine)
    rnd = random.Random(seed)
    with engine.begin() as connection:
        for start in range(0, count, 5000):
            rows: list[dict[str, Any]] = []
            entries: list[dict[str, Any]] = []
            for i in range(start, min(count, start + 5000)):
                at = YEAR + timedelta(seconds=rnd.randrange(365 * 86400))
                rows.append({"id": i + 1, "direction": "outgoing", "msg_id": f"m{i}", "msg_type": rnd.choice(TYPES),
                             "standard": "PLO 1.6", "sender_her_id": "8101", "recipient_her_id": rnd.choice(PARTNERS),
                             "state": MessageState.RECEIPT_OK.value, "raw": b"<MsgHead/>", "created_at": at,
                             "updated_at": at, "error_codes": [], "is_apprec": False})
                entries.append({"message_id": i + 1, "at": at, "state": "queued", "detail": ""})
                entries.append({"message_id": i + 1, "at": at, "state": "sent", "detail": ""})
                if rnd.random() < 0.02:
                    entries.append({"message_id": i + 1, "at": at + timedelta(hours=9), "state": "sent", "detail": ""})
                entries.append({"message_id": i + 1, "at": at + timedelta(seconds=rnd.randrange(2, 3600)),
                                "state": "receipt_ok", "detail": ""})
            connection.execute(insert(messages), rows)
            connection.execute(insert(journal), entries)
    engine.dispose()


def year_query(count: int = 20_000, url: str | None = None) -> dict[str, Any]:
    """Seconds for one year's figures on ``count`` generated messages (SQLite in a temporary file by default)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        _fill(url, count)
        engine = open_engine(url)
        began = time.perf_counter()
        figures = statistics(SqlUnitOfWork(engine), StatsQuery(start=YEAR, end=YEAR.replace(year=2027)),
                             now=YEAR.replace(year=2027))
        seconds = time.perf_counter() - began
        engine.dispose()
    return {"figure": f"stats year query, {count} messages", "messages": count, "seconds": round(seconds, 3),
            "counted": sum(v.counter for v in figures.volumes), "target": "< 1 s at 10 000 000 (PostgreSQL)"}
