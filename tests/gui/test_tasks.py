"""The one helper that runs long work off the UI thread."""

from __future__ import annotations

import threading
import time

from workbench.errors import WorkbenchError
from workbench.gui.tasks import Task


def test_result_and_progress_arrive_on_the_ui_thread(qtbot):
    seen_threads = []

    def work(n, *, progress, cancel):
        seen_threads.append(threading.current_thread())
        for i in range(n):
            progress(i + 1, n, f"step {i}")
        return n * 2

    task = Task(work, 3)
    progress = []
    task.progressed.connect(lambda d, t, m: progress.append((d, t, m)))
    with qtbot.waitSignal(task.finished, timeout=10_000) as blocker:
        task.start()
    assert blocker.args == [6]
    assert seen_threads and seen_threads[0] is not threading.main_thread()
    qtbot.waitUntil(lambda: not task.running)
    assert progress[-1] == (3, 3, "step 2")


def test_failure_is_one_line(qtbot):
    def work(*, progress, cancel):
        raise WorkbenchError("cannot read", "/x/y.json", 3)

    task = Task(work)
    with qtbot.waitSignal(task.failed, timeout=10_000) as blocker:
        task.start()
    assert blocker.args == ["/x/y.json:3: cannot read"]


def test_cancel(qtbot):
    def work(*, progress, cancel):
        while True:
            cancel.check()
            time.sleep(0.01)

    task = Task(work)
    with qtbot.waitSignal(task.cancelled, timeout=10_000):
        task.start()
        task.cancel()
    qtbot.waitUntil(lambda: not task.running)


def test_huge_totals_fit_a_qt_int(qtbot):
    def work(*, progress, cancel):
        progress(3 * 2**31, 4 * 2**31, "big")
        return None

    task = Task(work)
    with qtbot.waitSignal(task.progressed, timeout=10_000) as blocker:
        task.start()
    assert blocker.args == [750_000, 1_000_000, "big"]
    qtbot.waitUntil(lambda: not task.running)
