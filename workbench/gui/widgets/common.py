"""Widget helpers shared by the panes: a read-only rows model, flat list views, a captioned panel, a read-only
text box, plain-text labels, and starting a task with its two outcomes.

Every log-derived string shown through these is model data or plain text: never rich text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

from ..qt import (
    QAbstractItemView, QAbstractTableModel, QHBoxLayout, QLabel, QModelIndex, QPlainTextEdit, QTreeView, QVBoxLayout,
    QWidget, Qt,
)
from ..settings import format_ts
from ..tasks import Task
from .caption import Caption


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 input``, ``2 inputs``, ``1,024 events`` (``many`` for an irregular plural)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


class RowsModel(QAbstractTableModel):
    """A read-only table of plain values (one tuple per row) with a payload per row; numbers align right."""

    def __init__(self, headers: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[tuple[Any, ...]] = []
        self.payloads: list[Any] = []
        self.tooltips: list[str] = []

    def set_rows(self, rows: Iterable[tuple[tuple[Any, ...], Any]]) -> None:
        self.beginResetModel()
        pairs = list(rows)
        self.rows = [r for r, _ in pairs]
        self.payloads = [p for _, p in pairs]
        self.endResetModel()

    def payload(self, row: int) -> Any:
        return self.payloads[row] if 0 <= row < len(self.payloads) else None

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(value, datetime):
                return format_ts(value)
            if isinstance(value, int):
                return f"{value:,}"
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def text(self, row: int, column: int) -> str:
        return str(self.data(self.index(row, column)) or "")


def table_view(model: Any) -> QTreeView:
    """A flat, single-selection list of rows (plain-text cells, elided at the right)."""
    return as_row_list(QTreeView(), model)


def as_row_list(view: QTreeView, model: Any) -> QTreeView:
    """``view`` set up as a flat, single-selection list of ``model``'s rows, elided at the right."""
    view.setModel(model)
    view.setRootIsDecorated(False)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    return view


def fit_columns(view: QTreeView, limit: int = 320) -> None:
    """Each column as wide as its contents, at most ``limit`` pixels (a handful of rows: cheap)."""
    for col in range(view.model().columnCount()):
        view.resizeColumnToContents(col)
        view.setColumnWidth(col, min(view.columnWidth(col), limit))


def panel(title: str, body: QWidget, *extra: QWidget) -> tuple[QWidget, Caption]:
    """``body`` under a bold one-line caption (plain text), with optional widgets right of the caption."""
    widget = QWidget()
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(4, 4, 4, 0)
    layout.setSpacing(2)
    bar = QHBoxLayout()
    caption = Caption(title)
    bar.addWidget(caption, 1)
    for other in extra:
        bar.addWidget(other)
    layout.addLayout(bar)
    layout.addWidget(body, 1)
    return widget, caption


def plain_text_box() -> QPlainTextEdit:
    """A read-only text box that wraps at its width."""
    box = QPlainTextEdit()
    box.setReadOnly(True)
    box.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    return box


def plain_label(text: str = "", parent: QWidget | None = None, wrap: bool = True) -> QLabel:
    """A label that shows ``text`` literally (never as rich text) and can be selected and copied."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    return label


def run_task(fn: Callable[..., Any], *args: Any, done: Callable[[Any], None], failed: Callable[[str], None],
             name: str) -> Task:
    """Start ``fn`` on the thread pool; ``done`` or ``failed`` is called on the UI thread."""
    task = Task(fn, *args, name=name)
    task.finished.connect(done)
    task.failed.connect(failed)
    return task.start()
