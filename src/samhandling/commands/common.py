"""What every command shares: the consoles, the settings, and the one-line user error."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from samhandling.settings import Settings, load_settings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class UserError(Exception):
    """A fault the user can mend; ``cli.main`` shows it as one line and exits with status 2."""


def settings() -> Settings:
    return load_settings()


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of a file the user named, or a UserError saying in one line why not."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise UserError(f"{path}: filen er for stor ({size} byte, grensen er {limit} byte)")
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: filen finnes ikke") from None
    except IsADirectoryError:
        raise UserError(f"{path}: er en mappe, ikke en fil") from None
    except PermissionError:
        raise UserError(f"{path}: mangler lesetilgang") from None
