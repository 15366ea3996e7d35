"""Reading JSON exports in the shapes tools write them: one document holding a list under a
known key (``{"Records": [...]}``, ``{"value": [...]}``), a bare array, one object, or JSON Lines."""

from __future__ import annotations

from typing import Any, Iterator

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
