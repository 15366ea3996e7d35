"""The bottom pane: the selected event's original record, as plain text (never rendered as markup)."""

from __future__ import annotations

import json

from ..qt import QFontDatabase, QPlainTextEdit, QWidget

MAX_CHARS = 2_000_000  # a pathological record is shown cut, not allowed to stall the UI


def pretty(raw: str | None) -> str:
    """JSON records indented, anything else (syslog lines, ...) as it was."""
    if not raw:
        return ""
    text = raw.strip()
    if text[:1] in "{[":
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    return raw


class EventDetailPane(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("Select an event to see its original record.")

    def show_record(self, where: str, raw: str | None) -> None:
        text = pretty(raw)
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS] + f"\n… cut at {MAX_CHARS:,} characters"
        self.setPlainText(f"{where}\n\n{text}" if where else text)

    def clear_record(self) -> None:
        self.clear()
