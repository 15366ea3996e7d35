"""The timeline strip above the events grid: events per time bin, the events in view drawn over them,
each finding marked where it lies; dragging across it (brushing) selects a time window.

The numbers come from :mod:`workbench.explore.timeline`; this widget only draws them and turns the mouse into
a window ``[start, end)`` snapped to bin edges, reported by :attr:`TimelineView.brushed`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from ...explore.timeline import Histogram, Mark
from ..qt import (QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QRectF, QSizePolicy, Qt, QToolTip, QWheelEvent,
                  QWidget, Signal, safe_tooltip)
from ..settings import format_ts  # in the display time zone, with the zone

SEVERITY_COLORS = {"critical": QColor("#991b1b"), "high": QColor("#dc2626"), "medium": QColor("#d97706"),
                   "low": QColor("#2563eb")}
MARK_BAND = 14  # pixels at the top for the findings' marks
AXIS_BAND = 16  # pixels at the bottom for the time labels


def counts_on(hist: Histogram, ts_us: np.ndarray) -> np.ndarray:
    """Events per bin of ``hist`` for these times (microseconds since the epoch); outside times dropped."""
    start = int((hist.start - datetime(1970, 1, 1, tzinfo=hist.start.tzinfo)) / timedelta(microseconds=1))
    step = max(int(hist.step / timedelta(microseconds=1)), 1)
    index = (ts_us - start) // step
    index = index[(index >= 0) & (index < hist.bins)]
    return np.bincount(index, minlength=hist.bins)[:hist.bins]


class TimelineView(QWidget):
    brushed = Signal(object, object)  # start, end (datetimes, end excluded); None, None when cleared
    reset = Signal()  # double-click: every time again, the whole span
    panned = Signal(float)  # the wheel: move the zoomed span by this share of its width (- earlier, + later)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hist: Histogram | None = None
        self.marks: list[Mark] = []
        self.overlay: np.ndarray | None = None
        self.window: tuple[int, int] | None = None  # brushed bins, first and last included
        self._press_bin: int | None = None
        self.setMinimumHeight(60)
        self.setMaximumHeight(90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.zoomed = False  # the bins cover a span the analyst zoomed to, not the whole evidence
        self.setToolTip("Drag across the timeline to zoom to that time window (the grid shows only it); the wheel "
                        "moves along; double-click or click to see every time again")

    # -- data ---------------------------------------------------------------------------------

    def set_histogram(self, hist: Histogram | None, marks: list[Mark], zoomed: bool = False) -> None:
        self.hist, self.marks, self.overlay, self.window = hist, list(marks), None, None
        self.zoomed = zoomed
        self.update()

    def set_overlay(self, counts: np.ndarray | None) -> None:
        self.overlay = counts
        self.update()

    def brush(self, first_bin: int | None, last_bin: int | None = None) -> None:
        """Select bins ``first_bin``..``last_bin`` (None: no window) and report it as the mouse would."""
        if self.hist is None or first_bin is None:
            self.window = None
            self.update()
            self.brushed.emit(None, None)
            return
        last_bin = first_bin if last_bin is None else last_bin
        lo, hi = sorted((max(0, first_bin), min(self.hist.bins - 1, last_bin)))
        self.window = (lo, hi)
        self.update()
        self.brushed.emit(self.hist.bin_start(lo), self.hist.bin_start(hi + 1))

    def clear_window(self) -> None:
        """Forget the window without reporting it (the pane cleared its filters itself)."""
        self.window = None
        self.update()

    def window_text(self) -> str:
        if self.hist is None or self.window is None:
            return ""
        return f"{format_ts(self.hist.bin_start(self.window[0]))} to {format_ts(self.hist.bin_start(self.window[1] + 1))}"

    # -- geometry -----------------------------------------------------------------------------

    def _plot(self) -> QRectF:
        return QRectF(4, MARK_BAND, max(self.width() - 8, 1), max(self.height() - MARK_BAND - AXIS_BAND, 1))

    def bin_at(self, x: float) -> int:
        assert self.hist is not None
        plot = self._plot()
        return int(min(max((x - plot.left()) / plot.width() * self.hist.bins, 0), self.hist.bins - 1))

    def _x(self, bin_index: float) -> float:
        assert self.hist is not None
        plot = self._plot()
        return plot.left() + plot.width() * bin_index / self.hist.bins

    # -- mouse --------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.hist is not None and event.button() == Qt.MouseButton.LeftButton:
            self._press_bin = self.bin_at(event.position().x())
            self.window = (self._press_bin, self._press_bin)
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.hist is None:
            return
        here = self.bin_at(event.position().x())
        if self._press_bin is not None:
            self.window = tuple(sorted((self._press_bin, here)))  # type: ignore[assignment]
            self.update()
        QToolTip.showText(event.globalPosition().toPoint(), safe_tooltip(self._describe(here)), self)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.hist is None or self._press_bin is None:
            return
        here = self.bin_at(event.position().x())
        press, self._press_bin = self._press_bin, None
        if here == press:  # a click, not a drag: show all times again
            self.brush(None)
        else:
            self.brush(press, here)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._press_bin = None
        self.window = None
        self.reset.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.zoomed and event.angleDelta().y():
            self.panned.emit(-0.2 if event.angleDelta().y() > 0 else 0.2)
            event.accept()
        else:
            event.ignore()

    def _describe(self, b: int) -> str:
        assert self.hist is not None
        lines = [f"{format_ts(self.hist.bin_start(b))} to {format_ts(self.hist.bin_start(b + 1))}",
                 f"{int(self.hist.totals[b]):,} events"]
        if self.overlay is not None:
            lines.append(f"{int(self.overlay[b]):,} in view")
        lines += [f"[{m.severity}] {m.label}" for m in self.marks if m.first_bin <= b <= m.last_bin][:8]
        return "\n".join(lines)

    # -- painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.base())
        if self.hist is None:
            painter.setPen(pal.placeholderText().color())
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), "No events")
            return
        plot = self._plot()
        totals = self.hist.totals
        top = max(int(totals.max()), 1)
        width = plot.width() / self.hist.bins
        base_color, view_color = QColor(pal.mid().color()), QColor(pal.highlight().color())
        for series, color in ((totals, base_color), (self.overlay, view_color)):
            if series is None:
                continue
            for b in np.flatnonzero(series):
                h = max(plot.height() * float(series[b]) / top, 1.0)
                painter.fillRect(QRectF(plot.left() + b * width, plot.bottom() - h, max(width - 0.5, 1.0), h), color)
        for m in sorted(self.marks, key=lambda m: ("low", "medium", "high", "critical").index(m.severity)
                        if m.severity in SEVERITY_COLORS else 0):
            color = SEVERITY_COLORS.get(m.severity, QColor("#6b7280"))
            x0, x1 = self._x(m.first_bin), self._x(m.last_bin + 1)
            painter.fillRect(QRectF(x0, 2, max(x1 - x0, 3.0), MARK_BAND - 5), color)
        if self.window is not None:
            lo, hi = self.window
            shade = QColor(pal.highlight().color())
            shade.setAlpha(60)
            x0, x1 = self._x(lo), self._x(hi + 1)
            painter.fillRect(QRectF(x0, plot.top(), x1 - x0, plot.height()), shade)
            painter.setPen(QPen(pal.highlight().color(), 1))
            painter.drawRect(QRectF(x0, plot.top(), x1 - x0, plot.height()))
        painter.setPen(pal.text().color())
        label_y = int(plot.bottom()) + 2
        left = format_ts(self.hist.start)
        right = format_ts(self.hist.end)
        painter.drawText(int(plot.left()), label_y, int(plot.width()), AXIS_BAND - 2,
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), left)
        painter.drawText(int(plot.left()), label_y, int(plot.width()), AXIS_BAND - 2,
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop), right)
        step = _step_text(self.hist.step)
        painter.drawText(int(plot.left()), label_y, int(plot.width()), AXIS_BAND - 2,
                         int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
                         f"{step} bins · peak {top:,}" + (" · zoomed (wheel: move, double-click: all)"
                                                          if self.zoomed else ""))


def _step_text(step: timedelta) -> str:
    seconds = int(step.total_seconds())
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if unit == 'day' and n > 1 else ''}"
    return f"{seconds} s"
