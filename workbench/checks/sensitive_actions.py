"""Sensitive or administrative actions by an account with no history of them (T1078): logging
disabled, keys scheduled for deletion, bucket policies opened, users created, trust policies changed."""

from __future__ import annotations

import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .requirements import CONTROL
from .base import Check, CheckInput, bursts, distinct, place, refs
from .catalogue import unconditional_names

ID = "sensitive_actions"


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events  # in time order already
    catalogued = unconditional_names()  # reported on every use by the catalogue, history or not
    names = [n for n in cfg["event_names"] if n.casefold() not in catalogued]
    done = ev[ev["event_name"].isin(names) & (ev["outcome"] == "success") & ev["user"].notna()]
    if done.empty:
        return []
    first_use = done[~done.duplicated(["user", "event_name"])]
    active_since = ev[ev["user"].isin(first_use["user"].unique())].groupby("user")["ts"].min()
    start = first_use["user"].map(active_since)
    hits = first_use[(first_use["ts"] - start) >= pd.Timedelta(days=cfg["min_history_days"])]
    findings = []
    gap = pd.Timedelta(minutes=cfg["group_minutes"])
    for user, mine in hits.groupby("user", sort=True):
        for group in bursts(mine, gap):
            since = format_ts(active_since[user])
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


REQUIRES = (CONTROL, ("limited", lambda f: f.span_days >= f.config[ID]["min_history_days"],
                      "the loaded time range is shorter than the history the check needs"))
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="First sensitive action", techniques=("T1078",), run=run,
    description=("A listed sensitive action (configurable) performed successfully for the first time by an "
                 "account that has been active in the logs for at least the given number of days. Actions the "
                 "cloud catalogue reports on every use are left to it."),
)
