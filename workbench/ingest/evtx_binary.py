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
from typing import Any, Iterator

import evtx
import orjson

from ..events import EventBatch
from .fields import parse_time
from .registry import BATCH_SIZE, ParseContext, register
from .windows import SOURCE, add

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


def _source(ctx: ParseContext) -> tuple[Any, str | None]:
    """What to hand the parser, and a note when the file is cut short (its last chunk is padded so
    the records it still holds can be read)."""
    with ctx.open_binary() as fh:
        head = fh.read(HEADER_SIZE)
        if ctx.is_plain_file:
            size = ctx.path.stat().st_size
            data = None
        else:
            data = head + fh.read()
            size = len(data)
    declared = struct.unpack_from("<H", head, 42)[0] if len(head) >= 44 else 0
    body = max(size - HEADER_SIZE, 0)
    whole, part = divmod(body, CHUNK_SIZE)
    if not part:
        return (str(ctx.path) if data is None else io.BytesIO(data)), None
    if data is None:
        with open(ctx.path, "rb") as fh:
            data = fh.read()
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


@register("evtx", "Windows event log (.evtx)", _sniff, priority=90)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    source, cut = _source(ctx)
    batch = EventBatch(SOURCE, ctx.display_path)
    kept = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            records = evtx.PyEvtxParser(source, skip_errors=True).records_json()
        except (RuntimeError, OSError) as exc:
            raise ValueError(f"not a readable EVTX file ({exc})") from None
        while True:
            try:
                item = next(records)
            except StopIteration:
                break
            except RuntimeError as exc:  # damage the parser cannot step over: keep what came before
                ctx.record_error("damaged data", f"{str(exc)[:300]}; nothing after it could be read")
                break
            where = f"record {item.get('event_record_id')}"
            raw = item["data"]
            try:
                event = orjson.loads(raw).get("Event") or {}
                system = event.get("System") or {}
                when = parse_time(((system.get("TimeCreated") or {}).get("#attributes") or {}).get("SystemTime")
                                  or item.get("timestamp", "").replace(" UTC", ""))
            except (orjson.JSONDecodeError, AttributeError, ValueError) as exc:
                ctx.record_error(where, f"unusable record ({exc})")
                continue
            data = _flatten(event.get("EventData")) or _flatten(event.get("UserData"))
            record_id = system.get("EventRecordID", item.get("event_record_id"))
            add(batch, ctx, where, record_id=None if record_id is None else str(record_id), when=when,
                event_id=_text(system.get("EventID")), channel=system.get("Channel"),
                computer=system.get("Computer"), keywords=system.get("Keywords"), data=data, raw=raw)
            kept += 1
            if len(batch) >= BATCH_SIZE:
                yield batch
                batch = EventBatch(SOURCE, ctx.display_path)
        for warning in caught:
            message = str(warning.message).removeprefix("Skipping EVTX data: ").removeprefix("RuntimeError: ")
            ctx.record_error("damaged data", message[:300])
    if cut:
        ctx.errors.insert(0, f"{cut}; kept {kept} records")
        ctx.bad_records += 1
    if len(batch):
        yield batch
