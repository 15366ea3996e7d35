"""The events pane: query bar, quick search, timeline, and the grid with a filter box per column.

Every filter is computed by :class:`workbench.explore.query.EventIndex` over the columns and handed to the
model as an array of row ids; nothing here loops over events. What narrows the view, all together:

* the *scope*: every event, or the rows the main window gives (a finding's evidence);
* the query bar (:mod:`workbench.explore.query` syntax), applied on Enter;
* the quick search box (every word somewhere in the text fields), applied as you type;
* the filter box under each column title (the column contains the text);
* the time window brushed on the timeline.

Pivots (right click on a cell) rewrite the query and leave the finding's scope.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pyarrow as pa

from ...export import events_as_text, write_events_csv, write_events_jsonl
from ...findings import Finding
from ...case.marks import MARK_COLUMNS, Mark, with_mark_columns
from ...progress import CancelToken, Progress
from ...explore.query import FIELDS, QueryError, around_query, format_term, parse, with_term
from ...explore.timeline import histogram, histogram_between, marks as finding_marks
from ..models.events import COLUMNS, DEFAULT_HIDDEN, SAMPLES, WIDTHS, EventTableModel
from ..qt import (QAbstractItemView, QFileDialog, QGuiApplication, QHBoxLayout, QHeaderView, QKeySequence,
                  QLabel, QLineEdit, QMenu, QPushButton, QShortcut, Qt, QTableView, QTimer, QVBoxLayout, QWidget,
                  Signal, safe_tooltip)
from ..tasks import Task
from .filter_header import FilterHeader
from .events_menus import EventsPaneMenus, key_for as _key_for
from .timeline import TimelineView, counts_on

MAX_COPY_ROWS = 100_000
TIMELINE_BINS = 240
QUERY_HELP = """Query syntax (case does not matter):
  user:alice  country:RU  action:auth.failure  ip:203.0.113.7  host:web-1
  ip:10.0.0.0/8       a network          user:adm*     wildcards * and ?
  user:"Alice Smith"  quoted value       user:""       no value at all
  account:alice       actor or target    -user:bob     exclude
  after:2024-03-05  before:2024-03-06T12:00Z  on:2024-03-05   (UTC unless a zone is given)
  "free text"  word   anywhere in the text fields
The same field twice means either; different fields must all match.
Fields: """ + ", ".join(sorted(FIELDS))
def _export_task(table: pa.Table, rows: np.ndarray, out: Path, fmt: str, columns: list[str], *,
                 progress: Progress, cancel: CancelToken) -> Path:
    write = write_events_jsonl if fmt == "jsonl" else write_events_csv
    return write(table, rows, out, columns, progress=progress, cancel=cancel)


def _warm(index: Any, *, progress: Progress, cancel: CancelToken) -> None:
    index.warm()


class EventsPane(EventsPaneMenus, QWidget):
    changed = Signal()  # the rows in view changed (filter, scope, sort)
    pivoted = Signal()  # a pivot left the scope the main window had set
    exported = Signal(str)  # an export of the view was written at this path
    export_failed = Signal(str)
    count_requested = Signal(str)  # the analyst asked for the value counts of this column

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventTableModel(parent=self)
        self._scope: np.ndarray | None = None
        self._window: tuple[datetime, datetime] | None = None
        self._query = ""
        self._findings: list[Finding] = []
        self._full_hist = None  # the whole evidence's timeline
        self._zoom: tuple[datetime, datetime] | None = None  # the span the timeline is zoomed to
        self.evidence_paths: list[str] = []  # exports are refused inside these
        self.export_task: Task | None = None
        self._build()

    # -- construction -------------------------------------------------------------------------

    def _build(self) -> None:
        self.query_edit = QLineEdit()
        self.query_edit.setPlaceholderText('Query: user:alice country:RU action:auth.failure after:2024-03-05 '
                                           '-user:bob "text"  (Enter)')
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.setToolTip(safe_tooltip(QUERY_HELP))
        self.query_edit.returnPressed.connect(self._on_query_edit_return_pressed)
        self.query_edit.textChanged.connect(self._on_query_edit_text_changed)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Quick search")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setToolTip("Keep events where every word occurs in some text field (any case)")
        self.search_edit.setMaximumWidth(220)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.clicked.connect(self.clear_filters)
        self.columns_button = QPushButton("Columns")
        self.columns_menu = QMenu(self)
        self.columns_button.setMenu(self.columns_menu)
        self.export_button = QPushButton("Export")
        menu = QMenu(self)
        self.export_csv_action = menu.addAction("Events in view as CSV…", lambda: self.export_view(fmt="csv"))
        self.export_jsonl_action = menu.addAction("Events in view as JSON Lines (Timesketch)…",
                                                  lambda: self.export_view(fmt="jsonl"))
        self.export_button.setMenu(menu)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.query_edit, 1)
        for widget in (self.search_edit, self.clear_button, self.columns_button, self.export_button):
            bar.addWidget(widget)

        self.error_label = QLabel()
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet("color: #b91c1c")
        self.error_label.hide()
        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)

        self.timeline = TimelineView()
        self.timeline.brushed.connect(self._on_timeline_brushed)
        self.timeline.reset.connect(self._on_timeline_reset)
        self.timeline.panned.connect(self._on_timeline_panned)

        self.view = view = QTableView()
        self.header = FilterHeader(view)
        view.setHorizontalHeader(self.header)
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setWordWrap(False)
        view.setAlternatingRowColors(True)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.horizontalScrollBar().valueChanged.connect(self.header.place)
        rows = view.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform row heights: no per-row measuring
        rows.setDefaultSectionSize(view.fontMetrics().height() + 6)
        self.header.setHighlightSections(False)
        self.header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.header.setSortIndicatorShown(True)
        view.setSortingEnabled(True)
        self.model.modelReset.connect(self._on_model_reset)
        char = view.fontMetrics().averageCharWidth()
        for col, (title, name) in enumerate(COLUMNS):
            width = max(WIDTHS[name] * char, view.fontMetrics().horizontalAdvance(SAMPLES.get(name, "")))
            self.header.resizeSection(col, max(width, view.fontMetrics().horizontalAdvance(title) + 8) + 14)
            self.header.setSectionHidden(col, name in DEFAULT_HIDDEN)
        self.header.setStretchLastSection(False)
        self.header.filters_changed.connect(self.refresh)
        self.header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.header.customContextMenuRequested.connect(self._on_header_context_menu)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_view_context_menu)
        self.columns_menu.aboutToShow.connect(self._fill_columns_menu)
        copy = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), view)
        copy.setContext(Qt.ShortcutContext.WidgetShortcut)
        copy.activated.connect(self.copy_selection)
        for keys, target in (("Ctrl+L", self.query_edit), ("Ctrl+F", self.search_edit)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda t=target: (t.setFocus(), t.selectAll()))

        status = QHBoxLayout()
        status.setContentsMargins(0, 0, 0, 0)
        status.addWidget(self.error_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(bar)
        layout.addLayout(status)
        layout.addWidget(self.timeline)
        layout.addWidget(view, 1)

    # -- what the main window (and the tests) call ------------------------------------------

    def set_table(self, table: pa.Table | None, findings: Iterable[Finding] = (), marks: Iterable[Mark] = ()) -> None:
        """Show a new event table (all of it, no filter) with the findings marked on the timeline and the
        analyst's ``marks`` (tags, stars, comments) as columns."""
        self._scope, self._window, self._query = None, None, ""
        self._clear_inputs()
        self.model.set_table(with_mark_columns(table, marks) if table is not None else None)
        self._reset_sort_indicator()
        self._findings = list(findings)
        self._full_hist = histogram(table.column("ts"), max_bins=TIMELINE_BINS) \
            if table is not None and table.num_rows else None
        self._zoom = None
        self._show_histogram()
        self._update_labels()
        if table is not None and table.num_rows > 100_000 and self.model.events_index is not None:
            Task(_warm, self.model.events_index, name="index").start()  # the first search is then quick
        self.changed.emit()

    def set_marks(self, marks: Iterable[Mark]) -> None:
        """The analyst's marks changed: new tags / star / comment columns; a filter that may depend on them is
        applied again, keeping the current event when it is still in view."""
        table = self.model.table
        if table is None:
            return
        self.model.replace_columns(with_mark_columns(table, marks), MARK_COLUMNS)
        if self.filtered():
            current = self.view.currentIndex()
            row_id = self.model.row_id(current.row()) if current.isValid() else None
            self.refresh()
            if row_id is not None:
                found = np.flatnonzero(self.model.rows == row_id)
                if len(found):
                    self.view.setCurrentIndex(self.model.index(int(found[0]), max(current.column(), 0)))

    def set_scope(self, rows: np.ndarray | None, clear_filters: bool = False) -> None:
        """Limit the view to these row ids (None: every event); with ``clear_filters`` start afresh."""
        self._scope = None if rows is None else np.asarray(rows, dtype=np.int64)
        if clear_filters:
            self._window, self._query = None, ""
            self._clear_inputs()
            self.model.sort_key = ("ts", False)
            self._reset_sort_indicator()
        self.refresh()

    def reset(self) -> None:
        """Every event, no filter, time order."""
        self.set_scope(None, clear_filters=True)

    def clear_filters(self) -> None:
        """Drop the query, the searches and the time window; keep the scope."""
        self._window, self._query = None, ""
        self._clear_inputs()
        self.refresh()

    @property
    def scoped(self) -> bool:
        return self._scope is not None

    def filtered(self) -> bool:
        return bool(self._query.strip() or self.search_edit.text().strip() or self.header.texts() or self._window)

    def apply_query(self, text: str) -> bool:
        """Put ``text`` in the query bar and apply it; False (and the reason shown) if it does not parse."""
        self.query_edit.setText(text)
        return self._apply_query_text()

    def set_search(self, text: str) -> bool:
        """Put ``text`` in the quick search box and apply it now (typing applies it after a short pause)."""
        self.search_edit.setText(text)
        self._search_timer.stop()
        return self.refresh()

    def refresh(self) -> bool:
        """Recompute the rows in view from everything that narrows it; False if the query is bad."""
        index = self.model.events_index
        if index is None:
            return True
        try:
            query = parse(self._query)
            contains = {COLUMNS[s][1]: t for s, t in self.header.texts().items()}
            start, end = self._window if self._window else (None, None)
            rows = index.select(query, rows=self._scope, contains=contains, search=self.search_edit.text(),
                                start=start, end=end)
        except QueryError as exc:
            self._show_error(exc)
            return False
        self.model.set_rows(self.model.ordered(rows), ordered=True)
        hist = self.timeline.hist
        narrowed = self._scope is not None or self.filtered()
        self.timeline.set_overlay(counts_on(hist, index.ts_us()[rows]) if hist is not None and narrowed else None)
        self._update_labels()
        self.changed.emit()
        return True

    def selected_rows(self) -> np.ndarray:
        """Row ids of the selected grid rows, in view order."""
        ranges = self.view.selectionModel().selection()
        if not len(ranges):
            return np.empty(0, np.int64)
        view_rows = np.unique(np.concatenate([np.arange(r.top(), r.bottom() + 1) for r in ranges]))
        return self.model.rows[view_rows]

    def visible_columns(self) -> list[int]:
        """Logical column numbers shown, in their on-screen order."""
        return [self.header.logicalIndex(v) for v in range(self.header.count())
                if not self.header.isSectionHidden(self.header.logicalIndex(v))]

    def copy_selection(self) -> str:
        """Copy the selected rows (shown columns, tab-separated, with a header line) to the clipboard."""
        rows = self.selected_rows()
        table = self.model.table
        if table is None or not len(rows):
            return ""
        if len(rows) > MAX_COPY_ROWS:
            self._notice(f"Copied the first {MAX_COPY_ROWS:,} of {len(rows):,} selected rows; export for more.")
            rows = rows[:MAX_COPY_ROWS]
        cols = self.visible_columns()
        text = events_as_text(table, rows, [COLUMNS[c][1] for c in cols], [COLUMNS[c][0] for c in cols])
        QGuiApplication.clipboard().setText(text)
        return text

    def pivot(self, kind: str, view_row: int) -> bool:
        """Pivot from a grid row: ``user``/``src_ip``/``host`` (only this value, narrowing the query),
        ``account`` (all events of the account), ``around`` (±15 min around the event). Leaves the scope."""
        m = self.model
        if kind == "around":
            ts = m.value(view_row, "ts")
            if ts is None:
                return False
            self._window = None
            self._clear_inputs()
            text = around_query(ts)
        elif kind == "account":
            account = m.value(view_row, "user") or m.value(view_row, "target_user")
            if not account:
                return False
            self._window = None
            self._clear_inputs()
            text = format_term("account", str(account))
        else:
            value = m.value(view_row, kind)
            key = _key_for(kind)
            value = "" if value is None else str(value)
            try:
                text = with_term(self._query, key, value)
            except QueryError:  # the query bar holds a bad query: start from this term alone
                text = format_term(key, value)
        left_scope = self._scope is not None
        self._scope = None
        self.query_edit.setText(text)
        ok = self._apply_query_text()
        if left_scope:
            self.pivoted.emit()
        return ok

    def keep_value(self, column: str, value: Any) -> bool:
        """Keep only the events whose ``column`` is ``value`` (None: empty): a query term where the language
        has a field for the column, else the column's filter box. Leaves a finding's scope as a pivot does."""
        key = _key_for(column)
        text = "" if value is None else str(value)
        if not key:
            col = next(i for i, (_, n) in enumerate(COLUMNS) if n == column)
            self.header.editor(col).setText(text)
            return self.refresh()
        try:
            query = with_term(self._query, key, text)
        except QueryError:
            query = format_term(key, text)
        left_scope = self._scope is not None
        self._scope = None
        self.query_edit.setText(query)
        ok = self._apply_query_text()
        if left_scope:
            self.pivoted.emit()
        return ok

    def exclude(self, column: str, view_row: int) -> bool:
        """Narrow the query to events whose ``column`` differs from this row's value."""
        value = self.model.value(view_row, column)
        key = _key_for(column)
        self.query_edit.setText(with_term(self._query, key, "" if value is None else str(value), negate=True))
        return self._apply_query_text()

    def export_view(self, path: str | os.PathLike | None = None, fmt: str = "csv") -> Task | None:
        """Write the rows in view (their order, the shown columns) as CSV or Timesketch JSON Lines."""
        table = self.model.table
        if table is None or self.export_task is not None:
            return None
        if path is None:
            suffix, label = (".jsonl", "JSON Lines (*.jsonl)") if fmt == "jsonl" else (".csv", "CSV (*.csv)")
            chosen, _ = QFileDialog.getSaveFileName(self, "Export events", str(Path.home() / f"events{suffix}"), label)
            if not chosen:
                return None
            path = chosen if chosen.lower().endswith(suffix) else chosen + suffix
        from ...evidence.outputs import check_outputs

        out = Path(path)
        problem = check_outputs([out], self.evidence_paths)
        if problem:
            self.export_failed.emit(problem)
            self._notice(problem)
            return None
        columns = [COLUMNS[c][1] for c in self.visible_columns()]
        if "ts" not in columns:
            columns.insert(0, "ts")
        task = Task(_export_task, table, self.model.rows.copy(), out, fmt, columns, name="export events")
        task.finished.connect(self._on_export_task_finished)
        task.failed.connect(self._on_export_task_failed)
        task.cancelled.connect(self._on_export_task_ended)
        self.export_task = task
        self._notice(f"Exporting {len(self.model.rows):,} events to {out.name}…")
        return task.start()

    def describe(self) -> str:
        """What the view shows, for the caption."""
        n, total = self.model.rowCount(), self.model.table.num_rows if self.model.table is not None else 0
        parts = []
        if self._query.strip():
            parts.append(f"query {self._query.strip()}")
        if self.search_edit.text().strip():
            parts.append(f"search “{self.search_edit.text().strip()}”")
        if self.header.texts():
            parts.append(", ".join(f"{COLUMNS[s][0]} ∋ “{t}”" for s, t in self.header.texts().items()))
        if self._window:
            parts.append(self.timeline.window_text())
        return f"{n:,} of {total:,} events" + (" · " + " · ".join(parts) if parts else "")

    # -- slots --------------------------------------------------------------------------------

    def _on_query_edit_return_pressed(self) -> None:
        self._apply_query_text()

    def _on_query_edit_text_changed(self, text: str) -> None:
        if not text.strip() and self._query.strip():  # the clear button: show everything again at once
            self._apply_query_text()

    def _on_timeline_brushed(self, start: datetime | None, end: datetime | None) -> None:
        """A brush zooms the timeline to its span (bins fit for it) and shows only its events; a click, all."""
        self._window = (start, end) if start is not None and end is not None else None
        self.zoom(self._window)

    def _on_timeline_reset(self) -> None:
        self._window = None
        self.zoom(None)

    def _on_timeline_panned(self, share: float) -> None:
        if self._zoom is None or self._full_hist is None:
            return
        start, end = self._zoom
        span = end - start
        shift = span * share
        lo, hi = self._full_hist.start, self._full_hist.end
        start = min(max(start + shift, lo), max(hi - span, lo))
        self._window = (start, start + span)
        self.zoom(self._window)

    def zoom(self, span: tuple[datetime, datetime] | None) -> None:
        """Zoom the timeline to ``span`` (None: the whole evidence) with bins chosen for it; the grid shows the
        events of the span."""
        self._zoom = span
        self._window = span
        self._show_histogram()
        self.refresh()

    def _show_histogram(self) -> None:
        index = self.model.events_index
        hist = self._full_hist
        if self._zoom is not None and index is not None:
            start, end = self._zoom
            hist = histogram_between(index.ts_us(), start, end, TIMELINE_BINS) or hist
        findings = [f for f in self._findings if self._zoom is None or
                    (f.last_seen is None or f.last_seen >= self._zoom[0]) and
                    (f.first_seen is None or f.first_seen < self._zoom[1])]
        self.timeline.set_histogram(hist, finding_marks(hist, findings) if hist is not None else [],
                                    zoomed=self._zoom is not None)

    def _on_model_reset(self) -> None:
        name, descending = self.model.sort_key
        col = next(i for i, (_, n) in enumerate(COLUMNS) if n == name)
        blocked = self.header.blockSignals(True)
        self.header.setSortIndicator(col, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
        self.header.blockSignals(blocked)
        self._update_labels()

    def _on_export_task_finished(self, out: Any) -> None:
        self.export_task = None
        self._notice(f"Exported to {out}")
        self.exported.emit(str(out))

    def _on_export_task_failed(self, reason: str) -> None:
        self.export_task = None
        self._notice(f"Export failed: {reason}")
        self.export_failed.emit(reason)

    def _on_export_task_ended(self) -> None:
        self.export_task = None

    # -- helpers ------------------------------------------------------------------------------

    def _apply_query_text(self) -> bool:
        text = self.query_edit.text()
        try:
            parse(text)
        except QueryError as exc:
            self._show_error(exc)
            return False
        self._query = text
        return self.refresh()

    def _clear_inputs(self) -> None:
        for edit in (self.query_edit, self.search_edit):
            blocked = edit.blockSignals(True)
            edit.clear()
            edit.blockSignals(blocked)
        self._search_timer.stop()
        self.header.clear_filters()
        self.timeline.clear_window()
        if self._zoom is not None:  # the filters go, and the zoom with them
            self._zoom = None
            self._show_histogram()
        self.error_label.hide()

    def _reset_sort_indicator(self) -> None:
        blocked = self.header.blockSignals(True)  # the rows are already in time order: do not sort again
        self.header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.header.blockSignals(blocked)

    def _show_error(self, exc: QueryError) -> None:
        self.error_label.setStyleSheet("color: #b91c1c")
        self.error_label.setText(f"Query: {exc.message} (at character {exc.position + 1})")
        self.error_label.show()

    def _notice(self, text: str) -> None:
        self.error_label.setStyleSheet("")
        self.error_label.setText(text)
        self.error_label.show()

    def _update_labels(self) -> None:
        if self.error_label.isVisible() and self.error_label.text().startswith("Query:"):
            self.error_label.hide()
        n, total = self.model.rowCount(), self.model.table.num_rows if self.model.table is not None else 0
        self.count_label.setText(f"{n:,} of {total:,} events" if n != total else f"{total:,} events")
        self.clear_button.setEnabled(self.filtered())
