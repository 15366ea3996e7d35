"""The events pane in the main window: query bar, column filters, quick search, sort, pivots, timeline brush,
copy, column chooser and exports, driven as the analyst would on the demo case."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import numpy as np
import pyarrow.compute as pc
import pytest
from PySide6.QtCore import QPoint

from workbench.gui.models.events import COLUMNS
from workbench.gui.qt import QGuiApplication, Qt

TIMEOUT = 120_000


def col(name: str) -> int:
    return [c for _, c in COLUMNS].index(name)


@pytest.fixture(scope="module")
def analysis(case_dir):
    from workbench.pipeline import analyze

    return analyze([case_dir])


@pytest.fixture
def shown(window, analysis, case_dir):
    window.set_analysis(analysis, [str(case_dir)])  # opened as a folder: nothing may be written inside it
    return window


def column_values(window, name: str) -> list:
    """The values of a column for every row in view, read from the table (not the model's cache)."""
    table = window.events_model.table
    return table.column(name).take(window.events_model.rows.copy()).to_pylist()


def test_import_then_query_bar(window, qtbot, case_dir):
    with qtbot.waitSignal(window.loaded, timeout=TIMEOUT) as blocker:
        window.open_paths([case_dir])
    table = blocker.args[0].table
    pane = window.events_pane
    assert window.events_model.rowCount() == table.num_rows
    assert pane.timeline.hist is not None and pane.timeline.hist.totals.sum() == table.num_rows
    assert len(pane.timeline.marks) == len(blocker.args[0].findings)

    qtbot.keyClicks(pane.query_edit, "action:auth.failure -country:US")
    qtbot.keyClick(pane.query_edit, Qt.Key.Key_Return)
    failures = pc.and_(pc.equal(table.column("action"), "auth.failure"),
                       pc.invert(pc.fill_null(pc.equal(table.column("country"), "US"), False)))
    assert window.events_model.rowCount() == pc.sum(failures).as_py() > 0
    assert set(column_values(window, "action")) == {"auth.failure"}
    assert "US" not in column_values(window, "country")
    assert "query action:auth.failure -country:US" in window.events_caption.caption()
    assert window.show_all_action.isEnabled()

    shown_before = window.events_model.rowCount()
    assert not pane.apply_query("usr:root")  # a typo: said, and the view stays as it was
    assert pane.error_label.isVisible() and "unknown field 'usr'" in pane.error_label.text()
    assert window.events_model.rowCount() == shown_before

    window.events_view.setCurrentIndex(window.events_model.index(0, 0))
    assert window.detail_pane.toPlainText().strip()
    assert pane.apply_query("user:nobody-at-all")
    assert window.events_model.rowCount() == 0
    assert not window.detail_pane.toPlainText().strip()  # no stale record beside an empty grid

    pane.query_edit.clear()  # the clear button: everything again
    assert window.events_model.rowCount() == table.num_rows
    assert not pane.error_label.isVisible()


def test_column_filters_and_quick_search(shown, qtbot, analysis):
    pane, model, table = shown.events_pane, shown.events_model, analysis.table
    editor = pane.header.editor(col("user"))
    assert editor.isVisible() and editor.geometry().top() >= pane.header.viewport().geometry().bottom()
    qtbot.keyClicks(editor, "ROO")
    users = [u or "" for u in table.column("user").to_pylist()]
    want = sum("roo" in u.lower() for u in users)
    qtbot.waitUntil(lambda: model.rowCount() == want, timeout=5000)
    assert all("roo" in u.lower() for u in column_values(shown, "user"))

    qtbot.keyClicks(pane.search_edit, "194.84.83")
    qtbot.waitUntil(lambda: model.rowCount() < want, timeout=5000)
    assert model.rowCount() > 0
    assert all(ip == "194.84.83.234" for ip in column_values(shown, "src_ip"))
    assert "search “194.84.83”" in pane.describe() and "User ∋ “ROO”" in pane.describe()

    pane.clear_button.click()
    assert model.rowCount() == table.num_rows and editor.text() == "" and pane.search_edit.text() == ""


def test_sort_by_any_column(shown, analysis):
    view, model = shown.events_view, shown.events_model
    view.sortByColumn(col("user"), Qt.SortOrder.AscendingOrder)
    users = column_values(shown, "user")
    named = [u for u in users if u is not None]
    assert named == sorted(named, key=str.casefold)
    assert users[len(named):] == [None] * (len(users) - len(named))  # nulls last
    assert model.index(0, col("user")).data() == named[0]
    view.sortByColumn(col("ts"), Qt.SortOrder.DescendingOrder)
    ts = column_values(shown, "ts")
    assert ts == sorted(ts, reverse=True)
    shown.events_pane.apply_query("user:root")  # a new filter keeps the chosen order
    ts = column_values(shown, "ts")
    assert ts == sorted(ts, reverse=True) and set(column_values(shown, "user")) == {"root"}
    assert view.horizontalHeader().sortIndicatorSection() == col("ts")


def test_pivots_from_a_finding(shown, qtbot, analysis):
    pane, model = shown.events_pane, shown.events_model
    row = shown.findings_model.row_of(lambda f: f.check == "brute_force_success")
    shown.select_finding(row)
    finding = analysis.findings[row]
    assert model.rowCount() == len(finding.evidence) and pane.scoped
    user = model.value(0, "user")
    texts = [a.text() for a in pane.view_menu(0, col("user")).actions()]
    assert any(t.startswith("Only this user") for t in texts)
    assert "±15 minutes around this event" in texts and any(t.startswith("All events of account") for t in texts)

    with qtbot.waitSignal(pane.pivoted):
        assert pane.pivot("user", 0)
    assert not pane.scoped and not shown.findings_view.currentIndex().isValid()
    users = analysis.table.column("user").to_pylist()
    assert model.rowCount() == users.count(user) > len(finding.evidence)
    assert pane.query_edit.text() == f"user:{user}"

    ts = model.value(0, "ts")
    assert pane.pivot("around", 0)
    times = column_values(shown, "ts")
    all_times = analysis.table.column("ts").to_pylist()
    assert len(times) == sum(ts - timedelta(minutes=15) <= t <= ts + timedelta(minutes=15) for t in all_times)
    assert min(times) >= ts - timedelta(minutes=15) and max(times) <= ts + timedelta(minutes=15)

    assert pane.pivot("account", 0)
    account = model.value(0, "user") or model.value(0, "target_user")
    targets = analysis.table.column("target_user").to_pylist()
    assert model.rowCount() == sum(u == account or t == account for u, t in zip(users, targets))

    before = model.rowCount()
    assert pane.exclude("src_ip", 0)  # "Exclude Source IP: ..." from the menu
    assert 0 < model.rowCount() < before or model.rowCount() == 0


def test_timeline_brush_filters_the_grid(shown, qtbot, analysis):
    pane, model, tl = shown.events_pane, shown.events_model, shown.events_pane.timeline
    hist = tl.hist
    busiest = int(np.argmax(hist.totals))
    with qtbot.waitSignal(tl.brushed):
        tl.brush(busiest, busiest + 1)
    assert model.rowCount() == int(hist.totals[busiest:busiest + 2].sum())
    times = column_values(shown, "ts")
    assert min(times) >= hist.bin_start(busiest) and max(times) < hist.bin_start(busiest + 2)
    assert tl.overlay is not None and tl.overlay.sum() == model.rowCount()

    # with the mouse: drag across the left half, then click to show all times again
    qtbot.mouseDClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(20, 50))  # out of the zoom first
    assert not tl.zoomed and tl.hist == hist and model.rowCount() == analysis.events_total
    tl.resize(800, 90)
    y = 50
    wanted = (hist.bin_start(tl.bin_at(10)), hist.bin_start(tl.bin_at(400) + 1))  # the bins under the mouse now
    qtbot.mousePress(tl, Qt.MouseButton.LeftButton, pos=QPoint(10, y))
    qtbot.mouseMove(tl, QPoint(400, y))
    with qtbot.waitSignal(tl.brushed) as blocker:
        qtbot.mouseRelease(tl, Qt.MouseButton.LeftButton, pos=QPoint(400, y))
    start, end = blocker.args
    assert (start, end) == wanted
    assert all(start <= t < end for t in column_values(shown, "ts"))
    with qtbot.waitSignal(tl.brushed) as blocker:
        qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(200, y))
    assert blocker.args == [None, None] and model.rowCount() == analysis.events_total


def test_a_brush_zooms_the_timeline_to_finer_bins_the_wheel_pans_a_double_click_resets(shown, qtbot, analysis):
    from workbench.gui.qt import QPointF, QWheelEvent

    pane, model, tl = shown.events_pane, shown.events_model, shown.events_pane.timeline
    full = tl.hist
    busiest = int(np.argmax(full.totals))
    tl.brush(busiest, busiest)  # one bin of the whole span
    zoomed = tl.hist
    assert tl.zoomed and zoomed.step < full.step and zoomed.bins > 1  # the bins fit the span shown
    assert int(zoomed.totals.sum()) == int(full.totals[busiest]) == model.rowCount()
    assert zoomed.start >= full.bin_start(busiest) and zoomed.end <= full.bin_start(busiest + 1)
    start_before = pane._zoom[0]
    wheel = QWheelEvent(QPointF(50, 40), QPointF(tl.mapToGlobal(QPoint(50, 40))), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    tl.wheelEvent(wheel)  # later in time
    assert pane._zoom[0] > start_before and tl.zoomed
    assert all(pane._zoom[0] <= t < pane._zoom[1] for t in column_values(shown, "ts"))
    qtbot.mouseDClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(30, 40))
    assert not tl.zoomed and tl.hist == full and model.rowCount() == analysis.events_total


def test_copy_rows_and_column_chooser(shown, qtbot):
    pane, view = shown.events_pane, shown.events_view
    pane.apply_query("user:root")
    view.selectRow(0)
    view.selectionModel().select(shown.events_model.index(2, 0),
                                 view.selectionModel().SelectionFlag.Select | view.selectionModel().SelectionFlag.Rows)
    text = pane.copy_selection()
    assert QGuiApplication.clipboard().text() == text
    lines = text.splitlines()
    assert lines[0].split("\t")[:5] == ["Time (UTC)", "★", "Tags", "Source", "Action"]
    assert len(lines) == 3 and all(line.split("\t")[col("user")] == "root" for line in lines[1:])

    city = col("city")
    assert pane.header.isSectionHidden(city)
    pane._fill_columns_menu()
    (act,) = [a for a in pane.columns_menu.actions() if a.text() == "City"]
    assert not act.isChecked()
    act.trigger()
    assert not pane.header.isSectionHidden(city) and pane.header.editor(city).isVisible()
    assert "City" in pane.copy_selection().splitlines()[0].split("\t")


def test_exports(shown, qtbot, tmp_path, case_dir, analysis):
    pane = shown.events_pane
    pane.apply_query("action:auth.failure")
    out = tmp_path / "view.csv"
    with qtbot.waitSignal(pane.exported, timeout=TIMEOUT) as blocker:
        assert pane.export_view(out, "csv") is not None
    assert blocker.args == [str(out)]
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == shown.events_model.rowCount()
    assert [r["ref"] for r in rows[:5]] == [shown.events_model.value(i, "ref") for i in range(5)]
    assert {r["action"] for r in rows} == {"auth.failure"}

    jl = tmp_path / "view.jsonl"
    with qtbot.waitSignal(pane.exported, timeout=TIMEOUT):
        pane.export_view(jl, "jsonl")
    lines = [json.loads(line) for line in jl.read_text().splitlines()]
    assert len(lines) == len(rows)
    assert all({"message", "datetime", "timestamp_desc"} <= set(line) for line in lines)

    assert pane.export_view(case_dir / "x.csv") is None  # never into the evidence
    assert not (case_dir / "x.csv").exists()

    fcsv = shown.export_findings(tmp_path / "findings.csv")
    with fcsv.open(newline="", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(analysis.findings)
    fjl = shown.export_findings(tmp_path / "findings.jsonl", fmt="jsonl")
    assert len(fjl.read_text().splitlines()) == len(analysis.findings)
    assert shown.export_findings(case_dir / "f.csv") is None
    assert shown.message_box is not None and "evidence" in shown.message_box.text()
    shown.message_box.close()
    texts = [a.text() for a in shown.export_data_menu.actions()]
    assert "Findings as CSV…" in texts and "Events in view as CSV…" in texts


def test_filter_boxes_follow_their_columns(shown, qtbot):
    pane = shown.events_pane
    header, view = pane.header, shown.events_view
    shown.resize(900, 700)
    qtbot.waitUntil(lambda: view.horizontalScrollBar().maximum() > 0, timeout=5000)
    user = col("user")
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().maximum())
    assert pane.header.editor(user).x() == header.sectionViewportPosition(user)
    header.resizeSection(user, 211)
    assert pane.header.editor(user).width() == 210
    header.moveSection(header.visualIndex(user), 0)  # dragged to the front: its box goes along
    view.horizontalScrollBar().setValue(0)
    assert pane.header.editor(user).x() == 0
    assert not pane.timeline.grab().isNull() and not pane.grab().isNull()


def test_grid_columns_are_remembered_with_the_layout(qtbot):
    from workbench.gui.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    pane = first.events_pane
    pane.set_column_shown(col("city"), True)
    pane.set_column_shown(col("ref"), False)
    pane.header.moveSection(pane.header.visualIndex(col("user")), 0)
    pane.header.resizeSection(col("host"), 222)
    first.close()

    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    header = second.events_pane.header
    assert not header.isSectionHidden(col("city")) and header.isSectionHidden(col("ref"))
    assert header.visualIndex(col("user")) == 0 and header.sectionSize(col("host")) == 222
    assert header.sortIndicatorSection() == col("ts")  # the rows' order is not part of the layout
    second.reset_layout()
    assert header.isSectionHidden(col("city")) and not header.isSectionHidden(col("ref"))
    assert header.visualIndex(col("ts")) == 0
    assert not second.events_pane.restore_header_state(b"garbage")  # a damaged setting: ignored
    assert second.events_pane.visible_columns()
    second.close()
