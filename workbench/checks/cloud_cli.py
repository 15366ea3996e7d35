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
    cli_n = np.bincount(codes[is_cli], minlength=len(users))
    share_n = cli_n / np.maximum(total_n, 1)
    # accounts that mostly use a console or browser but did use a CLI
    rare_codes = np.flatnonzero((cli_n > 0) & (share_n <= cfg["max_usual_share"]) & (total_n >= cfg["min_history"]))
    if not len(rare_codes):
        return []
    share = pd.Series(share_n[rare_codes], index=users[rare_codes])
    total = pd.Series(total_n[rare_codes], index=users[rare_codes])
    keep = relevant & np.isin(codes, rare_codes)
    ev = all_ev.loc[keep, COLUMNS].assign(cli=is_cli[keep])  # the rare users' events only
    cli = ev[ev["cli"]]
    gap = pd.Timedelta(minutes=cfg["group_minutes"])
    recent = pd.Timedelta(hours=cfg["new_ip_hours"])
    seen = ev.dropna(subset=["src_ip"]).groupby(["user", "src_ip"])["ts"].min()
    findings = []
    positions = ev.groupby("user").indices  # each account's rows, found once
    # a CLI used on many days is a habit the account took up, not a one-off
    cli_days = cli.groupby("user")["ts"].agg(lambda ts: ts.dt.floor("D").nunique())
    for user, mine in cli.sort_values("ts", kind="stable").groupby("user", sort=True):
        history = ev.iloc[positions[user]][["ts", "cli"]]
        for n, burst in enumerate(bursts(mine, gap)):
            start = burst["ts"].min()
            before = history[history["ts"] < start]
            if len(before) < cfg["min_history"]:
                continue  # nothing to compare with
            new_ips = [ip for ip in distinct(burst["src_ip"]) if seen.get((user, ip), start) >= start - recent]
            first_use = n == 0 and not before["cli"].any() and cli_days[user] <= cfg["first_use_max_days"]
            if not new_ips and not (first_use and start - before["ts"].min() >= pd.Timedelta(days=cfg["first_use_days"])):
                continue  # the account's usual CLI from its usual places
            first = burst.iloc[0]
            tools = distinct(burst["user_agent"].fillna(burst["client_app"]))
            names = ", ".join(distinct(burst["event_name"])[:8])
            text = (f"{user} used a command-line client {len(burst)} time{'s' * (len(burst) != 1)} from "
                    f"{format_ts(first['ts'])} ({place(first)}): {names}. Client: {tools[0][:120]}"
                    f"{f' (+{len(tools) - 1} more)' if len(tools) > 1 else ''}. Only {share[user]:.1%} of the "
                    f"account's {total[user]} events come from such clients"
                    + (f"; {', '.join(new_ips)} first seen for it less than {cfg['new_ip_hours']} h before"
                       if new_ips else "; its first use of one") + ".")
            findings.append(Finding(
                check=ID, title=f"Cloud CLI use by a console user: {user}", severity="medium",
                techniques=("T1021.007", "T1059.009"), explanation=text,
                first_seen=burst["ts"].min().to_pydatetime(), last_seen=burst["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(burst["src_ip"]), hosts=distinct(burst["host"]),
                evidence=refs(burst), facts={"events": len(burst), "usual_cli_share": round(float(share[user]), 4)},
            ))
    return findings


CHECK = Check(
    id=ID, title="Cloud CLI use by a console user", techniques=("T1021.007", "T1059.009"), run=escalating(run),
    description=("Events from command-line clients (by user agent or the sign-in's client application) by "
                 "an account whose events come from such clients only rarely over the loaded period, when "
                 "they come from an IP new for the account, or are its first use of a CLI after a history "
                 "of console use and the account does not go on to use one on more than a few days."),
)
