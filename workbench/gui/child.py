"""Run a core function in a child process, for work big enough to starve the UI thread.

The loaders and the checks spend long stretches in C code that holds Python's global lock (JSON decoding,
building pandas frames); on a worker *thread* that freezes the event loop for seconds on millions of events.
In a child process it cannot. :func:`call_in_child` has the signature :class:`~workbench.gui.tasks.Task`
expects (``progress``, ``cancel``): progress comes back through a queue, cancelling ends the child, and the
result (an :class:`~workbench.analysis.Analysis`, which pickles) or the one-line error comes back the same way;
the event table itself is handed over as an Arrow file in a temporary folder (never near the evidence), which
the parent reads with the lock released, so even the hand-over of millions of events does not stall the UI.

No logic lives here: the child runs exactly the core function the CLI runs.
"""

from __future__ import annotations

import copy
import multiprocessing as mp
import os
import queue
import tempfile
from typing import Any, Callable

import pyarrow as pa

from ..errors import Cancelled, WorkbenchError
from ..progress import CancelToken, Progress

_POLL = 0.05  # seconds between two looks at the queue and the cancel token


class ChildFailed(WorkbenchError):
    """The core function failed in the child; the message is its one-line reason."""


def _child(fn: Callable[..., Any], args: tuple, kwargs: dict, out: Any, spill: str) -> None:
    def progress(done: int, total: int, message: str) -> None:
        out.put(("progress", (done, total, message)))

    try:
        result = fn(*args, progress=progress, **kwargs)
        table = getattr(result, "table", None)
        if isinstance(table, pa.Table):  # the event table goes by Arrow file: read back without the GIL held
            progress(0, 1, "handing the events over")
            with pa.OSFile(spill, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            result = copy.copy(result)
            result.table = None
    except WorkbenchError as exc:
        out.put(("failed", str(exc)))
    except Exception as exc:  # noqa: BLE001  (a bug in the core: one line back, like a thread task)
        out.put(("failed", f"{type(exc).__name__}: {exc}"))
    else:
        out.put(("done", (result, isinstance(table, pa.Table))))


def call_in_child(fn: Callable[..., Any], *args: Any, progress: Progress, cancel: CancelToken,
                  **kwargs: Any) -> Any:
    """``fn(*args, progress=..., **kwargs)`` in a fresh process (``fn`` must be importable by name)."""
    ctx = mp.get_context("spawn")  # no fork of a process running Qt threads
    out = ctx.Queue()
    spill_dir = tempfile.TemporaryDirectory(prefix="workbench-handover-")
    spill = os.path.join(spill_dir.name, "events.arrow")
    child = ctx.Process(target=_child, args=(fn, args, kwargs, out, spill), daemon=True,
                        name=f"workbench-{fn.__name__}")
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
                result, spilled = value
                if spilled:
                    with pa.OSFile(spill, "rb") as source:
                        result.table = pa.ipc.open_file(source).read_all()
                return result
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        out.close()
        spill_dir.cleanup()
