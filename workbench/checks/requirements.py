"""What a check needs of the loaded data, declared with the check (``Check.requires``) and evaluated by
:mod:`workbench.checks.coverage`: the facts about the data, computed once, and the requirements checks share.

A requirement is ``(level, holds, reason)``: ``not_run`` (without it the check has nothing to look at),
``limited`` (it runs, on too thin a baseline to find much) or ``baseline`` (limited on less than a day of
events, when nothing else limits it); ``reason`` says what is missing, as text or from the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc

from ..sources import CONTROL_PLANE, LOGIN_SOURCES

FIELDS = ("src_ip", "user_agent", "log_country", "client_app", "logon_type", "session_id", "host", "bytes")


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
HOST_LOGONS = ("not_run", lambda f: bool(f.logon_types & {"network", "remote_interactive"}),
               "no host logon logs loaded (Windows Security, auth.log, journald)")
# checks that judge by a baseline: limited, whatever else holds, on less than a day of events
BASELINE = ("baseline", lambda f: f.span_days >= 1,
            lambda f: f"the loaded time range is {f.span_days * 24:.1f} h, too short for a baseline")


def history(check: str, key: str, what: str) -> Requirement:
    """Limited when the loaded period is shorter than the days of history (the check's setting ``key``) a
    behavioural check judges by."""
    def days(f: Facts) -> float:
        return float(f.config[check][key])
    return history_days(days, what)


def history_days(days: Callable[[Facts], float] | float, what: str) -> Requirement:
    """Limited when the loaded period is shorter than ``days`` (a number, or one from the facts)."""
    need = days if callable(days) else (lambda f: float(days))
    return ("limited", lambda f: f.span_days >= need(f),
            lambda f: f"the loaded period is {f.span_days:.1f} days; {what} needs {need(f):g} days of history "
                      "before the candidate")


FAILURES = ("not_run", lambda f: f.has("auth.failure") or f.has("auth.invalid_user"), "no failed logins in the data")
