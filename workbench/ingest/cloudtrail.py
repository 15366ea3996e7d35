"""AWS CloudTrail: the S3 delivery shape ``{"Records": [...]}``, a bare JSON array, or JSON Lines.

Field meanings follow the CloudTrail record contents reference (userIdentity, eventTime,
eventSource, eventName, sourceIPAddress, userAgent, errorCode, requestParameters,
responseElements, eventID). ``ref`` is ``eventID``.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from datetime import datetime
from typing import Any, Iterator

import orjson

from ..events import EventBatch, as_utc
from .mappings import CLOUDTRAIL_ACTIONS
from .registry import BATCH_SIZE, ParseContext, register

SOURCE = "cloudtrail"
_SNIFF = re.compile(rb'"eventVersion"\s*:|"eventSource"\s*:\s*"[a-z0-9-]+\.amazonaws\.com"')


def _sniff(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text[:1] in (b"{", b"[") and _SNIFF.search(text) is not None and b'"eventTime"' in text


def _records(ctx: ParseContext, data: bytes) -> Iterator[tuple[str, Any]]:
    """Yield (where, record) from any of the three shapes; bad lines are recorded and skipped."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        doc = None  # not one JSON document: try JSON Lines
    if isinstance(doc, dict) and isinstance(doc.get("Records"), list):
        for i, rec in enumerate(doc["Records"], 1):
            yield f"record {i}", rec
        return
    if isinstance(doc, list):
        for i, rec in enumerate(doc, 1):
            yield f"record {i}", rec
        return
    if isinstance(doc, dict) and "eventTime" in doc:
        yield "record 1", doc
        return
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"line {lineno}", orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            ctx.record_error(f"line {lineno}", f"invalid JSON ({exc.msg})")


def principal(identity: dict[str, Any]) -> str | None:
    """The acting principal as an analyst names it: IAM user name, role/session, or root."""
    kind = identity.get("type")
    if kind == "Root":
        return "root"
    if identity.get("userName"):
        return _text(identity["userName"])
    arn = identity.get("arn")
    arn = arn if isinstance(arn, str) else ""
    if ":assumed-role/" in arn:
        return arn.split(":assumed-role/", 1)[1]
    if "/" in arn:
        return arn.rsplit("/", 1)[1]
    if kind == "AWSService":
        return _text(identity.get("invokedBy"))
    return _text(identity.get("principalId"))


def _text(value: Any) -> str | None:
    """Log fields are untrusted: whatever their JSON type, store text (or null)."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _ip_or_none(value: Any) -> str | None:
    """CloudTrail puts service names (``ec2.amazonaws.com``) where an IP would be: keep only IPs."""
    return _canonical_ip(value) if isinstance(value, str) else None


@lru_cache(maxsize=65536)
def _canonical_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _action_outcome(rec: dict[str, Any]) -> tuple[str, str]:
    name = rec.get("eventName")
    if name == "ConsoleLogin":
        response = rec.get("responseElements")
        result = response.get("ConsoleLogin") if isinstance(response, dict) else None
        if result == "Success" and not rec.get("errorCode"):
            return "auth.success", "success"
        return "auth.failure", "failure"
    outcome = "failure" if rec.get("errorCode") else "success"
    return CLOUDTRAIL_ACTIONS.get(name, "api.call") if isinstance(name, str) else "api.call", outcome


@register(SOURCE, "AWS CloudTrail", _sniff, priority=60)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    with ctx.open_binary() as fh:
        data = fh.read()
    batch = EventBatch(SOURCE, ctx.display_path)
    for where, rec in _records(ctx, data):
        if not isinstance(rec, dict):
            ctx.record_error(where, "not a JSON object")
            continue
        try:
            ts = as_utc(datetime.fromisoformat(str(rec["eventTime"])))
        except (KeyError, ValueError) as exc:
            ctx.record_error(where, f"no usable eventTime ({exc})")
            continue
        action, outcome = _action_outcome(rec)
        identity = rec.get("userIdentity")
        identity = identity if isinstance(identity, dict) else {}
        params = rec.get("requestParameters")
        target = params.get("userName") if isinstance(params, dict) else None
        batch.add(
            ts,
            _text(rec.get("eventID")) or where,
            action,
            outcome,
            orjson.dumps(rec).decode(),
            user=principal(identity),
            target_user=_text(target),
            src_ip=_ip_or_none(rec.get("sourceIPAddress")),
            host=_text(rec.get("recipientAccountId")),
            user_agent=_text(rec.get("userAgent")),
            event_name=_text(rec.get("eventName")),
            logon_type="interactive" if rec.get("eventName") == "ConsoleLogin" else None,
            session_id=_text(identity.get("accessKeyId")),
        )
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = EventBatch(SOURCE, ctx.display_path)
    if len(batch):
        yield batch
