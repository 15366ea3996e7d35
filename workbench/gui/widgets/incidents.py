"""The Incidents view, shown first after loading: one row per incident (:mod:`workbench.incidents`), most severe
first, and for the selected one its storyline (a small timeline of its findings, one lane per kill-chain
tactic), its narrative and why its findings belong together. Clicking a step selects that finding; "Show its
events" puts every event of the incident in the grid.

Every log-derived string is model data, a plain-text box or a tooltip through ``safe_tooltip``: never markup.
"""

from __future__ import annotations

from typing import Any

from ...incidents.model import KILL_CHAIN
from ..qt import (QColor, QHBoxLayout, QLabel, QModelIndex, QMouseEvent, QPainter, QPaintEvent, QPen, QPushButton,
                  QRectF, QSizePolicy, QSplitter, Qt, QToolTip, QVBoxLayout, QWidget, Signal, safe_tooltip)
from ..settings import format_ts
from .common import RowsModel, fit_columns, plain_text_box, plural, table_view

SEVERITY_COLORS = {"critical": QColor("#991b1b"), "high": QColor("#dc2626"), "medium": QColor("#d97706"),
                   "low": QColor("#2563eb")}
LANE = 13  # pixels per kill-chain lane
LABELS = 120  # pixels for the lane names at the left
AXIS = 16


def _span(delta: Any) -> str:
    """A duration in words: "45 min", "3.5 h", "2 days"."""
    minutes = delta.total_seconds() / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.0f} days"


class StorylineView(QWidget):
    """The incident's findings on a time axis, one lane per kill-chain tactic reached (plus "other")."""

    step_clicked = Signal(str)  # finding id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.incident: Any = None
        self.lanes: list[str] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(AXIS + 2 * LANE + 8)

    def set_incident(self, incident: Any) -> None:
        self.incident = incident
        tactics = [] if incident is None else [t for t in KILL_CHAIN if any(s.tactic == t for s in incident.steps)]
        if incident is not None and any(s.tactic is None for s in incident.steps):
            tactics.append("other")
        self.lanes = tactics
        self.setFixedHeight(AXIS + max(len(tactics), 1) * LANE + 10)
        self.update()

    def step_rects(self) -> list[tuple[Any, QRectF]]:
        """(step, where it is drawn) for every step of the incident."""
        inc = self.incident
        if inc is None or not inc.steps:
            return []
        first, last = inc.first, inc.last
        span = max((last - first).total_seconds(), 1.0)
        width = max(self.width() - LABELS - 10, 10)
        out = []
        for step in inc.steps:
            lane = self.lanes.index(step.tactic if step.tactic in self.lanes else "other")
            x0 = LABELS + width * (step.at - first).total_seconds() / span
            x1 = LABELS + width * (step.until - first).total_seconds() / span
            out.append((step, QRectF(x0, 4 + lane * LANE, max(x1 - x0, 6.0), LANE - 3)))
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.base())
        if self.incident is None:
            painter.setPen(pal.placeholderText().color())
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), "Select an incident")
            return
        painter.setPen(pal.text().color())
        for i, lane in enumerate(self.lanes):
            painter.drawText(QRectF(2, 4 + i * LANE - 1, LABELS - 6, LANE),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), lane)
            painter.setPen(QPen(pal.mid().color(), 0.5))
            painter.drawLine(LABELS, 4 + i * LANE + LANE // 2, self.width() - 6, 4 + i * LANE + LANE // 2)
            painter.setPen(pal.text().color())
        for step, rect in self.step_rects():
            painter.fillRect(rect, SEVERITY_COLORS.get(step.severity, QColor("#6b7280")))
        y = 4 + len(self.lanes) * LANE + 2
        room = QRectF(LABELS, y, self.width() - LABELS - 6, AXIS)
        left, right = format_ts(self.incident.first), "+" + _span(self.incident.last - self.incident.first)
        metrics = painter.fontMetrics()
        if metrics.horizontalAdvance(f"{left}  {right}") > room.width():  # narrow: the start's time of day only
            left = left[11:16] if len(left) >= 16 else left
        painter.drawText(room, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), left)
        painter.drawText(room, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), right)

    def _step_at(self, x: float, y: float) -> Any:
        for step, rect in self.step_rects():
            if rect.adjusted(-3, -2, 3, 2).contains(x, y):
                return step
        return None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        step = self._step_at(event.position().x(), event.position().y())
        if step is not None:
            QToolTip.showText(event.globalPosition().toPoint(), safe_tooltip(
                f"{format_ts(step.at)}\n[{step.severity}] {step.tactic or 'no kill-chain tactic'}\n{step.text}"), self)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        step = self._step_at(event.position().x(), event.position().y())
        if step is not None and event.button() == Qt.MouseButton.LeftButton:
            self.step_clicked.emit(step.finding)


class IncidentsPane(QWidget):
    finding_activated = Signal(str)  # a step or a finding of the incident was chosen
    show_events = Signal(object)  # the incident whose events the grid should show

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RowsModel(("Severity", "Confidence", "Incident", "Findings", "First", "Last"), self)
        self.view = table_view(self.model)
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_changed)
        self.storyline = StorylineView()
        self.storyline.step_clicked.connect(self.finding_activated)
        self.narrative = plain_text_box()
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.events_button = QPushButton("Show its events")
        self.events_button.setToolTip("Every event of the incident's findings in the grid")
        self.events_button.clicked.connect(lambda: self.current() is not None and self.show_events.emit(self.current()))
        detail = QWidget()
        lay = QVBoxLayout(detail)
        lay.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.events_button)
        lay.addLayout(bar)
        lay.addWidget(self.storyline)
        lay.addWidget(self.narrative, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(detail)
        split.setSizes([200, 300])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.incidents: list[Any] = []
        self.set_incidents([])

    def set_incidents(self, incidents: list[Any]) -> None:
        self.incidents = list(incidents)
        self.model.set_rows(((i.severity, i.confidence, i.title, len(i.findings), i.first, i.last), i)
                            for i in self.incidents)
        fit_columns(self.view, 260)
        if self.incidents:
            self.view.setCurrentIndex(self.model.index(0, 0))
        else:
            self._show(None)

    def current(self) -> Any:
        index = self.view.currentIndex()
        return self.model.payload(index.row()) if index.isValid() else None

    def _on_view_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self._show(self.model.payload(current.row()) if current.isValid() else None)

    def _show(self, incident: Any) -> None:
        self.storyline.set_incident(incident)
        self.events_button.setEnabled(incident is not None)
        if incident is None:
            self.status.setText(plural(len(self.incidents), "incident") if self.incidents else "No incidents.")
            self.narrative.setPlainText("")
            return
        self.status.setText(f"{incident.severity} severity, {incident.confidence} confidence · "
                            f"{plural(len(incident.findings), 'finding')} · {format_ts(incident.first)}")
        lines = [incident.narrative, ""]
        lines += [f"{format_ts(s.at)}  [{s.severity}] {s.tactic or '—'}: {s.text}" for s in incident.steps]
        lines += ["", "Why these belong together:", *(f"• {w}" for w in incident.links)]
        lines += ["", "Severity: " + "; ".join(incident.severity_reasons),
                  "Confidence: " + "; ".join(incident.confidence_reasons)]
        self.narrative.setPlainText("\n".join(lines))
