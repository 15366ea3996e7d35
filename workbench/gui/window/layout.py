"""The window's layout, remembered in the settings file (never beside the evidence): docks, toolbars, splitters and
the grid's columns; Reset layout puts back the first start's."""

from __future__ import annotations

from typing import Any

from ..qt import QGuiApplication, QSplitter
from ..settings import store as settings_store

SHORT_SCREEN = 900  # pixels of available height below which the bottom docks start hidden
LAYOUT_VERSION = 3  # bump when panes are added or renamed: an older saved layout is then ignored


class Layout:
    """Mixed into the main window."""

    def _fit_to_screen(self, width: int, height: int) -> None:
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, int(room.width() * 0.95)), min(height, int(room.height() * 0.92))
        self.resize(width, height)


    def _fit_docks_to_screen(self) -> None:
        """On a short screen (a 1366×768 laptop) the docks under the grid start hidden, so the grid shows at
        least 20 rows; View (Ctrl+M, Ctrl+Shift+P …) brings each back."""
        screen = QGuiApplication.primaryScreen()
        if screen is not None and screen.availableGeometry().height() < SHORT_SCREEN:
            for dock in (self.map_dock, *self.cross_source_docks):
                dock.hide()

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
        state["record-shown"] = int(not self.detail_panel.isHidden())
        state["version"] = LAYOUT_VERSION
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
        if str(qs.value("layout/version")) != str(LAYOUT_VERSION):
            return  # saved by another layout (other columns, other panes): the default one is used
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
        self.show_record(str(qs.value("layout/record-shown")) == "1")

    def reset_layout(self) -> None:
        """Docks, toolbars and splitters as at first start (the window keeps its size)."""
        self.restoreState(self._default_layout["state"], LAYOUT_VERSION)
        splitters = self._splitters()
        for key, value in self._default_layout.items():
            if key.startswith("splitters/") and key[10:] in splitters:
                splitters[key[10:]].restoreState(value)
        self.events_pane.restore_header_state(self._default_layout["events-columns"])
        self.show_record(bool(self._default_layout["record-shown"]))
