"""The findings list: one row per finding, most severe first (the order the pipeline gives)."""

from __future__ import annotations

from typing import Any, Callable

from ...findings import Finding
from ...playbooks import Playbook
from ..qt import QAbstractTableModel, QColor, QModelIndex, QPersistentModelIndex, Qt, safe_tooltip
from ..settings import format_ts

HEADERS = ("Severity", "Title", "Users", "First seen", "Last seen", "Playbook")
SEVERITY_COL = 0
# severity → (text, background)
SEVERITY_COLORS = {
    "critical": (QColor("#ffffff"), QColor("#991b1b")),
    "high": (QColor("#7f1d1d"), QColor("#fecaca")),
    "medium": (QColor("#78350f"), QColor("#fde68a")),
    "low": (QColor("#1e3a8a"), QColor("#dbeafe")),
}


class FindingsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._findings: list[Finding] = []
        self._playbook_for: Callable[[Finding], Playbook | None] = lambda f: None

    def set_findings(self, findings: list[Finding],
                     playbook_for: Callable[[Finding], Playbook | None] | None = None) -> None:
        self.beginResetModel()
        self._findings = list(findings)
        self._playbook_for = playbook_for or (lambda f: None)
        self.endResetModel()

    def finding(self, row: int) -> Finding:
        return self._findings[row]

    def row_of(self, predicate: Callable[[Finding], bool]) -> int:
        """The first row whose finding matches, or -1."""
        return next((i for i, f in enumerate(self._findings) if predicate(f)), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._findings)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        f = self._findings[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(f, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 5:
                book = self._playbook_for(f)
                return safe_tooltip(f"{book.technique}: {book.name}") if book else None
            return safe_tooltip(f"{f.title}\n\n{f.explanation}")
        if col == SEVERITY_COL and role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            fg, bg = SEVERITY_COLORS.get(f.severity, (None, None))
            return fg if role == Qt.ItemDataRole.ForegroundRole else bg
        if col == SEVERITY_COL and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _text(self, f: Finding, col: int) -> str:
        if col == 0:
            return f.severity
        if col == 1:
            return f.title
        if col == 2:
            return ", ".join(f.users)
        if col == 3:
            return format_ts(f.first_seen)
        if col == 4:
            return format_ts(f.last_seen)
        book = self._playbook_for(f)
        return book.technique if book else (f.playbook or "none")
