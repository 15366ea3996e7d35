"""Cloud CLI or PowerShell access by an account that normally uses the console or a browser
(T1021.007, T1059.009): aws-cli / boto, Azure CLI and PowerShell, Microsoft Graph PowerShell, gcloud."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import Check, CheckInput, bursts, distinct, escalating, place, refs

ID = "cloud_cli"
COLUMNS = ["ts", "source", "file", "ref", "user", "user_agent", "client_app", "src_ip", "host", "event_name",
           "country", "city", "ip_class"]


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    all_ev = inp.events
    agent = re.compile("|".join(cfg["user_agents"]), re.IGNORECASE)
    apps = {a.lower() for a in cfg["client_apps"]}
    ua, app = all_ev["user_agent"], all_ev["client_app"]
    codes, users = pd.factorize(all_ev["user"])
    relevant = (codes >= 0) & (ua.notna() | app.notna()).to_numpy()
    # each distinct user agent and client is tested once
    cli_agents = [a for a in ua.dropna().unique() if agent.search(a)]
    cli_apps = [a for a in app.dropna().unique() if a.lower() in apps]
    is_cli = (ua.isin(cli_agents) | app.isin(cli_apps)).to_numpy() & relevant
    total_n = np.bincount(codes[relevant], minlength=len(users))
    # active days and days with CLI use per account: a day count is not swayed by one busy session
    day = all_ev["ts"].to_numpy(dtype="datetime64[us]").astype("datetime64[D]").astype(np.int64)
    active_days = _days_per_user(codes[relevant], day[relevant], len(users))
    cli_days_n = _days_per_user(codes[is_cli], day[is_cli], len(users))
    share_n = cli_days_n / np.maximum(active_days, 1)
    # accounts that mostly use a console or browser but did use a CLI
    rare_codes = np.flatnonzero((cli_days_n > 0) & (share_n <= cfg["max_usual_share"])
                                & (total_n >= cfg["min_history"]))
    if not len(rare_codes):
        return []
    share = pd.Series(share_n[rare_codes], index=users[rare_codes])
    days_on = pd.Series(active_days[rare_codes], index=users[rare_codes])
    cli_days = pd.Series(cli_days_n[rare_codes], index=users[rare_codes])
    since = pd.Timedelta(days=cfg["new_ip_min_history_days"])
    keep = relevant & np.isin(codes, rare_codes)
    ev = all_ev.loc[keep, COLUMNS].assign(cli=is_cli[keep])  # the rare users' events only
    cli = ev[ev["cli"]]
    gap = pd.Timedelta(minutes=cfg["group_minutes"])
    recent = pd.Timedelta(hours=cfg["new_ip_hours"])
    seen = ev.dropna(subset=["src_ip"]).groupby(["user", "src_ip"])["ts"].min()
    findings = []
    positions = ev.groupby("user").indices  # each account's rows, found once
    for user, mine in cli.sort_values("ts", kind="stable").groupby("user", sort=True):
        history = ev.iloc[positions[user]][["ts", "cli"]]
        for n, burst in enumerate(bursts(mine, gap)):
            start = burst["ts"].min()
            before = history[history["ts"] < start]
            if len(before) < cfg["min_history"]:
                continue  # nothing to compare with
            # an IP is only new against a history of some days (every IP is new on the log's first day)
            settled = start - before["ts"].min() >= since
            new_ips = [ip for ip in distinct(burst["src_ip"])
                       if settled and seen.get((user, ip), start) >= start - recent]
            # a CLI used on many days is a habit the account took up, not a one-off
            first_use = n == 0 and not before["cli"].any() and cli_days[user] <= cfg["first_use_max_days"]
            if not new_ips and not (first_use and start - before["ts"].min() >= pd.Timedelta(days=cfg["first_use_days"])):
                continue  # the account's usual CLI from its usual places
            first = burst.iloc[0]
            tools = distinct(burst["user_agent"].fillna(burst["client_app"]))
            names = ", ".join(distinct(burst["event_name"])[:8])
            text = (f"{user} used a command-line client {len(burst)} time{'s' * (len(burst) != 1)} from "
                    f"{format_ts(first['ts'])} ({place(first)}): {names}. Client: {tools[0][:120]}"
                    f"{f' (+{len(tools) - 1} more)' if len(tools) > 1 else ''}. The account used such clients on "
                    f"only {cli_days[user]} of its {days_on[user]} active days"
                    + (f"; {', '.join(new_ips)} first seen for it less than {cfg['new_ip_hours']} h before"
                       if new_ips else "; its first use of one") + ".")
            findings.append(Finding(
                check=ID, title=f"Cloud CLI use by a console user: {user}", severity="medium",
                techniques=("T1021.007", "T1059.009"), explanation=text,
                first_seen=burst["ts"].min().to_pydatetime(), last_seen=burst["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(burst["src_ip"]), hosts=distinct(burst["host"]),
                evidence=refs(burst), facts={"events": len(burst), "usual_cli_share": round(float(share[user]), 4),
                                             "cli_days": int(cli_days[user]), "active_days": int(days_on[user])},
            ))
    return findings


def _days_per_user(codes: np.ndarray, days: np.ndarray, n_users: int) -> np.ndarray:
    """How many distinct days each account (by code) has events on."""
    if not len(codes):
        return np.zeros(n_users, dtype=np.int64)
    first = days.min()
    pairs = pd.unique(codes.astype(np.int64) * (days.max() - first + 1) + (days - first))  # hashed, not sorted
    return np.bincount(pairs // (days.max() - first + 1), minlength=n_users)


CHECK = Check(
    id=ID, title="Cloud CLI use by a console user", techniques=("T1021.007", "T1059.009"), run=escalating(run),
    description=("Events from command-line clients (by user agent or the sign-in's client application) by "
                 "an account that used such clients on only a small share of its active days over the loaded "
                 "period, when they come from an IP new for the account (after a few days of history), or are "
                 "its first use of a CLI after a history "
                 "of console use and the account does not go on to use one on more than a few days."),
)
