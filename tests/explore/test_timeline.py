"""The activity histogram shared by the report chart and the GUI timeline."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa

from workbench.findings import Finding
from workbench.explore.timeline import choose_step, histogram, marks, table_histogram

T0 = datetime(2024, 3, 4, 15, 7, 30, tzinfo=timezone.utc)


def test_round_step_and_aligned_start():
    times = [T0, T0 + timedelta(minutes=3), T0 + timedelta(hours=5, minutes=1)]
    hist = histogram(times, max_bins=24)
    assert hist.step == timedelta(minutes=15)
    assert hist.start == datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)
    assert hist.totals.sum() == 3
    assert hist.totals[0] == 2 and hist.totals[-1] == 1
    assert hist.end > times[-1] >= hist.bin_start(hist.bins - 1)


def test_groups_from_an_arrow_table_and_nulls_skipped():
    ts = pa.array([T0, None, T0 + timedelta(seconds=70), T0 + timedelta(seconds=75)], pa.timestamp("us", "UTC"))
    table = pa.table({"ts": ts, "outcome": ["failure", "success", "failure", "success"]})
    hist = table_histogram(table, group_by="outcome", step=timedelta(minutes=1))
    assert hist.groups == ("failure", "success")
    assert hist.counts.tolist() == [[1, 1], [0, 1]]


def test_single_instant_and_empty():
    assert histogram([T0]).bins == 1
    assert histogram([]) is None
    assert histogram(pa.chunked_array([], pa.timestamp("us", "UTC"))) is None


def test_choose_step_grows_with_the_span():
    assert choose_step(T0, T0 + timedelta(minutes=10), 120) == timedelta(seconds=10)
    assert choose_step(T0, T0 + timedelta(days=30), 120) == timedelta(hours=12)
    assert choose_step(T0, T0 + timedelta(days=365 * 300), 120) >= timedelta(days=364 * 2)


def test_findings_marked_on_their_bins():
    hist = histogram([T0, T0 + timedelta(hours=10)], step=timedelta(hours=1))
    f = Finding("brute_force", "Brute force", "high", ("T1110",), "x", T0 + timedelta(hours=2),
                T0 + timedelta(hours=3, minutes=5))
    (mark,) = marks(hist, [f])
    assert (mark.first_bin, mark.last_bin, mark.severity) == (2, 3, "high")
    late = Finding("x", "late", "low", (), "x", T0 + timedelta(days=3), T0 + timedelta(days=3))
    assert marks(hist, [late])[0].first_bin == hist.bins - 1
