"""Lateral movement (T1021, T1021.001, T1021.004): one account logging on over the network to many
distinct hosts in a short window."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import SSH_SOURCES, Check, CheckInput, distinct, minutes, refs

ID = "lateral_movement"
def _technique(source: str, logon_type: str) -> str | None:
    """SSH logons (T1021.004), RDP (T1021.001), Windows network logons to shares (T1021.002)."""
    if source in SSH_SOURCES:
        return "T1021.004"
    return {"remote_interactive": "T1021.001", "network": "T1021.002"}.get(logon_type)


def _windows(mine: pd.DataFrame, window: pd.Timedelta, min_hosts: int) -> list[pd.DataFrame]:
    """Maximal runs of logons where some ``window`` holds at least ``min_hosts`` distinct hosts."""
    ts = mine["ts"].to_numpy()
    hosts = mine["host"].to_numpy()
    hit = np.zeros(len(mine), dtype=bool)
    start = 0
    for end in range(len(mine)):
        while ts[end] - ts[start] > window.to_timedelta64():
            start += 1
        if len(set(hosts[start:end + 1])) >= min_hosts:
            hit[start:end + 1] = True
    runs = (~hit).cumsum()
    return [g for _, g in mine[hit].groupby(runs[hit])]


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events
    logons = ev[(ev["action"] == "auth.success") & ev["logon_type"].isin(cfg["logon_types"])
                & ev["host"].notna() & ev["user"].notna()]
    if cfg["exclude_accounts"]:  # computer accounts and Windows' built-in logon identities are not people
        logons = logons[~logons["user"].str.fullmatch("|".join(f"(?:{p})" for p in cfg["exclude_accounts"]),
                                                       case=False)]
    logons = logons.sort_values("ts", kind="stable")
    window = pd.Timedelta(minutes=cfg["window_minutes"])
    findings = []
    for user, mine in logons.groupby("user", sort=True):
        if mine["host"].nunique() < cfg["min_hosts"]:
            continue
        for run_ in _windows(mine, window, cfg["min_hosts"]):
            hosts = distinct(run_["host"])
            kinds = distinct(run_["logon_type"])
            text = (f"{user} logged on to {len(hosts)} hosts in {minutes(run_['ts'].max() - run_['ts'].min())} "
                    f"from {format_ts(run_['ts'].min())}: {', '.join(hosts[:10])}{', ...' if len(hosts) > 10 else ''} "
                    f"({', '.join(kinds)} logons from {', '.join(distinct(run_['src_ip'])[:5]) or 'unknown sources'}).")
            findings.append(Finding(
                check=ID, title=f"Lateral movement: {user} to {len(hosts)} hosts", severity="high",
                techniques=("T1021", *dict.fromkeys(t for t in map(_technique, run_["source"], run_["logon_type"])
                                                    if t)),
                explanation=text, first_seen=run_["ts"].min().to_pydatetime(),
                last_seen=run_["ts"].max().to_pydatetime(), users=(str(user),), ips=distinct(run_["src_ip"]),
                hosts=hosts, evidence=refs(run_), facts={"hosts": len(hosts), "logons": len(run_)},
            ))
    return findings


CHECK = Check(
    id=ID, title="Lateral movement", techniques=("T1021", "T1021.001", "T1021.004"), run=run,
    description=("Successful network or remote-interactive logons (Windows 4624 types 3/10, RDP, sshd) of "
                 "one account to at least the threshold of distinct hosts within the window."),
)
