"""What the three Windows event log parsers share: one record in, one normalized event out.

A parser hands over the record's native id (``EventRecordID``, the ``ref``), its time, event id,
channel, computer, keywords and data fields (``EventData`` ``Data Name=...`` values, or the
children of ``UserData``'s element); :mod:`.windows_map` says what it means.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..events import EventBatch
from .registry import ParseContext
from .windows_map import interpret

SOURCE = "windows"


def add(batch: EventBatch, ctx: ParseContext, where: str, *, record_id: str | None, when: datetime,
        event_id: object, channel: str | None, computer: str | None, keywords: object,
        data: Mapping[str, object], raw: str) -> None:
    """Append one event (or note why the record cannot be used)."""
    try:
        eid = int(event_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        ctx.record_error(where, f"no usable EventID ({str(event_id)[:40]!r})")
        return
    cols = interpret(eid, channel, keywords, data)
    ref = record_id or where
    if cols is None:
        batch.add(when, ref, "other", "unknown", raw, host=computer or None, event_name=str(eid))
        return
    batch.add(when, ref, cols["action"] or "other", cols["outcome"] or "unknown", raw, user=cols["user"],
              target_user=cols["target_user"], src_ip=cols["src_ip"], host=computer or None,
              event_name=str(eid), logon_type=cols["logon_type"], client_app=cols["client_app"],
              session_id=cols["session_id"])
