"""Amazon S3 server access logs (the space-separated text delivered to a target bucket) → source
``s3_access``.

One request per line; fields are separated by spaces, the time is in brackets and fields that may hold
spaces are quoted: bucket_owner bucket [time] remote_ip requester request_id operation key "request_uri"
http_status error_code bytes_sent object_size total_time turn_around_time "referrer" "user_agent"
version_id host_id signature_version cipher_suite authentication_type host_header tls_version
access_point_arn acl_required (and, in newer logs, the source region). Any field may be ``-``; older logs
stop after fewer fields and AWS may append new ones, so a line needs the first 17 (through the user agent)
and whatever follows is ignored.

Mapping: ``ref`` = request_id; ``ts`` = time; ``src_ip`` = remote_ip; ``user`` = requester (an IAM ARN
becomes the name CloudTrail shows — user name, ``role/session`` — a canonical user id stays as it is,
``-`` (unauthenticated) is null); ``host`` = bucket; ``event_name`` = operation (``REST.GET.OBJECT``);
``user_agent``; ``bytes`` = bytes_sent (``-`` → null). ``action`` is ``api.call``; ``outcome`` is ``success``
for a 2xx status, ``failure`` for any other, ``unknown`` when the status is ``-``. ``raw`` is the line. A
line that does not parse is recorded and skipped.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Iterator

from ..errors import Unreadable, words
from ..events import EventBatch
from .cloudtrail import principal
from .fields import ip_or_none
from .registry import ParseContext, emit, register

SOURCE = "s3_access"
MIN_FIELDS = 17  # through user_agent
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\[([^\]]*)\]|(\S+)')
_TIME = re.compile(r"^(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$")
# Field positions (0-based).
BUCKET, TIME, REMOTE_IP, REQUESTER, REQUEST_ID, OPERATION = 1, 2, 3, 4, 5, 6
HTTP_STATUS, BYTES_SENT, USER_AGENT = 9, 11, 16
# A record's start: owner, bucket, [time], ip, requester, request id, operation (REST.GET.OBJECT, ...).
_LINE = re.compile(r"^\S+ \S+ \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] \S+ \S+ \S+ "
                   r"(?:REST|WEBSITE|BATCH|SOAP|S3)\.[A-Z_.]+ ")


def _sniff(head: bytes) -> bool:
    lines = [line for line in head.decode("utf-8", "replace").splitlines()[:20] if line.strip()]
    if len(lines) > 1 and not head.endswith(b"\n"):
        lines = lines[:-1]  # the head may cut the last line
    hits = sum(1 for line in lines if _LINE.match(line))
    return hits > 0 and hits * 2 >= len(lines)


def fields(line: str) -> list[str]:
    """The line's fields, quotes and brackets removed."""
    return [m.group(m.lastindex or 0) for m in _TOKEN.finditer(line)]


def _time(value: str) -> datetime:
    m = _TIME.match(value)
    if not m or m[2] not in _MONTHS:
        raise Unreadable(f"not a time: {value!r:.60}")
    day, _, year, hh, mm, ss, sign, oh, om = m.groups()
    offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
    local = datetime(int(year), _MONTHS[m[2]], int(day), int(hh), int(mm), int(ss), tzinfo=timezone(offset))
    return local.astimezone(timezone.utc)


def requester(value: str) -> str | None:
    """The requester as CloudTrail names the same principal; a canonical id as is; ``-`` → None."""
    if not value or value == "-":
        return None
    if value.startswith("arn:"):
        if value.endswith(":root"):
            return "root"
        return principal(None, None, value, None, None) or value
    return value


def _outcome(status: str) -> str:
    if not status.isdigit():
        return "unknown"
    return "success" if 200 <= int(status) < 300 else "failure"


def _none(value: str) -> str | None:
    return None if value in ("", "-") else value


@register(SOURCE, "Amazon S3 server access logs", _sniff, priority=40)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    batch = EventBatch(SOURCE, ctx.display_path)
    with ctx.open_binary() as fh:
        done = 0
        for lineno, rawb in ctx.lines(fh):
            done += len(rawb)
            if lineno % 100_000 == 0:
                ctx.on_bytes(done)
            raw = rawb.decode("utf-8", "replace").rstrip("\r\n")
            if lineno == 1:
                raw = raw.removeprefix("\ufeff")
            if not raw.strip():
                continue
            f = fields(raw)
            if len(f) < MIN_FIELDS or not _LINE.match(raw):
                ctx.record_error(f"line {lineno}", f"not an S3 access log record ({len(f)} fields)")
                continue
            try:
                ts = _time(f[TIME])
            except ValueError as exc:
                ctx.record_error(f"line {lineno}", words(exc))
                continue
            sent = f[BYTES_SENT]
            batch.add(ts, _none(f[REQUEST_ID]) or f"line {lineno}", "api.call", _outcome(f[HTTP_STATUS]), raw,
                      user=requester(f[REQUESTER]), src_ip=ip_or_none(f[REMOTE_IP]), host=_none(f[BUCKET]),
                      user_agent=_none(f[USER_AGENT]), event_name=_none(f[OPERATION]),
                      bytes=int(sent) if sent.isascii() and sent.isdigit() and len(sent) <= 18 else None)
            yield from emit(batch)
    yield from emit(batch, last=True)
