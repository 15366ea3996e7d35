"""The one way the GUI runs long work: a core function on the global QThreadPool, results by signals.

The function runs off the UI thread and never touches a widget: it is called as
``fn(*args, progress=..., cancel=..., **kwargs)`` with a plain progress callable and a
:class:`~workbench.progress.CancelToken`, exactly as the CLI calls it. What it returns, raises or
reports reaches the UI thread through :class:`Task`'s signals (queued connections).
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any, Callable

from ..errors import Cancelled, WorkbenchError
from ..progress import CancelToken
from .qt import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

_INT_MAX = 2**31 - 1
_PROGRESS_INTERVAL = 0.05  # seconds between two progress signals with the same message


class Task(QObject):
    """One run of a core function. Create it on the UI thread, connect its signals, then :meth:`start`."""

    progressed = Signal(int, int, str)  # done, total, message
    finished = Signal(object)  # what the function returned
    failed = Signal(str)  # one line: why it did not finish
    cancelled = Signal()
    ended = Signal()  # after finished, failed or cancelled

    _running: set["Task"] = set()  # keeps each task (and its signals) alive until it has ended

    def __init__(self, fn: Callable[..., Any], *args: Any, name: str = "", **kwargs: Any) -> None:
        super().__init__()
        self.name = name or getattr(fn, "__name__", "task")
        self.token = CancelToken()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._last_emit = 0.0
        self._last_message: str | None = None
        self.running = False
        self.ended.connect(self._on_self_ended)  # first, so later receivers of ended see running == False

    def start(self, pool: QThreadPool | None = None) -> "Task":
        self.running = True
        Task._running.add(self)
        (pool or QThreadPool.globalInstance()).start(_Runner(self))
        return self

    def cancel(self) -> None:
        """Ask the function to stop at its next check; :attr:`cancelled` follows."""
        self.token.cancel()

    # -- off the UI thread ------------------------------------------------------------------

    def _progress(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if message == self._last_message and now - self._last_emit < _PROGRESS_INTERVAL and done < total:
            return
        self._last_emit, self._last_message = now, message
        if total > _INT_MAX:  # byte counts of big inputs: scale into a Qt int
            done, total = int(done * 1_000_000 / total), 1_000_000
        self.progressed.emit(max(0, done), max(0, total), message)

    def _run(self) -> None:
        try:
            result = self._fn(*self._args, progress=self._progress, cancel=self.token, **self._kwargs)
        except Cancelled:
            self.cancelled.emit()
        except WorkbenchError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug in the core: report it as one line, keep the trace in the log
            log.error("%s failed:\n%s", self.name, traceback.format_exc())
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            if self.token.cancelled:
                self.cancelled.emit()
            else:
                self.finished.emit(result)
        self.ended.emit()

    # -- on the UI thread -------------------------------------------------------------------

    def _on_self_ended(self) -> None:
        self.running = False
        Task._running.discard(self)


class _Runner(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        self._task._run()



class Eta:
    """Time left for a task, from its progress reports: per phase (a new message or total starts one),
    the rate so far; nothing until a phase has run a second and done a little."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or (lambda: time.monotonic())
        self._phase: tuple[str, int] | None = None
        self._start = 0.0

    def update(self, done: int, total: int, message: str) -> float | None:
        """Seconds left in the current phase, or None when it cannot be told yet."""
        now = self._clock()
        phase = (message, total)
        if phase != self._phase:
            self._phase, self._start = phase, now
            return None
        elapsed = now - self._start
        if total <= 0 or done <= 0 or elapsed < 1.0 or done >= total:
            return None
        return elapsed * (total - done) / done

    @staticmethod
    def text(seconds: float | None) -> str:
        if seconds is None:
            return ""
        if seconds < 60:
            return f"about {max(1, round(seconds))} s left"
        if seconds < 3600:
            return f"about {round(seconds / 60)} min left"
        return f"about {seconds / 3600:.1f} h left"
