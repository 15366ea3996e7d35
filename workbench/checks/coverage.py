"""What the loaded data could not answer: which checks could run and why not, fields absent from an
export, and gaps in time per source.

A check is ``ran`` (it had what it needs), ``limited`` (it ran, but the data gives it too thin a
baseline to find much: a short time range, few logins per account) or ``not_run`` (it did not run, or
the data holds nothing it looks at: no sign-in logs, no host logons, no indicator files). The
requirements are declared per check in :data:`REQUIREMENTS`, apart from the logic that evaluates them.

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
from typing import Any, Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DEFAULTS = {"min_gap_minutes": 60, "min_expected_events": 30, "min_events": 100}
HOST_SOURCES = frozenset({"authlog", "journald", "windows"})
LOGIN_SOURCES = frozenset({"entra_signin", "m365_audit", "workspace", "authlog", "journald", "cloudtrail",
                           "cloudtrail_lookup", "cloudtrail_csv", "windows"})
CONTROL_PLANE = frozenset({"cloudtrail", "cloudtrail_lookup", "cloudtrail_csv", "entra_audit", "m365_audit",
                           "azure_activity", "gcp_audit", "workspace"})
# Fields each source normally gives: absent in every event of a loaded source means the export lacks it.
SOURCE_FIELDS = {
    "entra_signin": ("src_ip", "user_agent", "log_country", "client_app", "logon_type"),
    "cloudtrail": ("src_ip", "user_agent", "session_id"),
    "workspace": ("src_ip", "log_country"),
    "gcp_audit": ("src_ip", "user_agent"),
    "azure_activity": ("src_ip",),
    "m365_audit": ("src_ip", "user_agent"),
    "entra_audit": ("src_ip",),
    "authlog": ("src_ip", "host"),
}
FIELDS = ("src_ip", "user_agent", "log_country", "client_app", "logon_type", "session_id", "host", "bytes")


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


# --- facts about the loaded data, computed once -----------------------------------------------------------


@dataclass
class Facts:
    sources: set[str]
    actions: dict[str, int]
    span_days: float
    present: dict[str, int]  # non-null values per field over all events
    logon_types: set[str]
    max_logins: int  # most logins (successes and failures) of one account
    max_located_successes: int
    max_active_hours: int  # most distinct hours with events of one account
    geo: bool
    config: dict[str, Any]

    def has(self, action: str) -> bool:
        return self.actions.get(action, 0) > 0


def facts(table: pa.Table, config: dict[str, Any], geo_available: bool) -> Facts:
    n = table.num_rows
    sources = set(pc.unique(table.column("source")).to_pylist()) if n else set()
    counts = pc.value_counts(table.column("action")).to_pylist() if n else []
    actions = {c["values"]: c["counts"] for c in counts if c["values"]}
    span = 0.0
    if n:
        span = (pc.max(table.column("ts")).as_py() - pc.min(table.column("ts")).as_py()).total_seconds() / 86400
    present = {f: n - table.column(f).null_count for f in FIELDS if f in table.column_names}
    logon_types = {v for v in pc.unique(table.column("logon_type")).to_pylist() if v} if n else set()
    auth = table.filter(pc.is_in(table.column("action"), value_set=pa.array(["auth.success", "auth.failure"])))
    auth = auth.filter(pc.is_valid(auth.column("user")))
    max_logins = max((c["counts"] for c in pc.value_counts(auth.column("user")).to_pylist()), default=0)
    located = auth.filter(pc.and_(pc.equal(auth.column("action"), "auth.success"),
                                  pc.is_valid(auth.column("country")))) if "country" in auth.column_names else auth
    max_located = max((c["counts"] for c in pc.value_counts(located.column("user")).to_pylist()), default=0) \
        if "country" in auth.column_names else 0
    hours = pa.table({"user": table.column("user"),
                      "hour": pc.floor_temporal(table.column("ts"), unit="hour")}) if n else None
    max_hours = 0
    if hours is not None:
        hours = hours.filter(pc.is_valid(hours.column("user")))
        distinct = hours.group_by(["user", "hour"]).aggregate([])
        max_hours = max((c["counts"] for c in pc.value_counts(distinct.column("user")).to_pylist()), default=0)
    return Facts(sources, actions, span, present, logon_types, max_logins, max_located, max_hours,
                 geo_available, config)


# --- requirements per check -----------------------------------------------------------------------------

# (not_run | limited, holds?, reason when it does not: text, or a function of the facts giving it)
Requirement = tuple[str, Callable[[Facts], bool], "str | Callable[[Facts], str]"]


def _logins(f: Facts) -> bool:
    return bool(f.sources & LOGIN_SOURCES) and (f.has("auth.success") or f.has("auth.failure"))


NO_LOGINS = "no sign-in or logon logs loaded (Entra sign-ins, auth.log, Workspace login, CloudTrail ConsoleLogin)"
GEO = ("not_run", lambda f: f.geo, "no GeoIP database")
LOGINS = ("not_run", _logins, NO_LOGINS)
LOCATED = ("not_run", lambda f: f.max_located_successes > 0, "no successful login from a located (public) IP")
CONTROL = ("not_run", lambda f: bool(f.sources & CONTROL_PLANE),
           "no cloud control-plane audit log loaded (CloudTrail, Entra audit, Azure Activity, GCP audit, Workspace)")

def _history(check: str, key: str, default: float, what: str) -> Requirement:
    """Limited when the loaded period is shorter than the days of history a behavioural check judges by."""
    def days(f: Facts) -> float:
        return float(f.config.get(check, {}).get(key, default))
    return ("limited", lambda f: f.span_days >= days(f),
            lambda f: f"the loaded period is {f.span_days:.1f} days; {what} needs {days(f):g} days of history "
                      "before the candidate")


FAILURES = ("not_run", lambda f: f.has("auth.failure") or f.has("auth.invalid_user"), "no failed logins in the data")

REQUIREMENTS: dict[str, list[Requirement]] = {
    "brute_force_success": [LOGINS, FAILURES],
    "password_spray": [LOGINS, FAILURES],
    "mfa_fatigue": [("not_run", lambda f: bool(f.sources & {"entra_signin", "m365_audit"}),
                     "no Entra ID sign-in logs or unified audit log loaded (MFA denials are logged only there)")],
    "new_country": [GEO, LOGINS, LOCATED,
                    ("limited", lambda f: f.max_located_successes > f.config.get("new_country", {}).get(
                        "min_history", 3), "no account has the earlier located sign-ins a baseline needs")],
    "impossible_travel": [GEO, LOGINS, LOCATED,
                          ("limited", lambda f: f.max_located_successes >= 2,
                           "no account has two located successful logins")],
    "unusual_hours": [LOGINS, _history("unusual_hours", "min_days", 5, "judging the hour of a login")],
    "cloud_cli": [("not_run", lambda f: f.present.get("user_agent", 0) + f.present.get("client_app", 0) > 0,
                   "neither user agents nor client applications are in this export"),
                  _history("cloud_cli", "new_ip_min_history_days", 3, "telling a console user's first CLI use")],
    "token_use": [("not_run", lambda f: bool(f.logon_types & set(f.config.get("token_use", {}).get(
        "logon_types", ["non_interactive", "service_principal", "managed_identity"]))),
                   "no non-interactive, service principal or managed identity sign-ins loaded "
                   "(the portal downloads them separately)"),
                  _history("token_use", "min_history_days", 1, "telling an unusual network for a token")],
    "new_credentials": [CONTROL],
    "privilege_change": [CONTROL, _history("privilege_change", "min_history_days", 3,
                                           "telling a routine administrator from a first change")],
    "lateral_movement": [("not_run", lambda f: bool(f.logon_types & {"network", "remote_interactive"})
                          and f.present.get("host", 0) > 0,
                          "no host logon logs loaded (Windows Security, auth.log, journald)"),
                         _history("lateral_movement", "min_history_days", 3, "telling new hosts from usual ones")],
    "sensitive_actions": [CONTROL, ("limited", lambda f: f.span_days >= f.config.get("sensitive_actions", {}).get(
        "min_history_days", 7), "the loaded time range is shorter than the history the check needs")],
    "access_surge": [("limited", lambda f: f.max_active_hours >= f.config.get("access_surge", {}).get(
        "min_active_hours", 24), "no account has the active hours a baseline needs")],
    "indicator_match": [("not_run", lambda f: bool(f.config.get("indicator_match", {}).get("files")),
                         "no indicator files given (--indicators)")],
    "cross_new_country_then_hosts": [
        GEO, LOGINS, ("not_run", lambda f: bool(f.logon_types & {"network", "remote_interactive"}),
                      "no host logon logs loaded (Windows Security, auth.log, journald)")],
    "cross_failed_signins_then_aws_console": [
        ("not_run", lambda f: "entra_signin" in f.sources, "no Entra ID sign-in logs loaded"),
        ("not_run", lambda f: bool(f.sources & {"cloudtrail", "cloudtrail_lookup", "cloudtrail_csv"}),
         "no CloudTrail loaded")],
}


def assess_checks(statuses: Iterable[Any], fx: Facts, events: int) -> list[CheckCoverage]:
    """Coverage of each check the pipeline ran (``statuses``: objects with id, title, ran, reason)."""
    out = []
    for st in statuses:
        reasons: list[str] = []
        status = "ran"
        if not st.ran:  # a restored analysis keeps the reasons coverage gave (limits)
            status, reasons = "not_run", list(getattr(st, "limits", ()) or [st.reason or "did not run"])
        elif not events:
            status, reasons = "not_run", ["no events loaded"]
        else:
            for level, holds, reason in REQUIREMENTS.get(st.id, []):
                if holds(fx):
                    continue
                if level == "not_run":
                    status = "not_run"
                elif status == "ran":
                    status = "limited"
                reasons.append(reason(fx) if callable(reason) else reason)
            reasons = list(dict.fromkeys(reasons))
        if fx.span_days < 1 and events and status == "ran" and st.id in ("unusual_hours", "access_surge",
                                                                         "new_country", "cloud_cli", "token_use"):
            status, reasons = "limited", [f"the loaded time range is {fx.span_days * 24:.1f} h, too short "
                                          "for a baseline"]
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
    cfg = {**DEFAULTS, **(settings or {})}
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
