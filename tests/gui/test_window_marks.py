"""Tags, stars and comments in the window: kept in the case as they are made (a second window on the same case,
opened while the first never closed it, sees them), shown in the grid and the findings table, and queried."""

from __future__ import annotations

import shutil

import numpy as np

from workbench.gui.models.events import COLUMNS
from workbench.gui.models.findings import KEYS
from workbench.paths import demo_dir


def _col(name: str) -> int:
    return next(i for i, (_, n) in enumerate(COLUMNS) if n == name)


def test_marks_show_in_the_grid_filter_it_and_survive_a_reopen(qtbot, window, tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    shutil.copy(demo_dir() / "auth.log", evidence / "auth.log")
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.open_paths([evidence])
    assert not window.mark_events([0], tags=["exfil"])  # no case yet: nothing to keep the mark in
    assert "case" in window.statusBar().currentMessage()
    window.new_case(tmp_path / "case")
    qtbot.waitUntil(lambda: window.case is not None, timeout=30_000)

    model = window.events_model
    assert window.mark_events([3, 5], tags=["exfil", "ssh"], comment="copied out")
    assert window.mark_events([5], starred=True)
    view_row = int(np.flatnonzero(model.rows == 5)[0])
    assert model.index(view_row, _col("starred")).data() == "★"
    assert model.index(view_row, _col("tags")).data() == "exfil, ssh"
    assert model.index(view_row, _col("comment")).data() == "copied out"

    assert window.events_pane.apply_query("tag:exfil")
    assert sorted(model.rows.tolist()) == [3, 5]
    assert window.events_pane.apply_query("starred:yes")
    assert model.rows.tolist() == [5]
    window.mark_events([3], starred=True)  # the filter follows the new mark at once
    assert sorted(model.rows.tolist()) == [3, 5]

    finding = window.analysis.findings[0]
    assert window.mark_finding(finding.id, tags=["initial access"], starred=True)
    row = window.findings_model.row_of(lambda f: f.id == finding.id)
    assert window.findings_model.index(row, KEYS.index("starred")).data() == "★"
    assert window.findings_model.index(row, KEYS.index("tags")).data() == "initial access"

    # a second window opens the case while the first still holds it (as after a crash: nothing was closed)
    from workbench.gui.main_window import MainWindow

    second = MainWindow()
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.loaded, timeout=60_000):
        second.open_case_folder(tmp_path / "case")
    assert second.events_pane.apply_query("tag:ssh")
    assert sorted(second.events_model.rows.tolist()) == [3, 5]
    row = second.findings_model.row_of(lambda f: f.id == finding.id)
    assert second.findings_model.index(row, KEYS.index("tags")).data() == "initial access"
    second.close()


def test_exported_findings_carry_their_marks(qtbot, window, tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    shutil.copy(demo_dir() / "auth.log", evidence / "auth.log")
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.open_paths([evidence])
    window.new_case(tmp_path / "case")
    qtbot.waitUntil(lambda: window.case is not None, timeout=30_000)
    finding = window.analysis.findings[0]
    window.mark_finding(finding.id, tags=["c2"], comment="=HYPERLINK(1)")
    out = window.export_findings(tmp_path / "findings.csv")
    text = out.read_text(encoding="utf-8")
    assert "c2" in text and "'=HYPERLINK(1)" in text
    out = window.export_findings(tmp_path / "findings.jsonl", fmt="jsonl")
    assert '"tag":["c2"]' in out.read_text(encoding="utf-8")


def test_the_demo_opens_in_its_own_case_in_the_data_folder(qtbot, window, monkeypatch, tmp_path):
    from workbench.paths import demo_dir

    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    with qtbot.waitSignal(window.loaded, timeout=120_000):
        window.open_demo()
    assert window.case is not None and window.case.folder == tmp_path / "data" / "demo-case"
    assert not any(p.name == "case.sqlite" for p in demo_dir().rglob("*"))  # nothing written beside the evidence
    assert window.mark_events([0], tags=["demo"])  # triage works at once
    assert window.triage_pane.case is window.case
    window.set_case(None)

    with qtbot.waitSignal(window.loaded, timeout=120_000):  # the second time the case is reopened, not rebuilt
        window.open_demo()
    assert "analysis restored" in window.statusBar().currentMessage()
    assert window.events_pane.apply_query("tag:demo") and window.events_model.rowCount() == 1
