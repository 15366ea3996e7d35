"""The original records behind a set of rows, read once per run and decoded once (orjson), and the
values of a dotted path in them.

Records kept in the ``raw`` column are taken from there; the others are read back, read-only, from the
evidence by byte offset, one open per file and in offset order. Keys are matched without regard to
case (see :mod:`.mappings`); a record that is not JSON (a syslog line) decodes to ``{}`` and is
reached through its text only.
"""

from __future__ import annotations

import mmap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ..evidence.files import evidence_of
from ..events import MAX_RAW


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
        evidence = evidence_of(path)
        try:
            if evidence.member is None and _plain(evidence.path):
                with open(evidence.path, "rb") as plain, mmap.mmap(plain.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                    for k in ks:
                        start = offsets[k]
                        raw[missing[k]] = mm[start:start + min(lengths[k], MAX_RAW)].decode("utf-8", "replace")
                continue
            with evidence.open() as fh:  # compressed or in an archive: read forward, in offset order
                for k in ks:
                    fh.seek(offsets[k])
                    raw[missing[k]] = fh.read(min(lengths[k], MAX_RAW)).decode("utf-8", "replace")
        except (OSError, EOFError, ValueError):
            continue  # the record stays unknown; the rule simply cannot match it
    return raw


def raw_array(table: pa.Table, rows: np.ndarray) -> pa.Array:
    """The original record text of each row of ``rows`` as one Arrow string array (null where unknown).

    Records of plain files are not turned into Python strings: Arrow views over the memory-mapped file
    are copied into the array in C++. Other records go through :func:`raw_texts`."""
    kept = table.column("raw").take(pa.array(rows))
    kept = kept.combine_chunks() if isinstance(kept, pa.ChunkedArray) else kept
    missing = np.flatnonzero(np.asarray(pc.is_null(kept), dtype=bool))
    if not len(missing):
        return kept
    sub = pa.array(rows[missing])
    files = table.column("file").take(sub).combine_chunks()
    offsets = table.column("raw_offset").take(sub).to_numpy(zero_copy_only=False)
    lengths = table.column("raw_length").take(sub).to_numpy(zero_copy_only=False)
    pieces: list[pa.Array] = []
    order: list[np.ndarray] = []
    if len(missing) < len(kept):
        pieces.append(kept.filter(pc.is_valid(kept)))
        order.append(np.flatnonzero(np.asarray(pc.is_valid(kept), dtype=bool)))
    encoded = pc.dictionary_encode(files)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    for code, path in enumerate(encoded.dictionary.to_pylist()):
        ks = np.flatnonzero(codes == code)
        piece = _mapped(path, offsets[ks], lengths[ks]) if not np.isnan(offsets[ks]).any() else None
        if piece is None:
            piece = pa.array(raw_texts(table, rows[missing[ks]]), pa.large_string())
        pieces.append(piece)
        order.append(missing[ks])
    pieces = [p if p.type == pa.large_string() else p.cast(pa.large_string()) for p in pieces]
    merged = pieces[0] if len(pieces) == 1 else pa.concat_arrays(pieces)
    where = np.concatenate(order)
    if np.array_equal(where, np.arange(len(where))):
        return merged  # one plain file read in row order: no reordering copy
    return merged.take(pa.array(np.argsort(where, kind="stable")))


def _mapped(display: str, offsets: np.ndarray, lengths: np.ndarray) -> pa.Array | None:
    """Records of a plain file by offset and length, or None when the file is not plain, is too big
    for 32-bit view offsets, or holds bytes that are not UTF-8."""
    evidence = evidence_of(display)
    try:
        if evidence.member is not None or not _plain(evidence.path):
            return None
        with open(evidence.path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    if len(mm) >= 2**31:
        return None
    offsets = offsets.astype(np.int64)
    lengths = np.minimum(lengths.astype(np.int64), MAX_RAW)
    if len(offsets) and (offsets.min() < 0 or (offsets + lengths).max() > len(mm)):
        return None
    data = np.frombuffer(mm, dtype=np.uint8)
    n = len(offsets)
    views = np.zeros((n, 4), dtype=np.int32)  # Arrow's 16-byte view: length, prefix, buffer, offset
    views[:, 0] = lengths
    head = np.zeros((n, 12), dtype=np.uint8)  # the first 12 bytes (inline for short values, prefix for others)
    for j in range(12):
        take = lengths > j
        head[take, j] = data[offsets[take] + j]
    short = lengths <= 12
    views[:, 1] = head[:, :4].copy().view(np.int32).ravel()
    views[~short, 3] = offsets[~short]
    views[short, 1:] = head[short].copy().view(np.int32).reshape(-1, 3)
    try:
        view = pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views.tobytes()), pa.py_buffer(mm)])
        return view.cast(pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # not UTF-8: the slow path replaces the bad bytes


def _plain(path: Path) -> bool:
    """A file whose bytes are the content (not gzip, not UTF-16): offsets index it directly."""
    with open(path, "rb") as fh:
        head = fh.read(2)
    return bool(head) and head not in (b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff")


def decode(text: str | None, wrapped: str | None = None) -> dict[str, Any]:
    """A record's JSON object; ``{}`` for text that is not a JSON object.

    ``wrapped``: a key whose value is the real record as a JSON string (CloudTrail ``lookup-events``);
    its keys are merged over the outer ones."""
    if text and text.lstrip().startswith("<"):
        return _xml_record(text)
    if not text or not text.lstrip().startswith("{"):
        return {}
    try:
        record = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(record, dict):
        return {}
    if wrapped:
        inner = record.get(wrapped)
        if isinstance(inner, str) and (inner := decode(inner)):
            record = {**record, **inner}
    return record


def _xml_element(element: ET.Element) -> Any:
    """An element as the evtx parser's JSON writes it: text, or ``#attributes`` and ``#text``."""
    text = (element.text or "").strip() or None
    attributes = {k.rsplit("}", 1)[-1]: v for k, v in element.attrib.items()}
    children = list(element)
    if children:
        out: dict[str, Any] = {_local(c.tag): _xml_element(c) for c in children}
        if attributes:
            out["#attributes"] = attributes
        return out
    if attributes:
        return {"#attributes": attributes, **({"#text": text} if text is not None else {})}
    return text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_record(text: str) -> dict[str, Any]:
    """A Windows event's XML (wevtutil, Event Viewer) in the layout of the evtx parser's JSON:
    ``Event.System.*``, ``Event.EventData.<Data Name>``, ``Event.UserData.<element>.*``."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return {}
    event: dict[str, Any] = {}
    for section in root:
        kind = _local(section.tag)
        if kind == "EventData":
            event[kind] = {item.get("Name") or f"Data_{i}": (item.text or "")
                           for i, item in enumerate(section) if _local(item.tag) == "Data"}
        else:
            event[kind] = _xml_element(section)
    return {"Event": event}


def _maybe_json(value: str) -> Any:
    """Log Analytics CSV exports write nested objects as JSON text: decode those on the way."""
    head = value.lstrip()[:1]
    if head in ("{", "["):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


_MISSING = object()


_SPELLINGS: dict[str, list[str]] = {}  # a lower-case key → the spellings records were seen to use
_SHAPES: dict[tuple[str, ...], dict[str, str]] = {}  # a record's keys → their lower case → the key


def _get(record: dict[str, Any], key: str) -> Any:
    """``record[key]`` with ``key`` in lower case and the record's keys in any case (camelCase, PascalCase).

    Spellings already met are tried first (a hash lookup each); a miss looks the key up among the
    record's keys lowered, once per distinct set of keys (records of one source share a few)."""
    spellings = _SPELLINGS.setdefault(key, [key])
    for spelling in spellings:
        value = record.get(spelling, _MISSING)
        if value is not _MISSING:
            return value
    shape = tuple(record)
    lowered = _SHAPES.get(shape)
    if lowered is None:
        if len(_SHAPES) > 4096:
            _SHAPES.clear()
        lowered = _SHAPES[shape] = {k.lower(): k for k in shape if isinstance(k, str)}
    found = lowered.get(key)
    if found is None:
        return _MISSING
    if len(spellings) < 8:
        spellings.append(found)
    return record[found]


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
    if parts[0] == "*":  # any key (Windows UserData's one element)
        return [v for child in value.values() for v in _walk(child, parts[1:])]
    child = _get(value, parts[0])
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
