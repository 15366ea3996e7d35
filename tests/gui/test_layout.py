"""The main window's remembered layout, progress with time left, the sources panel and the shortcuts."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.gui.qt import QAction, QKeySequence, QSplitter, Qt
from workbench.gui.settings import store
from workbench.gui.tasks import Eta
from workbench.pipeline import analyze


def _tall_screen() -> bool:
    from workbench.gui.qt import QGuiApplication
    from workbench.gui.window.layout import SHORT_SCREEN

    return QGuiApplication.primaryScreen().availableGeometry().height() >= SHORT_SCREEN


def _new_window(qtbot):
    from workbench.gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_layout_is_remembered_in_the_user_config_and_can_be_reset(qtbot, user_config):
    first = _new_window(qtbot)
    splitter = first.splitter
    default_sizes = splitter.sizes()
    splitter.setSizes([500, 500, 300])
    wanted = splitter.sizes()
    first.map_dock.hide()
    first.close()
    assert Path(store().fileName()).is_relative_to(user_config)
    assert store().value("layout/state") is not None

    second = _new_window(qtbot)
    assert second.splitter.sizes() == wanted and not second.map_dock.isVisible()
    names = {s.objectName() for s in second.findChildren(QSplitter)}
    assert len(names) == len(second.findChildren(QSplitter))  # each splitter has its own key
    second.reset_layout()
    assert second.map_dock.isVisible() == _tall_screen()  # the first start's: hidden on a short screen
    assert second.splitter.sizes() != wanted
    assert abs(sum(second.splitter.sizes()) - sum(default_sizes)) < 50
    second.close()


def test_a_layout_of_another_version_is_ignored(qtbot, user_config):
    qs = store()
    qs.setValue("layout/state", b"not a window state")
    qs.sync()
    win = _new_window(qtbot)
    assert win.map_dock.isVisible() == _tall_screen()  # the default arrangement, no crash
    win.close()


def test_eta_per_phase():
    now = [0.0]
    eta = Eta(lambda: now[0])
    assert eta.update(0, 100, "reading") is None  # a phase starts
    now[0] = 0.5
    assert eta.update(10, 100, "reading") is None  # under a second: too early to tell
    now[0] = 2.0
    assert eta.update(20, 100, "reading") == 8.0  # 20 done in 2 s: 80 more take 8 s
    assert Eta.text(8.0) == "about 8 s left" and Eta.text(150) == "about 2 min left" and Eta.text(None) == ""
    now[0] = 3.0
    assert eta.update(1, 50, "checks") is None  # a new phase starts its own clock
    now[0] = 5.0
    assert eta.update(25, 50, "checks") == 2.0


def test_progress_label_shows_time_left(window, monkeypatch):
    now = [100.0]
    monkeypatch.setattr("workbench.gui.tasks.time.monotonic", lambda: now[0])
    window._eta = Eta()
    window._on_task_progressed(0, 1000, "reading cloudtrail.json")
    now[0] = 104.0
    window._on_task_progressed(400, 1000, "reading cloudtrail.json")
    assert window.task_label.text() == "reading cloudtrail.json · about 6 s left"
    assert window.progress_bar.maximum() == 1000 and window.progress_bar.value() == 400


def test_sources_panel_has_time_range_and_digest(window, case_dir):
    analysis = analyze([case_dir])
    window.set_analysis(analysis)
    model = window.sources_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["File", "Format", "Events", "Errors", "First event", "Last event", "SHA-256"]
    for row, info in enumerate(analysis.inputs):
        assert model.index(row, 4).data().endswith(" UTC") and model.index(row, 4).data() <= model.index(row, 5).data()
        assert info.sha256.startswith(model.index(row, 6).data().rstrip("…"))
        assert model.index(row, 6).data(Qt.ItemDataRole.UserRole) == info.sha256
        assert info.sha256 in model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_main_actions_have_distinct_shortcuts(window):
    wanted = {
        window.open_files_action: QKeySequence("Ctrl+O"),
        window.open_folder_action: QKeySequence("Ctrl+Shift+O"),
        window.export_action: QKeySequence("Ctrl+E"),
        window.reload_action: QKeySequence("F5"),
        window.settings_action: QKeySequence("Ctrl+,"),
        window.map_action: QKeySequence("Ctrl+M"),
        window.show_all_action: QKeySequence("Ctrl+Shift+A"),
        window.quit_action: QKeySequence("Ctrl+Q"),
    }
    for act, keys in wanted.items():
        assert act.shortcut() == keys and not act.shortcut().isEmpty(), act.text()
    every = [a.shortcut().toString() for a in window.findChildren(QAction) if not a.shortcut().isEmpty()]
    assert len(every) == len(set(every)), sorted(every)


def test_f8_walks_the_findings_and_ctrl_digits_move_the_focus(window, qtbot, case_dir):
    window.set_analysis(analyze([case_dir]))
    window.next_finding_action.trigger()
    assert window.findings_view.currentIndex().row() == 0
    window.next_finding_action.trigger()
    assert window.findings_view.currentIndex().row() == 1
    window.previous_finding_action.trigger()
    window.previous_finding_action.trigger()  # stays on the first
    assert window.findings_view.currentIndex().row() == 0
    finding = window.findings_model.finding(0)
    assert window.events_model.rowCount() == len(window.analysis.evidence_rows(finding))
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.events_view.hasFocus())
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findings_view.hasFocus())


def test_f1_lists_every_shortcut_as_plain_text(window, qtbot):
    box = window.show_shortcuts()
    qtbot.waitUntil(box.isVisible)
    text = box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText
    for keys, name in (("F5", "Reload"), ("Ctrl+M", "Login map"), ("F8", "Next finding"), ("Ctrl+,", "Settings")):
        assert any(line.startswith(keys) and line.endswith(name) for line in text.splitlines()), (keys, name)
    assert window.shortcuts_action.shortcut().toString() == "F1"
    box.close()


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent.*deprecated:DeprecationWarning")  # Qt's own ctor
def test_dropping_files_on_the_window_loads_them(window, qtbot, case_dir):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(case_dir / name)) for name in ("auth.log", "cloudtrail.json")])
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    remote = QMimeData()
    remote.setUrls([QUrl("https://example.invalid/logs.json")])
    refused = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, remote, Qt.MouseButton.LeftButton,
                              Qt.KeyboardModifier.NoModifier)
    refused.ignore()
    window.dragEnterEvent(refused)
    assert not refused.isAccepted()  # only local files: the app never fetches anything
    drop = QDropEvent(QPointF(window.rect().center()), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.loaded, timeout=120_000) as blocker:
        window.dropEvent(drop)
    assert {Path(i.path).name for i in blocker.args[0].inputs} == {"auth.log", "cloudtrail.json"}
    assert window.reload_action.isEnabled()


def test_the_grid_shows_twenty_rows_in_a_1366x768_window(qtbot, window, case_dir):
    """At 1366×768 the window opens at 95 % × 92 % of the screen with the bottom docks hidden and the original
    record on demand: the grid shows at least 20 events (the record shown takes some of them back)."""
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.open_paths([case_dir])
    for dock in (window.map_dock, *window.cross_source_docks):
        dock.hide()  # as _fit_docks_to_screen does on a screen under 900 pixels
    window.resize(int(1366 * 0.95), int(768 * 0.92))
    qtbot.wait(50)
    view = window.events_view

    def rows() -> int:
        return view.viewport().height() // view.verticalHeader().defaultSectionSize()

    assert window.detail_panel.isHidden() and rows() >= 20
    window.record_action.trigger()
    assert not window.detail_panel.isHidden() and window.record_button.isChecked()
    window.record_button.click()
    assert window.detail_panel.isHidden() and not window.record_action.isChecked()
    view.doubleClicked.emit(window.events_model.index(0, 0))
    assert not window.detail_panel.isHidden()
    # the columns fit their content: an IPv4 address and a 12-digit account id are not cut
    from workbench.gui.models.events import COLUMNS

    metrics = view.fontMetrics()
    for name, sample in (("src_ip", "203.113.254.199"), ("host", "123456789012")):
        col = next(i for i, (_, n) in enumerate(COLUMNS) if n == name)
        assert view.columnWidth(col) >= metrics.horizontalAdvance(sample) + 8, name
