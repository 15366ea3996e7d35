"""The original records behind a set of rows, read once per run and decoded once (orjson), and the
values of a dotted path in them.

Records kept in the ``raw`` column are taken from there; the others are read back, read-only, from the
evidence by byte offset, one open per file and in offset order. JSON records are decoded with their
keys in lower case (see :mod:`.mappings`); a record that is not JSON (a syslog line) decodes to ``{}``
and is reached through its text only.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import orjson
import pyarrow as pa

from ..ingest.files import evidence_of
from ..store import MAX_RAW


def raw_texts(table: pa.Table, rows: np.ndarray) -> list[str | None]:
    """The original record text of each row of ``rows`` (in that order); None where it cannot be had."""
    raw = table.column("raw").take(pa.array(rows)).to_pylist()
    missing = [i for i, text in enumerate(raw) if text is None]
    if not missing:
        return raw
    sub = pa.array(rows[missing])
    files = table.column("file").take(sub).to_pylist()
    offsets = table.column("raw_offset").take(sub).to_pylist()
    lengths = table.column("raw_length").take(sub).to_pylist()
    by_file: dict[str, list[int]] = {}
    for k, path in enumerate(files):
        if offsets[k] is not None and lengths[k] is not None:
            by_file.setdefault(path, []).append(k)
    for path, ks in by_file.items():
        ks.sort(key=lambda k: offsets[k])
        try:
            with evidence_of(path).open() as fh:
                for k in ks:
                    fh.seek(offsets[k])
                    raw[missing[k]] = fh.read(min(lengths[k], MAX_RAW)).decode("utf-8", "replace")
        except (OSError, EOFError):
            continue  # the record stays unknown; the rule simply cannot match it
    return raw


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value


def decode(text: str | None, wrapped: str | None = None) -> dict[str, Any]:
    """A record's JSON object with lower-case keys; ``{}`` for text that is not a JSON object.

    ``wrapped``: a key whose value is the real record as a JSON string (CloudTrail ``lookup-events``);
    its keys are merged over the outer ones."""
    if not text or not text.lstrip().startswith("{"):
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(value, dict):
        return {}
    record = _lower_keys(value)
    if wrapped and isinstance(record.get(wrapped), str):
        inner = decode(record[wrapped])
        if inner:
            record = {**record, **inner}
    return record


def _maybe_json(value: str) -> Any:
    """Log Analytics CSV exports write nested objects as JSON text: decode those on the way."""
    head = value.lstrip()[:1]
    if head in ("{", "["):
        try:
            return _lower_keys(orjson.loads(value))
        except orjson.JSONDecodeError:
            return value
    return value


_MISSING = object()


def _walk(value: Any, parts: list[str]) -> list[Any]:
    """Every value at ``parts`` below ``value`` (lists are walked element by element)."""
    if not parts:
        return [value]
    if isinstance(value, str):
        value = _maybe_json(value)
    if isinstance(value, list):
        return [v for item in value for v in _walk(item, parts)]
    if not isinstance(value, dict):
        return []
    child = value.get(parts[0], _MISSING)
    if child is _MISSING:
        return []
    return _walk(child, parts[1:])


def scalar_text(value: Any) -> str | None:
    """The text a Sigma value is compared with: booleans as true/false, whole numbers without a point."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return orjson.dumps(value).decode()  # an object or array compared as a whole: its JSON text


def values_at(record: dict[str, Any], paths: Iterable[str]) -> list[str]:
    """The texts at the first of ``paths`` that has a non-null value in ``record`` (a list gives one
    text per element); empty when none has. A null value counts as absent (Sigma ``null``, ``exists``)."""
    for path in paths:
        texts: list[str] = []
        for v in _walk(record, path.split(".")):
            if isinstance(v, list):
                texts.extend(t for t in map(scalar_text, v) if t is not None)
            elif (t := scalar_text(v)) is not None:
                texts.append(t)
        if texts:
            return texts
    return []
