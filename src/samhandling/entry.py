"""The console script: Ctrl-C while the program is still starting (importing) ends with one line too."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from samhandling.cli.app import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("Avbrutt.\n")
        sys.exit(130)
    cli_main()
