"""Exporting events (any set of row ids of the event table) and findings: CSV and Timesketch JSON Lines.

CSV cells are made safe to open in a spreadsheet: log fields are attacker-controlled, and a cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken as a formula by Excel,
LibreOffice and Google Sheets (CSV injection, OWASP). Such cells get a leading apostrophe, the
spreadsheets' own "this is text" mark; nothing else is changed.

JSON Lines follow Timesketch's import format: every line carries ``message``, ``datetime`` (ISO 8601
with the zone), ``timestamp`` (microseconds since the epoch) and ``timestamp_desc``, plus the event's
fields as attributes. Files are written atomically (:func:`workbench.evidence.outputs.atomic_open`);
the caller refuses outputs inside the evidence (:func:`workbench.evidence.outputs.check_outputs`).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np
import orjson
import pyarrow as pa

from .errors import Cancelled
from .events import as_utc, format_ts
from .evidence.outputs import atomic_open
from .findings import Finding
from .progress import CancelToken, Progress

# The columns an export carries, in this order (those absent from the table are skipped).
EXPORT_COLUMNS = ("ts", "source", "file", "ref", "action", "outcome", "user", "target_user", "src_ip", "ip_class",
                  "country", "city", "asn", "as_org", "host", "event_name", "user_agent", "logon_type",
                  "client_app", "session_id", "log_country", "bytes", "tags", "starred", "comment")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet may still read as a formula: a sign after leading white space (" =1+1", "\n=cmd|..."),
# a full-width sign ("＝", "＋", "－", "＠": some spreadsheets fold them to ASCII), a leading line break.
_FORMULA = re.compile("^[\\s\u200b\ufeff]*[=+\\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r\n]")
_ONE_LINE = re.compile(r"[\t\r\n]")
CHUNK = 50_000  # rows converted to Python values at a time
TIMESTAMP_DESC = "Event time"


def csv_safe(value: Any) -> str:
    """``value`` as a CSV cell no spreadsheet evaluates (see the module's docstring)."""
    if value is None:
        return ""
    text = as_utc(value).isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if _FORMULA.match(text) else text


def _columns(table: pa.Table, columns: Sequence[str] | None) -> list[str]:
    wanted = EXPORT_COLUMNS if columns is None else columns
    return [c for c in wanted if c in table.column_names]


def _chunks(table: pa.Table, rows: np.ndarray, columns: list[str], progress: Progress | None,
            cancel: CancelToken | None, what: str) -> Iterator[dict[str, list[Any]]]:
    rows = np.asarray(rows, dtype=np.int64)
    total = len(rows)
    for start in range(0, total, CHUNK):
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
        ids = pa.array(rows[start:start + CHUNK])
        yield {c: table.column(c).take(ids).to_pylist() for c in columns}
        if progress is not None:
            progress(min(start + CHUNK, total), total, f"{what}: {min(start + CHUNK, total):,} of {total:,} events")


def write_events_csv(table: pa.Table, rows: np.ndarray, out: Path, columns: Sequence[str] | None = None, *,
                     progress: Progress | None = None, cancel: CancelToken | None = None) -> Path:
    """The events ``rows`` (in that order) as CSV with a header line; returns ``out``."""
    cols = _columns(table, columns)
    with atomic_open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(cols)
        for chunk in _chunks(table, rows, cols, progress, cancel, f"writing {Path(out).name}"):
            writer.writerows(zip(*([csv_safe(v) for v in chunk[c]] for c in cols)))
    return Path(out)


def events_as_text(table: pa.Table, rows: np.ndarray, columns: Sequence[str], headers: Sequence[str]) -> str:
    """Rows as tab-separated text for the clipboard (pasted into a spreadsheet: same safety as CSV;
    tabs and line breaks inside values become spaces so a row stays one line)."""
    out = io.StringIO()
    out.write("\t".join(headers) + "\n")
    cols = list(columns)
    present = [c for c in cols if c in table.column_names]
    for chunk in _chunks(table, rows, present, None, None, ""):
        n = len(next(iter(chunk.values()))) if chunk else 0
        for i in range(n):
            cells = [_ONE_LINE.sub(" ", csv_safe(chunk[c][i])) if c in chunk else "" for c in cols]
            out.write("\t".join(cells) + "\n")
    return out.getvalue()


def event_message(row: dict[str, Any]) -> str:
    """A one-line description of an event for Timesketch's ``message``."""
    parts = [row.get("action") or "event"]
    if row.get("outcome") and row.get("outcome") != "unknown":
        parts.append(f"({row['outcome']})")
    if row.get("user"):
        parts.append(f"by {row['user']}")
    if row.get("target_user"):
        parts.append(f"on {row['target_user']}")
    if row.get("src_ip"):
        parts.append(f"from {row['src_ip']}" + (f" [{row['country']}]" if row.get("country") else ""))
    if row.get("host"):
        parts.append(f"at {row['host']}")
    text = " ".join(parts)
    return f"{text}: {row['event_name']}" if row.get("event_name") else text


def _timesketch_time(ts: datetime | None) -> tuple[str, int] | None:
    if ts is None:
        return None
    ts = as_utc(ts)
    delta = ts - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return ts.isoformat(), (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _timesketch_marks(row: dict[str, Any]) -> None:
    """The analyst's marks as Timesketch reads them: ``tag`` a list of tags, ``starred`` a boolean."""
    if "tags" in row:
        tags = row.pop("tags")
        if tags:
            row["tag"] = [t.strip() for t in tags.split(",") if t.strip()]
    if "starred" in row:
        row["starred"] = row["starred"] == "yes"


def write_events_jsonl(table: pa.Table, rows: np.ndarray, out: Path, columns: Sequence[str] | None = None, *,
                       progress: Progress | None = None, cancel: CancelToken | None = None) -> Path:
    """The events ``rows`` as Timesketch JSON Lines (events with no time are skipped: Timesketch needs one)."""
    cols = _columns(table, columns)
    if "ts" not in cols and "ts" in table.column_names:
        cols.insert(0, "ts")
    with atomic_open(out, "wb") as fh:
        for chunk in _chunks(table, rows, cols, progress, cancel, f"writing {Path(out).name}"):
            for values in zip(*(chunk[c] for c in cols)):
                row = dict(zip(cols, values))
                when = _timesketch_time(row.pop("ts", None))
                if when is None:
                    continue
                line = {"message": event_message(row), "datetime": when[0], "timestamp": when[1],
                        "timestamp_desc": TIMESTAMP_DESC}
                _timesketch_marks(row)
                line.update((k, v) for k, v in row.items() if v is not None)
                fh.write(orjson.dumps(line) + b"\n")
    return Path(out)


FINDING_COLUMNS = ("severity", "title", "check", "techniques", "users", "ips", "hosts", "first_seen", "last_seen",
                   "evidence_events", "playbook", "explanation", "id")
MARK_FINDING_COLUMNS = ("tags", "starred", "comment")  # added when the analyst's marks are given


def _finding_row(f: Finding) -> dict[str, Any]:
    return {"severity": f.severity, "title": f.title, "check": f.check, "techniques": " ".join(f.techniques),
            "users": ", ".join(f.users), "ips": ", ".join(f.ips), "hosts": ", ".join(f.hosts),
            "first_seen": format_ts(f.first_seen), "last_seen": format_ts(f.last_seen),
            "evidence_events": len(f.evidence), "playbook": f.playbook or "", "explanation": f.explanation,
            "id": f.id}


def _mark_cells(mark: Any) -> dict[str, Any]:
    if mark is None:
        return {"tags": "", "starred": "no", "comment": ""}
    return {"tags": ", ".join(mark.tags), "starred": "yes" if mark.starred else "no", "comment": mark.comment}


def write_findings_csv(findings: Iterable[Finding], out: Path, marks: Mapping[str, Any] | None = None) -> Path:
    """One line per finding (columns :data:`FINDING_COLUMNS`), formula-safe; with ``marks`` (finding id →
    :class:`workbench.case.marks.Mark`) the analyst's tags, star and comment too."""
    columns = FINDING_COLUMNS + (MARK_FINDING_COLUMNS if marks is not None else ())
    with atomic_open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for f in findings:
            row = _finding_row(f)
            if marks is not None:
                row.update(_mark_cells(marks.get(f.id)))
            writer.writerow([csv_safe(row[c]) for c in columns])
    return Path(out)


def write_findings_jsonl(findings: Iterable[Finding], out: Path, marks: Mapping[str, Any] | None = None) -> Path:
    """Timesketch JSON Lines: each finding at its first event, with its fields as attributes (and with
    ``marks``, finding id → :class:`workbench.case.marks.Mark`, its ``tag`` list, ``starred`` and ``comment``)."""
    with atomic_open(out, "wb") as fh:
        for f in findings:
            when = _timesketch_time(f.first_seen)
            assert when is not None
            line = {"message": f"[{f.severity}] {f.title}", "datetime": when[0], "timestamp": when[1],
                    "timestamp_desc": "Finding first seen"}
            line.update(f.to_dict())
            mark = marks.get(f.id) if marks is not None else None
            if mark is not None:
                line.update({"tag": list(mark.tags), "starred": mark.starred, "comment": mark.comment})
            fh.write(orjson.dumps(line, option=orjson.OPT_NON_STR_KEYS) + b"\n")
    return Path(out)
