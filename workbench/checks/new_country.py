"""Successful login from a country, or a network (autonomous system), never seen before for that
account (T1078.004, T1021.007)."""

from __future__ import annotations

import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .requirements import BASELINE, GEO, LOCATED, LOGINS
from .base import Check, CheckInput, distinct, escalating, place, refs
from .baseline import shared_egress

ID = "new_country"


def run(inp: CheckInput) -> list[Finding]:
    if not inp.geo_available:
        return []
    cfg = inp.config[ID]
    logins = inp.logins
    ok = logins[(logins["action"] == "auth.success") & logins["country"].notna()]
    egress = shared_egress(logins, inp.config["impossible_travel"]["shared_egress_accounts"])
    # a shared egress network's location is the provider's node, not the person's
    hits = ok[ok["new_country"] & (ok["prior_countries"] >= cfg["min_history"]) & ~ok["asn"].isin(egress)]
    findings = []
    for (user, country), first in hits.groupby(["user", "country"], sort=True):
        first_row = first.iloc[0]
        history = ok[(ok["user"] == user) & (ok["ts"] < first_row["ts"])]
        usual = history["country"].value_counts()
        later = ok[(ok["user"] == user) & (ok["country"] == country) & (ok["ts"] >= first_row["ts"])]
        usual_text = ", ".join(f"{c} ({n})" for c, n in usual.items())
        text = (f"{user} signed in from {place(first_row)} at {format_ts(first_row['ts'])}. "
                f"The account's {len(history)} earlier successful sign-ins since {format_ts(history['ts'].min())} "
                f"came from {usual_text} only.")
        if len(later) > 1:
            text += f" {len(later)} successful sign-ins from {country} in all."
        findings.append(Finding(
            check=ID, title=f"Sign-in from a new country: {user} from {country}", severity="medium",
            techniques=("T1078.004", "T1021.007"), explanation=text,
            first_seen=later["ts"].min().to_pydatetime(), last_seen=later["ts"].max().to_pydatetime(),
            users=(str(user),), ips=distinct(later["src_ip"]), hosts=distinct(later["host"]),
            evidence=refs(later),
            facts={"kind": "country", "country": country, "history_logins": len(history),
                   "usual_countries": {str(c): int(n) for c, n in usual.items()}},
        ))
    return findings + _networks(inp, cfg, egress)


def _as(asn: object, org: object) -> str:
    return f"AS{int(asn)}" + (f" {org}" if isinstance(org, str) and org else "")


def _networks(inp: CheckInput, cfg: dict, egress: frozenset[int]) -> list[Finding]:
    """A network (autonomous system) never seen for the account, in a country it knows."""
    logins = inp.logins
    ok = logins[(logins["action"] == "auth.success") & logins["asn"].notna()]
    if ok.empty:
        return []  # no ASN database answered
    since = ok.groupby("user")["ts"].transform("min")
    hits = ok[ok["new_asn"] & ~ok["new_country"] & (ok["prior_asns"] >= cfg["network_min_history"]) & ~ok["asn"].isin(egress)
              & (ok["ts"] - since >= pd.Timedelta(days=cfg["network_min_history_days"]))]
    findings = []
    for (user, asn), first in hits.groupby(["user", "asn"], sort=True):
        row = first.iloc[0]
        mine = ok[ok["user"] == user]
        history = mine[mine["ts"] < row["ts"]]
        later = mine[(mine["asn"] == asn) & (mine["ts"] >= row["ts"])
                     & (mine["ts"] <= row["ts"] + pd.Timedelta(hours=cfg["network_group_hours"]))]
        usual = history.groupby("asn").agg(n=("ts", "size"), org=("as_org", "first")).sort_values("n", ascending=False)
        usual_text = ", ".join(f"{_as(a, r['org'])} ({r['n']})" for a, r in usual.head(5).iterrows())
        new_ips = [ip for ip in distinct(later["src_ip"]) if ip not in set(history["src_ip"])]
        text = (f"{user} signed in from {place(row)}, network {_as(asn, row['as_org'])}, at {format_ts(row['ts'])}. "
                f"The account's {len(history)} earlier successful sign-ins since {format_ts(history['ts'].min())} "
                f"came from {usual_text}{' and others' if len(usual) > 5 else ''} only")
        text += (f"; the IP{'s' * (len(new_ips) != 1)} {', '.join(new_ips[:5])} {'were' if len(new_ips) > 1 else 'was'} "
                 f"never seen for it either." if new_ips else ".")
        if len(later) > 1:
            text += f" {len(later)} successful sign-ins from this network within {cfg['network_group_hours']} h."
        findings.append(Finding(
            check=ID, title=f"Sign-in from a new network: {user} from {_as(asn, None)}", severity="low",
            techniques=("T1078.004", "T1021.007"), explanation=text,
            first_seen=later["ts"].min().to_pydatetime(), last_seen=later["ts"].max().to_pydatetime(),
            users=(str(user),), ips=distinct(later["src_ip"]), hosts=distinct(later["host"]), evidence=refs(later),
            facts={"kind": "network", "asn": int(asn), "as_org": row["as_org"] if isinstance(row["as_org"], str) else None,
                   "country": row["country"] if isinstance(row["country"], str) else None,
                   "history_logins": len(history), "new_ips": new_ips,
                   "usual_asns": {str(int(a)): int(r["n"]) for a, r in usual.iterrows()}},
        ))
    return findings


REQUIRES = (GEO, LOGINS, LOCATED,
            ("limited", lambda f: f.max_located_successes > f.config[ID]["min_history"],
             "no account has the earlier located sign-ins a baseline needs"), BASELINE)
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Sign-in from a new country or network", techniques=("T1078.004", "T1021.007"), run=escalating(run), needs_geo=True,
    description=("A successful login from a country (offline GeoIP) that the account never signed in from "
                 "before, once the account has enough earlier located sign-ins to form a baseline; and "
                 "(with an ASN database) one from an autonomous system it never signed in from, in a country "
                 "it knows, once it has enough earlier sign-ins with a known network over enough days, stating "
                 "whether the IP itself is new."),
)
