"""AWS CloudTrail: the S3 delivery shape ``{"Records": [...]}``, a bare JSON array, or JSON Lines.

Field meanings follow the CloudTrail record contents reference (userIdentity, eventTime,
eventSource, eventName, sourceIPAddress, userAgent, errorCode, requestParameters,
responseElements, eventID). ``ref`` is ``eventID``.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import orjson

from ..events import EventBatch
from .fields import ip_or_none, parse_time, text
from .jsonio import iter_records
from .mappings import CLOUDTRAIL_ACTIONS
from .registry import BATCH_SIZE, ParseContext, register

SOURCE = "cloudtrail"
_SNIFF = re.compile(rb'"eventVersion"\s*:|"eventSource"\s*:\s*"[a-z0-9-]+\.amazonaws\.com"')


def _sniff(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return start[:1] in (b"{", b"[") and _SNIFF.search(start) is not None and b'"eventTime"' in start


def principal(identity: dict[str, Any]) -> str | None:
    """The acting principal as an analyst names it: IAM user name, role/session, or root."""
    kind = identity.get("type")
    if kind == "Root":
        return "root"
    if identity.get("userName"):
        return text(identity["userName"])
    arn = identity.get("arn")
    arn = arn if isinstance(arn, str) else ""
    if ":assumed-role/" in arn:
        return arn.split(":assumed-role/", 1)[1]
    if "/" in arn:
        return arn.rsplit("/", 1)[1]
    if kind == "AWSService":
        return text(identity.get("invokedBy"))
    return text(identity.get("principalId"))


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
    for where, rec in iter_records(ctx, data, keys=("Records",)):
        if not isinstance(rec, dict):
            ctx.record_error(where, "not a JSON object")
            continue
        try:
            ts = parse_time(rec.get("eventTime"))
        except ValueError as exc:
            ctx.record_error(where, f"no usable eventTime ({exc})")
            continue
        action, outcome = _action_outcome(rec)
        identity = rec.get("userIdentity")
        identity = identity if isinstance(identity, dict) else {}
        params = rec.get("requestParameters")
        target = params.get("userName") if isinstance(params, dict) else None
        batch.add(
            ts,
            text(rec.get("eventID")) or where,
            action,
            outcome,
            orjson.dumps(rec).decode(),
            user=principal(identity),
            target_user=text(target),
            src_ip=ip_or_none(rec.get("sourceIPAddress")),
            host=text(rec.get("recipientAccountId")),
            user_agent=text(rec.get("userAgent")),
            event_name=text(rec.get("eventName")),
            logon_type="interactive" if rec.get("eventName") == "ConsoleLogin" else None,
            session_id=text(identity.get("accessKeyId")),
        )
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = EventBatch(SOURCE, ctx.display_path)
    if len(batch):
        yield batch
