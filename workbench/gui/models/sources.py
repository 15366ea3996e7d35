"""The sources list: every input file as the analyst must be able to account for it."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from ...ingest import InputInfo
from ..qt import QAbstractTableModel, QColor, QFontDatabase, QModelIndex, QPersistentModelIndex, Qt, safe_tooltip
from ..settings import format_ts

HEADERS = ("File", "Format", "Events", "Errors", "First event", "Last event", "SHA-256")
ERRORS_COL = HEADERS.index("Errors")
SHA_COL = HEADERS.index("SHA-256")
ERROR_COLOR = QColor("#b91c1c")


class SourcesModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._inputs: list[InputInfo] = []

    def set_inputs(self, inputs: list[InputInfo]) -> None:
        self.beginResetModel()
        self._inputs = list(inputs)
        self.endResetModel()

    def input(self, row: int) -> InputInfo:
        return self._inputs[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._inputs)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        info = self._inputs[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return PurePath(info.path).name
            if col == 1:
                return info.format or "unrecognised"
            if col == 2:
                return f"{info.events:,}"
            if col == 4:
                return format_ts(info.first_ts)
            if col == 5:
                return format_ts(info.last_ts)
            if col == SHA_COL:
                return info.sha256[:16] + "…" if info.sha256 else ""  # the whole digest: tooltip and copy
            if not info.errors:
                return ""
            return info.errors[0] if len(info.errors) == 1 else f"{info.errors[0]} (+{len(info.errors) - 1} more)"
        if role == Qt.ItemDataRole.ForegroundRole and info.errors and col in (0, 1, ERRORS_COL):
            return ERROR_COLOR
        if role == Qt.ItemDataRole.FontRole and col == SHA_COL:
            return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        if role == Qt.ItemDataRole.UserRole:  # the full values, for copying
            return (info.path, info.sha256)[col == SHA_COL]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [info.path, f"sha256 {info.sha256}", f"{info.size:,} bytes, {info.events:,} events"]
            if info.first_ts is not None:
                lines.append(f"{format_ts(info.first_ts)} to {format_ts(info.last_ts)}")
            lines += [f"error: {e}" for e in info.errors] + [f"note: {n}" for n in info.notes]
            return safe_tooltip("\n".join(lines))
        return None
