"""The main window: sources and findings on the left, the events grid in the centre with the
selected record below it, the finding's playbook on the right; the map, People, Credentials and Coverage docked
below.

It holds no analysis logic: loading is :func:`workbench.pipeline.analyze`, exporting is
:func:`workbench.report.write_report`, both run through :class:`~workbench.gui.tasks.Task`. The action families
live in :mod:`workbench.gui.window` (docks, loading and tasks, case and triage, exports, layout); this module
builds the panes and menus and wires the selection between them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PurePath
from typing import Any, Iterable

import numpy as np

from ..case.folder import Case
from ..findings import SEVERITIES
from ..analysis import Analysis
from ..events import raw_record
from .about import about_text
from .models import FindingsModel, SourcesModel
from .qt import (
    QAction, QApplication, QCloseEvent, QDragEnterEvent, QDropEvent, QFontDatabase, QFrame, QKeySequence, QLabel,
    QMainWindow, QMessageBox, QModelIndex, QProgressBar, QPushButton, QSplitter, QTabWidget, QThreadPool,
    QVBoxLayout, QWidget,
    Qt, Signal, safe_tooltip,
)
from .settings import Settings, edit_settings, format_ts, load_settings, set_display_zone
from .tasks import Task
from .theme import apply_theme
from .widgets import EventDetailPane, PlaybookPane
from .widgets.common import fit_columns, panel, plural, table_view
from .widgets.findings import FindingsFilterBar, FindingsView
from .widgets.incidents import IncidentsPane
from .widgets.stack import StackPane
from .widgets.events_pane import EventsPane
from .widgets.triage import TriagePanel
from .window import CaseActions, Docks, Exports, Layout, Loading, MarksActions


class MainWindow(Docks, Loading, CaseActions, MarksActions, Exports, Layout, QMainWindow):
    loaded = Signal(object)  # an Analysis is now shown
    exported = Signal(str)  # a report was written at this path
    failed = Signal(str)  # a load or export failed: one line

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis: Analysis | None = None
        self.case: Case | None = None  # the case file the triage is saved in (File ▸ New case / Open case)
        self.playbook_dirs: list[Path] = []  # the analyst's own playbook folders (File ▸ Add playbook folder)
        self._focus_finding: str | None = None  # a finding chosen by id (People, Incidents) inside a folded row
        self.sigma_dirs: list[Path] = []  # the analyst's Sigma folders added this session (File ▸ Add Sigma…)
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
        self._fit_to_screen(1680, 1000)
        self._fit_docks_to_screen()
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
        self.playbook_folder_action = action("Add playbook folder…", self._on_playbook_folder_action_triggered,
                                             None, "Your own playbooks: they override the shipped ones, re-read "
                                             "when they change")
        self.sigma_folder_action = action("Add Sigma rules folder…", self._on_sigma_folder_action_triggered, None,
                                          "Your own Sigma rules: run from the next load, remembered in the case")
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
                    self.new_case_action, self.open_case_action, self.playbook_folder_action,
                    self.sigma_folder_action, None,
                    self.export_action,
                    None, self.settings_action, None, self.quit_action):
            menu.addSeparator() if act is None else menu.addAction(act)
        self.view_menu = self.menuBar().addMenu("&View")
        self.view_menu.addAction(self.show_all_action)
        self.record_action = action("Original record", lambda checked=False: self.show_record(checked), "Ctrl+R",
                                    "Show or hide the selected event's original record under the grid")
        self.record_action.setCheckable(True)
        self.view_menu.addAction(self.record_action)
        self.counts_action = action("Value counts", lambda: self.count_values(), "Ctrl+Shift+V",
                                    "Count the values of a column over the events in view, rarest first")
        self.view_menu.addAction(self.counts_action)
        self.marks_menu = self.menuBar().addMenu("&Marks")
        self._build_marks_actions(self.marks_menu)
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
                                    ("Ctrl+3", "Original record", lambda: self.show_record(True) or self.detail_pane),
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
        self.sources_view = table_view(self.sources_model)
        self.findings_model = FindingsModel(self)
        self.findings_view = FindingsView(self.findings_model)
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

        self.record_button = QPushButton("Original record")
        self.record_button.setCheckable(True)
        self.record_button.setToolTip("Show or hide the selected event's original record under the grid (Ctrl+R; "
                                      "double-click an event to show it)")
        self.record_button.toggled.connect(self.show_record)
        sources_panel, _ = panel("Sources", self.sources_view)
        self.findings_filter = FindingsFilterBar(self.findings_model)
        findings_box = QWidget()
        box = QVBoxLayout(findings_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(3)
        box.addWidget(self.findings_filter)
        box.addWidget(self.findings_view, 1)
        self.incidents_pane = IncidentsPane()
        self.incidents_pane.finding_activated.connect(self._on_entities_pane_finding_activated)
        self.incidents_pane.show_events.connect(self._on_incidents_pane_show_events)
        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(self.incidents_pane, "Incidents")
        self.left_tabs.addTab(findings_box, "Findings")
        findings_panel, self.findings_caption = panel("Findings", self.left_tabs)
        events_panel, self.events_caption = panel("Events", self.events_pane, self.record_button,
                                                  self.show_all_button)
        self.detail_panel, self.detail_caption = panel("Original record", self.detail_pane)
        detail_panel = self.detail_panel
        self.triage_pane = TriagePanel()
        self.triage_pane.playbooks_reloaded.connect(self._on_triage_pane_playbooks_reloaded)
        self.triage_pane.saved.connect(self._on_triage_pane_saved)
        self.right_tabs = QTabWidget()
        self.right_tabs.addTab(self.playbook_pane, "Playbook")
        self.right_tabs.addTab(self.triage_pane, "Triage")
        self.stack_pane = StackPane()
        self.stack_pane.value_chosen.connect(self._on_stack_pane_value_chosen)
        self.right_tabs.addTab(self.stack_pane, "Counts")
        self.events_pane.count_requested.connect(self.count_values)
        playbook_panel, _ = panel("Finding and playbook", self.right_tabs)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(sources_panel)
        left.addWidget(findings_panel)
        left.setSizes([110, 710])
        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(events_panel)
        centre.addWidget(detail_panel)
        centre.setSizes([560, 260])
        detail_panel.hide()  # on demand: the grid keeps the room (Ctrl+R, the button, a double-click)
        self.events_view.doubleClicked.connect(lambda _index: self.show_record(True))
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for pane in (left, centre, playbook_panel):
            self.splitter.addWidget(pane)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([330, 710, 360])
        for splitter in (left, centre, self.splitter):
            splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self._build_data_export_menu()

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

    def set_analysis(self, analysis: Analysis, paths: Iterable[str] | None = None) -> None:
        """Show an analysis (the loader's result, or one made elsewhere)."""
        self.analysis = analysis
        self.input_paths = list(paths) if paths is not None else [i.path for i in analysis.inputs]
        self.sources_model.set_inputs(analysis.inputs)
        self.events_pane.evidence_paths = self.input_paths
        self.events_pane.set_table(analysis.table, analysis.findings,
                                   self.case.marks("event") if self.case is not None else ())
        self.refresh_marks()
        fit_columns(self.sources_view)  # a handful of rows: cheap
        self.findings_view.fit_columns()
        self._clear_detail()
        try:
            incidents = analysis.stories()
        except ValueError:  # an analysis made by hand, without incidents
            incidents = []
        self.findings_model.set_findings(analysis.findings, analysis.playbook_for, incidents)
        self.incidents_pane.set_incidents(incidents)
        self.left_tabs.setCurrentWidget(self.incidents_pane if incidents else self.left_tabs.widget(1))
        self.left_tabs.setTabText(0, f"Incidents ({len(incidents)})")
        self.left_tabs.setTabText(1, f"Findings ({len(analysis.findings)})")
        self.findings_caption.set_caption(f"{plural(len(incidents), 'incident')}, "
                                          f"{plural(len(analysis.findings), 'finding')}")
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

    def count_values(self, column: str | None = None) -> None:
        """Show the value counts (rarest first) of ``column`` over the events in view, in the Counts tab."""
        if column:
            self.stack_pane.set_column(column)
        self.right_tabs.setCurrentWidget(self.stack_pane)
        self.stack_pane.set_view(self.events_model.events_index, self.events_model.rows)
        self.stack_pane.refresh()

    def _on_incidents_pane_show_events(self, incident: Any) -> None:
        """Every event of the incident's findings in the grid."""
        if self.analysis is None:
            return
        by_id = {f.id: f for f in self.analysis.findings}
        parts = [self.analysis.evidence_rows(by_id[fid]) for fid in incident.findings if fid in by_id]
        rows = np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
        self.findings_view.selectionModel().clear()
        self.events_pane.set_scope(rows, clear_filters=True)
        self.events_caption.set_caption(f"Incident {incident.title}: {plural(len(rows), 'event')}")
        self._update_actions()

    def _on_stack_pane_value_chosen(self, column: str, value: Any) -> None:
        self.events_pane.keep_value(column, value)

    def show_record(self, shown: bool) -> None:
        """Show (or hide) the original record of the selected event under the grid."""
        self.detail_panel.setVisible(bool(shown))
        for control in (self.record_button, self.record_action):
            blocked = control.blockSignals(True)
            control.setChecked(bool(shown))
            control.blockSignals(blocked)

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
        folded = self.findings_model.findings_at(current.row())  # near-duplicates: the evidence of all of them
        finding = next((f for f in folded if f.id == self._focus_finding), folded[0])
        rows = self.analysis.evidence_rows(finding) if len(folded) == 1 else \
            np.unique(np.concatenate([self.analysis.evidence_rows(f) for f in folded]))
        self.events_pane.set_scope(rows, clear_filters=True)
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
        self.stack_pane.set_view(self.events_model.events_index, self.events_model.rows)
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
        text = " · ".join((plural(len(a.inputs), "input"), plural(a.events_total, "event"),
                           plural(len(a.findings), "finding")))
        return text + (f" · {bad} with errors" if bad else "")

    def _load_message(self) -> str:
        a = self.analysis
        assert a is not None
        bad = [i for i in a.inputs if i.errors]
        if not bad:
            return (f"Loaded {plural(len(a.inputs), 'input')}, {plural(a.events_total, 'event')}, "
                    f"{plural(len(a.findings), 'finding')}.")
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
        lines = [f"{plural(len(a.inputs), 'input')}, {plural(a.events_total, 'event')} from {format_ts(first) or '-'} "
                 f"to {format_ts(last) or '-'}.",
                 plural(len(a.findings), "finding") + (f": {sev}." if sev else ".")]
        lines += [f"Check “{c.title}” did not run: {c.reason}." for c in a.checks if not c.ran]
        lines += [i.summary() for i in a.inputs if i.errors]
        lines += [f"GeoIP: {e}" for e in a.geoip_errors] + [f"Playbook: {e}" for e in a.playbooks.errors]
        if a.sigma is not None:
            lines.append(f"Sigma: {plural(len(a.sigma.matches), 'rule')} run"
                         + (f", {plural(len(a.sigma_errors), 'rule')} not run (see Coverage)." if a.sigma_errors
                            else "."))
        if a.update_pack:
            lines.append(f"Update pack in use: {a.update_pack}.")
        hint = "Select a finding to see its evidence and playbook." if a.findings else "No findings."
        self.playbook_pane.show_message(hint, lines)

    def _show_error(self, title: str, text: str) -> None:
        """A window-modal message that does not block the event loop (plain text: paths may hold markup)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()

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
