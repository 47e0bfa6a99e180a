"""The files the registers import and export: JSON documents and CSV tables, read with faults that name the
place (file, line, column), and CSV written for a spreadsheet.

A CSV file has a header naming its columns, in any order, separated by ``,`` or ``;`` (what a spreadsheet in
a Norwegian locale writes), in UTF-8 with or without a byte order mark. A cell written that starts with
``=``, ``+``, ``-`` or ``@`` is a formula to a spreadsheet (CSV injection, OWASP); a leading ``'`` keeps it
text, except for a phone number such as ``+4762563000``. Yes and no are written ``ja`` and ``nei``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from samhandling.services.registers.journal import RegisterInputError
from samhandling.services.registers.parties import PartySource


def looks_like_json_object(data: bytes) -> bool:
    """Whether the bytes start, after a byte order mark and white space, like a JSON object."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def read_json(data: bytes, name: str) -> Any:
    """The JSON document in ``data`` (UTF-8, with or without a byte order mark) from the file ``name``."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RegisterInputError(f"{name}: ugyldig JSON: teksten er ikke UTF-8") from None
    except json.JSONDecodeError as exc:
        raise RegisterInputError(f"{name}: ugyldig JSON på linje {exc.lineno}, kolonne {exc.colno}") from None
    except RecursionError:
        raise RegisterInputError(f"{name}: ugyldig JSON: for dypt nøstet") from None


def read_csv_rows(
    source: PartySource, columns: Sequence[str], required: Sequence[str]
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file with a header naming ``columns`` (any order; ``;`` as separator also works),
    with the line of each. :class:`RegisterInputError` for a missing or unknown column."""
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterInputError(f"{source.name}: filen er ikke UTF-8 (lagre den som CSV UTF-8)") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise RegisterInputError(f"{source.name}: filen er tom") from None
    except csv.Error as exc:
        raise RegisterInputError(f"{source.name}: linje 1: {exc}") from None
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise RegisterInputError(f"{source.name}: ukjent kolonne «{unknown[0]}» (kolonnene er {','.join(columns)})")
    missing = [c for c in required if c not in header]
    if missing:
        raise RegisterInputError(f"{source.name}: kolonnen «{missing[0]}» mangler (kolonnene er {','.join(columns)})")
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise RegisterInputError(
                    f"{source.name}: rad {line}: har {len(cells)} felt, overskriften har {len(header)}"
                )
            rows.append((line, dict(zip(header, (c.strip() for c in cells), strict=True))))
    except csv.Error as exc:
        raise RegisterInputError(f"{source.name}: rad {reader.line_num}: {exc}") from None
    return rows


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: None empty, yes/no as ``ja``/``nei``, a would-be formula kept as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    text = str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet (CSV injection); a leading ' keeps it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_phone(text) else text


def _is_phone(text: str) -> bool:
    return text.startswith("+") and text[1:].isdigit()


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV table with the header ``columns``, lines ended by ``\\n``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()
