"""``make bench``: every figure as one JSON line, then a table.

Run from the repository root: ``.venv/bin/python -m bench [--schemas DIR]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.memory import receive_peak
from bench.statistics import year_query

DEFAULT_SCHEMAS = Path(__file__).resolve().parent.parent.parent / "shared" / "conformance" / "schemas"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--schemas", type=Path, default=DEFAULT_SCHEMAS if DEFAULT_SCHEMAS.is_dir() else None)
    args = parser.parse_args()
    figures = [receive_peak(10, args.schemas), receive_peak(34, args.schemas)]
    stats_figure = year_query()
    print(json.dumps(stats_figure, ensure_ascii=False))
    for figure in figures:
        print(json.dumps(figure, ensure_ascii=False))
    print()
    print(f"{'figure':34} {'value':>16} {'target':>10}")
    for figure in figures:
        value = f"{figure['ratio_to_size']}× size"
        print(f"{figure['figure']:34} {value:>16} {'< ' + str(figure['target_ratio']) + '×':>10}")


if __name__ == "__main__":
    main()
