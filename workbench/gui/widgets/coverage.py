"""The Coverage pane: what the loaded data could not answer (:mod:`workbench.checks.coverage`).

Each check's status (ran, limited, not run) with its reasons; each source with its time range and the
fields its export lacks; the gaps in time per source. Clicking a gap shows the events around it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...checks.coverage import Gap
from ...progress import CancelToken, Progress
from ..qt import QBrush, QColor, QLabel, QModelIndex, QTabWidget, QVBoxLayout, QWidget, Qt, Signal
from .common import RowsModel, fit_columns, plain_text_box, run_task, table_view

STATUS_TEXT = {"ran": "ran", "limited": "limited", "not_run": "not run"}
STATUS_ORDER = {"not_run": 0, "limited": 1, "ran": 2}


class ChecksModel(RowsModel):
    """Checks with a coloured status cell (the colour repeats the text; the text is what counts)."""

    COLOURS = {"not run": "#c0392b", "limited": "#b9770e"}

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and index.column() == 0:
            colour = self.COLOURS.get(self.rows[index.row()][0])
            return QBrush(QColor(colour)) if colour else None
        return super().data(index, role)


def gap_rows(table: pa.Table, gap: Gap, *, progress: Progress, cancel: CancelToken) -> np.ndarray:
    """The gap's source's events (its host's, for host logs) an hour either side of the gap."""
    margin = timedelta(hours=1)
    ts = table.column("ts")
    lo = pa.scalar(gap.start - margin, ts.type)
    hi = pa.scalar(gap.end + margin, ts.type)
    mask = pc.and_(pc.and_(pc.greater_equal(ts, lo), pc.less_equal(ts, hi)), pc.equal(table.column("source"), gap.source))
    if gap.scope:
        mask = pc.and_(mask, pc.equal(table.column("host"), gap.scope))
    return np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))


class CoveragePane(QWidget):
    show_rows = Signal(object, str)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis: Any = None
        self.checks_model = ChecksModel(("Status", "Check", "Why"), self)
        self.checks_view = table_view(self.checks_model)
        self.sources_model = RowsModel(("Source", "Events", "First event", "Last event", "Absent fields"), self)
        self.sources_view = table_view(self.sources_model)
        self.gaps_model = RowsModel(("Source", "Host", "No events from", "To", "Hours", "Events expected"), self)
        self.gaps_view = table_view(self.gaps_model)
        self.gaps_view.activated.connect(self._on_gaps_view_activated)
        self.gaps_view.doubleClicked.connect(self._on_gaps_view_activated)
        self.summary = plain_text_box()
        self.status = QLabel("No analysis loaded.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.checks_view, "Checks")
        self.tabs.addTab(self.sources_view, "Sources")
        self.tabs.addTab(self.gaps_view, "Gaps")
        self.tabs.addTab(self.summary, "Not looked at")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)

    def set_analysis(self, analysis: Any) -> None:
        self.analysis = analysis
        cov = analysis.coverage if analysis is not None else None
        if cov is None:
            for model in (self.checks_model, self.sources_model, self.gaps_model):
                model.set_rows([])
            self.summary.setPlainText("")
            self.status.setText("No analysis loaded.")
            return
        checks = sorted(cov.checks, key=lambda c: (STATUS_ORDER.get(c.status, 3), c.title))
        self.checks_model.set_rows(((STATUS_TEXT.get(c.status, c.status), c.title, "; ".join(c.reasons) or "-"), c)
                                   for c in checks)
        self.sources_model.set_rows(((s.source, s.events, s.first, s.last, ", ".join(s.absent_fields) or "-"), s)
                                    for s in cov.sources)
        self.gaps_model.set_rows(((g.source, g.scope or "-", g.start, g.end, round(g.hours, 1),
                                   int(round(g.expected_events))), g) for g in cov.gaps)
        for view in (self.checks_view, self.sources_view, self.gaps_view):
            fit_columns(view, 420)
        self.summary.setPlainText("\n".join(cov.not_looked_at()) or "Every check ran; no gaps found.")
        counts = {k: sum(1 for c in cov.checks if c.status == k) for k in STATUS_TEXT}
        self.status.setText(f"{counts['ran']} checks ran, {counts['limited']} limited, {counts['not_run']} did not "
                            f"run; {len(cov.sources)} sources over {cov.time_range_days:.1f} days; "
                            f"{len(cov.gaps)} gap{'' if len(cov.gaps) == 1 else 's'} in time" + (" (double-click a gap to see its edges)"
                                                               if cov.gaps else ""))
        self.tabs.setTabText(2, f"Gaps ({len(cov.gaps)})")

    def show_gap(self, row: int) -> Any:
        gap = self.gaps_model.payload(row)
        if gap is None or self.analysis is None:
            return None
        caption = f"{gap.source}{' on ' + gap.scope if gap.scope else ''} an hour either side of its " \
                  f"{gap.hours:.1f} h gap"
        return run_task(gap_rows, self.analysis.table, gap, done=lambda rows: self.show_rows.emit(rows, caption),
                        failed=self.message.emit, name="gap events")

    def _on_gaps_view_activated(self, index: QModelIndex) -> None:
        self.show_gap(index.row())
