"""CloudTrail event history: ``aws cloudtrail lookup-events`` JSON (``{"Events": [...]}``, each with
the full record as a ``CloudTrailEvent`` string) and the console's event-history CSV download.

Rows become the same normalized events as trail files (source ``cloudtrail``, ``ref`` = event id).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Iterator

import orjson

from ..errors import words
from ..events import EventBatch
from . import csvio
from .cloudtrail import _columns, _loose_record
from .fields import parse_time
from .jsonio import iter_records
from .registry import ParseContext, emit, register

SOURCE = "cloudtrail"
_JSON_SNIFF = re.compile(rb'"Events"\s*:\s*\[')
CSV_COLUMNS = {"Event ID", "Event time", "Event name"}


def _json_sniff(head: bytes) -> bool:
    return _JSON_SNIFF.search(head) is not None and b'"CloudTrailEvent"' in head


def _csv_sniff(head: bytes) -> bool:
    names = csvio.header(head)
    return names is not None and CSV_COLUMNS <= set(names)


def _time(value: Any) -> datetime:
    """ISO 8601, or epoch seconds (the CLI's default JSON), as UTC."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    return parse_time(value)


def _emit(ctx: ParseContext, batch: EventBatch, where: str, when: Any, record: dict[str, Any], raw: str) -> None:
    try:
        ts = _time(when)
    except (ValueError, OverflowError, OSError) as exc:
        ctx.record_error(where, f"no usable event time ({words(exc)})")
        return
    cols = {k: v[0] for k, v in _columns([_loose_record(record)]).items()}
    batch.add(ts, cols["ref"] or where, cols["action"], cols["outcome"], raw, user=cols["user"],
              target_user=cols["target_user"], src_ip=cols["src_ip"], host=cols["host"],
              user_agent=cols["user_agent"], event_name=cols["event_name"], logon_type=cols["logon_type"],
              session_id=cols["session_id"])


@register("cloudtrail_lookup", "AWS CloudTrail event history (lookup-events JSON)", _json_sniff, priority=65,
          source=SOURCE)
def parse_json(ctx: ParseContext) -> Iterator[EventBatch]:
    with ctx.open_binary() as fh:
        data = ctx.read_whole(fh)
    batch = EventBatch(SOURCE, ctx.display_path)
    for where, item in iter_records(ctx, data, keys=("Events",)):
        if not isinstance(item, dict):
            ctx.record_error(where, "not a JSON object")
            continue
        inner = item.get("CloudTrailEvent")
        try:
            record = orjson.loads(inner) if isinstance(inner, str) else {}
        except orjson.JSONDecodeError:
            ctx.record_error(where, "CloudTrailEvent is not valid JSON")
            continue
        if not isinstance(record, dict):
            record = {}
        record.setdefault("eventID", item.get("EventId"))
        record.setdefault("eventName", item.get("EventName"))
        record.setdefault("userIdentity", {"userName": item.get("Username"), "accessKeyId": item.get("AccessKeyId")})
        _emit(ctx, batch, where, record.get("eventTime") or item.get("EventTime"), record,
              inner if isinstance(inner, str) else orjson.dumps(item).decode())
        yield from emit(batch)
    yield from emit(batch, last=True)


@register("cloudtrail_csv", "AWS CloudTrail event history (console CSV download)", _csv_sniff, priority=45,
          source=SOURCE)
def parse_csv(ctx: ParseContext) -> Iterator[EventBatch]:
    batch = EventBatch(SOURCE, ctx.display_path)
    for where, row in csvio.iter_rows(ctx):
        full = row.get("CloudTrail event") or ""
        try:
            record = orjson.loads(full) if full.strip() else {}
        except orjson.JSONDecodeError:
            record = {}
        if not isinstance(record, dict):
            record = {}
        record.setdefault("eventID", row.get("Event ID"))
        record.setdefault("eventName", row.get("Event name"))
        record.setdefault("sourceIPAddress", row.get("Source IP address"))
        if row.get("Error code"):
            record.setdefault("errorCode", row.get("Error code"))
        record.setdefault("userIdentity", {"userName": row.get("User name"), "accessKeyId": row.get("AWS access key")})
        if record.get("eventName") == "ConsoleLogin" and "responseElements" not in record:
            # without the full record the CSV says a login failed only through its error code
            record["responseElements"] = {"ConsoleLogin": "Failure" if row.get("Error code") else "Success"}
        _emit(ctx, batch, where, row.get("Event time"), record, orjson.dumps(row).decode())
        yield from emit(batch)
    yield from emit(batch, last=True)


__all__ = ["parse_csv", "parse_json"]
