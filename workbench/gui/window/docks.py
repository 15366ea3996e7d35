"""The docks under the grid: the login map of the selected finding's accounts (drawn only while visible), and
People, Credentials and Coverage tabbed with it."""

from __future__ import annotations

from typing import Any

from ...analysis import Analysis
from ..qt import QAction, QDockWidget, QKeySequence, Qt
from ..tasks import Task
from ..widgets.common import plural
from ..widgets.coverage import CoveragePane
from ..widgets.credentials import CredentialsPane
from ..widgets.entities import EntitiesPane, cross_source
from ..widgets.map import LoginMapPane


class Docks:
    """Mixed into the main window (a QMainWindow with ``events_pane``, ``findings_view``, ``playbook_pane``)."""

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
        self.map_action = self._dock_action(dock, "Ctrl+M", "Show the map of the selected finding's login "
                                            "locations (brought forward when behind another tab), or hide it")
        self.view_menu.addAction(self.map_action)
        self.reset_layout_action = QAction("Reset layout", self)
        self.reset_layout_action.setStatusTip("Put the panes back where they were at first start")
        self.reset_layout_action.triggered.connect(self.reset_layout)
        self.view_menu.addAction(self.reset_layout_action)
        self._map_stale = True

    def _dock_action(self, dock: QDockWidget, keys: str, tip: str) -> QAction:
        """A checkable action for ``dock``: shows it and brings it forward when hidden or behind another tab,
        hides it only when it is in front (Qt's own toggle hid a dock the analyst could not see)."""
        act = QAction(dock.windowTitle(), self)
        act.setCheckable(True)
        act.setShortcut(QKeySequence(keys))
        act.setStatusTip(tip)
        act.triggered.connect(lambda _checked=False: self.toggle_dock(dock))
        dock.visibilityChanged.connect(lambda _visible: act.setChecked(self.dock_in_front(dock)))
        act.setChecked(dock.isVisible())
        return act

    def dock_in_front(self, dock: QDockWidget) -> bool:
        """Shown and not behind another tab."""
        if not dock.isVisible():
            return False
        tabbed = self.tabifiedDockWidgets(dock)
        return not tabbed or not dock.visibleRegion().isEmpty()

    def toggle_dock(self, dock: QDockWidget) -> None:
        if self.dock_in_front(dock):
            dock.hide()
        else:
            dock.show()
            dock.raise_()

    def update_map(self) -> None:
        """Draw the map for the selected finding's accounts (now if the dock is visible, else when shown)."""
        self._map_stale = True
        if self.map_dock.isVisible() and not self.map_dock.visibleRegion().isEmpty():
            self._draw_map()

    def _draw_map(self) -> None:
        from ...explore.worldmap import finding_map

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
        self.events_caption.set_caption(f"{plural(len(rows), 'login')} at the place chosen on the map")
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
        self.dock_actions: list[QAction] = []
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
            act = self._dock_action(dock, keys, tip)
            self.view_menu.insertAction(self.reset_layout_action, act)
            self.dock_actions.append(act)
            self.cross_source_docks.append(dock)
        self.people_dock, self.credentials_dock, self.coverage_dock = self.cross_source_docks
        self.people_action, self.credentials_action, self.coverage_action = self.dock_actions
        self.map_dock.raise_()

    def show_cross_source(self, analysis: Analysis) -> Task | None:
        """Fill People, Credentials and Coverage; computed off the UI thread when the analysis came without them
        (a case saved by an older version) or the open case holds link decisions it was not resolved with."""
        from ...people.identity import case_decisions

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
        self.events_caption.set_caption(f"{caption}: {plural(len(rows), 'event')}")
        self._update_actions()

    def _on_entities_pane_finding_activated(self, finding_id: str) -> None:
        row = self.findings_model.row_of(lambda f: f.id == finding_id)  # folded into a row too
        if row < 0 and self.findings_model.filter:  # filtered out: show every finding again
            self.findings_filter.text.clear()
            self.findings_filter.severity.setCurrentIndex(0)
            self.findings_filter.state.setCurrentIndex(0)
            row = self.findings_model.row_of(lambda f: f.id == finding_id)
        if row >= 0:
            self._focus_finding = finding_id  # the one meant, when near-duplicates share its row
            if self.findings_view.currentIndex().row() == row:
                self._on_findings_current_changed(self.findings_model.index(row, 0), self.findings_model.index(row, 0))
            self.select_finding(row)
            self._focus_finding = None
