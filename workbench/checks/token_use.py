"""Application access tokens used atypically for the account (T1550.001): non-interactive or
service-principal sign-ins from a network the account never signed in from, either through a client it
never used that way, or through its usual client from a new country (a stolen refresh token replayed
through the same Outlook the victim uses).

The baseline is the account's sign-ins before the candidate (its own token sign-ins for the client, all
its sign-ins for the network and country). Mobile carriers and shared egress (VPN, cloud proxies) change
addresses all day: the network (autonomous system) is what is compared, and shared egress never counts as
new. Without an ASN database the address stands in for the network.
"""

from __future__ import annotations

import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .requirements import BASELINE, history_days
from .base import Check, CheckInput, distinct, escalating, place, refs
from .baseline import shared_egress

ID = "token_use"
COLUMNS = ["ts", "source", "file", "ref", "action", "user", "src_ip", "host", "logon_type", "client_app", "country",
           "city", "ip_class", "asn"]


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events
    mask = (ev["action"].isin(["auth.success", "auth.failure"]) & ev["user"].notna() & ev["logon_type"].notna())
    signins = ev.loc[mask.to_numpy(), COLUMNS].sort_values("ts", kind="stable")
    signins = signins.assign(app=signins["client_app"].fillna("?"), token=signins["logon_type"].isin(cfg["logon_types"]))
    if not signins["token"].any():
        return []
    ok = signins["action"] == "auth.success"
    has_asn = signins["asn"].notna()
    network = signins["asn"].astype("Int64").astype(str).where(has_asn, "ip:" + signins["src_ip"].fillna("?"))
    located = signins["country"].notna()
    signins = signins.assign(
        net=network,
        prior=signins.groupby("user").cumcount(),
        new_app=~signins.duplicated(["user", "token", "app"]),
        new_net=~signins.assign(net=network).duplicated(["user", "net"]),
        new_country=~signins.duplicated(["user", "country"]) & located)
    egress = shared_egress(inp.logins, inp.config["impossible_travel"]["shared_egress_accounts"])
    fresh_net = signins["new_net"] & ~signins["asn"].isin(egress)
    token = signins["token"]
    hits = signins[token & ok & fresh_net & (signins["prior"] >= cfg["min_history"])
                   & (signins["new_app"] | signins["new_country"])]
    findings = []
    for (user, _), first in hits.groupby(["user", "net"], sort=True):
        row = first.iloc[0]
        later = signins[(signins["user"] == user) & token & (signins["ts"] >= row["ts"])
                        & (signins["ts"] <= row["ts"] + pd.Timedelta(hours=24))
                        & (signins["net"] == row["net"])]
        usual = signins[(signins["user"] == user) & (signins["ts"] < row["ts"])]
        kinds = ", ".join(f"{k} ({n})" for k, n in usual["logon_type"].value_counts().items())
        usual_apps = usual.loc[usual["token"], "app"].value_counts()
        replay = not bool(row["new_app"])
        window = pd.Timedelta(hours=cfg["concurrent_hours"])
        mine = signins[(signins["user"] == user) & ok & (signins["net"] != row["net"])]
        elsewhere = mine[(mine["ts"] >= row["ts"] - window) & (mine["ts"] <= row["ts"] + window)
                         & mine["net"].isin(set(usual["net"]))]
        if replay and elsewhere.empty:
            continue  # the usual client from a new country while the account is nowhere else: a trip, not a replay
        net = f"AS{int(row['asn'])}" if pd.notna(row["asn"]) else f"the IP {row['src_ip']}"
        how = (f"its usual client ({usual_apps.get(row['app'], 0)} earlier token sign-ins through it) but from "
               f"{net} and {row['country']}, never seen for it, while it was signing in from its usual network "
               f"({place(elsewhere.iloc[0])} at {format_ts(elsewhere['ts'].iloc[0])})" if replay else
               f"a client it never used that way, from {net}, never seen for it")
        text = (f"{user} signed in {row['logon_type'].replace('_', '-')} through {row['app']} at {format_ts(row['ts'])} "
                f"from {place(row)}: {how}; its {len(usual)} earlier sign-ins were {kinds}. {len(later)} such "
                f"sign-in{'s' * (len(later) != 1)} from there in the next 24 h.")
        findings.append(Finding(
            check=ID, title=f"Atypical token use: {user} via {row['app']}", severity="high" if replay else "medium",
            techniques=("T1550.001", "T1021.007"), explanation=text,
            first_seen=later["ts"].min().to_pydatetime(), last_seen=later["ts"].max().to_pydatetime(),
            users=(str(user),), ips=distinct(later["src_ip"]), hosts=distinct(later["host"]), evidence=refs(later),
            facts={"logon_type": row["logon_type"], "client_app": row["app"], "earlier_signins": len(usual),
                   "usual_client": replay, "new_country": bool(row["new_country"]), "baseline": "account"},
        ))
    return findings


REQUIRES = (("not_run", lambda f: bool(f.logon_types & set(f.config[ID]["logon_types"])),
             "no non-interactive, service principal or managed identity sign-ins loaded "
             "(the portal downloads them separately)"),
            history_days(1, "telling an unusual network for a token"), BASELINE)
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Atypical token use", techniques=("T1550.001",), run=escalating(run),
    description=("A successful non-interactive, service-principal or managed-identity sign-in from a network "
                 "(autonomous system, else IP) the account never signed in from — not shared egress — either "
                 "through a client it never used that way, or through its usual client from a country new for it "
                 "while the account also signs in from its usual network within a few hours (a replayed refresh "
                 "token; high), once the account has enough earlier sign-ins."),
)
