"""Typer's and Click's own texts in Norwegian: help panels, the usage line, the help option and usage errors.

Typer ships English texts (some through ``gettext``, some as constants, some inside the Click it vendors); a
user of samhandling reads Norwegian everywhere. :func:`install` sets them once, before the app runs;
:func:`usage_error` turns a usage error into one Norwegian line. Checked against the installed Typer 0.29.
"""

from __future__ import annotations

import re
from typing import Any

_TEXTS = {
    "Arguments": "Argumenter",
    "Options": "Valg",
    "Commands": "Kommandoer",
    "Error": "Feil",
    "Aborted.": "Avbrutt.",
    "Aborted!": "Avbrutt.",
    "[default: {}]": "[standard: {}]",
    "[env var: {}]": "[miljøvariabel: {}]",
    "[required]": "[påkrevd]",
    "(deprecated) ": "(utgått) ",
    "default: {default}": "standard: {default}",
    "env var: {var}": "miljøvariabel: {var}",
    "required": "påkrevd",
    "(dynamic)": "(dynamisk)",
    "Missing command.": "Mangler kommando.",
    "No such command {name!r}.": "Ukjent kommando «{name}».",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Se [blue]«{command_path} {help_option}»[/].",
}

_TYPE_NAMES = {"text": "tekst", "integer": "heltall", "float": "tall", "boolean": "ja/nei", "path": "sti",
               "file": "fil", "directory": "mappe", "datetime": "tidspunkt", "int": "heltall", "str": "tekst",
               "bool": "ja/nei", "Path": "sti"}


def norwegian(text: str) -> str:
    return _TEXTS.get(text, text)


def install() -> None:
    """Norwegian texts in Typer's help and errors (idempotent)."""
    from typer import core, rich_utils
    from typer._click import decorators, formatting

    core_module: Any = core
    rich: Any = rich_utils
    core_module._ = norwegian
    rich._ = norwegian
    for name in ("DEPRECATED_STRING", "DEFAULT_STRING", "ENVVAR_STRING", "REQUIRED_LONG_STRING",
                 "ARGUMENTS_PANEL_TITLE", "OPTIONS_PANEL_TITLE", "COMMANDS_PANEL_TITLE", "ERRORS_PANEL_TITLE",
                 "ABORTED_TEXT", "RICH_HELP"):
        english = {"DEPRECATED_STRING": "(deprecated) ", "DEFAULT_STRING": "[default: {}]",
                   "ENVVAR_STRING": "[env var: {}]", "REQUIRED_LONG_STRING": "[required]",
                   "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
                   "COMMANDS_PANEL_TITLE": "Commands", "ERRORS_PANEL_TITLE": "Error", "ABORTED_TEXT": "Aborted.",
                   "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help."}[name]
        setattr(rich, name, norwegian(english))
    if getattr(decorators.help_option, "_norwegian", False):
        return
    english_help_option = decorators.help_option

    def help_option(param_decls: list[str]) -> Any:
        decorator = english_help_option(param_decls)

        def norwegian_decorator(f: Any) -> Any:
            command = decorator(f)
            option: Any = command.params[-1]
            option.help = "Vis denne hjelpen og avslutt."
            return command

        return norwegian_decorator

    help_option._norwegian = True  # type: ignore[attr-defined]
    decorators.help_option = help_option
    core_any: Any = core
    if hasattr(core_any, "help_option"):
        core_any.help_option = help_option
    english_write_usage = formatting.HelpFormatter.write_usage

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[VALG]").replace("COMMAND", "KOMMANDO").replace("[ARGS]", "[ARGUMENTER]")
        english_write_usage(self, prog, args, "Bruk: " if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
    rich.USAGE_PATTERN = None
    original_display_type = core.TyperOption.display_type

    def display_type(self: Any, ctx: Any) -> str:
        shown = original_display_type(self, ctx)
        if not shown:
            return shown
        shown = re.sub(r"list\[(.*)\]", r"\1 …", shown).replace(" range", "")
        return re.sub(r"[A-Za-z]+", lambda m: _TYPE_NAMES.get(m.group(), m.group()), shown)

    core.TyperOption.display_type = display_type  # type: ignore[method-assign]
    if hasattr(core, "TyperArgument"):
        core.TyperArgument.display_type = display_type  # type: ignore[method-assign]


_PATTERNS = [
    (re.compile(r"^Missing argument (.+)\.$"), "mangler argumentet {0}"),
    (re.compile(r"^Missing option (.+)\.(?: (.*))?$"), "mangler valget {0}"),
    (re.compile(r"^Missing parameter (.+)\.$"), "mangler {0}"),
    (re.compile(r"^No such option: (\S+)(?: Did you mean (.+)\?)?$"), "ukjent valg {0}"),
    (re.compile(r"^Option (.+) requires an argument\.$"), "valget {0} trenger en verdi"),
    (re.compile(r"^Option (.+) requires (\d+) arguments\.$"), "valget {0} trenger {1} verdier"),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)$"), "uventet argument: {0}"),
    (re.compile(r"^Invalid value for (.+?): (.*)$"), "ugyldig verdi for {0}: {1}"),
    (re.compile(r"^Invalid value: (.*)$"), "ugyldig verdi: {0}"),
    (re.compile(r"^No such command '(.+)'\.$"), "ukjent kommando «{0}»"),
    (re.compile(r"^Ukjent kommando «(.+)»\.$"), "ukjent kommando «{0}»"),
]

_VALUE_PATTERNS = [
    (re.compile(r"Input should be a valid integer"), "må være et heltall"),
    (re.compile(r"Input should be a valid number"), "må være et tall"),
    (re.compile(r"Input should be a valid boolean"), "må være true eller false"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), "må være minst {0}"),
    (re.compile(r"Input should be less than or equal to (\S+)"), "må være høyst {0}"),
    (re.compile(r"'(.+)' is not a valid (?:integer|int)\.?"), "«{0}» er ikke et heltall"),
    (re.compile(r"'(.+)' is not a valid float\.?"), "«{0}» er ikke et tall"),
    (re.compile(r"'(.+)' is not one of (.+)\.?$"), "«{0}» er ikke en av {1}"),
    (re.compile(r"'(.+)' is not a valid boolean\.?"), "«{0}» er ikke ja/nei (true/false)"),
    (re.compile(r"(.+) is not in the range (.+)\.?$"), "{0} er utenfor området {1}"),
    (re.compile(r"(.+) is not in the range"), "{0} er utenfor området"),
    (re.compile(r"(?:File|Path|Directory) '(.+)' does not exist\.?"), "«{0}» finnes ikke"),
]


def usage_error(message: str) -> str:
    """A Click usage error's message in Norwegian (the original when it is not one we know)."""
    text = message.strip()
    for pattern, template in _PATTERNS:
        found = pattern.match(text)
        if found:
            parts = [g or "" for g in found.groups()]
            translated = template.format(*parts)
            if template.startswith("ugyldig verdi"):
                translated = translated[: -len(parts[-1])] + _value(parts[-1]) if parts[-1] else translated
            if pattern.pattern.startswith("^No such option") and parts[1]:
                translated += f" (mente du {parts[1]}?)"
            return translated
    return text


def _value(text: str) -> str:
    for pattern, template in _VALUE_PATTERNS:
        found = pattern.search(text)
        if found:
            return template.format(*found.groups())
    return text
