"""Password spray (T1110.003): one source (an IP, or the addresses of one network) failing against
many accounts, a few tries each."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import CLOUD_SOURCES, SSH_SOURCES, Check, CheckInput, bursts, distinct, minutes, refs

ID = "password_spray"


def _sprays(failures: pd.DataFrame, key: str, cfg: dict) -> list[tuple[object, pd.DataFrame, pd.Series]]:
    """(source, burst, tries per account) of every burst of failures from one ``key`` value (an IP,
    or an autonomous system) against enough accounts with few tries each."""
    gap = pd.Timedelta(minutes=cfg["gap_minutes"])
    wide = failures.groupby(key)["user"].nunique()
    failures = failures[failures[key].isin(wide.index[wide >= cfg["min_accounts"]])]
    out = []
    for value, per_key in failures.groupby(key, sort=True):
        for burst in bursts(per_key, gap):
            tries = burst.groupby("user").size()
            if len(tries) >= cfg["min_accounts"] and tries.mean() <= cfg["max_tries_per_account"]:
                out.append((value, burst, tries))
    return out


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    logins = inp.logins
    failures = logins[(logins["action"] == "auth.failure") & logins["src_ip"].notna()]
    successes = logins[logins["action"] == "auth.success"]
    unknown = inp.events[(inp.events["action"] == "auth.invalid_user") & inp.events["src_ip"].notna()]
    gap = pd.Timedelta(minutes=cfg["gap_minutes"])
    found = [("ip", ip, burst, tries) for ip, burst, tries in _sprays(failures, "src_ip", cfg)]
    # a spray spread over many addresses of one network (a botnet, a cloud provider's range)
    single = failures.index.isin([i for _, _, b, _ in found for i in b.index])
    # only addresses that had no successful login before (staff typing a password wrong from home
    # share their provider's network, but their addresses have signed in before)
    first_ok = successes.groupby("src_ip")["ts"].min()
    first_us = dict(zip(first_ok.index, first_ok.to_numpy(dtype="datetime64[us]").astype(np.int64)))
    prior = failures["src_ip"].map(first_us).to_numpy(dtype=float, na_value=np.nan)
    fresh = np.isnan(prior) | (failures["ts"].to_numpy(dtype="datetime64[us]").astype(np.int64) < prior)
    spread = failures[~single & fresh & failures["asn"].notna().to_numpy()]
    found += [("asn", asn, burst, tries) for asn, burst, tries in _sprays(spread, "asn", cfg)
              if burst["src_ip"].nunique() >= cfg["min_ips_per_network"]]
    findings = []
    for kind, value, burst, tries in found:
        ips = distinct(burst["src_ip"])
        first, last = burst["ts"].min(), burst["ts"].max()
        from_here = successes["src_ip"].isin(ips)
        won = successes[from_here & (successes["ts"] >= first) & (successes["ts"] <= last + gap)]
        near = (unknown["ts"] >= first - gap) & (unknown["ts"] <= last)
        probes = unknown[unknown["src_ip"].isin(ips) & near]
        evidence = pd.concat([probes, burst, won])
        where = next((f" ({c})" for c in burst["country"].dropna()[:1]), "")
        if kind == "ip":
            source, title = f"{value}{where}", f"Password spray from {value}"
        else:
            org = next((f" {o}" for o in burst["as_org"].dropna()[:1]), "")
            source = f"{len(ips)} addresses of AS{int(value)}{org}{where}"
            title = f"Password spray from AS{int(value)}"
        text = (f"{len(burst)} failed logins from {source} against {len(tries)} accounts "
                f"({tries.mean():.1f} tries each on average, at most {tries.max()}) in {minutes(last - first)}, "
                f"from {format_ts(first)}")
        if len(won):
            text += (f"; then {len(won)} successful login{'s' * (len(won) != 1)} from the same "
                     f"{'IP' if kind == 'ip' else 'addresses'} for {', '.join(distinct(won['user']))}")
        else:
            text += f"; no login from {'this IP' if kind == 'ip' else 'these addresses'} succeeded"
        text += "."
        findings.append(Finding(
            check=ID, title=title, severity="high" if len(won) else "medium",
            techniques=("T1110.003", *(("T1078.004",) if burst["source"].iloc[0] in CLOUD_SOURCES
                                       else ("T1021.004",) if burst["source"].iloc[0] in SSH_SOURCES
                                       else ("T1078",))), explanation=text,
            first_seen=evidence["ts"].min().to_pydatetime(), last_seen=evidence["ts"].max().to_pydatetime(),
            users=distinct(evidence["user"]), ips=ips, hosts=distinct(evidence["host"]),
            evidence=refs(evidence),
            facts={"failures": len(burst), "accounts": len(tries), "max_tries": int(tries.max()),
                   "successes": len(won), "compromised": list(distinct(won["user"])), "grouped_by": kind,
                   **({"asn": int(value), "addresses": len(ips)} if kind == "asn" else {})},
        ))
    return findings


CHECK = Check(
    id=ID, title="Password spray", techniques=("T1110.003",), run=run,
    description=("Failed logins from one source IP, split into bursts at quiet gaps; a burst against at "
                 "least the threshold of distinct accounts with few tries each is a spray. With an ASN "
                 "database, failures not in such a burst, from addresses with no earlier successful login, "
                 "are grouped by network too, so a spray spread over several addresses of one autonomous "
                 "system counts. High when a login from the "
                 "same addresses succeeds during it or shortly after."),
)
