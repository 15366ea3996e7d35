"""systemd journal exports: ``journalctl -o json`` (one JSON object per line).

Messages are interpreted exactly as in auth.log (sshd, sudo, su, PAM, useradd, passwd), by the
same table in :mod:`syslog_auth`. ``ref`` is the entry's ``__CURSOR`` (its native id), else the line
number; the time is ``__REALTIME_TIMESTAMP`` (microseconds since the epoch, UTC).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Iterator

import orjson

from ..errors import words
from ..events import EventBatch
from .fields import text
from .registry import ParseContext, emit, register
from .syslog_auth import interpret

SOURCE = "journald"
_SNIFF = re.compile(rb'^\s*\{[^\n]*"__REALTIME_TIMESTAMP"\s*:', re.M)


def _sniff(head: bytes) -> bool:
    return _SNIFF.search(head) is not None and b'"MESSAGE"' in head


def _message(value: Any) -> str:
    """MESSAGE is a string, or an array of byte values when it is not valid UTF-8."""
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return bytes(value).decode("utf-8", "replace")
    return text(value) or ""


@register(SOURCE, "systemd journal (journalctl -o json)", _sniff, priority=55)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    batch = EventBatch(SOURCE, ctx.display_path)
    with ctx.open_binary() as fh:
        for lineno, line in ctx.lines(fh):
            if lineno == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if not line.strip():
                continue
            try:
                entry = orjson.loads(line)
                micros = int(entry["__REALTIME_TIMESTAMP"])
                ts = datetime.fromtimestamp(micros / 1e6, tz=timezone.utc)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, OverflowError) as exc:
                ctx.record_error(f"line {lineno}", f"not a journal entry ({words(exc)})")
                continue
            if not isinstance(entry, dict):
                continue
            prog = text(entry.get("SYSLOG_IDENTIFIER")) or text(entry.get("_COMM")) or "journal"
            action, outcome, name, user, target, ip = interpret(prog, _message(entry.get("MESSAGE")))
            batch.add(ts, text(entry.get("__CURSOR")) or str(lineno), action, outcome, line.decode("utf-8", "replace").strip(),
                      user=user, target_user=target, src_ip=ip, host=text(entry.get("_HOSTNAME")), event_name=name,
                      logon_type="network" if prog == "sshd" and action.startswith("auth.") else None)
            yield from emit(batch)
    yield from emit(batch, last=True)
