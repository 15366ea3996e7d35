"""The findings table: one row per finding, or per group of near-duplicates folded into one row with a count
(:mod:`workbench.explore.findings_view`), most severe first (the pipeline's order) until the analyst sorts by a
column; filtered by severity, state and text, grouped by incident, check or person; with the analyst's star,
tags and triage state from the case. Hundreds of rows at most: plain Python over the findings, never events."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from ...explore.findings_view import FindingRow, fold, group_key, matches
from ...findings import SEVERITIES, Finding
from ...case.marks import Mark
from ...playbooks import Playbook
from ..qt import QAbstractTableModel, QColor, QModelIndex, QPersistentModelIndex, Qt, safe_tooltip
from ..settings import format_ts

# (header, key) of each column
COLUMNS: tuple[tuple[str, str], ...] = (
    ("★", "starred"), ("Severity", "severity"), ("Title", "title"), ("×", "count"), ("Check", "check"),
    ("Person", "users"), ("State", "state"), ("First seen", "first_seen"), ("Last seen", "last_seen"),
    ("Events", "events"), ("Tags", "tags"), ("Incident", "incident"), ("Playbook", "playbook"),
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
        self._all: list[Finding] = []
        self._rows: list[FindingRow] = []
        self._findings: list[Finding] = []  # the lead finding of each row
        self._playbook_for: Callable[[Finding], Playbook | None] = lambda f: None
        self.states: dict[str, str] = {}  # finding id → triage state (the case's; "new" when absent)
        self.marks: dict[str, Mark] = {}  # finding id → the analyst's mark
        self.incident_of: dict[str, str] = {}  # finding id → its incident's title
        self.folded = True  # near-duplicates as one row
        self.group_by = "none"  # or incident, check, person
        self.filter: dict[str, str] = {}  # text, min_severity, state (workbench.explore.findings_view.matches)
        self._sort: tuple[str, bool] | None = None  # (key, descending) the analyst chose

    def set_findings(self, findings: list[Finding],
                     playbook_for: Callable[[Finding], Playbook | None] | None = None,
                     incidents: list[Any] | None = None) -> None:
        self._all = list(findings)
        self._playbook_for = playbook_for or (lambda f: None)
        if incidents is not None:
            self.incident_of = {fid: i.title for i in incidents for fid in i.findings}
        self.rebuild()

    def set_view(self, *, folded: bool | None = None, group_by: str | None = None,
                 filter: Mapping[str, str] | None = None) -> None:  # noqa: A002  (the filter of the list)
        """Fold, group or filter the list (None keeps what is set)."""
        if folded is not None:
            self.folded = folded
        if group_by is not None:
            self.group_by = group_by
        if filter is not None:
            self.filter = {k: v for k, v in filter.items() if v}
        self.rebuild()

    def rebuild(self) -> None:
        self.beginResetModel()
        kept = [f for f in self._all if matches(f, states=self.states, **self.filter)]
        rows = fold(kept) if self.folded else [FindingRow((f,)) for f in kept]
        if self._sort is not None:
            key, descending = self._sort
            rows.sort(key=lambda r: self.sort_key(key)(r.lead), reverse=descending)
        if self.group_by != "none":
            rows.sort(key=lambda r: group_key(r, self.group_by, self.incident_of).casefold())
        self._rows = rows
        self._findings = [r.lead for r in rows]
        self.endResetModel()

    def findings_at(self, row: int) -> tuple[Finding, ...]:
        """Every finding of a row (more than one when near-duplicates are folded)."""
        return self._rows[row].findings

    def set_case_view(self, states: Mapping[str, str] | None = None, marks: Mapping[str, Mark] | None = None) -> None:
        """The triage states and marks from the case (None keeps the current ones); every row redrawn."""
        if states is not None:
            self.states = dict(states)
        if marks is not None:
            self.marks = dict(marks)
        if states is not None and self.filter.get("state"):
            self.rebuild()  # a state filter follows the new states
            return
        if self._findings:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._findings) - 1, len(COLUMNS) - 1))

    def finding(self, row: int) -> Finding:
        return self._findings[row]

    def findings(self) -> list[Finding]:
        return list(self._findings)

    def row_of(self, predicate: Callable[[Finding], bool]) -> int:
        """The first row holding a finding that matches (folded ones too), or -1."""
        return next((i for i, r in enumerate(self._rows) if any(predicate(f) for f in r.findings)), -1)

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
        if key == "count":
            row = next((r for r in self._rows if r.lead is f), None)
            return f"×{row.count}" if row is not None and row.count > 1 else ""
        if key == "incident":
            return self.incident_of.get(f.id, "")
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
        if key == "count":
            counts = {id(r.lead): r.count for r in self._rows}
            return lambda f: counts.get(id(f), 1)
        return lambda f: self.text(f, key).casefold()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (stable: equal rows keep the pipeline's most-severe-first order; within groups when
        grouped)."""
        if column < 0:
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (KEYS[column], order == Qt.SortOrder.DescendingOrder)
        before = {id(r): row for row, r in enumerate(self._rows)}
        key = self.sort_key(KEYS[column])
        self._rows.sort(key=lambda r: key(r.lead), reverse=order == Qt.SortOrder.DescendingOrder)
        if self.group_by != "none":
            self._rows.sort(key=lambda r: group_key(r, self.group_by, self.incident_of).casefold())
        self._findings = [r.lead for r in self._rows]
        moved = {before[id(r)]: row for row, r in enumerate(self._rows)}
        for old_index in self.persistentIndexList():  # the selection follows its finding
            self.changePersistentIndex(old_index, self.index(moved[old_index.row()], old_index.column()))
        self.layoutChanged.emit()
