"""Password spray (T1110.003): one source failing against many accounts, a few tries each."""

from __future__ import annotations

import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import CLOUD_SOURCES, Check, CheckInput, bursts, distinct, minutes, refs

ID = "password_spray"


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    logins = inp.logins
    failures = logins[(logins["action"] == "auth.failure") & logins["src_ip"].notna()]
    successes = logins[logins["action"] == "auth.success"]
    unknown = inp.events[(inp.events["action"] == "auth.invalid_user") & inp.events["src_ip"].notna()]
    gap = pd.Timedelta(minutes=cfg["gap_minutes"])
    findings = []
    wide = failures.groupby("src_ip")["user"].nunique()
    failures = failures[failures["src_ip"].isin(wide.index[wide >= cfg["min_accounts"]])]
    for ip, per_ip in failures.groupby("src_ip", sort=True):
        for burst in bursts(per_ip, gap):
            tries = burst.groupby("user").size()
            if len(tries) < cfg["min_accounts"] or tries.mean() > cfg["max_tries_per_account"]:
                continue
            first, last = burst["ts"].min(), burst["ts"].max()
            won = successes[(successes["src_ip"] == ip) & (successes["ts"] >= first)
                            & (successes["ts"] <= last + gap)]
            probes = unknown[(unknown["src_ip"] == ip) & (unknown["ts"] >= first - gap) & (unknown["ts"] <= last)]
            evidence = pd.concat([probes, burst, won])
            where = next((f" ({c})" for c in burst["country"].dropna()[:1]), "")
            text = (f"{len(burst)} failed logins from {ip}{where} against {len(tries)} accounts "
                    f"({tries.mean():.1f} tries each on average, at most {tries.max()}) in {minutes(last - first)}, "
                    f"from {format_ts(first)}")
            if len(won):
                text += (f"; then {len(won)} successful login{'s' * (len(won) != 1)} from the same IP for "
                         f"{', '.join(distinct(won['user']))}")
            else:
                text += "; no login from this IP succeeded"
            text += "."
            findings.append(Finding(
                check=ID, title=f"Password spray from {ip}", severity="high" if len(won) else "medium",
                techniques=("T1110.003", *(("T1078.004",) if burst["source"].iloc[0] in CLOUD_SOURCES
                                           else ("T1021.004",))), explanation=text,
                first_seen=evidence["ts"].min().to_pydatetime(), last_seen=evidence["ts"].max().to_pydatetime(),
                users=distinct(evidence["user"]), ips=(str(ip),), hosts=distinct(evidence["host"]),
                evidence=refs(evidence),
                facts={"failures": len(burst), "accounts": len(tries), "max_tries": int(tries.max()),
                       "successes": len(won), "compromised": list(distinct(won["user"]))},
            ))
    return findings


CHECK = Check(
    id=ID, title="Password spray", techniques=("T1110.003",), run=run,
    description=("Failed logins from one source IP, split into bursts at quiet gaps; a burst against at "
                 "least the threshold of distinct accounts with few tries each is a spray. High when a "
                 "login from the same IP succeeds during it or shortly after."),
)
