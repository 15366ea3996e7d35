"""The events grid model over a million rows: nothing converted up front, any cell at once."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa

from workbench.events import TS_TYPE, format_ts
from workbench.gui.models.events import COLUMNS, EventTableModel
from workbench.gui.qt import QHeaderView, QTableView, Qt

N = 1_000_000
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def million_rows() -> pa.Table:
    ids = np.arange(N)
    t0_us = int(T0.timestamp() * 1_000_000)
    return pa.table({
        "ts": pa.array(t0_us + ids * 1_000_000, type=TS_TYPE),
        "source": pa.array(np.where(ids % 2 == 0, "cloudtrail", "authlog")),
        "file": pa.array(np.full(N, "/evidence/big.json")),
        "ref": pa.array(ids.astype(str)),
        "action": pa.array(np.where(ids % 3 == 0, "auth.failure", "auth.success")),
        "outcome": pa.array(np.where(ids % 3 == 0, "failure", "success")),
        "user": pa.array(np.char.add("user", (ids % 1000).astype(str))),
        "src_ip": pa.nulls(N, pa.string()),
        "raw": pa.array(np.full(N, "{}")),
    })


def col(name: str) -> int:
    return [c for _, c in COLUMNS].index(name)


def test_million_rows(qtbot):
    table = million_rows()
    start = time.perf_counter()
    model = EventTableModel(table)
    assert time.perf_counter() - start < 0.5
    assert model.rowCount() == N
    assert model.columnCount() == len(COLUMNS)

    start = time.perf_counter()
    last = [model.index(N - 1, c).data() for c in range(len(COLUMNS))]
    assert time.perf_counter() - start < 0.2
    assert last[col("ts")] == format_ts(datetime.fromtimestamp(T0.timestamp() + N - 1, timezone.utc))
    assert last[col("ref")] == str(N - 1)
    assert last[col("user")] == "user999"
    assert last[col("file")] == "big.json"  # the name; the full path is in the tooltip
    assert last[col("src_ip")] == ""  # null
    assert last[col("country")] == ""  # not in this table at all
    assert model.index(0, col("outcome")).data(Qt.ItemDataRole.ForegroundRole) is not None  # failure in red

    # a view with fixed row heights shows it at once
    view = QTableView()
    qtbot.addWidget(view)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    start = time.perf_counter()
    view.setModel(model)
    view.show()
    view.scrollToBottom()
    qtbot.wait(10)
    assert time.perf_counter() - start < 2.0

    # a subset, then back to all
    rows = np.arange(5, N, 1000)
    model.set_rows(rows)
    assert model.rowCount() == len(rows)
    assert model.index(len(rows) - 1, col("ref")).data() == str(rows[-1])
    assert model.row_id(1) == 1005
    assert not model.is_showing_all()
    model.show_all()
    assert model.rowCount() == N and model.is_showing_all()


def test_sort_a_subset():
    table = million_rows().slice(0, 1000)
    model = EventTableModel(table)
    model.set_rows(np.array([10, 3, 7]))
    model.sort(col("ref"), Qt.SortOrder.DescendingOrder)  # as strings: "7" > "3" > "10"
    assert [model.index(r, col("ref")).data() for r in range(3)] == ["7", "3", "10"]
    model.sort(col("ts"), Qt.SortOrder.AscendingOrder)
    assert list(model.rows) == [3, 7, 10]


def test_windows_event_ids_show_their_description():
    import pyarrow as pa

    from workbench.gui.models.events import COLUMNS, EventTableModel
    from workbench.ingest.windows_map import EVENT_DESCRIPTIONS, describe_event

    col = next(i for i, (_, n) in enumerate(COLUMNS) if n == "event_name")
    table = pa.table({"ts": pa.array([None, None, None], pa.timestamp("us", "UTC")),
                      "event_name": ["4625", "1149", "ConsoleLogin"]})
    model = EventTableModel(table)
    assert model.index(0, col).data() == "4625 · An account failed to log on"
    assert model.index(1, col).data() == f"1149 · {EVENT_DESCRIPTIONS[1149]}"
    assert model.index(2, col).data() == "ConsoleLogin"  # not a Windows id: as it is
    assert describe_event("4624") == EVENT_DESCRIPTIONS[4624] and describe_event("x") is None
