"""Errors that carry where they happened, so the analyst gets one line naming the file and the reason."""

from __future__ import annotations

from pathlib import Path


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
