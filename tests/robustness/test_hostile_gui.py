"""The desktop app loads a folder of hostile evidence as the CLI does: the load task ends with an analysis
(the good file in full, each hostile input with its line), never "Loading failed"."""

from workbench.gui import main_window

from .hostile import GOOD, GOOD_EVENTS, light, write

PICKED = ("time/rfc3339-extreme", "json/deep-record", "zip/deflate64", "fs/fifo", "gzip/bomb-small",
          "zip/duplicate-names", "name/not-utf8")


def test_the_app_loads_hostile_evidence_beside_a_good_file(qtbot, tmp_path):
    folder = tmp_path / "evidence"
    for case in (c for c in light() if c.id in PICKED):
        write(case, folder / case.id.replace("/", "-"))
    window = main_window.MainWindow()
    qtbot.addWidget(window)
    failed = []
    window.failed.connect(failed.append)
    task = window.open_paths([folder])
    with qtbot.waitSignal(task.ended, timeout=120_000):
        pass
    assert failed == [] and window.analysis is not None
    goods = [i for i in window.analysis.inputs if i.path.endswith("/" + GOOD)]
    assert len(goods) == len(PICKED) and all(i.events == GOOD_EVENTS and not i.errors for i in goods)
    assert any("Deflate64" in e for i in window.analysis.inputs for e in i.errors)
