"""The findings table: one row per finding (most severe first, the order the pipeline gives, until the analyst
sorts by a column), with the analyst's star, tags and triage state from the case. Hundreds of rows at most:
sorting is done here in Python over the findings, never over events."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from ...findings import SEVERITIES, Finding
from ...case.marks import Mark
from ...playbooks import Playbook
from ..qt import QAbstractTableModel, QColor, QModelIndex, QPersistentModelIndex, Qt, safe_tooltip
from ..settings import format_ts

# (header, key) of each column
COLUMNS: tuple[tuple[str, str], ...] = (
    ("★", "starred"), ("Severity", "severity"), ("Title", "title"), ("Check", "check"), ("Person", "users"),
    ("State", "state"), ("First seen", "first_seen"), ("Last seen", "last_seen"), ("Events", "events"),
    ("Tags", "tags"), ("Playbook", "playbook"),
)
HEADERS = tuple(h for h, _ in COLUMNS)
KEYS = tuple(k for _, k in COLUMNS)
SEVERITY_COL = KEYS.index("severity")
TITLE_COL = KEYS.index("title")
PLAYBOOK_COL = KEYS.index("playbook")
# severity → (text, background)
SEVERITY_COLORS = {
    "critical": (QColor("#ffffff"), QColor("#991b1b")),
    "high": (QColor("#7f1d1d"), QColor("#fecaca")),
    "medium": (QColor("#78350f"), QColor("#fde68a")),
    "low": (QColor("#1e3a8a"), QColor("#dbeafe")),
}
_EARLY = datetime.min.replace(tzinfo=timezone.utc)


class FindingsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._findings: list[Finding] = []
        self._playbook_for: Callable[[Finding], Playbook | None] = lambda f: None
        self.states: dict[str, str] = {}  # finding id → triage state (the case's; "new" when absent)
        self.marks: dict[str, Mark] = {}  # finding id → the analyst's mark

    def set_findings(self, findings: list[Finding],
                     playbook_for: Callable[[Finding], Playbook | None] | None = None) -> None:
        self.beginResetModel()
        self._findings = list(findings)
        self._playbook_for = playbook_for or (lambda f: None)
        self.endResetModel()

    def set_case_view(self, states: Mapping[str, str] | None = None, marks: Mapping[str, Mark] | None = None) -> None:
        """The triage states and marks from the case (None keeps the current ones); every row redrawn."""
        if states is not None:
            self.states = dict(states)
        if marks is not None:
            self.marks = dict(marks)
        if self._findings:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._findings) - 1, len(COLUMNS) - 1))

    def finding(self, row: int) -> Finding:
        return self._findings[row]

    def findings(self) -> list[Finding]:
        return list(self._findings)

    def row_of(self, predicate: Callable[[Finding], bool]) -> int:
        """The first row whose finding matches, or -1."""
        return next((i for i, f in enumerate(self._findings) if predicate(f)), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._findings)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == 0:
            return "Starred by the analyst"
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        f = self._findings[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(f, KEYS[col])
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == PLAYBOOK_COL:
                book = self._playbook_for(f)
                return safe_tooltip(f"{book.technique}: {book.name}") if book else None
            mark = self.marks.get(f.id)
            comment = f"\n\nYour comment: {mark.comment}" if mark is not None and mark.comment else ""
            return safe_tooltip(f"{f.title}\n\n{f.explanation}{comment}")
        if col == SEVERITY_COL and role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            fg, bg = SEVERITY_COLORS.get(f.severity, (None, None))
            return fg if role == Qt.ItemDataRole.ForegroundRole else bg
        if col == SEVERITY_COL and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if KEYS[col] == "events" and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def text(self, f: Finding, key: str) -> str:
        """The cell of finding ``f`` in column ``key``, as shown."""
        mark = self.marks.get(f.id)
        if key == "starred":
            return "★" if mark is not None and mark.starred else ""
        if key == "tags":
            return mark.tags_text if mark is not None else ""
        if key == "users":
            return ", ".join(f.users)
        if key == "state":
            return self.states.get(f.id, "new")
        if key in ("first_seen", "last_seen"):
            return format_ts(getattr(f, key))
        if key == "events":
            return f"{len(f.evidence):,}"
        if key == "playbook":
            book = self._playbook_for(f)
            return book.technique if book else (f.playbook or "none")
        return str(getattr(f, key) or "")

    def sort_key(self, key: str) -> Callable[[Finding], Any]:
        if key == "severity":
            return lambda f: SEVERITIES.index(f.severity) if f.severity in SEVERITIES else -1
        if key in ("first_seen", "last_seen"):
            return lambda f: getattr(f, key) or _EARLY
        if key == "events":
            return lambda f: len(f.evidence)
        return lambda f: self.text(f, key).casefold()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (stable: equal rows keep the pipeline's most-severe-first order)."""
        self.layoutAboutToBeChanged.emit()
        before = {id(f): row for row, f in enumerate(self._findings)}
        self._findings.sort(key=self.sort_key(KEYS[column]), reverse=order == Qt.SortOrder.DescendingOrder)
        moved = {before[id(f)]: row for row, f in enumerate(self._findings)}
        for old_index in self.persistentIndexList():  # the selection follows its finding
            self.changePersistentIndex(old_index, self.index(moved[old_index.row()], old_index.column()))
        self.layoutChanged.emit()
