"""Reading CSV exports as portals, Log Analytics and PowerShell write them.

UTF-8 with or without a byte-order mark, or UTF-16 (``Export-Csv -Encoding Unicode``); an optional
PowerShell ``#TYPE ...`` first line; one header row; quoted fields that may hold JSON, commas and
newlines. Rows are streamed, one dict per row; a row that does not fit the header is recorded in
the :class:`ParseContext` and skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
from typing import Iterator

from ..errors import words
from .registry import ParseContext

FIELD_LIMIT = 64 * 1024 * 1024  # one field (an AuditData JSON blob) may be large; csv's default is 128 KiB
_DELIMITERS = (",", "\t", ";")


def encoding_of(start: bytes) -> str:
    """The text encoding a file starting with ``start`` is read with."""
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def _first_line(text: str) -> tuple[str, str]:
    """(the header line, the text from it on), skipping blank lines and a PowerShell ``#TYPE`` line."""
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end].strip("\r")
        if line.strip() and not line.startswith("#TYPE"):
            return line, text[pos:]
        pos = end + 1
    return "", ""


def _delimiter(line: str) -> str:
    return max(_DELIMITERS, key=line.count)


def _clean(names: list[str]) -> list[str]:
    return [name.strip().lstrip("\ufeff") for name in names]


def header(head: bytes) -> list[str] | None:
    """The column names of the CSV whose first bytes are ``head``, or None if it does not look like one."""
    enc = encoding_of(head[:2])
    if enc == "utf-16":
        head = head[: len(head) - len(head) % 2]
    text = head.decode(enc, "replace")
    line, _ = _first_line(text)
    if not line or line.lstrip()[:1] in ("{", "[", "<"):
        return None
    try:
        names = next(csv.reader([line], delimiter=_delimiter(line)))
    except (csv.Error, StopIteration):
        return None
    names = _clean(names)
    return names if len(names) >= 2 else None


def iter_rows(ctx: ParseContext) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield ``(where, row)`` for each data row, ``where`` being ``"line N"`` (where the row starts)."""
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    with ctx.open_binary() as raw:
        enc = encoding_of(raw.read(2))
        raw.seek(0)
        text = io.TextIOWrapper(ctx.capped(raw, 2 * FIELD_LIMIT), encoding=enc, errors="replace", newline="")
        lineno = 0
        line = ""
        for line in text:  # the header: skip blank lines and a PowerShell "#TYPE" line
            lineno += 1
            if line.strip() and not line.startswith("#TYPE"):
                break
        else:
            return
        delimiter = _delimiter(line)
        names = _clean(next(csv.reader([line], delimiter=delimiter)))
        reader = csv.reader(text, delimiter=delimiter)
        start = lineno + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                ctx.record_error(f"line {start}", f"unreadable CSV row ({words(exc)})")
                start = lineno + reader.line_num + 1
                continue
            where = f"line {start}"
            start = lineno + reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(names):
                ctx.record_error(where, f"{len(row)} fields where the header has {len(names)}")
                continue
            yield where, dict(zip(names, row))
