"""Logins at hours unusual for the account (T1078): measured against the account's own hour-of-day
baseline over the whole loaded period, falling back to office hours when its history is thin."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import Check, CheckInput, distinct, place, refs

ID = "unusual_hours"


def _share_near(hours: np.ndarray, spread: int) -> np.ndarray:
    """For each login, the share of the account's *other* logins within ``spread`` hours of its hour."""
    counts = np.bincount(hours, minlength=24)
    near = sum(np.roll(counts, k) for k in range(-spread, spread + 1))  # near[h] = logins in h±spread
    others = len(hours) - 1
    return (near[hours] - 1) / max(others, 1)


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    office = cfg["office_hours"]
    zone = ZoneInfo(office["timezone"])
    ok = inp.logins[inp.logins["action"] == "auth.success"]
    findings = []
    for user, mine in ok.groupby("user", sort=True):
        hours = mine["ts"].dt.hour.to_numpy()
        if len(mine) - 1 >= cfg["min_history"]:
            odd = _share_near(hours, cfg["spread_hours"]) < cfg["max_share"]
            basis = f"its other {len(mine) - 1} logins"
        elif cfg["fallback_to_office_hours"]:
            local = mine["ts"].dt.tz_convert(zone)
            weekday = local.dt.day_of_week.isin(office["weekdays"]).to_numpy()
            inside = (local.dt.hour >= office["start"]) & (local.dt.hour < office["end"])
            odd = ~(weekday & inside.to_numpy())
            basis = (f"office hours {office['start']:02d}:00–{office['end']:02d}:00 {office['timezone']} "
                     f"(only {len(mine)} logins: too few for a baseline of its own)")
        else:
            continue
        hits = mine[odd]
        if hits.empty:
            continue
        usual = np.bincount(hours, minlength=24)
        busiest = ", ".join(f"{h:02d}h" for h in np.argsort(-usual)[:3] if usual[h])
        for _, day in hits.groupby(hits["ts"].dt.floor("D")):
            first = day.iloc[0]
            text = (f"{user} logged in at {format_ts(first['ts'])} from {place(first)}"
                    + (f" and {len(day) - 1} more time{'s' * (len(day) != 2)} that day" if len(day) > 1 else "")
                    + f", hours unusual against {basis}; its busiest hours are {busiest} UTC.")
            findings.append(Finding(
                check=ID, title=f"Login at an unusual hour: {user}", severity="low", techniques=("T1078",),
                explanation=text, first_seen=day["ts"].min().to_pydatetime(),
                last_seen=day["ts"].max().to_pydatetime(), users=(str(user),), ips=distinct(day["src_ip"]),
                hosts=distinct(day["host"]), evidence=refs(day),
                facts={"hours_utc": sorted({int(h) for h in day["ts"].dt.hour}), "baseline_logins": len(mine) - 1},
            ))
    return findings


CHECK = Check(
    id=ID, title="Unusual hours", techniques=("T1078",), run=run,
    description=("A successful login at an hour of the day (UTC, ± a spread) that holds less than the given "
                 "share of the account's other logins over the loaded period; accounts with too few logins "
                 "are measured against the configured office hours and time zone instead."),
)
