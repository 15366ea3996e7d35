"""Big inputs are analyzed in a child process: the result, progress and errors come back, cancelling ends the
child, and the window takes that path from the threshold on."""

import time

import pytest

from workbench.errors import Cancelled
from workbench.gui import main_window
from workbench.gui.window import loading
from workbench.gui.child import ChildFailed, call_in_child
from workbench.paths import demo_dir
from workbench.pipeline import analyze
from workbench.progress import CancelToken


def test_the_child_returns_the_same_analysis_with_progress():
    seen = []
    result = call_in_child(analyze, [str(demo_dir())], progress=lambda d, t, m: seen.append(m),
                           cancel=CancelToken(), geoip_dbs=[])
    local = analyze([str(demo_dir())], geoip_dbs=[])
    assert [f.id for f in result.findings] == [f.id for f in local.findings]
    assert result.table.equals(local.table)
    assert any(m.startswith("reading") for m in seen) and "running checks" in seen


def test_an_error_in_the_child_is_one_line(tmp_path):
    with pytest.raises(ChildFailed, match=r"no-such-config.yaml: cannot read") as err:
        call_in_child(analyze, [str(tmp_path / "missing")], progress=lambda *a: None, cancel=CancelToken(),
                      config_files=[tmp_path / "no-such-config.yaml"])
    assert "\n" not in str(err.value)


def test_cancelling_ends_the_child():
    token = CancelToken()
    start = time.monotonic()

    def progress(done, total, message):
        token.cancel()  # at the first report

    with pytest.raises(Cancelled):
        call_in_child(analyze, [str(demo_dir())], progress=progress, cancel=token)
    assert time.monotonic() - start < 60


def test_the_window_analyzes_big_inputs_in_a_child(qtbot, monkeypatch):
    monkeypatch.setattr(loading, "CHILD_PROCESS_BYTES", 1)  # the demo case counts as big
    window = main_window.MainWindow()
    qtbot.addWidget(window)
    task = window.open_paths([demo_dir()])
    assert task._fn is call_in_child
    with qtbot.waitSignal(task.ended, timeout=120_000):
        pass
    assert window.analysis is not None and window.analysis.findings
