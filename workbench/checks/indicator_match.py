"""Matches against the analyst's own indicator lists (IPs, CIDRs, user agents, accounts), offline."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pandas as pd

from .indicators import Indicator, load_indicators
from ..findings import Finding
from ..events import format_ts
from .base import Check, CheckInput, distinct, refs

ID = "indicator_match"


def _ip_hits(ev: pd.DataFrame, nets: list) -> dict[Indicator, pd.Index]:
    """Rows whose source IP lies in an indicator network; each distinct IP is tested once."""
    hits: dict[Indicator, list] = {}
    for ip in ev["src_ip"].dropna().unique():
        addr = ipaddress.ip_address(ip)
        for net, ind in nets:
            if addr.version == net.version and addr in net:
                hits.setdefault(ind, []).append(ip)
    return {ind: ev.index[ev["src_ip"].isin(ips)] for ind, ips in hits.items()}


def run(inp: CheckInput) -> list[Finding]:
    files = [Path(p) for p in inp.config[ID]["files"]]
    if not files:
        return []
    found = load_indicators(files)
    ev = inp.events
    matches = _ip_hits(ev, found.networks())
    agents = ev["user_agent"].fillna("").str.lower()
    for ind in found.of("user_agent"):
        rows = ev.index[agents.str.contains(ind.value.lower(), regex=False)]
        if len(rows):
            matches[ind] = rows
    users = ev["user"].fillna("").str.lower()
    for ind in found.of("account"):
        rows = ev.index[(users == ind.value.lower()) | (ev["target_user"].fillna("").str.lower() == ind.value.lower())]
        if len(rows):
            matches[ind] = rows
    findings = []
    for ind, rows in sorted(matches.items(), key=lambda kv: (kv[0].kind, kv[0].value)):
        hit = ev.loc[rows].sort_values("ts", kind="stable")
        text = (f"{len(hit)} events match the {ind.kind.replace('_', ' ')} indicator {ind.value!r}"
                f"{f' ({ind.note})' if ind.note else ''} from {ind.source}, between {format_ts(hit['ts'].min())} "
                f"and {format_ts(hit['ts'].max())}; accounts: {', '.join(distinct(hit['user'])[:10]) or 'none'}.")
        findings.append(Finding(
            check=ID, title=f"Known indicator: {ind.value[:60]}", severity="high", techniques=("T1078",),
            explanation=text, first_seen=hit["ts"].min().to_pydatetime(), last_seen=hit["ts"].max().to_pydatetime(),
            users=distinct(hit["user"]), ips=distinct(hit["src_ip"]), hosts=distinct(hit["host"]), evidence=refs(hit),
            facts={"indicator": ind.value, "kind": ind.kind, "events": len(hit)},
        ))
    return findings


REQUIRES = (("not_run", lambda f: bool(f.config[ID]["files"]), "no indicator files given (--indicators)"),)
PARTITION = "user"  # row by row: any key would do

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Analyst indicators", techniques=("T1078",), run=run,
    description=("Events whose source IP is in a listed IP or CIDR, whose user agent contains a listed "
                 "fragment, or whose account is listed, from the analyst's indicator files (--indicators)."),
)
