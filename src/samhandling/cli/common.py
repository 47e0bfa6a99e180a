"""What every command shares: the consoles, the settings, and the one-line user error."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console

from samhandling.settings import Settings, load_settings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class UserError(Exception):
    """A fault the user can mend; ``cli.main`` shows it as one line and exits with status 2."""


PREFIX = "SAMHANDLING_"
NOT_SETTINGS = frozenset({"SAMHANDLING_DEBUG", "SAMHANDLING_CONFORMANCE_DIR"})
"""Variables read outside the settings: tracebacks for developers, and where the tests find the standards."""

_warned: set[str] = set()


def settings() -> Settings:
    """The settings, or a UserError naming the variable that is wrong; misspelled variables are reported."""
    try:
        loaded = load_settings()
    except ValidationError as exc:
        raise UserError(settings_problem(exc)) from None
    except SettingsError as exc:  # a JSON setting that does not parse
        found = re.search(r'field "(\w+)"', str(exc))
        name = PREFIX + found.group(1).upper() if found else "en SAMHANDLING_*-innstilling"
        raise UserError(f"innstillingen {name} må være gyldig JSON") from None
    for name, hint in unknown_variables(os.environ).items():
        if name not in _warned:
            _warned.add(name)
            err.print(f"Merk: {name} er ingen innstilling og brukes ikke"
                      + (f" (mente du {hint}?)" if hint else "") + ".", markup=False)
    return loaded


_PROBLEMS = {
    "float_parsing": "må være et tall (med punktum som desimaltegn)",
    "int_parsing": "må være et heltall",
    "bool_parsing": "må være true eller false",
    "json_invalid": "må være gyldig JSON",
    "json_type": "må være gyldig JSON",
    "dict_type": "må være et JSON-objekt",
    "greater_than": "må være større enn {gt}",
    "greater_than_equal": "må være minst {ge}",
    "less_than_equal": "må være høyst {le}",
    "path_type": "må være en sti",
    "string_type": "må være tekst",
}


def settings_problem(exc: ValidationError) -> str:
    """A settings error as one Norwegian line per wrong variable, naming it and what it must be."""
    parts: list[str] = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = PREFIX + field.upper()
        template = _PROBLEMS.get(error["type"])
        if template is not None:
            limits = {k: f"{v:g}" if isinstance(v, float) else v for k, v in (error.get("ctx") or {}).items()}
            problem = template.format(**limits)
        elif error["type"] == "value_error":
            problem = str(error["msg"]).removeprefix("Value error, ")
        else:
            problem = f"har feil form ({error['msg']})"
        value = os.environ.get(name)
        shown = f"=«{value}»" if value is not None and "url" not in field and "token" not in field else ""
        parts.append(f"innstillingen {name}{shown} {problem}")
    return "; ".join(parts) or "ugyldige innstillinger"


def unknown_variables(environ: Mapping[str, str]) -> dict[str, str | None]:
    """SAMHANDLING_* variables that are no setting, each with the closest setting's name if one is near."""
    known = {PREFIX + name.upper() for name in Settings.model_fields}
    found: dict[str, str | None] = {}
    for name in sorted(environ):
        if name.startswith(PREFIX) and name not in known and name not in NOT_SETTINGS:
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
            found[name] = close[0] if close else None
    return found


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


_NORWEGIAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](?:kl\.? ?)?(\d{1,2})[:.](\d{2}))?")


def norwegian_to_iso(text: str) -> str:
    """«01.03.2025» or «01.03.2025 14:30» (also «kl. 14.30») as ISO 8601; anything else unchanged."""
    found = _NORWEGIAN.fullmatch(text.strip())
    if found is None:
        return text.strip()
    day, month, year, hour, minute = found.groups()
    iso = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return iso + (f"T{int(hour):02d}:{minute}" if hour is not None else "")
