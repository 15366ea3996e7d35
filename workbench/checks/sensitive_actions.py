"""Sensitive or administrative actions by an account with no history of them (T1078): logging
disabled, keys scheduled for deletion, bucket policies opened, users created, trust policies changed."""

from __future__ import annotations

import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import Check, CheckInput, distinct, place, refs

ID = "sensitive_actions"


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events[inp.events["user"].notna()].sort_values("ts", kind="stable")
    sensitive = ev["event_name"].isin(cfg["event_names"]) & (ev["outcome"] == "success")
    if not sensitive.any():
        return []
    first_use = sensitive & ~ev[sensitive].duplicated(["user", "event_name"]).reindex(ev.index, fill_value=True)
    start = ev.groupby("user")["ts"].transform("min")
    seasoned = (ev["ts"] - start) >= pd.Timedelta(days=cfg["min_history_days"])
    hits = ev[first_use & seasoned]
    findings = []
    gap = pd.Timedelta(minutes=cfg["group_minutes"])
    for user, mine in hits.groupby("user", sort=True):
        for _, group in mine.groupby((mine["ts"].diff() > gap).cumsum()):
            since = format_ts(start[group.index[0]])
            lines = [f"{r['event_name']} at {format_ts(r['ts'])} from {place(r)}" for _, r in group.iterrows()]
            text = (f"{user} performed {len(group)} sensitive action{'s' * (len(group) != 1)} it had never performed "
                    f"in the logs since {since}: " + "; ".join(lines) + ".")
            findings.append(Finding(
                check=ID, title=f"First sensitive action by {user}", severity="medium", techniques=("T1078",),
                explanation=text, first_seen=group["ts"].min().to_pydatetime(),
                last_seen=group["ts"].max().to_pydatetime(), users=(str(user),), ips=distinct(group["src_ip"]),
                hosts=distinct(group["host"]), evidence=refs(group), facts={"actions": list(distinct(group["event_name"]))},
            ))
    return findings


CHECK = Check(
    id=ID, title="First sensitive action", techniques=("T1078",), run=run,
    description=("A listed sensitive action (configurable) performed successfully for the first time by an "
                 "account that has been active in the logs for at least the given number of days."),
)
