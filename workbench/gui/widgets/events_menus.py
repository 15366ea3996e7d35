"""The events pane's menus and column arrangement: the header's and a cell's context menus (value counts,
pivots, exclusions, copies), the column chooser, and the header state kept in the saved layout."""

from __future__ import annotations

from typing import Any

from ...explore.query import FIELDS
from ..models.events import COLUMNS
from ..qt import QAction, QGuiApplication, QKeySequence, QMenu, Qt

# (menu text, column, query key) of the "only this ..." pivots
PIVOTS = (("user", "user", "user"), ("IP", "src_ip", "ip"), ("host", "host", "host"))


def short(value: str, limit: int = 40) -> str:
    text = " ".join(value.split())
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return text.replace("&", "&&")  # a menu would take "&x" as a shortcut mark


def key_for(column: str) -> str:
    """The query key of a column ("" if the query language has none)."""
    return next((key for key, cols in FIELDS.items() if cols == (column,)), "")


class EventsPaneMenus:
    """Mixed into :class:`EventsPane` (its ``header``, ``view``, ``model``, ``columns_menu`` and actions)."""

    def _on_header_context_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        section = self.header.logicalIndexAt(pos)
        if 0 <= section < len(COLUMNS) and COLUMNS[section][1] not in ("ts", "ref"):
            title, name = COLUMNS[section]
            menu.addAction(f"Count values of {title} (rarest first)", lambda: self.count_requested.emit(name))
            menu.addSeparator()
        self._fill_columns_menu(menu)
        menu.popup(self.header.mapToGlobal(pos))

    def _on_view_context_menu(self, pos: Any) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        self.view_menu(index.row(), index.column()).popup(self.view.viewport().mapToGlobal(pos))

    def view_menu(self, row: int, column: int) -> QMenu:
        """The pivots and copies offered on a grid cell."""
        m = self.model
        menu = QMenu(self)
        for label, name, _key in PIVOTS:
            value = m.value(row, name)
            if value:
                menu.addAction(f"Only this {label}: {short(str(value))}",
                               lambda n=name: self.pivot(n, row))
        account = m.value(row, "user") or m.value(row, "target_user")
        if account:
            menu.addAction(f"All events of account {short(str(account))}", lambda: self.pivot("account", row))
        if m.value(row, "ts") is not None:
            menu.addAction("±15 minutes around this event", lambda: self.pivot("around", row))
        title, name = COLUMNS[column]
        if key_for(name):
            value = m.value(row, name)
            menu.addAction(f"Exclude {title}: {short('' if value is None else str(value)) or '(empty)'}",
                           lambda: self.exclude(name, row))
        menu.addSeparator()
        menu.addAction("Copy cell", lambda: QGuiApplication.clipboard().setText(
            str(m.index(row, column).data() or "")))
        copy_rows = menu.addAction("Copy selected rows", self.copy_selection)
        copy_rows.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        menu.addAction("Clear filters", self.clear_filters)
        return menu

    def _fill_columns_menu(self, menu: QMenu | None = None) -> None:
        menu = menu if isinstance(menu, QMenu) else self.columns_menu
        menu.clear()
        shown = self.visible_columns()
        for col, (title, _name) in enumerate(COLUMNS):
            act = QAction(title, menu)
            act.setCheckable(True)
            act.setChecked(col in shown)
            act.setEnabled(not (col in shown and len(shown) == 1))  # keep one column
            act.toggled.connect(lambda on, c=col: self.set_column_shown(c, on))
            menu.addAction(act)

    def header_state(self) -> Any:
        """The grid's columns as the analyst arranged them (shown, order, widths), for the saved layout."""
        return self.header.saveState()

    def restore_header_state(self, state: Any) -> bool:
        """Arrange the columns as saved; the rows keep their order (the saved sort indicator is not used)."""
        try:
            ok = bool(self.header.restoreState(state))
        except (TypeError, ValueError):  # not a header state at all (an old or damaged settings file)
            ok = False
        name, descending = self.model.sort_key
        blocked = self.header.blockSignals(True)
        self.header.setSortIndicator([n for _, n in COLUMNS].index(name),
                                     Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
        self.header.blockSignals(blocked)
        if not self.visible_columns():  # never leave the grid without a column
            self.header.setSectionHidden(0, False)
        self.header.place()
        return ok

    def set_column_shown(self, column: int, shown: bool) -> None:
        if not shown and self.visible_columns() == [column]:
            return
        self.header.setSectionHidden(column, not shown)
        self.header.place()
