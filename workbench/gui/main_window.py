"""The main window: sources and findings on the left, the events grid in the centre with the
selected record below it, the finding's playbook on the right.

It holds no analysis logic: loading is :func:`workbench.pipeline.analyze`, exporting is
:func:`workbench.report.write_report`, both run through :class:`~workbench.gui.tasks.Task`.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path, PurePath
from typing import Any, Iterable

from ..case import Case, create_case, open_case
from ..cli import check_outputs
from ..findings import SEVERITIES
from .. import pipeline
from ..pipeline import Analysis, analyze
from .child import call_in_child
from ..progress import CancelToken, Progress
from ..store import raw_record
from .models import EventTableModel, FindingsModel, SourcesModel
from .models.events import COLUMNS, WIDTHS
from .qt import (
    QAbstractItemView, QAction, QApplication, QCloseEvent, QDockWidget, QDragEnterEvent, QDropEvent, QFileDialog,
    QFontDatabase, QFrame, QGuiApplication, QHBoxLayout, QHeaderView, QKeySequence, QLabel, QMainWindow,
    QMessageBox, QModelIndex, QProgressBar, QPushButton, QSplitter, QStandardPaths, QTableView, QTabWidget,
    QThreadPool, QTreeView, QVBoxLayout, QWidget, Qt, Signal, safe_tooltip,
)
from .settings import Settings, edit_settings, format_ts, load_settings, set_display_zone
from .settings import store as settings_store
from .tasks import Eta, Task
from .widgets import Caption, EventDetailPane, PlaybookPane
from .widgets.coverage import CoveragePane
from .widgets.credentials import CredentialsPane
from .widgets.entities import EntitiesPane, cross_source
from .widgets.events_pane import EventsPane
from .widgets.map import LoginMapPane
from .widgets.triage import TriagePanel

REPORT_NAME = "incident-report.pdf"
LAYOUT_VERSION = 2  # bump when panes are added or renamed: an older saved layout is then ignored


def make_report(analysis: Analysis, out: Path, *, progress: Progress, cancel: CancelToken,
                case: Case | None = None) -> Path:
    """The export as a task function: :func:`workbench.report.write_report` (which takes no progress), with the
    analyst's triage from the open case."""
    from ..report import write_report  # reportlab loads only when a report is asked for

    progress(0, 1, f"writing {out.name}")
    return write_report(analysis, out, case=case)


def _panel(title: str, body: QWidget, *extra: QWidget) -> tuple[QWidget, Caption]:
    """``body`` under a bold one-line caption (plain text), with optional widgets right of the caption."""
    panel = QWidget()
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(4, 4, 4, 0)
    layout.setSpacing(2)
    bar = QHBoxLayout()
    caption = Caption(title)
    bar.addWidget(caption, 1)
    for widget in extra:
        bar.addWidget(widget)
    layout.addLayout(bar)
    layout.addWidget(body, 1)
    return panel, caption


def _list_view(model: Any) -> QTreeView:
    view = QTreeView()
    view.setModel(model)
    view.setRootIsDecorated(False)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    return view


CHILD_PROCESS_BYTES = 64 * 1024 * 1024  # inputs from this size on are analyzed in a child process


def input_bytes(paths: Iterable[str]) -> int:
    """Total size of the files under ``paths`` (stops counting once past the child-process threshold)."""
    total = 0
    for path in map(Path, paths):
        try:
            files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())
            for f in files:
                total += f.stat().st_size
                if total >= CHILD_PROCESS_BYTES:
                    return total
        except OSError:
            continue
    return total


class MainWindow(QMainWindow):
    loaded = Signal(object)  # an Analysis is now shown
    exported = Signal(str)  # a report was written at this path
    failed = Signal(str)  # a load or export failed: one line

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis: Analysis | None = None
        self.case: Case | None = None  # the case file the triage is saved in (File ▸ New case / Open case)
        self.playbook_dirs: list[Path] = []  # the analyst's own playbook folders (File ▸ Add playbook folder)
        self.input_paths: list[str] = []
        self._loading_paths: list[str] = []
        self.task: Task | None = None
        self.message_box: QMessageBox | None = None
        self.settings: Settings = load_settings()
        set_display_zone(self.settings.display_tz)
        self.setWindowTitle("Workbench")
        self.setAcceptDrops(True)
        self._build_actions()
        self._build_panes()
        self._build_map_dock()
        self._build_cross_source_docks()
        self._build_status_bar()
        self._fit_to_screen(1400, 860)
        self._update_actions()
        self._default_layout = self._layout_state()
        self._restore_layout()

    # -- construction -----------------------------------------------------------------------

    def _build_actions(self) -> None:
        def action(text: str, slot: Any, shortcut: Any = None, tip: str = "") -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            return act

        self.open_files_action = action("Open files…", self._on_open_files_action_triggered, "Ctrl+O",
                                        "Analyze log files")
        self.open_folder_action = action("Open folder…", self._on_open_folder_action_triggered,
                                         "Ctrl+Shift+O", "Analyze every log file in a folder")
        self.new_case_action = action("New case…", self._on_new_case_action_triggered, None,
                                      "Keep this analysis and your triage in a case folder you choose")
        self.open_case_action = action("Open case…", self._on_open_case_action_triggered, None,
                                       "Open a case folder: its analysis and your triage as you left them")
        self.bookmark_action = action("Bookmark event", self._on_bookmark_action_triggered, "Ctrl+B",
                                      "Bookmark the selected event in the case (for the selected finding)")
        self.playbook_folder_action = action("Add playbook folder…", self._on_playbook_folder_action_triggered,
                                             None, "Your own playbooks: they override the shipped ones, re-read "
                                             "when they change")
        self.export_action = action("Export PDF…", self._on_export_action_triggered, "Ctrl+E",
                                    "Write the incident report as PDF")
        self.show_all_action = action("Show all events", self._on_show_all_action_triggered, "Ctrl+Shift+A",
                                      "Show every event, not only a finding's evidence")
        self.reload_action = action("Reload", self._on_reload_action_triggered, "F5",
                                    "Analyze the open inputs again (with the current settings)")
        self.settings_action = action("Settings…", self._on_settings_action_triggered, "Ctrl+,",
                                      "GeoIP databases, thresholds, office hours, indicators, time zone, palette")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit_action = action("Quit", self.close, "Ctrl+Q")  # explicit: some platforms bind no Quit key
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        menu = self.menuBar().addMenu("&File")
        for act in (self.open_files_action, self.open_folder_action, self.reload_action, None,
                    self.new_case_action, self.open_case_action, self.playbook_folder_action, None,
                    self.export_action,
                    None, self.settings_action, None, self.quit_action):
            menu.addSeparator() if act is None else menu.addAction(act)
        self.view_menu = self.menuBar().addMenu("&View")
        self.view_menu.addAction(self.show_all_action)
        self.view_menu.addAction(self.bookmark_action)
        self.about_action = action("About Workbench", self.show_about, None, "Versions, databases and credits")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.help_menu = self.menuBar().addMenu("&Help")
        self.help_menu.addAction(self.about_action)
        self.help_menu.addAction("About Qt", QApplication.aboutQt)
        self.shortcuts_action = action("Keyboard shortcuts", self.show_shortcuts, "F1", "Every shortcut of the window")
        self.help_menu.insertAction(self.about_action, self.shortcuts_action)
        self.next_finding_action = action("Next finding", lambda: self.step_finding(1), "F8")
        self.previous_finding_action = action("Previous finding", lambda: self.step_finding(-1), "Shift+F8")
        go = self.view_menu.addMenu("Go to")
        go.addActions([self.next_finding_action, self.previous_finding_action])
        go.addSeparator()
        for keys, title, target in (("Ctrl+1", "Findings", lambda: self.findings_view),
                                    ("Ctrl+2", "Events grid", lambda: self.events_view),
                                    ("Ctrl+3", "Original record", lambda: self.detail_pane),
                                    ("Ctrl+4", "Playbook", lambda: self.playbook_pane),
                                    ("Ctrl+5", "Sources", lambda: self.sources_view)):
            focus = action(title, lambda _=False, target=target: target().setFocus(), keys, f"Focus: {title}")
            go.addAction(focus)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for act in (self.open_files_action, self.open_folder_action, self.export_action):
            toolbar.addAction(act)

    def _build_panes(self) -> None:
        self.sources_model = SourcesModel(self)
        self.sources_view = _list_view(self.sources_model)
        self.findings_model = FindingsModel(self)
        self.findings_view = _list_view(self.findings_model)
        self.findings_view.selectionModel().currentRowChanged.connect(self._on_findings_current_changed)

        # the events grid with its query bar, filters and timeline (widgets/events_pane.py)
        self.events_pane = EventsPane()
        self.events_model = self.events_pane.model
        self.events_view = self.events_pane.view
        self.events_pane.changed.connect(self._on_events_pane_changed)
        self.events_pane.pivoted.connect(self._on_events_pane_pivoted)
        self.events_pane.exported.connect(self._on_events_pane_exported)
        self.events_view.selectionModel().currentRowChanged.connect(self._on_events_current_changed)

        self.show_all_button = QPushButton("Show all events")
        self.show_all_button.clicked.connect(self._on_show_all_action_triggered)
        self.playbook_pane = PlaybookPane()
        self.detail_pane = EventDetailPane()

        sources_panel, _ = _panel("Sources", self.sources_view)
        findings_panel, self.findings_caption = _panel("Findings", self.findings_view)
        events_panel, self.events_caption = _panel("Events", self.events_pane, self.show_all_button)
        detail_panel, self.detail_caption = _panel("Original record", self.detail_pane)
        self.triage_pane = TriagePanel()
        self.triage_pane.playbooks_reloaded.connect(self._on_triage_pane_playbooks_reloaded)
        self.right_tabs = QTabWidget()
        self.right_tabs.addTab(self.playbook_pane, "Playbook")
        self.right_tabs.addTab(self.triage_pane, "Triage")
        playbook_panel, _ = _panel("Finding and playbook", self.right_tabs)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(sources_panel)
        left.addWidget(findings_panel)
        left.setSizes([150, 670])
        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(events_panel)
        centre.addWidget(detail_panel)
        centre.setSizes([560, 260])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for pane in (left, centre, playbook_panel):
            self.splitter.addWidget(pane)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([330, 710, 360])
        for splitter in (left, centre, self.splitter):
            splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self._build_data_export_menu()

    def _build_map_dock(self) -> None:
        """The login map of the selected finding's accounts, drawn only while the dock is visible."""
        self.map_pane = LoginMapPane()
        self.map_pane.view.place_activated.connect(self._on_map_place_activated)
        self.map_dock = dock = QDockWidget("Login map", self)
        dock.setObjectName("login-map-dock")
        dock.setWidget(self.map_pane)
        dock.visibilityChanged.connect(self._on_map_dock_visibility_changed)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [260], Qt.Orientation.Vertical)  # a map needs some height to be read
        self.map_action = dock.toggleViewAction()
        self.map_action.setShortcut(QKeySequence("Ctrl+M"))
        self.map_action.setStatusTip("Show or hide the map of the selected finding's login locations")
        self.view_menu.addAction(self.map_action)
        self.reset_layout_action = QAction("Reset layout", self)
        self.reset_layout_action.setStatusTip("Put the panes back where they were at first start")
        self.reset_layout_action.triggered.connect(self.reset_layout)
        self.view_menu.addAction(self.reset_layout_action)
        self._map_stale = True

    def update_map(self) -> None:
        """Draw the map for the selected finding's accounts (now if the dock is visible, else when shown)."""
        self._map_stale = True
        if self.map_dock.isVisible() and not self.map_dock.visibleRegion().isEmpty():
            self._draw_map()

    def _draw_map(self) -> None:
        from ..worldmap import finding_map

        self._map_stale = False
        finding = self.playbook_pane.finding if self.analysis is not None else None
        if finding is None or not finding.users:
            self.map_pane.show_map(None)
            return
        self.map_pane.show_map(finding_map(self.analysis, finding))

    def _on_map_dock_visibility_changed(self, visible: bool) -> None:
        if visible and self._map_stale:
            self._draw_map()

    def _on_map_place_activated(self, rows: Any) -> None:
        import numpy as np

        if self.analysis is None or not rows:
            return
        self.events_pane.set_scope(np.asarray(sorted(rows), dtype=np.int64), clear_filters=True)
        self.events_caption.set_caption(f"{len(rows):,} logins at the place chosen on the map")
        self._update_actions()

    def _build_cross_source_docks(self) -> None:
        """People (one person across every source), Credentials (their lineage) and Coverage (what the data
        could not answer): docks tabbed with the map, under View."""
        self.entities_pane = EntitiesPane()
        self.credentials_pane = CredentialsPane()
        self.coverage_pane = CoveragePane()
        self.entities_pane.finding_activated.connect(self._on_entities_pane_finding_activated)
        self.cross_source_task: Task | None = None
        self.cross_source_docks: list[QDockWidget] = []
        for pane, title, name, keys, tip in (
                (self.entities_pane, "People", "people-dock", "Ctrl+Shift+P",
                 "Show or hide the people: every name of one person across the sources, links to confirm"),
                (self.credentials_pane, "Credentials", "credentials-dock", "Ctrl+Shift+K",
                 "Show or hide the credentials created in the logs: who made them, who used them from where"),
                (self.coverage_pane, "Coverage", "coverage-dock", "Ctrl+Shift+G",
                 "Show or hide what the loaded data could not answer: checks not run, absent fields, gaps")):
            pane.show_rows.connect(self._on_cross_source_show_rows)
            pane.message.connect(lambda text: self.statusBar().showMessage(text, 15000))
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(pane)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            self.tabifyDockWidget(self.map_dock, dock)
            act = dock.toggleViewAction()
            act.setShortcut(QKeySequence(keys))
            act.setStatusTip(tip)
            self.view_menu.insertAction(self.reset_layout_action, act)
            self.cross_source_docks.append(dock)
        self.people_dock, self.credentials_dock, self.coverage_dock = self.cross_source_docks
        self.map_dock.raise_()

    def show_cross_source(self, analysis: Analysis) -> Task | None:
        """Fill People, Credentials and Coverage; computed off the UI thread when the analysis came without them
        (a case saved by an older version) or the open case holds link decisions it was not resolved with."""
        from ..identity import case_decisions

        decisions = case_decisions(self.case) if self.case is not None else None
        have = analysis.identities is not None and analysis.credentials is not None and analysis.coverage is not None
        if have and (not decisions or [d.to_dict() for d in decisions]
                     == [d.to_dict() for d in analysis.identities.decisions]):
            self._on_cross_source_task_finished(analysis)
            return None
        for pane in (self.entities_pane, self.credentials_pane, self.coverage_pane):
            pane.set_analysis(None)
        self.entities_pane.status.setText("Resolving people, credentials and coverage…")
        task = Task(cross_source, analysis, decisions, name="cross source")
        task.finished.connect(self._on_cross_source_task_finished)
        task.failed.connect(lambda reason: self.statusBar().showMessage(f"People and coverage: {reason}", 15000))
        self.cross_source_task = task
        return task.start()

    def _on_cross_source_task_finished(self, analysis: Analysis) -> None:
        self.cross_source_task = None
        if analysis is not self.analysis:
            return  # another analysis was loaded meanwhile
        self.entities_pane.set_analysis(analysis, self.case)
        self.credentials_pane.set_analysis(analysis)
        self.coverage_pane.set_analysis(analysis)

    def _on_cross_source_show_rows(self, rows: Any, caption: str) -> None:
        """A pane asked for these events (a person, a credential's uses, a gap's edges) in the grid."""
        if self.analysis is None:
            return
        self.findings_view.selectionModel().clear()  # the view leaves the finding's evidence (resets the scope)
        self.events_pane.set_scope(rows, clear_filters=True)
        self.events_caption.set_caption(f"{caption}: {len(rows):,} events")
        self._update_actions()

    def _on_entities_pane_finding_activated(self, finding_id: str) -> None:
        for row in range(self.findings_model.rowCount()):
            if self.findings_model.finding(row).id == finding_id:
                self.select_finding(row)
                return

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.counts_label = QLabel("No case open")
        self.task_label = QLabel()
        self.task_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        for widget in (self.task_label, self.progress_bar, self.cancel_button):
            widget.hide()
            bar.addPermanentWidget(widget)
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.VLine)
        bar.addPermanentWidget(separator)
        bar.addPermanentWidget(self.counts_label)

    # -- public API (what the actions, the app and the tests call) ----------------------------

    @property
    def busy(self) -> bool:
        return self.task is not None

    def open_paths(self, paths: Iterable[str | os.PathLike]) -> Task | None:
        """Analyze ``paths`` off the UI thread; :attr:`loaded` (or :attr:`failed`) follows."""
        paths = [str(p) for p in paths]
        if not paths:
            return None
        if self.busy:
            self.statusBar().showMessage("Busy: wait for the running task or cancel it first.", 5000)
            return None
        self._loading_paths = paths
        # the analyst's settings as analyze's arguments; none at all when they are the defaults (as the CLI)
        changed = self.settings.analysis_part() != Settings().analysis_part()
        kwargs = self.settings.analyze_kwargs() if changed else {}
        if input_bytes(paths) >= CHILD_PROCESS_BYTES:  # big: a child process, so the event loop never stalls
            task = Task(call_in_child, pipeline.analyze, paths, name="analyze", **kwargs)
        else:
            task = Task(analyze, paths, name="analyze", **kwargs)
        task.finished.connect(self._on_load_task_finished)
        task.failed.connect(self._on_load_task_failed)
        self._start(task, "Loading", paths)
        return task

    def set_analysis(self, analysis: Analysis, paths: Iterable[str] | None = None) -> None:
        """Show an analysis (the loader's result, or one made elsewhere)."""
        self.analysis = analysis
        self.input_paths = list(paths) if paths is not None else [i.path for i in analysis.inputs]
        self.sources_model.set_inputs(analysis.inputs)
        self.findings_model.set_findings(analysis.findings, analysis.playbook_for)
        self.events_pane.evidence_paths = self.input_paths
        self.events_pane.set_table(analysis.table, analysis.findings)
        for view in (self.sources_view, self.findings_view):
            for col in range(view.model().columnCount()):
                view.resizeColumnToContents(col)  # a handful of rows: cheap
        self.findings_view.setColumnWidth(1, min(self.findings_view.columnWidth(1), 320))
        self._clear_detail()
        self.findings_caption.set_caption(f"Findings ({len(analysis.findings)})")
        self._show_overview()
        self.map_pane.set_analysis(analysis)
        self.update_map()
        self.show_cross_source(analysis)
        self._update_events_caption()
        self.counts_label.setText(self._counts_text())
        names = ", ".join(PurePath(p).name for p in self.input_paths[:3])
        names += " …" if len(self.input_paths) > 3 else ""
        self.setWindowTitle(f"Workbench: {names}" if names else "Workbench")
        self.statusBar().showMessage(self._load_message(), 15000)
        self._update_actions()
        self.loaded.emit(analysis)

    def step_finding(self, step: int) -> None:
        """Select the next (1) or previous (-1) finding in the list's order."""
        count = self.findings_model.rowCount()
        if not count:
            return
        current = self.findings_view.currentIndex()
        row = (current.row() + step) if current.isValid() else (0 if step > 0 else count - 1)
        self.select_finding(min(max(row, 0), count - 1))

    def show_shortcuts(self) -> QMessageBox:
        """Every action of the window that has a shortcut, as plain text."""
        native = QKeySequence.SequenceFormat.NativeText
        rows = sorted({(a.text().replace("&", "").rstrip("…"), a.shortcut().toString(native))
                       for a in self.findChildren(QAction) if not a.shortcut().isEmpty()}, key=lambda r: r[0].lower())
        width = max(len(keys) for _, keys in rows)
        text = "\n".join(f"{keys:<{width}}   {name}" for name, keys in rows)
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()
        return box

    def select_finding(self, row: int) -> None:
        index = self.findings_model.index(row, 0)
        self.findings_view.setCurrentIndex(index)
        self.findings_view.scrollTo(index)

    def show_all_events(self) -> None:
        self.findings_view.selectionModel().clear()  # → _on_findings_current_changed(invalid)
        self.events_pane.reset()  # and no filter either
        self._show_all_rows()

    def show_about(self) -> QMessageBox:
        """Versions, the GeoIP databases in use with their build date and credit, ATT&CK and map credits."""
        from .app import about_text

        box = QMessageBox(QMessageBox.Icon.Information, "About Workbench",
                          about_text(self.analysis.geoip if self.analysis is not None else None),
                          QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # database paths and names are not markup
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()
        return box

    def apply_settings(self, settings: Settings) -> None:
        """Use new settings: times are shown in the new zone at once; analysis settings on the next load."""
        changed_zone = settings.display_tz != self.settings.display_tz
        self.settings = settings
        if changed_zone:
            set_display_zone(settings.display_tz)
            self._refresh_times()
        from .app import apply_theme

        apply_theme(settings.theme)

    def _refresh_times(self) -> None:
        """Redraw every shown time in the display zone (the grid's cached cells too)."""
        self.events_model.set_rows(self.events_model.rows.copy())
        sample = format_ts(self.analysis.time_range()[0]) if self.analysis and self.analysis.events_total else ""
        width = self.events_view.fontMetrics().horizontalAdvance(sample or "0000-00-00 00:00:00 UTC")
        self.events_view.horizontalHeader().resizeSection(0, width + 14)
        if self.analysis is not None:
            current = self.findings_view.currentIndex()
            self.findings_model.set_findings(self.analysis.findings, self.analysis.playbook_for)
            if current.isValid():
                self.findings_view.setCurrentIndex(self.findings_model.index(current.row(), 0))
            else:
                self._show_overview()

    def export_pdf(self, path: str | os.PathLike | None = None) -> Task | None:
        """Write the report; without ``path`` ask for one. :attr:`exported` (or :attr:`failed`) follows."""
        if self.analysis is None:
            return None
        if self.busy:
            self.statusBar().showMessage("Busy: wait for the running task or cancel it first.", 5000)
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export PDF report", str(self.default_report_path()),
                                                    "PDF report (*.pdf)")
            if not chosen:
                return None
            path = chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf"
        out = Path(path)
        problem = check_outputs([out], self.input_paths)
        if problem:
            self._show_error("Export PDF", problem)
            return None
        task = Task(make_report, self.analysis, out, name="report", case=self.case)
        task.finished.connect(self._on_export_task_finished)
        task.failed.connect(self._on_export_task_failed)
        self._start(task, "Exporting", [str(out)])
        return task

    def export_findings(self, path: str | os.PathLike | None = None, fmt: str = "csv") -> Path | None:
        """Write every finding as CSV or Timesketch JSON Lines (small: done at once); None if not written."""
        from ..export import write_findings_csv, write_findings_jsonl

        if self.analysis is None:
            return None
        suffix = ".jsonl" if fmt == "jsonl" else ".csv"
        if path is None:
            label = "JSON Lines (*.jsonl)" if fmt == "jsonl" else "CSV (*.csv)"
            chosen, _ = QFileDialog.getSaveFileName(self, "Export findings", str(Path.home() / f"findings{suffix}"),
                                                    label)
            if not chosen:
                return None
            path = chosen if chosen.lower().endswith(suffix) else chosen + suffix
        out = Path(path)
        problem = check_outputs([out], self.input_paths)
        if problem:
            self._show_error("Export findings", problem)
            return None
        try:
            (write_findings_jsonl if fmt == "jsonl" else write_findings_csv)(self.analysis.findings, out)
        except OSError as exc:
            self._show_error("Could not write the findings", f"{out}: {exc.strerror or exc}")
            return None
        self.statusBar().showMessage(f"Findings written: {out}", 30000)
        return out

    def _build_data_export_menu(self) -> None:
        """File ▸ Export data: the events in view and the findings, as CSV or Timesketch JSON Lines."""
        from .qt import QMenu

        file_menu = self.menuBar().actions()[0].menu()
        menu = QMenu("Export data", self)
        file_menu.insertMenu(self.export_action, menu)
        menu.addAction(self.events_pane.export_csv_action)
        menu.addAction(self.events_pane.export_jsonl_action)
        menu.addSeparator()
        self.export_findings_csv_action = menu.addAction("Findings as CSV…", lambda: self.export_findings(fmt="csv"))
        self.export_findings_jsonl_action = menu.addAction("Findings as JSON Lines (Timesketch)…",
                                                           lambda: self.export_findings(fmt="jsonl"))
        self.export_data_menu = menu

    def default_report_path(self) -> Path:
        """``incident-report.pdf`` in the home folder, or the first place that is not inside the evidence."""
        places = [Path.home(), Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)),
                  Path(tempfile.gettempdir())]
        for folder in places:
            candidate = folder / REPORT_NAME
            if check_outputs([candidate], self.input_paths) is None:
                return candidate
        return Path(tempfile.mkdtemp(prefix="workbench-")) / REPORT_NAME

    # -- tasks ------------------------------------------------------------------------------

    def _start(self, task: Task, verb: str, paths: list[str]) -> None:
        self.task = task
        task.progressed.connect(self._on_task_progressed)
        task.cancelled.connect(self._on_task_cancelled)
        self.task_label.setText(f"{verb} {PurePath(paths[0]).name}{' …' if len(paths) > 1 else ''}")
        self.progress_bar.setRange(0, 0)  # busy until the first progress report
        self._eta = Eta()
        for widget in (self.task_label, self.progress_bar, self.cancel_button):
            widget.show()
        self.cancel_button.setEnabled(True)
        self._update_actions()
        task.start()

    def _on_task_progressed(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
        else:
            self.progress_bar.setRange(0, 0)
        eta = Eta.text(self._eta.update(done, total, message))
        self.task_label.setText(f"{message} · {eta}" if eta else message)

    def _task_done(self) -> None:
        """The running task delivered its outcome: the window is no longer busy."""
        self.task = None
        for widget in (self.task_label, self.progress_bar, self.cancel_button):
            widget.hide()
        self._update_actions()

    def _on_task_cancelled(self) -> None:
        self._task_done()
        self.statusBar().showMessage("Cancelled.", 5000)

    def _on_cancel_button_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.task_label.setText("Cancelling…")

    def _on_load_task_finished(self, analysis: Analysis) -> None:
        self._task_done()
        analysis = self._with_playbook_dirs(analysis)
        if self.case is not None:
            same = sorted(str(Path(p).resolve()) for p in self._loading_paths) == sorted(self.case.sources())
            if same:
                self.case.save_analysis(analysis)  # Reload of the case's evidence: the case keeps the new analysis
            else:
                self.set_case(None)
                self.statusBar().showMessage("Case closed: the files opened are not its evidence.", 15000)
        self.set_analysis(analysis, self._loading_paths)

    # -- the case file --------------------------------------------------------------------------

    def set_case(self, case: Case | None) -> None:
        """Bind the triage to ``case`` (None: no case; triage cannot be saved)."""
        if self.case is not None and self.case is not case:
            self.case.close()
        self.case = case
        self.triage_pane.set_case(case)
        self.entities_pane.set_case(case)
        self._update_actions()

    def new_case(self, folder: str | os.PathLike | None = None) -> Task | None:
        """Keep the shown analysis in a new case folder (asked for without ``folder``), refused inside the evidence."""
        if self.analysis is None or self.busy:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Choose an empty folder for the case", str(Path.home()))
            if not folder:
                return None
        changed = self.settings.analysis_part() != Settings().analysis_part()  # as open_paths: defaults = none
        task = Task(create_case, Path(folder), self.analysis, self.input_paths, name="new case",
                    options=self.settings.analyze_kwargs() if changed else None)
        task.finished.connect(self._on_new_case_task_finished)
        task.failed.connect(self._on_load_task_failed)
        self._start(task, "Saving case", [str(folder)])
        return task

    def open_case_folder(self, folder: str | os.PathLike | None = None) -> Task | None:
        """Open a case: its analysis (re-analyzed only if the evidence changed) and the triage saved in it."""
        if self.busy:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Open a case folder", str(Path.home()))
            if not folder:
                return None
        task = Task(open_case, Path(folder), name="open case")
        task.finished.connect(self._on_open_case_task_finished)
        task.failed.connect(self._on_load_task_failed)
        self._start(task, "Opening case", [str(folder)])
        return task

    def _on_new_case_task_finished(self, case: Case) -> None:
        self._task_done()
        self.set_case(case)
        self.statusBar().showMessage(f"Case saved in {case.folder}: every change is kept at once.", 15000)

    def _on_open_case_task_finished(self, result: tuple[Case, Analysis, bool]) -> None:
        self._task_done()
        case, analysis, reused = result
        analysis = self._with_playbook_dirs(analysis)
        self.set_case(case)
        self.set_analysis(analysis, case.sources())
        self.statusBar().showMessage(
            f"Case {case.folder}: " + ("evidence unchanged (hashes verified), analysis restored." if reused
                                       else f"analyzed again. {case.problem}".strip()), 15000)

    def _on_new_case_action_triggered(self) -> None:
        self.new_case()

    def _on_open_case_action_triggered(self) -> None:
        self.open_case_folder()

    def _on_bookmark_action_triggered(self) -> None:
        current = self.events_view.currentIndex()
        if not current.isValid():
            self.statusBar().showMessage("Select an event to bookmark it.", 5000)
            return
        m, row = self.events_model, current.row()
        if self.triage_pane.add_bookmark(m.value(row, "file") or "", str(m.value(row, "ref")),
                                         m.value(row, "source") or ""):
            self.statusBar().showMessage("Event bookmarked in the case.", 5000)
        else:
            self.statusBar().showMessage("Open or create a case (File ▸ New case) to keep bookmarks.", 8000)

    def _on_triage_pane_playbooks_reloaded(self) -> None:
        """Playbooks were dropped in or edited: every finding and pane shows them at once."""
        if self.analysis is not None:
            self._apply_playbooks(self.analysis)

    def _on_playbook_folder_action_triggered(self) -> None:
        self.add_playbook_folder()

    def add_playbook_folder(self, folder: str | os.PathLike | None = None) -> bool:
        """Add a folder of the analyst's own playbooks (the seeds' format): they override the shipped ones, are
        read again whenever a file in it changes, and are remembered in the case."""
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Folder of your own playbooks", str(Path.home()))
            if not folder:
                return False
        path = Path(folder).resolve()
        if not path.is_dir():
            return False
        if path not in self.playbook_dirs:
            self.playbook_dirs.append(path)
        if self.case is not None:
            options = dict(self.case.setting("analyze") or {})
            options["extra_playbook_dirs"] = list(dict.fromkeys([*options.get("extra_playbook_dirs", []), str(path)]))
            self.case.set_setting("analyze", options)
        if self.analysis is not None:
            self._apply_playbooks(self._with_playbook_dirs(self.analysis))
        return True

    def _with_playbook_dirs(self, analysis: Analysis) -> Analysis:
        """``analysis`` with the analyst's playbook folders in its library and its findings matched again."""
        from ..playbooks import assign

        for folder in self.playbook_dirs:
            if folder not in analysis.playbooks.folders:
                analysis.playbooks.add_folder(folder)
        analysis.findings = assign(analysis.findings, analysis.playbooks)
        return analysis

    def _apply_playbooks(self, analysis: Analysis) -> None:
        """Show the findings and the selected one under the playbooks as they are now."""
        from ..playbooks import assign

        analysis.findings = assign(analysis.findings, analysis.playbooks)
        row = self.findings_view.currentIndex().row()
        self.findings_model.set_findings(analysis.findings, analysis.playbook_for)
        if row >= 0:
            self.select_finding(row)
        errors = analysis.playbooks.errors
        self.statusBar().showMessage(f"Playbooks: {len(analysis.playbooks.playbooks)} loaded"
                                     + (f"; {len(errors)} with errors: {errors[0]}" if errors else "."), 15000)

    def _on_load_task_failed(self, reason: str) -> None:
        self._task_done()
        self.statusBar().showMessage(f"Loading failed: {reason}", 15000)
        self._show_error("Could not analyze the files", reason)
        self.failed.emit(reason)

    def _on_export_task_finished(self, out: Any) -> None:
        self._task_done()
        self.statusBar().showMessage(f"Report written: {out}", 30000)
        self.exported.emit(str(out))

    def _on_export_task_failed(self, reason: str) -> None:
        self._task_done()
        self.statusBar().showMessage(f"Export failed: {reason}", 15000)
        self._show_error("Could not write the report", reason)
        self.failed.emit(reason)

    # -- selection --------------------------------------------------------------------------

    def _on_findings_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self.analysis is None:
            return
        if not current.isValid():
            self.triage_pane.clear()
            self._show_all_rows()
            self._show_overview()
            self.update_map()
            return
        finding = self.findings_model.finding(current.row())
        self.events_pane.set_scope(self.analysis.evidence_rows(finding), clear_filters=True)
        self.playbook_pane.show_finding(finding, self.analysis.playbook_for(finding))
        self.triage_pane.show_finding(self.analysis, finding)
        self.update_map()
        self._update_events_caption()
        self._update_actions()
        if self.events_model.rowCount():
            self.events_view.setCurrentIndex(self.events_model.index(0, 0))
        else:
            self._clear_detail()

    def _on_events_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid():
            self._clear_detail()
            return
        m, row = self.events_model, current.row()
        path = m.value(row, "file") or ""
        self.detail_caption.set_caption(f"Original record: {PurePath(path).name}, ref {m.value(row, 'ref')}")
        self.detail_caption.setToolTip(safe_tooltip(f"{path}\nref {m.value(row, 'ref')}\n"
                                                    f"{m.value(row, 'source')}, {format_ts(m.value(row, 'ts'))}"))
        self.detail_pane.show_record("", raw_record(m.table, m.row_id(row)))

    def _on_events_pane_changed(self) -> None:
        if not self.events_view.currentIndex().isValid():  # a new set of rows: the record shown is gone
            self._clear_detail()
        self._update_events_caption()
        self._update_actions()

    def _on_events_pane_pivoted(self) -> None:
        self.findings_view.selectionModel().clear()  # the view left the finding's evidence

    def _on_events_pane_exported(self, path: str) -> None:
        self.statusBar().showMessage(f"Events written: {path}", 30000)

    def _on_show_all_action_triggered(self) -> None:
        self.show_all_events()

    def _on_open_files_action_triggered(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open log files", str(Path.home()),
                                                "Log files (*.json *.jsonl *.gz *.log *.txt *);;All files (*)")
        self.open_paths(files)

    def _on_open_folder_action_triggered(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of log files", str(Path.home()))
        if folder:
            self.open_paths([folder])

    def _on_export_action_triggered(self) -> None:
        self.export_pdf()

    def _on_reload_action_triggered(self) -> None:
        if self.input_paths:
            self.open_paths(self.input_paths)

    def _on_settings_action_triggered(self) -> None:
        new = edit_settings(self, self.settings)
        if new is None:
            return
        analysis_changed = new.analysis_part() != self.settings.analysis_part()
        self.apply_settings(new)
        if analysis_changed and self.analysis is not None:
            self.statusBar().showMessage("Analysis settings changed: Reload (F5) to apply them to this case.", 15000)

    # -- helpers ----------------------------------------------------------------------------

    def _show_all_rows(self) -> None:
        if self.events_pane.scoped:
            self.events_pane.set_scope(None)  # the filters stay
        self._update_events_caption()
        self._update_actions()

    def _clear_detail(self) -> None:
        self.detail_pane.clear_record()
        self.detail_caption.set_caption("Original record")
        self.detail_caption.setToolTip("")

    def _reset_sort_indicator(self) -> None:
        header = self.events_view.horizontalHeader()
        blocked = header.blockSignals(True)  # the rows are already in time order: do not sort again
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.blockSignals(blocked)

    def _update_events_caption(self) -> None:
        n = self.events_model.rowCount()
        finding = self.playbook_pane.finding
        if finding is not None and self.events_pane.scoped:
            self.events_caption.set_caption(f"Evidence of {finding.title}: {self.events_pane.describe()}")
        elif self.events_pane.filtered():
            self.events_caption.set_caption(f"Events: {self.events_pane.describe()}")
        else:
            self.events_caption.set_caption(f"All events ({n:,})")

    def _update_actions(self) -> None:
        self.export_action.setEnabled(self.analysis is not None and not self.busy)
        self.new_case_action.setEnabled(self.analysis is not None and self.case is None and not self.busy)
        self.open_case_action.setEnabled(not self.busy)
        self.bookmark_action.setEnabled(self.case is not None)
        for act in (self.open_files_action, self.open_folder_action):
            act.setEnabled(not self.busy)
        self.reload_action.setEnabled(bool(self.input_paths) and not self.busy)
        showing_subset = self.analysis is not None and (self.events_pane.scoped or self.events_pane.filtered())
        self.show_all_action.setEnabled(showing_subset)
        self.show_all_button.setEnabled(showing_subset)

    def _counts_text(self) -> str:
        a = self.analysis
        if a is None:
            return "No case open"
        bad = sum(1 for i in a.inputs if i.errors)
        text = f"{len(a.inputs)} inputs · {a.events_total:,} events · {len(a.findings)} findings"
        return text + (f" · {bad} with errors" if bad else "")

    def _load_message(self) -> str:
        a = self.analysis
        assert a is not None
        bad = [i for i in a.inputs if i.errors]
        if not bad:
            return f"Loaded {len(a.inputs)} inputs, {a.events_total:,} events, {len(a.findings)} findings."
        first = bad[0].summary()
        return f"{len(bad)} of {len(a.inputs)} inputs had errors (see Sources): {first}" if len(bad) > 1 \
            else f"1 input had errors: {first}"

    def _show_overview(self) -> None:
        a = self.analysis
        if a is None:
            return
        first, last = a.time_range()
        by_sev = Counter(f.severity for f in a.findings)
        sev = ", ".join(f"{by_sev[s]} {s}" for s in reversed(SEVERITIES) if by_sev[s])
        lines = [f"{len(a.inputs)} inputs, {a.events_total:,} events from {format_ts(first) or '-'} "
                 f"to {format_ts(last) or '-'}.",
                 f"{len(a.findings)} findings" + (f": {sev}." if sev else ".")]
        lines += [f"Check “{c.title}” did not run: {c.reason}." for c in a.checks if not c.ran]
        lines += [i.summary() for i in a.inputs if i.errors]
        lines += [f"GeoIP: {e}" for e in a.geoip_errors] + [f"Playbook: {e}" for e in a.playbooks.errors]
        hint = "Select a finding to see its evidence and playbook." if a.findings else "No findings."
        self.playbook_pane.show_message(hint, lines)

    def _show_error(self, title: str, text: str) -> None:
        """A window-modal message that does not block the event loop (plain text: paths may hold markup)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()

    def _fit_to_screen(self, width: int, height: int) -> None:
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, int(room.width() * 0.95)), min(height, int(room.height() * 0.92))
        self.resize(width, height)

    # -- layout (remembered in the settings file, never beside the evidence) --------------------

    def _splitters(self) -> dict[str, QSplitter]:
        found = {}
        for i, splitter in enumerate(self.findChildren(QSplitter)):
            if not splitter.objectName():
                splitter.setObjectName(f"splitter-{i}")
            found[splitter.objectName()] = splitter
        return found

    def _layout_state(self) -> dict[str, Any]:
        state = {"state": self.saveState(LAYOUT_VERSION)}
        state.update({f"splitters/{name}": s.saveState() for name, s in self._splitters().items()})
        state["events-columns"] = self.events_pane.header_state()  # shown, order, widths of the grid's columns
        return state

    def _save_layout(self) -> None:
        qs = settings_store()
        qs.setValue("layout/geometry", self.saveGeometry())
        for key, value in self._layout_state().items():
            qs.setValue(f"layout/{key}", value)
        qs.sync()

    def _restore_layout(self) -> None:
        qs = settings_store()
        geometry = qs.value("layout/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = qs.value("layout/state")
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)  # refused (False) when saved by another layout version
        for name, splitter in self._splitters().items():
            saved = qs.value(f"layout/splitters/{name}")
            if saved is not None:
                splitter.restoreState(saved)
        columns = qs.value("layout/events-columns")
        if columns is not None:
            self.events_pane.restore_header_state(columns)

    def reset_layout(self) -> None:
        """Docks, toolbars and splitters as at first start (the window keeps its size)."""
        self.restoreState(self._default_layout["state"], LAYOUT_VERSION)
        splitters = self._splitters()
        for key, value in self._default_layout.items():
            if key.startswith("splitters/") and key[10:] in splitters:
                splitters[key[10:]].restoreState(value)
        self.events_pane.restore_header_state(self._default_layout["events-columns"])

    # -- window events ----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.open_paths([u.toLocalFile() for u in event.mimeData().urls()])
        event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_layout()
        if self.task is not None:
            self.task.cancel()
            QThreadPool.globalInstance().waitForDone(10_000)
        if self.case is not None:
            self.case.close()  # every change is already committed; this only releases the database
        super().closeEvent(event)
