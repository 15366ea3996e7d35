"""MFA fatigue (T1621): repeated MFA denials or time-outs for one account, then an approval."""

from __future__ import annotations

import pandas as pd

from ..events import format_ts
from ..findings import Finding
from ..sources import MFA_SOURCES
from .base import Check, CheckInput, bursts, distinct, escalating, minutes, place, refs

ID = "mfa_fatigue"


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events
    names = [f"{prefix}:{code}" for prefix in cfg["event_prefixes"] for code in cfg["denial_codes"]]
    prompts = ev[ev["event_name"].isin(names) & ev["user"].notna()]
    if prompts.empty:
        return []
    window = pd.Timedelta(minutes=cfg["window_minutes"])
    successes = ev[ev["action"] == "auth.success"]
    findings = []
    for user, mine in prompts.sort_values("ts", kind="stable").groupby("user", sort=True):
        for burst in bursts(mine, window):
            if len(burst) < cfg["min_denials"]:
                continue
            end = burst["ts"].max()
            won = successes[(successes["user"] == user) & (successes["ts"] > end) & (successes["ts"] <= end + window)]
            evidence = pd.concat([burst, won.iloc[:1]])
            text = (f"{len(burst)} MFA requests for {user} denied or unanswered in {minutes(end - burst['ts'].min())} "
                    f"from {format_ts(burst['ts'].min())} (from {', '.join(distinct(burst['src_ip'])[:5])})")
            if len(won):
                text += f", then the sign-in succeeded at {format_ts(won['ts'].iloc[0])} from {place(won.iloc[0])}"
            text += "."
            findings.append(Finding(
                check=ID, title=f"MFA fatigue: {user}", severity="high" if len(won) else "medium",
                techniques=("T1621", "T1078.004"), explanation=text,
                first_seen=evidence["ts"].min().to_pydatetime(), last_seen=evidence["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(evidence["src_ip"]), hosts=distinct(evidence["host"]),
                evidence=refs(evidence), facts={"denials": len(burst), "approved": bool(len(won))},
            ))
    return findings


REQUIRES = (("not_run", lambda f: bool(f.sources & MFA_SOURCES),
             "no Entra ID sign-in logs or unified audit log loaded (MFA denials are logged only there)"),)
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="MFA fatigue", techniques=("T1621",), run=escalating(run),
    description=("Sign-ins whose error code says the MFA request was denied or not answered (Entra 500121 "
                 "and the configured codes), at least the threshold for one account in a window; high when a "
                 "successful sign-in follows."),
)
