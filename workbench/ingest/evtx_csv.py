"""Windows event logs as EvtxECmd (Eric Zimmerman's tools) writes them with ``--csv``: the CSV that
Timeline Explorer users bring.

The event's fields come from the ``Payload`` column (the record's ``EventData`` / ``UserData`` as
JSON: ``{"EventData": {"Data": [{"@Name": ..., "#text": ...}]}}``). Without it (an export trimmed to
the summary columns) the account comes from ``UserName`` (``DOMAIN\\user``), the address from
``RemoteHost`` (``WORKSTATION (10.0.0.5)``) and the logon type from a ``PayloadData`` column
(``LogonType 3``). ``TimeCreated`` is UTC (EvtxECmd writes UTC); ``ref`` is ``EventRecordId``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from ..errors import words
from ..events import EventBatch
from . import csvio
from .fields import parse_time
from .registry import ParseContext, emit, register
from .windows import SOURCE, add

COLUMNS = {"EventRecordId", "TimeCreated", "EventId", "Computer", "Channel"}
_REMOTE_IP = re.compile(r"\(([0-9A-Fa-f:.]+)\)\s*$")
_LOGON_TYPE = re.compile(r"^LogonType:?\s*(\d+)$")
# "Name: value" PayloadData cells of EvtxECmd's maps, by the EventData field they stand for
_SUMMARY_FIELDS = {"LogonId": "TargetLogonId", "AuthenticationPackageName": "AuthenticationPackageName",
                   "Status": "Status", "SubStatus": "SubStatus"}


def _sniff(head: bytes) -> bool:
    names = csvio.header(head)
    return names is not None and COLUMNS <= set(names) and bool({"Payload", "PayloadData1"} & set(names))


def _payload(text: str) -> dict[str, Any]:
    """The Payload JSON as one flat mapping of field names to values."""
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(doc, dict):
        return {}
    out: dict[str, Any] = {}
    event_data = doc.get("EventData")
    if isinstance(event_data, dict):
        items = event_data.get("Data")
        items = items if isinstance(items, list) else [items] if items is not None else []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                out[str(item.get("@Name") or f"Data_{i}")] = item.get("#text")
            else:
                out[f"Data_{i}"] = item
    user_data = doc.get("UserData")
    if isinstance(user_data, dict):
        for inner in user_data.values():
            if isinstance(inner, dict):
                out.update({k: v for k, v in inner.items() if not k.startswith("@")})
    return out


def _summary(row: dict[str, str]) -> dict[str, Any]:
    """The fields that the summary columns still carry, when there is no Payload."""
    out: dict[str, Any] = {}
    user = (row.get("UserName") or "").strip()
    if user and user not in ("-\\-", "-"):
        name = user.rsplit("\\", 1)[-1]
        out.update(TargetUserName=name, SubjectUserName=name)
    ip = _REMOTE_IP.search(row.get("RemoteHost") or "")
    if ip:
        out["IpAddress"] = ip.group(1)
    for i in range(1, 7):
        cell = (row.get(f"PayloadData{i}") or "").strip()
        kind = _LOGON_TYPE.match(cell)
        if kind:
            out["LogonType"] = kind.group(1)
        name, sep, value = cell.partition(": ")
        if sep and name in _SUMMARY_FIELDS:
            out[_SUMMARY_FIELDS[name]] = value.split(" (", 1)[0]
    return out


@register("evtxecmd_csv", "Windows event log (EvtxECmd CSV)", _sniff, priority=60, source=SOURCE)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    batch = EventBatch(SOURCE, ctx.display_path)
    for where, row in csvio.iter_rows(ctx):
        try:
            when = parse_time(row.get("TimeCreated"))
        except ValueError as exc:
            ctx.record_error(where, f"no usable TimeCreated ({words(exc)})")
            continue
        payload = (row.get("Payload") or "").strip()
        data = _payload(payload) if payload else {}
        if not data:
            data = _summary(row)
        add(batch, ctx, where, record_id=(row.get("EventRecordId") or "").strip() or None, when=when,
            event_id=row.get("EventId"), channel=row.get("Channel"), computer=row.get("Computer"),
            keywords=row.get("Keywords"), data=data, raw=orjson.dumps(row).decode())
        yield from emit(batch)
    yield from emit(batch, last=True)
