"""Peak memory of receiving one large message: validated, stored and answered (issue 10 §3, issue 18).

Each measurement runs in a fresh child process, so that its peak RSS is its own: the child imports what the
node imports, measures its baseline, then receives one Helsefaglig dialog of the given size with an attachment
(schema validation included when the conformance schemas are there) and reports its peak RSS above the baseline.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

MB = 1024 * 1024


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def _generate(size_mb: float, path: str) -> None:
    from bench.messages import helsefaglig_dialog_with_attachment

    Path(path).write_bytes(helsefaglig_dialog_with_attachment(int(size_mb * 1_000_000 * 3 / 4) - 20_000))


def _child(path: str, schema_dir: str | None) -> None:
    from samhandling.domain.messaging.parties import Party, PartyKind
    from samhandling.services.messaging.receive import receive_message
    from samhandling.services.messaging.reception import ReceiveOptions
    from samhandling.standards.schemas import SchemaSet
    from samhandling.store.database import open_engine, upgrade
    from samhandling.store.unit_of_work import SqlUnitOfWork

    schemas = SchemaSet(Path(schema_dir)) if schema_dir else None
    with tempfile.TemporaryDirectory() as home:
        engine = open_engine(f"sqlite:///{home}/bench.db")
        upgrade(engine)
        with SqlUnitOfWork(engine) as uow:
            for p in (Party(her_id="8100", name="Sykehuset", kind=PartyKind.ORGANISATION, local=True),
                      Party(her_id="8101", name="Medisinsk", kind=PartyKind.SERVICE, parent_her_id="8100"),
                      Party(her_id="8200", name="Gjøvik kommune", kind=PartyKind.ORGANISATION),
                      Party(her_id="8201", name="Hjemmesykepleien", kind=PartyKind.SERVICE, parent_her_id="8200")):
                uow.parties.add(p)
            uow.commit()
        baseline = _peak_rss()  # the process with everything imported and the store open; the message not read
        data = Path(path).read_bytes()
        result = receive_message(data, SqlUnitOfWork(engine), ReceiveOptions(schemas=schemas, max_bytes=50 * MB))
        peak = _peak_rss()
        engine.dispose()
    print(json.dumps({"size": len(data), "baseline": baseline, "peak": peak,
                      "disposition": result.disposition.value}))


def _python(code: str) -> str:
    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)}).stdout


def receive_peak(size_mb: float, schema_dir: Path | None) -> dict[str, object]:
    """Peak RSS above the baseline for reading, validating, storing and answering a message of about ``size_mb``
    MB (10^6 bytes), as a figure. The baseline includes the imports and the open store; the schemas are compiled
    while receiving (a node compiles them once, on its first message)."""
    with tempfile.TemporaryDirectory() as folder:
        message = str(Path(folder) / "message.xml")
        _python(f"from bench.memory import _generate; _generate({size_mb!r}, {message!r})")
        schemas = str(schema_dir) if schema_dir else None
        out = _python(f"from bench.memory import _child; _child({message!r}, {schemas!r})")
    found = json.loads(out.strip().splitlines()[-1])
    above = found["peak"] - found["baseline"]
    return {"figure": f"receive_peak_rss_{size_mb:g}mb", "message_bytes": found["size"],
            "peak_above_baseline_bytes": above, "ratio_to_size": round(above / found["size"], 2),
            "target_ratio": 4.0, "disposition": found["disposition"]}
