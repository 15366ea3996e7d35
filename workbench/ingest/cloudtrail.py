"""AWS CloudTrail: the S3 delivery shape ``{"Records": [...]}``, a bare JSON array, or JSON Lines.

Field meanings follow the CloudTrail record contents reference (userIdentity, eventTime,
eventSource, eventName, sourceIPAddress, userAgent, errorCode, requestParameters,
responseElements, eventID). ``ref`` is ``eventID``.

Speed: msgspec splits the document into the records' original bytes (kept as offsets, not copied
into the table) and decodes only the fields the workbench uses into typed structs; a record whose
fields have unexpected JSON types takes the slower, forgiving path of :func:`_loose_row`.
"""

from __future__ import annotations

import mmap
import re
from typing import Any, Iterator

import msgspec
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import Unreadable, words
from ..events import TS_TYPE, make_batch
from .fields import ip_or_none, parse_time, text
from .jsonio import LineNames, line_spans
from .mappings import CLOUDTRAIL_ACTIONS
from .salvage import looks_like_json_lines, salvage
from .registry import BATCH_SIZE, MAX_LINE, MAX_WHOLE, ParseContext, register

SOURCE = "cloudtrail"
_SNIFF = re.compile(rb'"eventVersion"\s*:|"eventSource"\s*:\s*"[a-z0-9-]+\.amazonaws\.com"')


class _Identity(msgspec.Struct):
    type: str | None = None
    userName: str | None = None
    arn: str | None = None
    accessKeyId: str | None = None
    principalId: str | None = None
    invokedBy: str | None = None


class _Params(msgspec.Struct):
    userName: str | None = None


class _Response(msgspec.Struct):
    ConsoleLogin: str | None = None


class _Extra(msgspec.Struct):
    bytesTransferredOut: float | None = None  # S3 data events: what left the bucket


class _Record(msgspec.Struct):
    eventTime: str | None = None
    eventID: str | None = None
    eventName: str | None = None
    userIdentity: _Identity | None = None
    sourceIPAddress: str | None = None
    userAgent: str | None = None
    recipientAccountId: str | None = None
    errorCode: str | None = None
    requestParameters: _Params | None = None
    responseElements: _Response | None = None
    additionalEventData: _Extra | None = None


class _Delivery(msgspec.Struct):
    Records: list[msgspec.Raw]


class _TypedDelivery(msgspec.Struct):
    Records: list[_Record]


_DECODE_RECORD = msgspec.json.Decoder(_Record)
_DECODE_DELIVERY = msgspec.json.Decoder(_Delivery)
_DECODE_ARRAY = msgspec.json.Decoder(list[msgspec.Raw])
_BOM = b"\xef\xbb\xbf"
HEAD = 64 * 1024


def _sniff(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return start[:1] in (b"{", b"[") and _SNIFF.search(start) is not None and b'"eventTime"' in start


def _split(data: Any, ctx: ParseContext | None = None) -> tuple[list[str], list[int], list[int], list[Any], bool]:
    """Where each record's original bytes are: (wheres, offsets, lengths, buffers, whole_document).

    For a JSON document msgspec gives each record's bytes (``msgspec.Raw``); records follow one
    another with only white space and commas between, so each starts at the first byte of its own
    kind after the previous one ends. JSON Lines are split on newlines.

    ``data`` is bytes or a read-only ``mmap`` of the file."""
    head = bytes(data[:HEAD])
    body = memoryview(data)[len(_BOM):] if head.startswith(_BOM) else memoryview(data)
    stripped = head.lstrip(_BOM + b" \t\r\n")
    raws: list[msgspec.Raw] | None = None
    try:
        if stripped[:1] == b"[":
            raws = _DECODE_ARRAY.decode(body)
        elif stripped[:1] == b"{":
            raws = _DECODE_DELIVERY.decode(body).Records
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        raws = None  # JSON Lines, one lone record, or broken: go line by line
    if raws is None and len(data) > MAX_WHOLE:  # a sparse file, a damaged giant: never copied whole
        raise Unreadable(f"a damaged document of more than {MAX_WHOLE >> 20} MB: too large to search for "
                         "its readable records")
    if raws is None and stripped[:1] in (b"[", b"{") and not looks_like_json_lines(head):
        found = salvage(bytes(data), ("Records",))  # cut short or damaged: the records before and after
        spans = ([found.lone_object] if found.lone_object else []) + found.spans
        for where, why in found.problems:
            if ctx is not None:
                ctx.record_error(where, why)
        return ([f"record {i}" for i in range(1, len(spans) + 1)], [o for o, _ in spans], [n for _, n in spans],
                [data[o:o + n] for o, n in spans], True)
    if raws is not None:
        lengths = [len(r) for r in raws]
        offsets = []
        if raws:  # place the first record exactly; JSON allows only "," and white space after it
            first = memoryview(raws[0])
            pos = data.find(first[:1], data.find(b"[", data.find(b'"Records"') if stripped[:1] == b"{" else 0))
            if first != data[pos:pos + lengths[0]]:
                pos = data.find(first)
            offsets = _evenly_spaced(data, raws, lengths, pos)
            find = data.find
            for raw, size in zip(raws, lengths) if not offsets else ():
                if offsets:
                    pos = find(memoryview(raw)[:1], pos)
                offsets.append(pos)
                pos += size
        return [f"record {i}" for i in range(1, len(raws) + 1)], offsets, lengths, raws, True
    data = bytes(data)
    wheres, offsets, lengths, bufs = [], [], [], []
    pos = 0
    for lineno, line in enumerate(data.split(b"\n"), 1):
        body = line.strip()
        if body:
            wheres.append(f"line {lineno}")
            offsets.append(pos + len(line) - len(line.lstrip()))
            lengths.append(len(body))
            bufs.append(body)
        pos += len(line) + 1
    return wheres, offsets, lengths, bufs, False


def _evenly_spaced(data: Any, raws: list[Any], lengths: list[int], first: int) -> list[int]:
    """The records' offsets when every two are separated alike (as AWS writes them: ``,``), checked
    against the bytes (each must start with ``{`` and end with ``}``); [] when they are not."""
    if len(raws) < 2 or bytes(memoryview(raws[0])[:1]) != b"{":
        return []
    gap = data.find(b"{", first + lengths[0]) - first - lengths[0]
    if gap < 0:
        return []
    size = np.asarray(lengths, dtype=np.int64)
    starts = np.empty(len(lengths), dtype=np.int64)
    starts[0] = first
    np.cumsum(size[:-1] + gap, out=starts[1:])
    starts[1:] += first
    ends = starts + size - 1
    if ends[-1] >= len(data):
        return []
    view = np.frombuffer(data, dtype=np.uint8)
    if not (np.all(view[starts] == ord("{")) and np.all(view[ends] == ord("}"))):
        return []
    return starts.tolist()


def principal(kind: Any, user_name: Any, arn: Any, invoked_by: Any, principal_id: Any) -> str | None:
    """The acting principal as an analyst names it: IAM user name, role/session, or root."""
    if kind == "Root":
        return "root"
    if user_name:
        return text(user_name)
    arn = arn if isinstance(arn, str) else ""
    if ":assumed-role/" in arn:
        return arn.split(":assumed-role/", 1)[1]
    if "/" in arn:
        return arn.rsplit("/", 1)[1]
    if kind == "AWSService":
        return text(invoked_by)
    return text(principal_id)


def _action(name: Any, error: Any, console_result: Any) -> tuple[str, str]:
    if name == "ConsoleLogin":
        if console_result == "Success" and not error:
            return "auth.success", "success"
        return "auth.failure", "failure"
    action = CLOUDTRAIL_ACTIONS.get(name, "api.call") if isinstance(name, str) else "api.call"
    return action, "failure" if error else "success"


def _loose_record(rec: dict[str, Any]) -> _Record:
    """A typed record from one whose values have unexpected types (hostile or broken exporters)."""
    ident = rec.get("userIdentity")
    ident = ident if isinstance(ident, dict) else {}
    params, response = rec.get("requestParameters"), rec.get("responseElements")
    extra = rec.get("additionalEventData")
    return _Record(
        eventTime=text(rec.get("eventTime")), eventID=text(rec.get("eventID")),
        eventName=text(rec.get("eventName")),
        userIdentity=_Identity(**{k: text(ident.get(k)) for k in _Identity.__struct_fields__}),
        sourceIPAddress=text(rec.get("sourceIPAddress")), userAgent=text(rec.get("userAgent")),
        recipientAccountId=text(rec.get("recipientAccountId")), errorCode=text(rec.get("errorCode")),
        requestParameters=_Params(text(params.get("userName"))) if isinstance(params, dict) else None,
        responseElements=_Response(text(response.get("ConsoleLogin"))) if isinstance(response, dict) else None,
        additionalEventData=_Extra(_number(extra.get("bytesTransferredOut"))) if isinstance(extra, dict) else None,
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _bytes(record: _Record) -> int | None:
    """Bytes sent out by the call (S3 data events), where the record says so."""
    extra = record.additionalEventData
    value = extra.bytesTransferredOut if extra is not None else None
    if value is None or not 0 <= value < 2**62:  # NaN fails both comparisons
        return None
    return int(value)


def _one_by_one(ctx: ParseContext, wheres: list[str], bufs: list[Any]) -> tuple[list[_Record], list[int]]:
    """Decode record by record, so one bad record costs only itself."""
    records, keep = [], []
    for i, (where, buf) in enumerate(zip(wheres, bufs)):
        try:
            try:
                records.append(_DECODE_RECORD.decode(buf))
            except msgspec.ValidationError:
                loose = orjson.loads(bytes(buf))
                if not isinstance(loose, dict):
                    ctx.record_error(where, "not a JSON object")
                    continue
                records.append(_loose_record(loose))
        except (msgspec.DecodeError, orjson.JSONDecodeError, RecursionError) as exc:
            ctx.record_error(where, words(exc))
            continue
        except UnicodeDecodeError:
            ctx.record_error(where, "not valid UTF-8 text")
            continue
        keep.append(i)
    return records, keep


_NO_IDENTITY = _Identity()


def _columns(records: list[_Record]) -> dict[str, list]:
    """The normalized columns, one list comprehension per column."""
    ident = [r.userIdentity or _NO_IDENTITY for r in records]
    names = [r.eventName for r in records]
    actions = [_action(n, r.errorCode, r.responseElements and r.responseElements.ConsoleLogin)
               for n, r in zip(names, records)]
    return {
        "ref": [r.eventID for r in records],
        "action": [a for a, _ in actions],
        "outcome": [o for _, o in actions],
        "user": [principal(i.type, i.userName, i.arn, i.invokedBy, i.principalId) for i in ident],
        "target_user": [r.requestParameters and r.requestParameters.userName for r in records],
        "src_ip": [ip_or_none(r.sourceIPAddress) for r in records],
        "host": [r.recipientAccountId for r in records],
        "user_agent": [r.userAgent for r in records],
        "event_name": names,
        "logon_type": ["interactive" if n == "ConsoleLogin" else None for n in names],
        "session_id": [i.accessKeyId for i in ident],
        "bytes": [_bytes(r) for r in records],
    }


def _by_value(values: list[Any], fn: Any) -> pa.Array:
    """``fn`` of each value as a string array, computed once per distinct value (few IPs, many events)."""
    encoded = pa.array(values, pa.string()).dictionary_encode()
    mapped = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return mapped.take(encoded.indices)


def _fast_columns(records: list[_Record]) -> dict[str, Any]:
    """What :func:`_columns` gives, for whole batches: each distinct IP, event name and principal is
    interpreted once, and the per-event work is Arrow's."""
    ident = [r.userIdentity or _NO_IDENTITY for r in records]
    names = pa.array([r.eventName for r in records], pa.string())
    failed = pc.fill_null(pc.not_equal(pa.array([r.errorCode for r in records], pa.string()), ""), False)
    login = pc.fill_null(pc.equal(names, "ConsoleLogin"), False)
    console = pa.array([r.responseElements and r.responseElements.ConsoleLogin for r in records], pa.string())
    login_ok = pc.and_(pc.fill_null(pc.equal(console, "Success"), False), pc.invert(failed))
    encoded = names.dictionary_encode()
    actions = pa.array([CLOUDTRAIL_ACTIONS.get(n, "api.call") for n in encoded.dictionary.to_pylist()], pa.string())
    actions = pc.fill_null(actions.take(encoded.indices), "api.call")
    seen: dict[tuple, str | None] = {}
    users = []
    for i in ident:
        key = (i.type, i.userName, i.arn, i.invokedBy, i.principalId)
        user = seen.get(key, seen)
        if user is seen:
            user = seen[key] = principal(*key)
        users.append(user)
    return {
        "ref": [r.eventID for r in records],
        "action": pc.if_else(login, pc.if_else(login_ok, "auth.success", "auth.failure"), actions),
        "outcome": pc.if_else(login, pc.if_else(login_ok, "success", "failure"),
                              pc.if_else(failed, "failure", "success")),
        "user": users,
        "target_user": [r.requestParameters and r.requestParameters.userName for r in records],
        "src_ip": _by_value([r.sourceIPAddress for r in records], ip_or_none),
        "host": [r.recipientAccountId for r in records],
        "user_agent": [r.userAgent for r in records],
        "event_name": names,
        "logon_type": pc.if_else(login, pa.scalar("interactive"), pa.scalar(None, pa.string())),
        "session_id": [i.accessKeyId for i in ident],
        "bytes": [_bytes(r) for r in records],
    }


def _times(ctx: ParseContext, values: list[str | None], wheres: list[str]) -> tuple[pa.Array, list[int]]:
    """Timestamps, vectorized; element by element only when the fast cast refuses some value."""
    try:
        ts = pc.cast(pa.array(values, pa.string()), TS_TYPE)
        if ts.null_count == 0:
            return ts, list(range(len(values)))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    parsed, keep = [], []
    for i, (value, where) in enumerate(zip(values, wheres)):
        try:
            parsed.append(parse_time(value))
            keep.append(i)
        except ValueError as exc:
            ctx.record_error(where, f"no usable eventTime ({words(exc)})")
    return pa.array(parsed, TS_TYPE), keep


def _decode(ctx: ParseContext, wheres: list[str], bufs: list[Any]) -> tuple[list[_Record], list[int]]:
    """Typed records for ``bufs``: in one call when every record is well-typed, else one by one."""
    try:
        decode = _DECODE_RECORD.decode  # record by record: no joined copy of the batch
        return [decode(buf) for buf in bufs], list(range(len(wheres)))
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        return _one_by_one(ctx, wheres, bufs)


def _emit(ctx: ParseContext, records: list[_Record], keep: list[int], wheres: list[str], offsets: list[int],
          lengths: list[int]) -> Iterator[pa.RecordBatch]:
    for start in range(0, len(records), BATCH_SIZE):
        rows = keep[start:start + BATCH_SIZE]
        yield from _batch(ctx, records[start:start + BATCH_SIZE], *(
            v.take(rows) if isinstance(v, LineNames) else np.asarray(v)[rows] if isinstance(v, np.ndarray)
            else [v[i] for i in rows] for v in (wheres, offsets, lengths)))


def _is_json_lines(head: bytes) -> bool:
    """More than one line, the first of them a whole JSON object."""
    lines = head.removeprefix(_BOM).lstrip().split(b"\n", 2)
    if len(lines) < 2 or not lines[1].strip():
        return False
    try:
        return isinstance(msgspec.json.decode(lines[0]), dict)
    except msgspec.DecodeError:
        return False


CHUNK = 32 * 1024 * 1024  # JSON Lines are read this much at a time: memory stays bounded


def _json_lines(ctx: ParseContext, fh: Any, start: bytes) -> Iterator[pa.RecordBatch]:
    """Stream JSON Lines chunk by chunk; offsets stay those of the whole (decompressed) file. A line is
    carried over as parts (no ``carry + block`` copy per chunk) and skipped past ``MAX_LINE`` bytes."""
    pos, lineno = 0, 0
    carry, carried = [], 0
    first = True
    while True:
        block, first = (start if first else fh.read(CHUNK)), False
        cut = block.rfind(b"\n") + 1
        if block and not cut:  # the line goes on
            carry.append(block)
            carried += len(block)
            if carried > MAX_LINE:
                skipped, rest = _skip_line(fh, carried)
                lineno += 1
                pos += skipped
                ctx.record_error(f"line {lineno}", f"a line of {skipped:,} bytes, longer than the "
                                                    f"{MAX_LINE >> 20} MB a record may be: skipped")
                carry, carried = [rest], len(rest)
            continue
        data = b"".join(carry) + block[:cut]
        carry = [block[cut:]]
        carried = len(carry[0])
        if data:
            starts, ends, pieces = line_spans(data)
            wheres = LineNames(lineno + 1 + pieces)
            offsets, lengths = pos + starts, ends - starts
            lineno += data.count(b"\n")
            pos += len(data)
            try:  # the whole block in one call; a record per line, else line by line below
                records = _DECODE_RECORD.decode_lines(data)
                keep = list(range(len(records))) if len(records) == len(starts) else None
            except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
                keep = None
            if keep is None:
                view = memoryview(data)
                records, keep = _decode(ctx, wheres, [view[a:b] for a, b in zip(starts.tolist(), ends.tolist())])
            yield from _emit(ctx, records, keep, wheres, offsets, lengths)
            ctx.on_bytes(pos)
        if not block:
            return


def _skip_line(fh: Any, size: int) -> tuple[int, bytes]:
    """Read on to the end of an overlong line: (its length with the newline, what follows it)."""
    while block := fh.read(CHUNK):
        newline = block.find(b"\n")
        if newline >= 0:
            return size + newline + 1, block[newline + 1:]
        size += len(block)
    return size, b""


@register(SOURCE, "AWS CloudTrail", _sniff, priority=60)
def parse(ctx: ParseContext) -> Iterator[pa.RecordBatch]:
    with ctx.open_binary() as fh:
        start = fh.read(HEAD)
        if _is_json_lines(start):
            yield from _json_lines(ctx, fh, start)
            return
        if ctx.is_plain_file:  # map the file: its pages are the OS's to drop, not our heap
            with open(ctx.path, "rb") as plain:
                mapped = mmap.mmap(plain.fileno(), 0, access=mmap.ACCESS_READ)
                try:
                    yield from _document(ctx, mapped)
                finally:
                    try:
                        mapped.close()
                    except BufferError:  # views into it held by an exception in flight: freed with them
                        pass
            return
        data = ctx.read_whole(fh, start)
    yield from _document(ctx, data)


def _document(ctx: ParseContext, data: Any) -> Iterator[pa.RecordBatch]:
    """One JSON document (or lines that did not look like JSON Lines), decoded a batch at a time."""
    wheres, offsets, lengths, bufs, whole = _split(data, ctx)
    for start in range(0, len(bufs), BATCH_SIZE):
        part = slice(start, start + BATCH_SIZE)
        records, keep = _decode(ctx, wheres[part], bufs[part])
        yield from _emit(ctx, records, keep, wheres[part], offsets[part], lengths[part])
        if offsets[part]:
            ctx.on_bytes(offsets[part][-1])


def _batch(ctx: ParseContext, records: list[_Record], wheres: list[str], offsets: list[int],
           lengths: list[int]) -> Iterator[pa.RecordBatch]:
    ts, good = _times(ctx, [r.eventTime for r in records], wheres)
    if len(good) != len(records):
        records = [records[i] for i in good]
        wheres, offsets, lengths = ([v[i] for i in good] for v in (wheres, offsets, lengths))
    if not records:
        return
    columns: dict[str, Any] = _fast_columns(records)
    refs = columns["ref"]
    if None in refs or "" in refs:  # a record without an eventID is named by where it is
        columns["ref"] = [ref or wheres[i] for i, ref in enumerate(refs)]
    n = len(records)
    columns.update(ts=ts, source=pa.repeat(SOURCE, n), file=pa.repeat(ctx.display_path, n),
                   raw_offset=pa.array(offsets, pa.int64()), raw_length=pa.array(lengths, pa.int64()))
    yield make_batch(n, columns)
