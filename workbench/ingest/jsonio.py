"""Reading JSON exports in the shapes tools write them: one document holding a list under a
known key (``{"Records": [...]}``, ``{"value": [...]}``), a bare array, one object, or JSON Lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Iterator

import numpy as np
import orjson

from ..errors import words
from .registry import ParseContext
from .salvage import looks_like_json_lines, salvage

BOM = b"\xef\xbb\xbf"


def looks_like_json(head: bytes) -> bool:
    """The first bytes of a file open a JSON document (an object or an array), after a BOM and white space."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def iter_records(ctx: ParseContext, data: bytes, keys: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Yield ``(where, record)``; a bad JSON line is recorded in ``ctx`` and skipped.

    ``keys``: names of the list inside a wrapping object (e.g. ``("Records",)`` or ``("value",)``).
    """
    data = data.removeprefix(BOM)
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        doc = None  # not one JSON document: try JSON Lines below
    if isinstance(doc, dict):
        for key in keys:
            if isinstance(doc.get(key), list):
                yield from ((f"record {i}", rec) for i, rec in enumerate(doc[key], 1))
                return
        yield "record 1", doc
        return
    if isinstance(doc, list):
        yield from ((f"record {i}", rec) for i, rec in enumerate(doc, 1))
        return
    if doc is None and data.lstrip()[:1] in (b"[", b"{") and not looks_like_json_lines(data):
        yield from _salvaged(ctx, data, keys)
        return
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"line {lineno}", orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            ctx.record_error(f"line {lineno}", words(exc))




def _salvaged(ctx: ParseContext, data: bytes, keys: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """The records a broken document still holds (see :mod:`.salvage`); its problems go to ``ctx``."""
    found = salvage(data, keys)
    spans = ([found.lone_object] if found.lone_object else []) + found.spans
    for i, (offset, length) in enumerate(spans, 1):
        try:
            yield f"record {i}", orjson.loads(data[offset:offset + length])
        except orjson.JSONDecodeError as exc:
            ctx.record_error(f"record {i}", words(exc))
    for where, why in found.problems:
        ctx.record_error(where, why)


_SPACE = np.zeros(256, bool)
_SPACE[list(b" \t\n\r\x0b\x0c")] = True  # what bytes.strip() strips
_STRIP_ROUNDS = 8  # white space trimmed this many bytes at a time in numpy; longer runs by bytes.strip()


def line_spans(data: bytes) -> tuple[np.ndarray, np.ndarray, int]:
    """(start, end) of each non-blank line of ``data`` with its white space stripped, and its piece number (0 for
    the first line): what ``data.split(b"\\n")`` and ``bytes.strip()`` give, found with numpy and no Python per
    line. A last piece after the final newline counts (an unterminated line at the end of a file)."""
    buf = np.frombuffer(data, np.uint8)
    newlines = np.flatnonzero(buf == 10)
    start = np.concatenate([[0], newlines + 1])
    end = np.concatenate([newlines, [len(buf)]])
    number = np.arange(len(start))
    for _ in range(_STRIP_ROUNDS):
        lead = start < end
        lead[lead] = _SPACE[buf[start[lead]]]
        trail = start < end
        trail[trail] = _SPACE[buf[end[trail] - 1]]
        if not (lead.any() or trail.any()):
            break
        start += lead
        end -= trail
    else:  # long runs of white space: the rest of those lines stripped one by one
        for i in np.flatnonzero((start < end) & (_SPACE[buf[np.minimum(start, len(buf) - 1)]] |
                                                 _SPACE[buf[np.maximum(end - 1, 0)]])):
            piece = data[start[i]:end[i]]
            start[i] += len(piece) - len(piece.lstrip())
            end[i] = start[i] + len(piece.strip())
    keep = start < end
    return start[keep], end[keep], number[keep]


class LineNames(Sequence):
    """``"line N"`` for each record of a JSON Lines block, made only when a record is named (an error, a missing
    id): the numbers are held as one array."""

    def __init__(self, numbers: np.ndarray) -> None:
        self.numbers = numbers

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return LineNames(self.numbers[i])
        return f"line {int(self.numbers[i])}"

    def take(self, rows: Any) -> "LineNames":
        return LineNames(self.numbers[np.asarray(rows, np.int64)])
