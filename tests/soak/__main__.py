"""``python -m tests.soak`` (``make soak``): the long soak run on SQLite and PostgreSQL, one JSON line per store.

Options (``make soak SOAK_ARGS="--store sqlite --seed 7"``): ``--store sqlite|postgresql|both``, ``--messages``,
``--node-kills``, ``--server-kills``, ``--outages refuse,blackhole``, ``--traffic-seconds``, ``--seed``,
``--keep DIR`` (keep the run's folders there). Exits 1 when a figure that must be 0 is not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.soak.harness import Figures, Plan, run_soak

POSTGRES_URL = os.environ.get("SAMHANDLING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def run_on(plan: Plan, root: Path) -> Figures:
    if plan.store == "sqlite":
        return run_soak(plan, root)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    names = {node: f"samhandling_soak_{node}_{uuid.uuid4().hex[:8]}" for node in ("sykehus", "kommune")}
    try:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        base = make_url(POSTGRES_URL)
        urls = {node: base.set(database=name).render_as_string(hide_password=False) for node, name in names.items()}
        return run_soak(plan, root, urls)
    finally:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    defaults = Plan()
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--messages", type=int, default=defaults.messages)
    parser.add_argument("--node-kills", type=int, default=defaults.node_kills)
    parser.add_argument("--server-kills", type=int, default=defaults.server_kills)
    parser.add_argument("--outages", default=",".join(defaults.outages))
    parser.add_argument("--traffic-seconds", type=float, default=defaults.traffic_seconds)
    parser.add_argument("--quiet-timeout", type=float, default=defaults.quiet_timeout)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    failed = False
    for store in stores:
        plan = Plan(store=store, messages=args.messages, node_kills=args.node_kills, server_kills=args.server_kills,
                    outages=tuple(k for k in args.outages.split(",") if k), traffic_seconds=args.traffic_seconds,
                    quiet_timeout=args.quiet_timeout, seed=args.seed)
        if args.keep is not None:
            root = args.keep / store
            figures = run_on(plan, root)
        else:
            with tempfile.TemporaryDirectory(prefix="samhandling-soak-") as folder:
                figures = run_on(plan, Path(folder))
        print(json.dumps(figures.as_dict(), ensure_ascii=False), flush=True)
        failed |= not figures.clean
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
