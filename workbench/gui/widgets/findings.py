"""The findings list as a sortable table (:class:`~workbench.gui.models.findings.FindingsModel`).

Selecting a row never scrolls the list sideways: a long title used to push the Severity column out of view
when clicked (Qt scrolls a wide cell into view); here only the vertical position follows the selection.
"""

from __future__ import annotations

from typing import Any

from ...case.folder import STATES
from ...explore.findings_view import GROUPS
from ...findings import SEVERITIES
from ..models.findings import COLUMNS, KEYS, SEVERITY_COL, TITLE_COL
from ..qt import (QAbstractItemView, QCheckBox, QComboBox, QGridLayout, QHeaderView, QLineEdit, QModelIndex, Qt,
                  QTreeView, QWidget)
from .common import as_row_list

# widths in characters, so the narrow columns stay readable beside a long title
WIDTHS = {"starred": 2, "severity": 8, "title": 34, "count": 3, "check": 16, "users": 14, "state": 11,
          "first_seen": 21, "last_seen": 21, "events": 6, "tags": 12, "incident": 20, "playbook": 9}


class FindingsView(QTreeView):
    def __init__(self, model: Any, parent: Any = None) -> None:
        super().__init__(parent)
        as_row_list(self, model)
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


class FindingsFilterBar(QWidget):
    """Text, lowest severity, triage state, grouping and folding of the findings table."""

    def __init__(self, model: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.model = model
        self.text = QLineEdit()
        self.text.setPlaceholderText("Filter: title, check, person, IP, host")
        self.text.setClearButtonEnabled(True)
        self.severity = QComboBox()
        self.severity.addItem("Any severity", "")
        for sev in SEVERITIES:
            self.severity.addItem(f"{sev}+" if sev != "critical" else sev, sev)
        self.state = QComboBox()
        self.state.addItem("Any state", "")
        for state in STATES:
            self.state.addItem(state, state)
        self.group = QComboBox()
        for name in GROUPS:
            self.group.addItem("No grouping" if name == "none" else f"By {name}", name)
        self.fold = QCheckBox("Fold")
        self.fold.setChecked(True)
        self.fold.setToolTip("Near-duplicates (same check, same IPs or same person within a day) as one row ×N")
        for box in (self.severity, self.state, self.group):
            box.setMinimumContentsLength(3)  # the bar never widens the left-hand pane
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.currentIndexChanged.connect(self.apply)
        self.text.textChanged.connect(self.apply)
        self.fold.toggled.connect(self.apply)
        self.text.setMinimumWidth(60)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.text, 0, 0, 1, 2)
        layout.addWidget(self.fold, 0, 2)
        layout.addWidget(self.severity, 1, 0)
        layout.addWidget(self.state, 1, 1)
        layout.addWidget(self.group, 1, 2)

    def apply(self) -> None:
        self.model.set_view(folded=self.fold.isChecked(), group_by=self.group.currentData(),
                            filter={"text": self.text.text().strip(), "min_severity": self.severity.currentData(),
                                    "state": self.state.currentData()})


__all__ = ["FindingsFilterBar", "FindingsView", "TITLE_COL"]
