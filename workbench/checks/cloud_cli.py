"""Cloud CLI or PowerShell access by an account that normally uses the console or a browser
(T1021.007, T1059.009): aws-cli / boto, Azure CLI and PowerShell, Microsoft Graph PowerShell, gcloud."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .requirements import BASELINE, history
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
    # each distinct user agent and client is tested once
    cli_agents = [a for a in ua.dropna().unique() if agent.search(a)]
    cli_apps = [a for a in app.dropna().unique() if a.lower() in apps]
    is_cli = (ua.isin(cli_agents) | app.isin(cli_apps)).to_numpy() & (codes >= 0)
    if not is_cli.any():
        return []
    users_cli = np.unique(codes[is_cli])
    keep = np.isin(codes, users_cli)
    ev = all_ev.loc[keep, COLUMNS].assign(cli=is_cli[keep])  # the CLI users' events only
    ev = ev.sort_values("ts", kind="stable")
    day = ev["ts"].to_numpy(dtype="datetime64[us]").astype("datetime64[D]").astype(np.int64)
    ev = ev.assign(day=day)
    gap = pd.Timedelta(minutes=cfg["group_minutes"])
    recent = pd.Timedelta(hours=cfg["new_ip_hours"])
    since = pd.Timedelta(days=cfg["new_ip_min_history_days"])
    findings = []
    for user, mine_all in ev.groupby("user", sort=True):
        ts = mine_all["ts"].to_numpy(dtype="datetime64[us]")
        active_days = np.unique(mine_all["day"].to_numpy())
        cli_rows = mine_all[mine_all["cli"]]
        cli_days = np.unique(cli_rows["day"].to_numpy())
        seen = mine_all.dropna(subset=["src_ip"]).groupby("src_ip")["ts"].min()
        flagged_days: set[int] = set()  # the days of reported use: an attacker's days never make the habit
        flagged_ips: set[str] = set()
        first_reported = False
        for burst in bursts(cli_rows, gap):
            start = burst["ts"].min()
            today = int(burst["day"].iloc[0])
            n_before = int(np.searchsorted(ts, start.to_datetime64(), side="left"))
            days_before = int(np.searchsorted(active_days, today))
            habit = [d for d in cli_days[:np.searchsorted(cli_days, today)] if int(d) not in flagged_days]
            if n_before < cfg["min_history"] or days_before < 1:
                continue  # nothing to compare with (limited)
            share = len(habit) / days_before
            if share > cfg["max_usual_share"]:
                continue  # an account that uses such clients as a habit
            first_ts = pd.Timestamp(mine_all["ts"].iloc[0])
            settled = start - first_ts >= since
            new_ips = [ip for ip in distinct(burst["src_ip"])
                       if ip in flagged_ips or (settled and seen.get(ip, start) >= start - recent)]
            first_use = (not habit and not first_reported
                         and start - first_ts >= pd.Timedelta(days=cfg["first_use_days"]))
            if not new_ips and not first_use:
                continue  # the account's occasional CLI from its usual places
            if new_ips:
                flagged_days.add(today)
                flagged_ips.update(new_ips)
            first_reported = first_reported or first_use
            first = burst.iloc[0]
            tools = distinct(burst["user_agent"].fillna(burst["client_app"]))
            names = ", ".join(distinct(burst["event_name"])[:8])
            text = (f"{user} used a command-line client {len(burst)} time{'s' * (len(burst) != 1)} from "
                    f"{format_ts(first['ts'])} ({place(first)}): {names}. Client: {tools[0][:120]}"
                    f"{f' (+{len(tools) - 1} more)' if len(tools) > 1 else ''}. Before that day the account used "
                    f"such clients on {len(habit)} of its {days_before} active days in the loaded period"
                    + (f" (not counting {len(flagged_days - {today})} day(s) of use already reported)"
                       if flagged_days - {today} else "")
                    + (f"; {', '.join(new_ips)} first seen for it less than {cfg['new_ip_hours']} h before, or "
                       f"in use already reported" if new_ips else "; its first use of one") + ".")
            findings.append(Finding(
                check=ID, title=f"Cloud CLI use by a console user: {user}", severity="medium" if new_ips else "low",
                techniques=("T1021.007", "T1059.009"), explanation=text,
                first_seen=burst["ts"].min().to_pydatetime(), last_seen=burst["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(burst["src_ip"]), hosts=distinct(burst["host"]),
                evidence=refs(burst), facts={"events": len(burst), "usual_cli_share": round(float(share), 4),
                                             "cli_days": len(habit), "active_days": days_before,
                                             "new_ips": new_ips, "baseline": "account"},
            ))
    return findings


def _days_per_user(codes: np.ndarray, days: np.ndarray, n_users: int) -> np.ndarray:
    """How many distinct days each account (by code) has events on."""
    if not len(codes):
        return np.zeros(n_users, dtype=np.int64)
    first = days.min()
    pairs = pd.unique(codes.astype(np.int64) * (days.max() - first + 1) + (days - first))  # hashed, not sorted
    return np.bincount(pairs // (days.max() - first + 1), minlength=n_users)


REQUIRES = (("not_run", lambda f: f.present.get("user_agent", 0) + f.present.get("client_app", 0) > 0,
             "neither user agents nor client applications are in this export"),
            history(ID, "new_ip_min_history_days", "telling a console user's first CLI use"), BASELINE)
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Cloud CLI use by a console user", techniques=("T1021.007", "T1059.009"), run=escalating(run),
    description=("Events from command-line clients and SDKs (by user agent or the sign-in's client application, "
                 "name or first-party app id: the lists in config.yaml) by an account that used such clients on "
                 "only a small share of its active days *before* that day (days of use already reported never "
                 "count as habit), when they come from an IP new for the account (after a few days of history) "
                 "or one already reported, or are its first use of a CLI after a history of console use."),
)
