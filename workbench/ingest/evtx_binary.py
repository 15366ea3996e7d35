"""Windows event logs as the binary ``.evtx`` files Windows keeps (``Security.evtx``, the
TerminalServices operational logs), read with the ``evtx`` package (a maintained Rust parser).

``ref`` is the record's ``EventRecordID``; the time is ``System/TimeCreated/@SystemTime`` (UTC);
``raw`` is the record as the parser renders it (compact JSON of the XML). A damaged record is
skipped with its reason and the rest of the file still loads. A file cut short (a copy that did
not finish, a carved log) keeps every complete record: the last, partial chunk is read as far as
it goes, and the error line says how much of the file was missing.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import Iterator
from typing import Any

import evtx
import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import Unreadable, words
from ..events import TS_TYPE, make_batch
from .fields import parse_time
from .registry import BATCH_SIZE, ParseContext, register
from .windows import SOURCE
from .windows_map import KEY_FIELDS, interpret, session_id

MAGIC = b"ElfFile\x00"
HEADER_SIZE = 4096
CHUNK_SIZE = 65536


def _sniff(head: bytes) -> bool:
    return head.startswith(MAGIC)


def _flatten(section: Any) -> dict[str, Any]:
    """``EventData`` (named ``Data`` values) or ``UserData`` (one element whose children are the
    fields) as one flat mapping."""
    if not isinstance(section, dict):
        return {}
    if "Data" not in section and "#attributes" not in section and len(section) != 1:
        return section  # named Data values, as the parser gives them
    if "Data" in section and len(section) <= 2:  # unnamed Data values: Data, Data_1, ... by position
        values = section["Data"]
        values = values if isinstance(values, list) else [values]
        return {f"Data_{i}": (v.get("#text") if isinstance(v, dict) else v) for i, v in enumerate(values)}
    fields = {k: v for k, v in section.items() if k != "#attributes"}
    if len(fields) == 1:
        (inner,) = fields.values()
        if isinstance(inner, dict):  # UserData: <EventXML xmlns=...><User>...</User>...</EventXML>
            return {k: v for k, v in inner.items() if k != "#attributes"}
    return fields


def _text(value: Any) -> Any:
    """An element value with attributes comes as ``{"#attributes": ..., "#text": v}``."""
    return value.get("#text") if isinstance(value, dict) else value


def _expected(ctx: ParseContext) -> tuple[int, int]:
    """(file size, records the headers promise: next record id less the first chunk's first), for
    progress."""
    with ctx.open_binary() as fh:
        head = fh.read(HEADER_SIZE + 32)
        size = ctx.path.stat().st_size if ctx.is_plain_file else len(head) + sum(map(len, iter(lambda: fh.read(1 << 20), b"")))
    if len(head) < HEADER_SIZE + 32:
        return size, 0
    return size, max(struct.unpack_from("<Q", head, 24)[0] - struct.unpack_from("<Q", head, HEADER_SIZE + 24)[0], 0)


def _source(ctx: ParseContext) -> tuple[Any, str | None]:
    """What to hand the parser, and a note when the file is cut short (its last chunk is padded so
    the records it still holds can be read)."""
    with ctx.open_binary() as fh:
        head = fh.read(HEADER_SIZE)
        if ctx.is_plain_file:
            size = ctx.path.stat().st_size
            data = None
        else:
            data = ctx.read_whole(fh, head)
            size = len(data)
    if size < HEADER_SIZE:
        raise Unreadable(f"too short for an EVTX file ({size} bytes; its header alone is 4096)")
    declared = struct.unpack_from("<H", head, 42)[0]
    body = max(size - HEADER_SIZE, 0)
    whole, part = divmod(body, CHUNK_SIZE)
    if not part:
        return (str(ctx.path) if data is None else io.BytesIO(data)), None
    if data is None:
        with open(ctx.path, "rb") as fh:
            data = ctx.read_whole(fh)
    note = (f"cut short: {size} bytes; the header lists {declared} chunks of 64 KiB, the file holds {whole} "
            f"and {part} bytes of the next")
    start = HEADER_SIZE + whole * CHUNK_SIZE
    complete = _complete_records(data[start:])
    return io.BytesIO(data[:start + complete] + bytes(CHUNK_SIZE - complete)), note


def _complete_records(chunk: bytes) -> int:
    """Where the last record that the cut-off ``chunk`` holds entirely ends (records from offset 512:
    ``**\\0\\0``, their size, ..., the size again)."""
    end = 512
    while end + 28 <= len(chunk) and chunk[end:end + 4] == b"**\x00\x00":
        size = struct.unpack_from("<I", chunk, end + 4)[0]
        if size < 28 or end + size > len(chunk) or struct.unpack_from("<I", chunk, end + size - 4)[0] != size:
            break
        end += size
    return min(end, len(chunk))


class _Attrs(msgspec.Struct):
    SystemTime: Any = None


class _Created(msgspec.Struct):
    attrs: _Attrs | None = msgspec.field(default=None, name="#attributes")


class _System(msgspec.Struct):
    EventID: Any = None
    TimeCreated: _Created | None = None
    EventRecordID: Any = None
    Channel: Any = None
    Computer: Any = None
    Keywords: Any = None


class _Event(msgspec.Struct):
    System: _System | None = None
    EventData: Any = None
    UserData: Any = None


class _Doc(msgspec.Struct):
    Event: _Event | None = None


_MANY = msgspec.json.Decoder(list[_Doc])
_ONE = msgspec.json.Decoder(_Doc)
_COLUMNS = ("ref", "action", "outcome", "user", "target_user", "src_ip", "host", "event_name", "logon_type",
            "client_app", "session_id", "raw")


def _decode(ctx: ParseContext, ids: list[Any], raws: list[str]) -> list[tuple[int, _Event]]:
    """``(index, event)`` of the records that decode; all at once, one by one when some do not."""
    try:
        docs = _MANY.decode("[" + ",".join(raws) + "]")
        return [(i, d.Event) for i, d in enumerate(docs) if d.Event is not None and d.Event.System is not None]
    except (msgspec.DecodeError, msgspec.ValidationError):
        pass
    out = []
    for i, raw in enumerate(raws):
        try:
            doc = _ONE.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            ctx.record_error(f"record {ids[i]}", f"unusable record ({words(exc)})")
            continue
        if doc.Event is not None and doc.Event.System is not None:
            out.append((i, doc.Event))
    return out


def _times(ctx: ParseContext, ids: list[Any], events: list[tuple[int, _Event]]) -> tuple[pa.Array, list[int]]:
    """``TimeCreated/@SystemTime`` of each event (UTC), vectorized; the positions kept."""
    values = []
    for _, ev in events:
        created = ev.System.TimeCreated  # type: ignore[union-attr]
        values.append(created.attrs.SystemTime if created is not None and created.attrs is not None else None)
    if None not in values:
        try:
            return pc.cast(pa.array(values, pa.string()), TS_TYPE), list(range(len(events)))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    parsed, keep = [], []
    for pos, ((i, _), value) in enumerate(zip(events, values)):
        try:
            parsed.append(parse_time(value))
            keep.append(pos)
        except ValueError as exc:
            ctx.record_error(f"record {ids[i]}", f"no usable TimeCreated ({words(exc)})")
    return pa.array(parsed, TS_TYPE), keep


def _batch(ctx: ParseContext, ids: list[Any], raws: list[str]) -> pa.RecordBatch | None:
    events = _decode(ctx, ids, raws)
    ts, keep = _times(ctx, ids, events)
    cols: dict[str, list] = {name: [] for name in _COLUMNS}
    seen: dict[tuple, dict] = {}  # events alike in what the mapping reads map alike (many failures, few shapes)
    for pos in keep:
        i, ev = events[pos]
        system = ev.System
        eid = _text(system.EventID)  # type: ignore[union-attr]
        try:
            eid = int(eid)
        except (TypeError, ValueError):
            eid = -1
        data = _flatten(ev.EventData) or _flatten(ev.UserData)
        get = data.get
        key = (eid, system.Channel, system.Keywords, *map(get, KEY_FIELDS))  # type: ignore[union-attr]
        try:
            mapped = seen[key]
        except KeyError:
            mapped = seen[key] = interpret(eid, system.Channel, system.Keywords, data) or {}  # type: ignore[union-attr]
        except TypeError:  # a value that is not text or a number (nested UserData): no memo
            mapped = interpret(eid, system.Channel, system.Keywords, data) or {}  # type: ignore[union-attr]
        session = session_id(eid, system.Channel, data) if mapped else None  # type: ignore[union-attr]
        rid = system.EventRecordID if system.EventRecordID is not None else ids[i]  # type: ignore[union-attr]
        cols["ref"].append(str(rid))
        cols["action"].append(mapped.get("action", "other"))
        cols["outcome"].append(mapped.get("outcome", "unknown"))
        for name in ("user", "target_user", "src_ip", "logon_type", "client_app"):
            cols[name].append(mapped.get(name))
        cols["session_id"].append(session)
        cols["host"].append(system.Computer if isinstance(system.Computer, str) else None)  # type: ignore[union-attr]
        cols["event_name"].append(str(eid) if eid >= 0 else None)
        cols["raw"].append(raws[i])
    if not keep:
        return None
    return make_batch(len(keep), {"ts": ts, "source": pa.array([SOURCE] * len(keep), pa.string()),
                                  "file": pa.array([ctx.display_path] * len(keep), pa.string()), **cols})


@register("evtx", "Windows event log (.evtx)", _sniff, priority=90, source=SOURCE)
def parse(ctx: ParseContext) -> Iterator[pa.RecordBatch]:
    source, cut = _source(ctx)
    size, expected = _expected(ctx)
    kept = 0
    ids: list[Any] = []
    raws: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            records = evtx.PyEvtxParser(source, skip_errors=True).records_json()
        except (RuntimeError, OSError) as exc:
            raise Unreadable(f"not a readable EVTX file ({words(exc)})") from None
        while True:
            try:
                item = next(records)
            except StopIteration:
                break
            except RuntimeError as exc:  # damage the parser cannot step over: keep what came before
                ctx.record_error("damaged data", f"{words(exc)}; nothing after it could be read")
                break
            ids.append(item.get("event_record_id"))
            raws.append(item["data"])
            if expected and not len(raws) % 8192:
                ctx.on_bytes(min(size, size * (kept + len(raws)) // expected))
            if len(raws) >= BATCH_SIZE:
                batch = _batch(ctx, ids, raws)
                ids, raws = [], []
                if batch is not None:
                    kept += batch.num_rows
                    yield batch
        for warning in caught:
            message = str(warning.message).removeprefix("Skipping EVTX data: ").removeprefix("RuntimeError: ")
            ctx.record_error("damaged data", message[:300])
    batch = _batch(ctx, ids, raws) if raws else None
    if batch is not None:
        kept += batch.num_rows
    if cut:
        ctx.errors.insert(0, f"{cut}; kept {kept} records")
        ctx.bad_records += 1
    for where, why in damaged_chunks(ctx):
        ctx.record_error(where, why)
    if batch is not None:
        yield batch


def damaged_chunks(ctx: ParseContext) -> Iterator[tuple[str, str]]:
    """Every whole 64 KiB chunk that is not intact, checked as the format defines it (signature, header and
    records checksums), with the record numbers its header gives: the parser steps over such chunks
    without a word, and the analyst must know which records the file no longer gives."""
    with ctx.open_binary() as fh:
        head = fh.read(HEADER_SIZE)
        if len(head) < HEADER_SIZE:
            return
        dirty = bool(struct.unpack_from("<I", head, 120)[0] & 1)  # not closed cleanly: may be stale
        if not dirty and zlib.crc32(head[:120]) != struct.unpack_from("<I", head, 124)[0]:
            yield "file header", "checksum does not match (damaged): the records were read from the chunks"
        declared = struct.unpack_from("<H", head, 42)[0]  # chunks in use; Windows leaves the rest blank
        number = 0
        while number < declared and len(chunk := fh.read(CHUNK_SIZE)) == CHUNK_SIZE:
            number += 1
            where = f"chunk {number} (byte {HEADER_SIZE + (number - 1) * CHUNK_SIZE})"
            if not chunk.startswith(b"ElfChnk\0"):
                if chunk.count(0) != CHUNK_SIZE or number == 1:
                    yield where, "not an EVTX chunk (overwritten or blank): its records cannot be read"
                else:
                    yield where, "blank (all zeros): the records it held cannot be read"
                continue
            first, last = struct.unpack_from("<QQ", chunk, 8)
            free, records_crc = struct.unpack_from("<II", chunk, 48)
            header_crc = struct.unpack_from("<I", chunk, 124)[0]
            span = f"records {first}–{last}" if last >= first else "its records"
            if dirty and number == declared:
                continue
            if zlib.crc32(chunk[:120] + chunk[128:512]) != header_crc:
                yield where, f"header checksum does not match: {span} may be missing or altered"
            elif not 512 <= free <= CHUNK_SIZE or zlib.crc32(chunk[512:free]) != records_crc:
                yield where, f"records checksum does not match: {span} may be missing or altered"
