"""A table header with one filter box under each column title (Timeline Explorer style).

The boxes live in the header's own margin, follow their sections when columns are resized, moved,
hidden or scrolled, and report their texts (debounced) by :attr:`FilterHeader.filters_changed`.
"""

from __future__ import annotations

from ..qt import QHeaderView, QLineEdit, QSize, Qt, QTimer, QWidget, Signal

DEBOUNCE_MS = 250


class FilterHeader(QHeaderView):
    filters_changed = Signal()  # some box's text changed (after a short pause in typing)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._editors: list[QLineEdit] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.filters_changed)
        self.setSectionsClickable(True)
        self.setSectionsMovable(True)
        self.sectionResized.connect(self.place)
        self.sectionMoved.connect(self.place)
        self.sectionCountChanged.connect(self._on_self_section_count_changed)

    # -- what the pane calls ------------------------------------------------------------------

    def editor(self, section: int) -> QLineEdit:
        return self._editors[section]

    def texts(self) -> dict[int, str]:
        """Logical section → its filter text, for the boxes that hold one."""
        return {i: e.text() for i, e in enumerate(self._editors) if e.text().strip()}

    def set_text(self, section: int, text: str, notify: bool = True) -> None:
        editor = self._editors[section]
        blocked = editor.blockSignals(not notify)
        editor.setText(text)
        editor.blockSignals(blocked)
        if notify:
            self.flush()

    def clear_filters(self) -> None:
        for editor in self._editors:
            blocked = editor.blockSignals(True)
            editor.clear()
            editor.blockSignals(blocked)
        self._timer.stop()

    def flush(self) -> None:
        """Report now instead of after the typing pause."""
        self._timer.stop()
        self.filters_changed.emit()

    # -- geometry -----------------------------------------------------------------------------

    def _editor_height(self) -> int:
        return self._editors[0].sizeHint().height() if self._editors else 0

    def sizeHint(self) -> QSize:
        size = super().sizeHint()
        if self._editors:
            size.setHeight(size.height() + self._editor_height() + 2)
        return size

    def updateGeometries(self) -> None:
        margin = self._editor_height() + 2 if self._editors else 0
        self.setViewportMargins(0, 0, 0, margin)
        super().updateGeometries()
        self.place()

    def place(self, *args: object) -> None:
        if not self._editors:
            return
        top = self.viewport().geometry().bottom() + 1  # the margin under the titles
        height = self._editor_height()
        for section, editor in enumerate(self._editors):
            if self.isSectionHidden(section):
                editor.hide()
                continue
            editor.setGeometry(self.sectionViewportPosition(section), top, self.sectionSize(section) - 1, height)
            editor.show()

    def _on_self_section_count_changed(self, old: int, new: int) -> None:
        while len(self._editors) < new:
            editor = QLineEdit(self)
            editor.setPlaceholderText("filter")
            editor.setClearButtonEnabled(True)
            editor.setToolTip("Keep the events whose value in this column contains this text (any case)")
            editor.textChanged.connect(self._timer.start)
            editor.returnPressed.connect(self.flush)
            self._editors.append(editor)
        while len(self._editors) > new:
            self._editors.pop().deleteLater()
        self.updateGeometries()
