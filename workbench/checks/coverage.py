"""What the loaded data could not answer: which checks could run and why not, fields absent from an
export, and gaps in time per source.

A check is ``ran`` (it had what it needs), ``limited`` (it ran, but the data gives it too thin a
baseline to find much: a short time range, few logins per account) or ``not_run`` (it did not run, or
the data holds nothing it looks at: no sign-in logs, no host logons, no indicator files). What each
check requires is declared with it (``Check.requires``, :mod:`workbench.checks.requirements`) and evaluated here.

A gap is a stretch without events in one source (per host for host logs) where the source's own
usual rate would have given at least ``min_expected_events``, and at least ``min_gap_minutes`` long.
The usual rate of an hour is the median count of the same hour of the week over the loaded weeks
(see :func:`_baseline` for shorter ranges). A CloudTrail delivery gap of six hours in a trail that
logs fifty events an hour is one; a quiet night on a bastion host, a weekend that is always quiet,
or the nights after one surge hour are not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import load_config
from ..sources import HOST_SOURCES, SOURCE_FIELDS
from .requirements import FIELDS, Facts, facts



@dataclass(frozen=True)
class CheckCoverage:
    id: str
    title: str
    status: str  # ran | limited | not_run
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "status": self.status, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Gap:
    source: str
    scope: str  # the host, for host logs; "" for a whole cloud source
    start: datetime  # the last event before the gap
    end: datetime  # the first event after it
    expected_events: float  # what the source's normal rate would have given in between

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "scope": self.scope or None, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "hours": round(self.hours, 2),
                "expected_events": round(self.expected_events, 1)}


@dataclass(frozen=True)
class SourceCoverage:
    source: str
    events: int
    first: datetime | None
    last: datetime | None
    absent_fields: tuple[str, ...] = ()  # fields the source normally has, absent in every event loaded

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "events": self.events,
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None, "absent_fields": list(self.absent_fields)}


@dataclass
class Coverage:
    checks: list[CheckCoverage] = field(default_factory=list)
    sources: list[SourceCoverage] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    time_range_days: float = 0.0

    def not_looked_at(self) -> list[str]:
        """One line per check that did not run or ran limited, and per gap: for the report's scope."""
        lines = [f"{c.title}: {'; '.join(c.reasons)}" for c in self.checks if c.status != "ran"]
        lines += [f"{g.source}{' on ' + g.scope if g.scope else ''}: no events from {g.start:%Y-%m-%d %H:%M} "
                  f"to {g.end:%Y-%m-%d %H:%M} UTC ({g.hours:.1f} h; about {g.expected_events:.0f} expected)"
                  for g in self.gaps]
        lines += [f"{s.source}: events only from {s.first:%Y-%m-%d %H:%M} to {s.last:%Y-%m-%d %H:%M} UTC, "
                  f"{100 * share:.0f} % of the loaded time range" for s, share in self.short_sources()]
        lines += [f"{s.source}: {', '.join(s.absent_fields)} absent in this export" for s in self.sources
                  if s.absent_fields]
        return lines

    def short_sources(self, min_share: float = 0.5) -> list[tuple[SourceCoverage, float]]:
        """Sources covering less than ``min_share`` of the whole loaded time range."""
        firsts = [s.first for s in self.sources if s.first]
        lasts = [s.last for s in self.sources if s.last]
        if not firsts or len(self.sources) < 2:
            return []
        total = (max(lasts) - min(firsts)).total_seconds()
        if total <= 0:
            return []
        out = []
        for s in self.sources:
            share = (s.last - s.first).total_seconds() / total if s.first and s.last else 0.0
            if share < min_share:
                out.append((s, share))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"time_range_days": round(self.time_range_days, 2), "checks": [c.to_dict() for c in self.checks],
                "sources": [s.to_dict() for s in self.sources], "gaps": [g.to_dict() for g in self.gaps],
                "not_looked_at": self.not_looked_at()}


def requirements() -> dict[str, tuple[Any, ...]]:
    """What each check declares it needs (``Check.requires``), by check id; the Sigma rules need nothing."""
    from . import CHECKS  # the checks import this package's requirements; their list is read when asked for
    from .cross_source import CROSS_CHECKS

    return {"sigma": (), **{c.id: c.requires for c in (*CHECKS, *CROSS_CHECKS)}}


def assess_checks(statuses: Iterable[Any], fx: Facts, events: int) -> list[CheckCoverage]:
    """Coverage of each check the pipeline ran (``statuses``: objects with id, title, ran, reason)."""
    declared = requirements()
    out = []
    for st in statuses:
        reasons: list[str] = []
        status = "ran"
        needs = declared[st.id]  # a check that declares nothing fails here, never reads as "ran"
        if not st.ran:  # a restored analysis keeps the reasons coverage gave (limits)
            status, reasons = "not_run", list(getattr(st, "limits", ()) or [st.reason or "did not run"])
        elif not events:
            status, reasons = "not_run", ["no events loaded"]
        else:
            for level, holds, reason in needs:
                if level == "baseline" or holds(fx):
                    continue
                if level == "not_run":
                    status = "not_run"
                elif status == "ran":
                    status = "limited"
                reasons.append(reason(fx) if callable(reason) else reason)
            reasons = list(dict.fromkeys(reasons))
        for level, holds, reason in needs:
            if level == "baseline" and events and status == "ran" and not holds(fx):
                status, reasons = "limited", [reason(fx) if callable(reason) else reason]
        out.append(CheckCoverage(st.id, st.title, status, tuple(reasons)))
    return out


def sources(table: pa.Table) -> list[SourceCoverage]:
    if not table.num_rows:
        return []
    aggs = [("ts", "min"), ("ts", "max"), ("ts", "count")] + [(f, "count") for f in FIELDS if f in table.column_names]
    rows = table.group_by("source").aggregate(aggs).to_pylist()
    out = []
    for r in sorted(rows, key=lambda r: r["source"]):
        absent = tuple(f for f in SOURCE_FIELDS.get(r["source"], ()) if r.get(f"{f}_count", 1) == 0)
        out.append(SourceCoverage(r["source"], r["ts_count"], r["ts_min"], r["ts_max"], absent))
    return out


HOUR_US = 3_600_000_000
WEEK_HOURS = 168


def _baseline(counts: np.ndarray, first_h: int) -> np.ndarray:
    """Events expected in each hour of ``counts`` (hourly counts from hour ``first_h`` since the epoch): the
    median of the same hour of the week over the loaded weeks; where fewer than three weeks hold that hour,
    the median of the same hour of day on the same kind of day (weekday, weekend), else of the same hour of day.
    Medians, not means: one surge does not raise every other night, a weekend that is always quiet stays quiet,
    and an outage's own empty hours do not lower the rate it is measured against (while it is the minority)."""
    hours = np.arange(len(counts)) + first_h
    how = (hours + 72) % WEEK_HOURS  # the epoch was a Thursday: hour 0 of the week is Monday 00:00 UTC
    hod = hours % 24
    weekend = (how // 24) >= 5

    def medians(slot: np.ndarray, n_slots: int) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(slot, kind="stable")
        bounds = np.flatnonzero(np.diff(slot[order])) + 1
        med = np.zeros(n_slots)
        seen = np.zeros(n_slots, dtype=np.int64)
        for part in np.split(order, bounds):
            med[slot[part[0]]] = np.median(counts[part])
            seen[slot[part[0]]] = len(part)
        return med[slot], seen[slot]

    rate, seen = medians(how, WEEK_HOURS)
    kind_rate, kind_seen = medians(hod + 24 * weekend, 48)
    day_rate = medians(hod, 24)[0]
    return np.where(seen >= 3, rate, np.where(kind_seen >= 3, kind_rate, day_rate))


def _gaps_of(ts_us: np.ndarray, min_gap_us: int, min_expected: float) -> list[tuple[int, int, float]]:
    """(start, end, expected) of the gaps in one sorted array of microsecond times."""
    if len(ts_us) < 2:
        return []
    diffs = np.diff(ts_us)
    candidates = np.flatnonzero(diffs >= min_gap_us)
    if not len(candidates):
        return []
    first_h = int(ts_us[0] // HOUR_US)
    counts = np.bincount(ts_us // HOUR_US - first_h)
    rate = _baseline(counts, first_h)  # events expected per hour, hour by hour of the loaded range
    out = []
    for i in candidates:
        start, end = int(ts_us[i]), int(ts_us[i + 1])
        edges = np.arange(start // HOUR_US, end // HOUR_US + 1)
        lo = np.maximum(edges * HOUR_US, start)
        hi = np.minimum((edges + 1) * HOUR_US, end)
        expected = float(np.sum((hi - lo) / HOUR_US * rate[edges - first_h]))
        if expected >= min_expected:
            out.append((start, end, expected))
    return out


def gaps(table: pa.Table, settings: dict[str, Any] | None = None) -> list[Gap]:
    """Gaps per source (per host for host logs), against each one's own hour-of-day rate."""
    cfg = {**load_config()["coverage"], **(settings or {})}  # the defaults: resources/config.yaml
    if not table.num_rows:
        return []
    source = table.column("source")
    scoped = pc.is_in(source, value_set=pa.array(sorted(HOST_SOURCES)))
    scope = pc.if_else(scoped, pc.fill_null(table.column("host"), ""), "")
    key = pc.binary_join_element_wise(source, scope, "|")
    ts = table.column("ts").cast(pa.int64()).to_numpy()
    codes = pc.dictionary_encode(key).combine_chunks()
    idx = codes.indices.to_numpy(zero_copy_only=False)
    names = codes.dictionary.to_pylist()
    order = np.lexsort((ts, idx))
    idx_sorted, ts_sorted = idx[order], ts[order]
    bounds = np.flatnonzero(np.diff(idx_sorted)) + 1
    out = []
    for part_idx, part_ts in zip(np.split(idx_sorted, bounds), np.split(ts_sorted, bounds)):
        if len(part_ts) < cfg["min_events"]:
            continue
        src, host = names[int(part_idx[0])].split("|", 1)
        for start, end, expected in _gaps_of(part_ts, int(cfg["min_gap_minutes"]) * 60_000_000,
                                             float(cfg["min_expected_events"])):
            out.append(Gap(src, host, _dt(start), _dt(end), expected))
    out.sort(key=lambda g: (g.start, g.source, g.scope))
    return out


def _dt(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=us)


def assess(table: pa.Table, statuses: Iterable[Any], config: dict[str, Any], geo_available: bool) -> Coverage:
    fx = facts(table, config, geo_available)
    return Coverage(assess_checks(statuses, fx, table.num_rows), sources(table),
                    gaps(table, config.get("coverage")), fx.span_days)
