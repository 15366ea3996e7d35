"""Errors that carry where they happened, so the analyst gets one line naming the file and the reason."""

from __future__ import annotations

import re
from pathlib import Path

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe to print on a terminal on one line: control characters (escape sequences, newlines,
    bidirectional overrides), which log fields and archive member names may carry, shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


class WorkbenchError(Exception):
    """Base of every error the workbench reports to the analyst."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message


class IngestError(WorkbenchError):
    """A file could not be read as any supported log format."""


class PlaybookError(WorkbenchError):
    """A playbook file is malformed."""


class ConfigError(WorkbenchError):
    """The check configuration is malformed."""


class ReportError(WorkbenchError):
    """The report could not be written."""


class Cancelled(Exception):
    """Raised by long work when the caller asked it to stop."""


class Unreadable(ValueError):
    """A file or record the workbench refuses, with a reason already in words (raised by our own readers)."""


def _json_position(exc: BaseException) -> str:
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    return f" at line {line}, column {col}" if isinstance(line, int) and isinstance(col, int) else ""


def words(exc: BaseException) -> str:
    """Why reading failed, in words for the analyst: never a class name or a library's raw message (which
    may also carry attacker-chosen text). Our own refusals (:class:`Unreadable`, :class:`WorkbenchError`,
    an ``OSError`` with a reason) keep their text."""
    import csv
    import json
    import struct
    import zipfile
    import zlib
    from xml.etree.ElementTree import ParseError

    text = str(exc)
    if isinstance(exc, (Unreadable, WorkbenchError)):
        return printable(text)
    if isinstance(exc, RecursionError) or "depth limit" in text or "recursion limit" in text.lower():
        return "nested more deeply than the workbench reads"
    if isinstance(exc, MemoryError):
        return "too large to hold in memory"
    if isinstance(exc, zipfile.BadZipFile):
        return "a damaged zip archive"
    if isinstance(exc, NotImplementedError):
        return "compressed with a method the workbench cannot read"
    if isinstance(exc, EOFError):
        return "the compressed data is cut short (it ends before its end marker)"
    if isinstance(exc, zlib.error) or type(exc).__name__ in ("BadGzipFile", "LZMAError"):
        return "the compressed data is damaged"
    if isinstance(exc, OSError):
        if exc.strerror:
            return printable(exc.strerror)
        return "the compressed data is damaged or cut short" if "compressed" in text.lower() else "a read error"
    if isinstance(exc, UnicodeError):
        return "not valid text in its encoding"
    if isinstance(exc, ParseError):
        line = getattr(exc, "position", (None,))[0]
        return "malformed XML" + (f" at line {line}" if line else "")
    if isinstance(exc, json.JSONDecodeError) or type(exc).__name__ == "JSONDecodeError":
        if "inf" in text.lower() or "nan" in text.lower():
            return "invalid JSON (a number JSON does not allow, such as infinity)" + _json_position(exc)
        return "invalid JSON" + _json_position(exc)
    if type(exc).__name__ == "DecodeError":  # msgspec
        return "invalid JSON"
    if type(exc).__name__ == "ValidationError":  # msgspec: a field of an unexpected type
        return "a field of an unexpected type"
    if isinstance(exc, csv.Error):
        return "a malformed CSV row"
    if isinstance(exc, struct.error) or "shorter than" in text or "bytes" in text and "short" in text:
        return "damaged binary data"
    if isinstance(exc, OverflowError):
        return "a number or time out of range"
    if isinstance(exc, (KeyError, IndexError, TypeError, AttributeError)):
        return "a record of an unexpected shape"
    if isinstance(exc, ValueError):
        low = text.lower()
        if any(k in low for k in ("isoformat", "time data", "date", "month", "day is out", "hour", "year",
                                  "unconverted data", "does not match format", "timestamp")):
            return "not a valid date and time"
        if "invalid literal" in low or "could not convert" in low:
            return "not a valid number"
        return "a value the workbench cannot read"
    return "an unexpected problem while reading (reported as a defect of the workbench)"
