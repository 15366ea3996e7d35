"""The events grid: a table model over the Arrow event table and an array of row ids (the current view).

Nothing is converted up front: :meth:`EventTableModel.data` reads the block of the requested
column that holds the requested row (``BLOCK`` rows, taken with Arrow and turned into Python
values once) and keeps a bounded number of such blocks. A million rows show at once.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from pathlib import PurePath
from typing import Any

import numpy as np
import pyarrow as pa

from ...explore.query import EventIndex
from ...ingest.windows_map import event_label
from ..qt import QAbstractTableModel, QColor, QModelIndex, QPersistentModelIndex, Qt, safe_tooltip
from ..settings import format_ts, time_header

# (header, column in the table)
COLUMNS: list[tuple[str, str]] = [
    ("Time (UTC)", "ts"),
    ("★", "starred"),  # the analyst's marks (workbench.case.marks), kept in the case
    ("Tags", "tags"),
    ("Source", "source"),
    ("Action", "action"),
    ("Outcome", "outcome"),
    ("User", "user"),
    ("Source IP", "src_ip"),
    ("Country", "country"),
    ("Host", "host"),
    ("Event", "event_name"),
    ("User agent", "user_agent"),
    ("File", "file"),
    ("Ref", "ref"),
    ("Target user", "target_user"),
    ("City", "city"),
    ("IP class", "ip_class"),
    ("ASN", "asn"),
    ("AS organisation", "as_org"),
    ("Provider class", "provider_class"),
    ("Provider", "provider"),
    ("Logon type", "logon_type"),
    ("Client app", "client_app"),
    ("Session", "session_id"),
    ("Log country", "log_country"),
    ("Bytes", "bytes"),
    ("Comment", "comment"),
]
# Shown until the analyst picks otherwise in the column chooser.
DEFAULT_HIDDEN = frozenset({"target_user", "city", "ip_class", "asn", "as_org", "provider_class", "provider",
                            "logon_type", "client_app", "session_id", "log_country", "bytes"})
# Default widths in characters (the view turns them into pixels with its font); never measured from data.
WIDTHS = {"ts": 21, "starred": 2, "tags": 12, "comment": 24, "source": 9, "action": 17, "outcome": 8, "user": 15, "src_ip": 14, "country": 6,
          "host": 14, "event_name": 20, "user_agent": 28, "file": 15, "ref": 14, "target_user": 15, "city": 12,
          "ip_class": 10, "asn": 8, "as_org": 20, "provider_class": 10, "provider": 16, "logon_type": 12, "client_app": 16, "session_id": 16,
          "log_country": 6, "bytes": 10}
# The widest usual value of some columns: the column is at least as wide (an IPv4 address, a 12-digit AWS account
# id in Host, an event time with its zone), measured in the grid's font.
SAMPLES = {"ts": "0000-00-00 00:00:00 UTC", "src_ip": "255.255.255.255", "host": "123456789012 ",
           "user": "firstname.lastname", "event_name": "CreateAccessKey (4625)", "outcome": "failure",
           "asn": "AS4200000000"}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
BLOCK = 256
MAX_BLOCKS = 512  # bounded cache: at most MAX_BLOCKS × BLOCK cells held as Python values
_FAILURE = QColor("#b91c1c")


class EventTableModel(QAbstractTableModel):
    """Rows of ``table`` in the order of :attr:`rows`; :meth:`set_rows` shows a subset, :meth:`show_all` all."""

    def __init__(self, table: pa.Table | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._table: pa.Table | None = None
        self._rows = np.empty(0, dtype=np.int64)
        self._cache: OrderedDict[tuple[int, int], list[Any]] = OrderedDict()
        self._present: list[bool] = []
        self.events_index: EventIndex | None = None
        self.sort_key: tuple[str, bool] = ("ts", False)  # (column, descending) the rows are ordered by
        self._in_order = True  # the rows are in sort_key order
        if table is not None:
            self.set_table(table)

    # -- what is shown ----------------------------------------------------------------------

    @property
    def table(self) -> pa.Table | None:
        return self._table

    @property
    def rows(self) -> np.ndarray:
        """Row ids into :attr:`table` in display order (read-only)."""
        view = self._rows.view()
        view.flags.writeable = False
        return view

    def set_table(self, table: pa.Table | None) -> None:
        self.beginResetModel()
        self._table = table
        self.events_index = EventIndex(table) if table is not None else None
        self.sort_key = ("ts", False)
        self._in_order = True
        self._present = [table is not None and name in table.column_names for _, name in COLUMNS]
        self._rows = np.arange(table.num_rows if table is not None else 0, dtype=np.int64)
        self._cache.clear()
        self.endResetModel()

    def set_rows(self, rows: np.ndarray, ordered: bool = False) -> None:
        """Show only these row ids of the table, in this order (``ordered``: already in :attr:`sort_key` order)."""
        rows = np.asarray(rows, dtype=np.int64)
        if self._table is not None and len(rows) and (rows.min() < 0 or rows.max() >= self._table.num_rows):
            raise IndexError("row id outside the event table")
        self.beginResetModel()
        self._rows = rows
        self._in_order = ordered
        self._cache.clear()
        self.endResetModel()

    def show_all(self) -> None:
        self.set_rows(np.arange(self._table.num_rows if self._table is not None else 0, dtype=np.int64))

    def is_showing_all(self) -> bool:
        n = self._table.num_rows if self._table is not None else 0
        return len(self._rows) == n and (n == 0 or (self._rows[0] == 0 and bool(np.all(np.diff(self._rows) == 1))))

    def row_id(self, row: int) -> int:
        return int(self._rows[row])

    def replace_columns(self, table: pa.Table, names: tuple[str, ...]) -> None:
        """The same rows with ``names`` replaced (the analyst's marks changed): those cells are read again,
        the view keeps its rows, order and selection."""
        if self._table is None or table.num_rows != self._table.num_rows:
            raise ValueError("replace_columns needs the same rows")
        self._table = table
        if self.events_index is not None:
            self.events_index.replace_columns(table, names)
        cols = [i for i, (_, name) in enumerate(COLUMNS) if name in names]
        for col in cols:
            self._present[col] = COLUMNS[col][1] in table.column_names
        self._cache = OrderedDict((k, v) for k, v in self._cache.items() if k[0] not in cols)
        if len(self._rows):
            for col in cols:
                self.dataChanged.emit(self.index(0, col), self.index(len(self._rows) - 1, col))

    def value(self, row: int, column_name: str) -> Any:
        """One raw value (any column of the table, shown or not) of the view row ``row``."""
        if self._table is None:
            return None
        return self._table.column(column_name)[int(self._rows[row])].as_py()

    # -- Qt model ---------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return time_header() if COLUMNS[section][1] == "ts" else COLUMNS[section][0]  # the display zone
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._table is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(index.row(), index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            name = COLUMNS[index.column()][1]
            if name in ("file", "user_agent", "event_name", "user", "host", "tags", "comment"):
                text = self._cell(index.row(), index.column(), display=name == "event_name")
                return safe_tooltip(text) if text else None
            return None
        if role == Qt.ItemDataRole.ForegroundRole and COLUMNS[index.column()][1] == "outcome":
            if self._cell(index.row(), index.column()) == "failure":
                return _FAILURE
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the current view by a column (over the dictionary-encoded column: stable, nulls last)."""
        key = (COLUMNS[column][1], order == Qt.SortOrder.DescendingOrder)
        if key == self.sort_key and self._in_order:  # the header asks twice for one click: sorted already
            return
        self.sort_key = key
        if self._table is None or not len(self._rows) or not self._present[column]:
            return
        self.set_rows(self.ordered(self._rows), ordered=True)

    def ordered(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` in the order of :attr:`sort_key`."""
        if self.events_index is None:
            return rows
        name, descending = self.sort_key
        return self.events_index.sort(rows, name, descending)

    # -- the lazy part ----------------------------------------------------------------------

    def _cell(self, row: int, column: int, display: bool = True) -> str:
        if not self._present[column]:
            return ""
        block, offset = divmod(row, BLOCK)
        key = (column, block)
        values = self._cache.get(key)
        if values is None:
            values = self._load(column, block)
            self._cache[key] = values
            if len(self._cache) > MAX_BLOCKS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        value = values[offset]
        if display and COLUMNS[column][1] == "file" and value:
            return PurePath(value).name
        if display and COLUMNS[column][1] == "event_name" and value.isdigit():
            return event_label(value)  # a Windows event id: with its short description
        if display and COLUMNS[column][1] == "starred":
            return "★" if value == "yes" else ""
        return value

    def _load(self, column: int, block: int) -> list[str]:
        assert self._table is not None
        name = COLUMNS[column][1]
        ids = self._rows[block * BLOCK:(block + 1) * BLOCK]
        if not len(ids):
            return []
        start = int(ids[0])
        contiguous = int(ids[-1]) - start == len(ids) - 1 and bool(np.all(np.diff(ids) == 1))
        index = self.events_index
        if index is not None and name == "ts":
            return _format_times(index.ts_us()[ids])
        if not contiguous and index is not None and name not in ("ref", "raw"):
            # scattered rows (filtered, sorted): read them through the index's codes; Arrow's take over a
            # table of many chunks costs milliseconds per block and column
            codes, distinct = index.codes(name)
            picked = codes[ids]
            return ["" if c < 0 or distinct[c] is None else str(distinct[c]) for c in picked.tolist()]
        if contiguous:
            chunk = self._table.column(name).slice(start, len(ids))  # no copy
        else:
            chunk = self._table.column(name).take(pa.array(ids))
        values = chunk.to_pylist()
        if name == "ts":
            return [format_ts(v) for v in values]
        return ["" if v is None else str(v) for v in values]


def _format_times(us: np.ndarray) -> list[str]:
    """Microsecond times as the grid shows them: vectorised when the display zone is UTC (formatting each
    with strftime would cost more than the rest of a block), else one by one in the display zone."""
    none = us == np.iinfo(np.int64).min
    if format_ts(_EPOCH) == "1970-01-01 00:00:00 UTC":
        text = np.datetime_as_string(np.where(none, 0, us).astype("datetime64[us]").astype("datetime64[s]"))
        return ["" if gap else f"{t[:10]} {t[11:]} UTC" for t, gap in zip(text.tolist(), none.tolist())]
    return [format_ts(None if gap else _EPOCH + timedelta(microseconds=v)) for v, gap in zip(us.tolist(), none.tolist())]
