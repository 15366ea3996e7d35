"""A one-line plain-text caption that elides what does not fit instead of widening its pane."""

from __future__ import annotations

from ..qt import QLabel, QSizePolicy, Qt, QWidget


class Caption(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        font = self.font()
        font.setBold(True)
        self.setFont(font)
        self._full = ""
        self.set_caption(text)

    def set_caption(self, text: str) -> None:
        self._full = text
        self._elide()

    def caption(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: ANN001  (Qt signature)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.width(), 40)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))
