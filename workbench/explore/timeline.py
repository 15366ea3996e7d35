"""Activity over time: events counted in equal time bins, and where findings fall on those bins.

Shared by the report's chart and the GUI's timeline; no drawing here, only numbers. Bins are a "round"
width (1 min, 5 min, 1 h, 1 day, ...) chosen so the whole range fits in at most ``max_bins``, and start on
a multiple of that width (UTC), so a reader can tell where a bar begins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import Finding

US = 1_000_000  # microseconds per second
STEPS = tuple(timedelta(seconds=s) for s in (
    1, 5, 10, 30, 60, 5 * 60, 10 * 60, 15 * 60, 30 * 60, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600,
    86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400, 364 * 86400,
))
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Times charted: a record of year 1 (a .NET "never") or 9999 stays in the data but is not drawn, so the chart
# keeps its scale (and no bin edge leaves the years a datetime can hold); the chart says how many were left out.
CHART_FROM = datetime(1980, 1, 1, tzinfo=timezone.utc)
CHART_UNTIL = datetime(2200, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Histogram:
    """``counts[g][i]``: events of group ``groups[g]`` in ``[start + i*step, start + (i+1)*step)``."""

    start: datetime
    step: timedelta
    counts: np.ndarray  # shape (len(groups), bins), int64
    groups: tuple[str, ...] = ("events",)
    outside: int = 0  # events with a time before CHART_FROM or from CHART_UNTIL on: counted, not drawn

    @property
    def bins(self) -> int:
        return int(self.counts.shape[1])

    @property
    def end(self) -> datetime:
        return self.start + self.step * self.bins

    @property
    def totals(self) -> np.ndarray:
        """Events per bin, all groups together."""
        return self.counts.sum(axis=0)

    def bin_start(self, index: int) -> datetime:
        return self.start + self.step * index

    def bin_of(self, ts: datetime) -> int:
        """The bin ``ts`` falls in, clamped to the histogram."""
        index = (_us(ts) - _us(self.start)) // _step_us(self.step)
        return int(min(max(index, 0), self.bins - 1))


@dataclass(frozen=True)
class Mark:
    """One finding on the histogram: the bins from its first to its last event."""

    first_bin: int
    last_bin: int
    severity: str
    label: str
    finding_id: str


def choose_step(first: datetime, last: datetime, max_bins: int = 120) -> timedelta:
    """The smallest round bin width with which ``[first, last]`` fits in ``max_bins`` bins."""
    span = max(_us(last) - _us(first), 0)
    for step in STEPS:
        size = _step_us(step)
        bins = (_us(last) // size) - (_us(first) // size) + 1
        if bins <= max_bins or span == 0:
            return step
    # More than max_bins years: widen the largest step until it fits.
    size = _step_us(STEPS[-1])
    factor = int(np.ceil((span / size + 1) / max_bins))
    return STEPS[-1] * max(factor, 1)


def histogram(ts: pa.Array | pa.ChunkedArray | Sequence[datetime], *, groups: Iterable[object] | None = None,
              step: timedelta | None = None, max_bins: int = 120) -> Histogram | None:
    """Count the times ``ts`` (UTC) per bin; with ``groups`` (one label per time, e.g. the outcome) one row of
    counts per distinct label, sorted. None when there is no time at all."""
    values = _as_us(ts)
    if groups is not None:
        labels = np.asarray([("" if g is None else str(g)) for g in groups], dtype=object)
        if len(labels) != len(values):
            raise ValueError("groups and ts differ in length")
    else:
        labels = None
    valid = values != np.iinfo(np.int64).min
    charted = valid & (values >= _us(CHART_FROM)) & (values < _us(CHART_UNTIL))
    outside = int(valid.sum() - charted.sum())
    valid = charted
    values = values[valid]
    if not len(values):
        return None
    if labels is not None:
        labels = labels[valid]
    first, last = int(values.min()), int(values.max())
    step = step or choose_step(_dt(first), _dt(last), max_bins)
    size = _step_us(step)
    origin = (first // size) * size
    bins = int((last - origin) // size + 1)
    index = (values - origin) // size
    if labels is None:
        names: tuple[str, ...] = ("events",)
        counts = np.bincount(index, minlength=bins)[None, :]
    else:
        names = tuple(sorted(set(labels.tolist())))
        counts = np.zeros((len(names), bins), dtype=np.int64)
        for row, name in enumerate(names):
            counts[row] = np.bincount(index[labels == name], minlength=bins)
    return Histogram(_dt(origin), step, counts.astype(np.int64), names, outside)


def table_histogram(table: pa.Table, *, group_by: str | None = None, step: timedelta | None = None,
                    max_bins: int = 120) -> Histogram | None:
    """:func:`histogram` of an event table's ``ts`` column, optionally grouped by another column."""
    groups = table.column(group_by).to_pylist() if group_by else None
    return histogram(table.column("ts"), groups=groups, step=step, max_bins=max_bins)


def histogram_between(ts_us: np.ndarray, start: datetime, end: datetime, max_bins: int = 120) -> Histogram | None:
    """The events per bin between ``start`` and ``end`` (end excluded) of these times (microseconds since the
    epoch, as :meth:`workbench.query.EventIndex.ts_us`): a zoomed timeline, its bins chosen for the span shown
    (minutes for an hour, days for a year). None when no event falls in the span."""
    inside = ts_us[(ts_us >= _us(start)) & (ts_us < _us(end))]
    if not len(inside):
        return None
    return histogram(pa.array(inside, pa.timestamp("us", "UTC")), step=choose_step(start, end, max_bins),
                     max_bins=max_bins)


def marks(hist: Histogram, findings: Iterable[Finding]) -> list[Mark]:
    """Where each finding lies on ``hist``, in the order given."""
    return [Mark(hist.bin_of(f.first_seen), hist.bin_of(f.last_seen), f.severity, f.title, f.id) for f in findings]


def _as_us(ts) -> np.ndarray:
    if isinstance(ts, (pa.Array, pa.ChunkedArray)):
        if isinstance(ts, pa.ChunkedArray):
            ts = ts.combine_chunks() if ts.num_chunks else pa.array([], pa.timestamp("us", "UTC"))
        ts = pc.cast(ts, pa.timestamp("us", ts.type.tz if pa.types.is_timestamp(ts.type) else None))
        ints = ts.cast(pa.int64()).fill_null(np.iinfo(np.int64).min)
        return ints.to_numpy(zero_copy_only=False).astype(np.int64)
    return np.asarray([np.iinfo(np.int64).min if t is None else _us(t) for t in ts], dtype=np.int64)


def _us(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * US + delta.microseconds


def _step_us(step: timedelta) -> int:
    return max(int(step / timedelta(microseconds=1)), 1)


def _dt(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(us))
