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
