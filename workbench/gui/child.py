"""Run a core function in a child process, for work big enough to starve the UI thread.

The loaders and the checks spend long stretches in C code that holds Python's global lock (JSON decoding,
building pandas frames); on a worker *thread* that freezes the event loop for seconds on millions of events.
In a child process it cannot. :func:`call_in_child` has the signature :class:`~workbench.gui.tasks.Task`
expects (``progress``, ``cancel``): progress comes back through a queue, cancelling ends the child, and the
result (an :class:`~workbench.pipeline.Analysis`, which pickles) or the one-line error comes back the same way.

No logic lives here: the child runs exactly the core function the CLI runs.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from typing import Any, Callable

from ..errors import Cancelled, WorkbenchError
from ..progress import CancelToken, Progress

_POLL = 0.05  # seconds between two looks at the queue and the cancel token


class ChildFailed(WorkbenchError):
    """The core function failed in the child; the message is its one-line reason."""


def _child(fn: Callable[..., Any], args: tuple, kwargs: dict, out: Any) -> None:
    def progress(done: int, total: int, message: str) -> None:
        out.put(("progress", (done, total, message)))

    try:
        result = fn(*args, progress=progress, **kwargs)
    except WorkbenchError as exc:
        out.put(("failed", str(exc)))
    except Exception as exc:  # noqa: BLE001  (a bug in the core: one line back, like a thread task)
        out.put(("failed", f"{type(exc).__name__}: {exc}"))
    else:
        out.put(("done", result))


def call_in_child(fn: Callable[..., Any], *args: Any, progress: Progress, cancel: CancelToken,
                  **kwargs: Any) -> Any:
    """``fn(*args, progress=..., **kwargs)`` in a fresh process (``fn`` must be importable by name)."""
    ctx = mp.get_context("spawn")  # no fork of a process running Qt threads
    out = ctx.Queue()
    child = ctx.Process(target=_child, args=(fn, args, kwargs, out), daemon=True, name=f"workbench-{fn.__name__}")
    child.start()
    try:
        while True:
            if cancel.cancelled:
                raise Cancelled()
            try:
                kind, value = out.get(timeout=_POLL)
            except queue.Empty:
                if not child.is_alive() and out.empty():
                    raise ChildFailed(f"the analysis process ended unexpectedly (exit code {child.exitcode})") \
                        from None
                continue
            if kind == "progress":
                progress(*value)
            elif kind == "failed":
                raise ChildFailed(value)
            else:
                return value
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        out.close()
