"""Ingest: files and folders → one normalized, time-sorted Arrow table, plus what happened to each input.

Parsers are listed explicitly below (so PyInstaller sees them) and register themselves with
:func:`registry.register`; the format of each file is sniffed from its content, never its name.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import words
from ..events import BASE_SCHEMA
from ..progress import gc_paused
from ..progress import CancelToken, Progress, check, no_progress
from . import (  # noqa: F401  (registration)
    azure_activity, cloudtrail, cloudtrail_history, entra, entra_audit, evtx_binary, evtx_csv, evtx_xml, gcp_audit, journald,
    m365, s3_access, syslog_auth, workspace,
)
from ..evidence.files import Evidence, expand
from .registry import PARSERS, ParseContext, Parser, sniff

__all__ = ["InputInfo", "LoadResult", "load", "PARSERS"]

# What reading a broken file is documented to raise (the fuzzer holds the parsers to it). Anything else is a
# defect of the workbench: it is still contained to its file (logged with its traceback), never fatal.
READ_ERRORS = (OSError, EOFError, ValueError, UnicodeError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile)
CONTAINED = (Exception, RecursionError, MemoryError)

log = logging.getLogger(__name__)

# The times a Python datetime can hold (years 1 to 9999), in microseconds since 1970: a record whose time is
# outside (a year-0 time read by Arrow from "0001-01-01T00:00:00+01:00") is refused on its own.
_MIN_US = -62135596800 * 1_000_000
_MAX_US = 253402300799 * 1_000_000 + 999_999


def _unrecognised(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "a damaged zip archive: its list of members cannot be read"
    if head.startswith(b"ElfFile\0"):
        return "a Windows event log (EVTX) that could not be read"
    return "not a recognised log format"


def _is_sorted(ts: pa.ChunkedArray) -> bool:
    values = ts.combine_chunks()
    return bool(pc.all(pc.less_equal(values[:-1], values[1:])).as_py())


@dataclass(frozen=True)
class InputInfo:
    """One input file as the analyst must be able to account for it."""

    path: str
    sha256: str
    size: int
    format: str | None
    events: int
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    bad_records: int = 0
    first_ts: datetime | None = None
    last_ts: datetime | None = None

    @property
    def rejected(self) -> bool:
        """Nothing of it could be used."""
        return self.events == 0 and bool(self.errors)

    @property
    def complete(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """The one line the CLI prints for an input that did not load cleanly."""
        if self.format is None:
            return f"{self.path}: rejected: {self.errors[0]}"
        first = self.errors[0] if self.errors else ""
        more = f" (+{self.bad_records - 1} more)" if self.bad_records > 1 else ""
        return f"{self.path}: {self.format}: kept {self.events} records, {max(self.bad_records, 1)} bad: {first}{more}"

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "format": self.format,
            "events": self.events,
            "errors": list(self.errors),
            "size": self.size,
            "notes": list(self.notes),
            "first_seen": self.first_ts.isoformat() if self.first_ts else None,
            "last_seen": self.last_ts.isoformat() if self.last_ts else None,
        }


@dataclass
class LoadResult:
    table: pa.Table
    inputs: list[InputInfo] = field(default_factory=list)

    @property
    def rejected(self) -> list[InputInfo]:
        return [i for i in self.inputs if not i.complete]


def reason(exc: BaseException) -> str:
    """A short, path-free reason for a read error in words (the path is printed once, in front)."""
    return words(exc)


def _contained(exc: BaseException, display: str) -> None:
    if not isinstance(exc, READ_ERRORS):
        log.debug("defect while reading %s", display, exc_info=exc)


def _in_range(batch: pa.RecordBatch, ctx: ParseContext) -> pa.RecordBatch:
    """The batch without records whose time is outside the years 1 to 9999 (each counted bad)."""
    ts = batch.column("ts").cast(pa.int64())
    inside = pc.and_kleene(pc.greater_equal(ts, _MIN_US), pc.less_equal(ts, _MAX_US))
    if pc.all(inside).as_py() is not False:
        return batch
    outside = pc.invert(pc.fill_null(inside, True))
    for ref in batch.column("ref").filter(outside).to_pylist():
        ctx.record_error(f"record {ref}", "a time outside the years 1 to 9999 once converted to UTC")
    return batch.filter(pc.fill_null(inside, True))


# Control characters, C1 controls and bidirectional overrides in a normalized field (a user name holding a
# newline could fake a line of the report; an escape sequence could drive a terminal) are shown escaped as
# \xNN / \uNNNN in every view; the original record (``raw``) keeps them, and ``file`` / ``ref`` stay the
# keys to it.
_CONTROLS = r"[\x00-\x1f\x7f-\x{9f}\x{2028}\x{2029}\x{202a}-\x{202e}\x{2066}-\x{2069}]"  # RE2 syntax
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_KEYS = {"raw", "file", "ref"}


def _may_hold_controls(col: pa.Array) -> bool:
    """A fast first look (printable ASCII only: nothing to escape); only other columns are searched."""
    return pc.all(pc.ascii_is_printable(col)).as_py() is False


def _escaped(batch: pa.RecordBatch) -> pa.RecordBatch:
    columns, changed = [], False
    for name, col in zip(batch.schema.names, batch.columns):
        if name in _KEYS or not pa.types.is_string(col.type):
            columns.append(col)
            continue
        if not _may_hold_controls(col):
            columns.append(col)
            continue
        hits = pc.match_substring_regex(col, _CONTROLS)
        if pc.any(hits).as_py():
            present = {ch for value in col.filter(hits).to_pylist() for ch in value if _CONTROL.match(ch)}
            for ch in present:
                col = pc.replace_substring(col, ch, f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
            changed = True
        columns.append(col)
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema) if changed else batch


def _parse_one(parser: Parser, ctx: ParseContext) -> list[pa.RecordBatch]:
    batches: list[pa.RecordBatch] = []
    try:
        with gc_paused():
            for batch in parser.parse(ctx):
                batches.append(_escaped(_in_range(batch if isinstance(batch, pa.RecordBatch) else batch.to_arrow(),
                                                  ctx)))
    except CONTAINED as exc:
        _contained(exc, ctx.display_path)
        kept = sum(b.num_rows for b in batches)
        ctx.errors.insert(0, f"unreadable after {kept} records: {reason(exc)}")
        ctx.bad_records += 1
    return batches


def _info(path: str, digest: str, size: int, fmt: str | None, batches: list[pa.RecordBatch],
          ctx: ParseContext | None, error: str | None = None, notes: tuple[str, ...] = ()) -> InputInfo:
    events = sum(b.num_rows for b in batches)
    first = last = None
    if events:
        ts = pa.chunked_array([b.column("ts") for b in batches])
        first, last = pc.min(ts).as_py(), pc.max(ts).as_py()
    errors = tuple(ctx.errors) if ctx else ()
    if error:
        errors = (error, *errors)
    if fmt is not None and events == 0 and not errors:
        errors = ("no events found in the file",)
    return InputInfo(path, digest, size, fmt, events, errors, notes + (tuple(ctx.notes) if ctx else ()),
                     ctx.bad_records if ctx else 0, first, last)


def load(paths: Iterable[str | os.PathLike], *, year: int | None = None,
         progress: Progress = no_progress, cancel: CancelToken | None = None) -> LoadResult:
    """Read every file (folders recursively), never writing anything near them."""
    files = expand(paths)
    sizes: dict[Evidence, int] = {}
    plan: list[tuple[Evidence, Parser | None, str | None]] = []
    for ev in files:
        check(cancel)
        if ev.refused:  # a FIFO, a device, a link to a folder: never opened
            sizes[ev] = 0
            plan.append((ev, None, ev.refused))
            continue
        try:
            sizes[ev] = ev.size()
            head = ev.head()
            parser = sniff(head)
            plan.append((ev, parser, None if parser else _unrecognised(head)))
        except CONTAINED as exc:
            _contained(exc, ev.display)
            sizes.setdefault(ev, 0)
            plan.append((ev, None, f"cannot read: {reason(exc)}"))
    # Year-bearing formats first, so year-less syslog can take its year from them.
    plan.sort(key=lambda p: bool(p[1] and p[1].needs_year))
    total = sum(sizes.values()) or 1
    done = 0
    infos: list[InputInfo] = []
    all_batches: list[pa.RecordBatch] = []
    latest: datetime | None = None
    for ev, parser, error in plan:
        check(cancel)
        progress(done, total, f"reading {ev.name}")
        try:
            digest = "" if ev.refused else ev.sha256()
        except CONTAINED as exc:
            _contained(exc, ev.display)
            infos.append(_info(ev.display, "", sizes[ev], None, [], None, f"cannot read: {reason(exc)}", ev.notes))
            continue
        if parser is None:
            infos.append(_info(ev.display, digest, sizes[ev], None, [], None, error, ev.notes))
        else:
            ctx = ParseContext(ev.path, ev.display, ev.open, year=year,
                               year_hint=latest.year if (parser.needs_year and latest) else None,
                               member=ev.member,
                               on_bytes=lambda n, base=done, size=sizes[ev], name=ev.name:
                               progress(base + min(n, size), total, f"reading {name}"))
            batches = _parse_one(parser, ctx)
            info = _info(ev.display, digest, sizes[ev], parser.id, batches, ctx, notes=ev.notes)
            infos.append(info)
            all_batches.extend(batches)
            if not parser.needs_year and info.last_ts and (latest is None or info.last_ts > latest):
                latest = info.last_ts
        done += sizes[ev]
        progress(done, total, f"read {ev.name}")
    order = {ev.display: i for i, ev in enumerate(files)}
    infos.sort(key=lambda i: order[i.path])
    table = pa.Table.from_batches(all_batches, schema=BASE_SCHEMA)
    if table.num_rows > 1 and not _is_sorted(table.column("ts")):
        table = table.sort_by([("ts", "ascending")])
    return LoadResult(table, infos)
