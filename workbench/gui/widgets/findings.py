"""The findings list as a sortable table (:class:`~workbench.gui.models.findings.FindingsModel`).

Selecting a row never scrolls the list sideways: a long title used to push the Severity column out of view
when clicked (Qt scrolls a wide cell into view); here only the vertical position follows the selection.
"""

from __future__ import annotations

from typing import Any

from ..models.findings import COLUMNS, KEYS, SEVERITY_COL, TITLE_COL
from ..qt import QAbstractItemView, QHeaderView, QModelIndex, Qt, QTreeView

# widths in characters, so the narrow columns stay readable beside a long title
WIDTHS = {"starred": 2, "severity": 8, "title": 34, "check": 16, "users": 14, "state": 11, "first_seen": 21,
          "last_seen": 21, "events": 6, "tags": 12, "playbook": 9}


class FindingsView(QTreeView):
    def __init__(self, model: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSortingEnabled(True)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the pipeline's order until a title is clicked
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Each column its width in characters (the title elides), so Severity and State stay in view."""
        char = self.fontMetrics().averageCharWidth()
        for col, (title, key) in enumerate(COLUMNS):
            width = max(WIDTHS.get(key, 10) * char, self.fontMetrics().horizontalAdvance(title) + 10)
            if key in ("first_seen", "last_seen"):
                width = self.fontMetrics().horizontalAdvance("0000-00-00 00:00:00 UTC") + 10
            self.setColumnWidth(col, width + 12)

    def scrollTo(self, index: QModelIndex,
                 hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible) -> None:
        """Scroll to ``index``'s row only: the horizontal position stays where the analyst left it."""
        bar = self.horizontalScrollBar()
        keep = bar.value()
        super().scrollTo(index, hint)
        bar.setValue(keep)

    def severity_visible(self) -> bool:
        """Whether the Severity column is on screen (for the tests and the layout)."""
        x = self.columnViewportPosition(SEVERITY_COL)
        return x >= 0 and x + self.columnWidth(SEVERITY_COL) <= self.viewport().width() + 1

    @staticmethod
    def key(column: int) -> str:
        return KEYS[column]


__all__ = ["FindingsView", "TITLE_COL"]
