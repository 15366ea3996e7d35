"""Stack counting: the values of one grid column over the events in view, rarest first (the "least frequency
of occurrence" view: the one odd user agent, IP or event name of an account). Clicking a value keeps only the
events with it. The counting is :meth:`workbench.query.EventIndex.value_counts` over the view's row ids."""

from __future__ import annotations

from typing import Any

from ..models.events import COLUMNS
from ..qt import QComboBox, QHBoxLayout, QLabel, QModelIndex, Qt, QVBoxLayout, QWidget, Signal
from .common import RowsModel, plural, table_view

MAX_VALUES = 5000  # rows listed (the rarest); a column with more distinct values says how many were left out
EMPTY = "(empty)"


class StackPane(QWidget):
    value_chosen = Signal(str, object)  # column, value (None: the empty value): keep only these events

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.column_box = QComboBox()
        for title, name in COLUMNS:
            if name not in ("ts", "ref"):
                self.column_box.addItem(title, name)
        self.column_box.setCurrentIndex(self.column_box.findData("user_agent"))
        self.column_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.column_box.setMinimumContentsLength(8)  # the pane never widens the right-hand side
        self.column_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.model = RowsModel(("Value", "Events", "Share"), self)
        self.view = table_view(self.model)
        self.view.setToolTip("Rarest first. Click a value to keep only its events in the grid.")
        self.view.clicked.connect(self._on_view_clicked)
        top = QHBoxLayout()
        top.addWidget(QLabel("Count"))
        top.addWidget(self.column_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        self._index: Any = None
        self._rows: Any = None

    @property
    def column(self) -> str:
        return self.column_box.currentData()

    def set_column(self, name: str) -> None:
        i = self.column_box.findData(name)
        if i >= 0:
            self.column_box.setCurrentIndex(i)

    def set_view(self, index: Any, rows: Any) -> None:
        """The grid's index and the row ids in view; counted again when shown."""
        self._index, self._rows = index, rows
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        if self._index is None or self._rows is None:
            self.model.set_rows([])
            self.status.setText("Load evidence to count values.")
            return
        pairs = self._index.value_counts(self.column, self._rows)
        total = max(len(self._rows), 1)
        shown = pairs[:MAX_VALUES]
        self.model.set_rows((((EMPTY if v is None else str(v)), n, f"{100 * n / total:.1f} %"), v) for v, n in shown)
        left = f"; the {len(pairs) - len(shown):,} most common not listed" if len(pairs) > len(shown) else ""
        self.status.setText(f"{plural(len(pairs), 'distinct value')} over {plural(len(self._rows), 'event')}, "
                            f"rarest first{left}.")
        self.view.resizeColumnToContents(1)

    def showEvent(self, event: Any) -> None:  # noqa: ANN401  (Qt signature)
        super().showEvent(event)
        self.refresh()

    def _on_view_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.value_chosen.emit(self.column, self.model.payload(index.row()))
