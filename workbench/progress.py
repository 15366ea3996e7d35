"""Progress and cancellation for long work, with no knowledge of any GUI toolkit.

Core functions take ``progress`` (a callable ``(done, total, message)``) and ``cancel``
(a :class:`CancelToken` or ``None``); the GUI adapts them to signals, the CLI to stderr.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

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


@contextmanager
def gc_paused() -> Iterator[None]:
    """Parsing and checks make millions of short-lived objects and no cycles: the cyclic GC only
    slows them down. Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
