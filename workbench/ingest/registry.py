"""The parser registry: each log source declares an id, a content sniffer and a priority."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pyarrow as pa

from ..errors import Unreadable
from ..events import EventBatch

MAX_LINE = 16 << 20  # bytes of one line (one record) read; a longer line is counted bad and skipped
MAX_WHOLE = 512 << 20  # bytes of one JSON document read whole; a larger one is refused (JSON Lines stream)
_CHUNK = 1 << 20


@dataclass
class ParseContext:
    """What a parser gets: the file, a way to read it (decompressed), and the run's options."""

    path: Path  # the file on disk (for an archive member: the archive; use open_binary)
    display_path: str
    open_binary: Callable[[], Any]  # returns a binary file object, already decompressed
    year: int | None = None  # for formats without a year (BSD syslog)
    year_hint: int | None = None  # the year the other inputs point at, when no --year was given
    errors: list[str] = field(default_factory=list)  # per-record problems; the file still loads
    notes: list[str] = field(default_factory=list)  # facts the analyst should know (assumptions made)
    bad_records: int = 0
    member: str | None = None  # set when the input is a member of a zip archive
    on_bytes: Callable[[int], None] = lambda done: None  # progress within the file (bytes of content read)

    @property
    def is_plain_file(self) -> bool:
        """True when ``path`` itself is the input (not an archive holding it, not gzip-compressed, not
        UTF-16 text read as UTF-8)."""
        if self.member is not None:
            return False
        with open(self.path, "rb") as fh:
            return fh.read(2) not in (b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff")  # gzip, UTF-16: not as-is

    def lines(self, fh: Any) -> Iterator[tuple[int, bytes]]:
        """(line number, line) of a binary stream in bounded memory: a line longer than ``MAX_LINE`` bytes
        (a sparse file's holes, a line without end) is counted bad and skipped, never held whole."""
        lineno = 0
        while line := fh.readline(MAX_LINE + 1):
            lineno += 1
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                size = len(line)
                while line and not line.endswith(b"\n"):
                    line = fh.readline(_CHUNK)
                    size += len(line)
                self.record_error(f"line {lineno}", f"a line of {size:,} bytes, longer than the "
                                                    f"{MAX_LINE >> 20} MB a record may be: skipped")
                continue
            yield lineno, line

    def capped(self, fh: Any, limit: int = 4 * MAX_LINE) -> Any:
        """``fh`` with every line cut at ``limit`` bytes (the rest of that line dropped, its newline kept, the
        line counted bad), for readers that hold a line whole (csv, TextIOWrapper): memory stays bounded."""
        return io.BufferedReader(_Capped(fh, limit, self))

    def read_whole(self, fh: Any, start: bytes = b"") -> bytes:
        """The rest of ``fh`` after ``start``, refused past ``MAX_WHOLE`` bytes (one JSON document is parsed
        whole: a 4 GB sparse file or a bomb must not become a 4 GB string)."""
        parts, size = [start], len(start)
        while block := fh.read(_CHUNK):
            size += len(block)
            if size > MAX_WHOLE:
                raise Unreadable(f"one document of more than {MAX_WHOLE >> 20} MB, too large to read whole "
                                 "(export it as JSON Lines, or split it)")
            parts.append(block)
        return b"".join(parts)

    def record_error(self, where: str, reason: str, limit: int = 20) -> None:
        """Note a bad record; only the first ``limit`` are spelled out, all are counted."""
        self.bad_records += 1
        if len(self.errors) < limit:
            self.errors.append(f"{where}: {reason}")


class _Capped(io.RawIOBase):
    def __init__(self, fh: Any, limit: int, ctx: ParseContext) -> None:
        super().__init__()
        self._fh, self._limit, self._ctx = fh, limit, ctx
        self._run = 0  # bytes of the current line passed on
        self._lineno = 1
        self._cut = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            block = self._fh.read(min(len(buffer), _CHUNK))
            if not block:
                return 0
            out = bytearray()
            for i, part in enumerate(block.split(b"\n")):
                if i:  # a newline ended the line before this part
                    out += b"\n"
                    self._run, self._cut, self._lineno = 0, False, self._lineno + 1
                room = max(self._limit - self._run, 0)
                out += part[:room]
                self._run += len(part)
                if len(part) > room and not self._cut:
                    self._cut = True
                    self._ctx.record_error(f"line {self._lineno}", f"longer than {self._limit >> 20} MB: cut there")
            if out:
                buffer[:len(out)] = out
                return len(out)

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


Sniffer = Callable[[bytes], bool]
ParseFn = Callable[[ParseContext], Iterator["EventBatch | pa.RecordBatch"]]


@dataclass(frozen=True)
class Parser:
    id: str
    title: str
    sniff: Sniffer
    parse: ParseFn
    priority: int = 50  # higher is tried first
    needs_year: bool = False  # timestamps lack a year: parse after the inputs that have one
    source: str = ""  # the id its events carry in the source column (workbench.sources)


PARSERS: dict[str, Parser] = {}


def register(id: str, title: str, sniff: Sniffer, priority: int = 50, needs_year: bool = False,
             source: str | None = None):
    """Decorator: register ``parse`` as parser ``id``, whose events carry ``source`` (default: ``id``) in the
    source column, a source declared in :mod:`workbench.sources`."""

    def wrap(parse: ParseFn) -> ParseFn:
        if id in PARSERS:
            raise ValueError(f"parser {id!r} registered twice")
        PARSERS[id] = Parser(id, title, sniff, parse, priority, needs_year, source or id)
        return parse

    return wrap


def sniff(head: bytes) -> Parser | None:
    """The highest-priority parser that recognises ``head`` (the first bytes, decompressed)."""
    for parser in sorted(PARSERS.values(), key=lambda p: -p.priority):
        if parser.sniff(head):
            return parser
    return None


BATCH_SIZE = 50_000  # records per Arrow batch


def emit(batch: EventBatch, *, last: bool = False) -> Iterator[EventBatch]:
    """How every parser hands its events on: what ``batch`` holds, as a batch of its own, once it holds
    :data:`BATCH_SIZE` events (``last``: any at all, at the end of a file), and ``batch`` empty to go on
    filling. A parser adds each event to one ``batch``, ``yield from emit(batch)`` after each record and
    ``yield from emit(batch, last=True)`` once at the end."""
    if len(batch) >= (1 if last else BATCH_SIZE):
        full = EventBatch(batch.source, batch.file, batch.columns)
        batch.columns = {name: [] for name in batch.columns}
        yield full
