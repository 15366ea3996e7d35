"""Progress and cancellation for long work, with no knowledge of any GUI toolkit.

Core functions take ``progress`` (a callable ``(done, total, message)``) and ``cancel``
(a :class:`CancelToken` or ``None``); the GUI adapts them to signals, the CLI to stderr.
"""

from __future__ import annotations

import threading
from typing import Callable

from .errors import Cancelled

Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, message: str) -> None:
    """The progress callback used when the caller does not want one."""


class CancelToken:
    """A thread-safe flag the caller sets and the worker polls with :meth:`check`."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def check(cancel: CancelToken | None) -> None:
    """Raise :class:`Cancelled` if ``cancel`` was set; ``None`` never cancels."""
    if cancel is not None:
        cancel.check()
