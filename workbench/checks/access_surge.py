"""Surges (T1586.003, T1530): an account's request count or data transferred in one hour far above
its own hourly baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..findings import Finding
from ..events import format_ts
from .base import Check, CheckInput, distinct, refs

ID = "access_surge"


def _surges(hourly: pd.Series, cfg: dict, floor: float) -> pd.Series:
    """Hours of one account whose value is at least ``factor`` × its usual (95th percentile) hour."""
    if len(hourly) < cfg["min_active_hours"]:
        return hourly.iloc[0:0]
    usual = float(np.percentile(hourly.to_numpy(), 95))
    return hourly[(hourly >= floor) & (hourly >= cfg["factor"] * max(usual, 1.0))]


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events[inp.events["user"].notna()]
    ev = ev.assign(hour=ev["ts"].dt.floor("h"))
    findings = []
    for user, mine in ev.groupby("user", sort=True):
        counts = mine.groupby("hour").size()
        volume = mine.groupby("hour")["bytes"].sum(min_count=1).dropna()
        hits = {**{h: "requests" for h in _surges(counts, cfg, cfg["min_requests"]).index},
                **{h: "bytes" for h in _surges(volume, cfg, cfg["min_bytes"]).index}}
        for hour, metric in sorted(hits.items()):
            hit = mine[mine["hour"] == hour]
            usual = np.percentile((counts if metric == "requests" else volume).to_numpy(), 95)
            value = len(hit) if metric == "requests" else int(hit["bytes"].sum())
            what = f"{value:,} requests" if metric == "requests" else f"{value:,} bytes transferred"
            top = ", ".join(f"{n} ×{c}" for n, c in hit["event_name"].value_counts().head(5).items())
            text = (f"{user}: {what} in the hour from {format_ts(hour)}, against {usual:,.0f} in its usual busy "
                    f"hour (95th percentile of {len(counts)} active hours); most frequent: {top}.")
            findings.append(Finding(
                check=ID, title=f"Access surge: {user}", severity="medium",
                techniques=("T1530", "T1586.003") if metric == "bytes" else ("T1586.003", "T1530"),
                explanation=text, first_seen=hit["ts"].min().to_pydatetime(), last_seen=hit["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(hit["src_ip"]), hosts=distinct(hit["host"]), evidence=refs(hit),
                facts={"metric": metric, "value": value, "usual_p95": float(usual)},
            ))
    return findings


CHECK = Check(
    id=ID, title="Access surge", techniques=("T1586.003", "T1530"), run=run,
    description=("Per account and hour: the number of events and the bytes transferred (where logs say); an "
                 "hour at least `factor` times the account's own 95th-percentile hour, and above a floor, "
                 "once the account has enough active hours for a baseline."),
)
