"""Application access tokens used atypically for the account (T1550.001): non-interactive or
service-principal sign-ins through a client application the account never used that way, from an IP
it never signed in from."""

from __future__ import annotations

import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import Check, CheckInput, distinct, escalating, place, refs

ID = "token_use"
COLUMNS = ["ts", "source", "file", "ref", "action", "user", "src_ip", "host", "logon_type", "client_app", "country",
           "city", "ip_class"]


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events
    mask = (ev["action"].isin(["auth.success", "auth.failure"]) & ev["user"].notna() & ev["logon_type"].notna())
    signins = ev.loc[mask.to_numpy(), COLUMNS].sort_values("ts", kind="stable")
    signins = signins.assign(app=signins["client_app"].fillna("?"), token=signins["logon_type"].isin(cfg["logon_types"]))
    if not signins["token"].any():
        return []
    signins = signins.assign(prior=signins.groupby("user").cumcount(),
                             new_app=~signins.duplicated(["user", "token", "app"]),
                             new_ip=~signins.duplicated(["user", "src_ip"]))
    token = signins["token"]
    hits = signins[token & signins["new_app"] & signins["new_ip"] & (signins["prior"] >= cfg["min_history"])
                   & (signins["action"] == "auth.success")]
    findings = []
    for (user, app), first in hits.groupby(["user", "app"], sort=True):
        row = first.iloc[0]
        later = signins[(signins["user"] == user) & (signins["app"] == app) & token
                        & (signins["ts"] >= row["ts"]) & (signins["ts"] <= row["ts"] + pd.Timedelta(hours=24))]
        usual = signins[(signins["user"] == user) & (signins["ts"] < row["ts"])]
        kinds = ", ".join(f"{k} ({n})" for k, n in usual["logon_type"].value_counts().items())
        text = (f"{user} signed in {row['logon_type'].replace('_', '-')} through {app} at {format_ts(row['ts'])} "
                f"from {place(row)}, a client and an IP never seen for this account; its {len(usual)} earlier "
                f"sign-ins were {kinds}. {len(later)} such sign-in{'s' * (len(later) != 1)} in the next 24 h.")
        findings.append(Finding(
            check=ID, title=f"Atypical token use: {user} via {app}", severity="medium",
            techniques=("T1550.001", "T1021.007"), explanation=text,
            first_seen=later["ts"].min().to_pydatetime(), last_seen=later["ts"].max().to_pydatetime(),
            users=(str(user),), ips=distinct(later["src_ip"]), hosts=distinct(later["host"]), evidence=refs(later),
            facts={"logon_type": row["logon_type"], "client_app": app, "earlier_signins": len(usual)},
        ))
    return findings


CHECK = Check(
    id=ID, title="Atypical token use", techniques=("T1550.001",), run=escalating(run),
    description=("A successful non-interactive, service-principal or managed-identity sign-in through a client "
                 "application the account never used that way, from an IP the account never used, once the "
                 "account has enough earlier sign-ins."),
)
