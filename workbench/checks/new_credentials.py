"""Creation of new cloud credentials (T1098.001): access keys, login profiles, key pairs, SSH keys.

Weighed by habit like privilege changes: an actor that created credentials for other principals on at
least ``routine_min_days`` earlier days of the loaded history is a routine IAM administrator, and its
onboarding (keys for accounts it just created, from a network it used before, with no suspicious sign-in
shortly before) is not a finding. A first time, a key for a pre-existing account, a new country or
network, a suspicious sign-in before it, or no history at all keeps the severity: impact never waits
for history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .requirements import CONTROL
from .base import Check, CheckInput, bursts, distinct, place, refs

ID = "new_credentials"


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events
    creates = ev[(ev["action"] == "credential.create") & (ev["outcome"] == "success")].sort_values("ts", kind="stable")
    if creates.empty:
        return []
    # Accounts created in the log (onboarding creates a user, then its keys): who created whom.
    made = ev[(ev["action"] == "account.create") & (ev["outcome"] == "success") & ev["target_user"].notna()]
    created_by = dict(zip(made["target_user"], made["user"]))
    located = ev[ev["country"].notna() & ev["user"].isin(creates["user"].unique())]
    first_in_country = located.groupby(["user", "country"])["ts"].min().to_dict()
    # an account needs events from before the window for "new" to mean anything
    # (each actor against its own last creation: the check is per account, as its Spark partition says)
    last_create = creates.groupby("user")["ts"].max() - pd.Timedelta(hours=cfg["new_country_hours"])
    first_located = located.groupby("user")["ts"].min()
    has_history = (first_located < last_create.reindex(first_located.index)).to_dict()
    # the habit: days on which each actor created credentials for accounts it had itself just created
    day = creates["ts"].to_numpy(dtype="datetime64[us]").astype("datetime64[D]").astype(np.int64)
    for_other = creates["target_user"].notna() & (creates["target_user"] != creates["user"])
    onboard = for_other & (creates["target_user"].map(created_by) == creates["user"])
    habit = pd.DataFrame({"user": creates["user"], "day": day})[onboard.to_numpy()].drop_duplicates()
    # the actor's networks (ASN, else address) before each burst
    mine_all = ev[ev["user"].isin(creates["user"].unique())]
    # (the ASN as a whole number: a column with gaps comes as floats, "208677.0", in one engine and not another)
    net = mine_all["asn"].astype("Int64").astype(object).where(mine_all["asn"].notna(), mine_all["src_ip"]) \
        if "asn" in mine_all.columns else mine_all["src_ip"]
    nets = pd.DataFrame({"user": mine_all["user"], "net": net, "ts": mine_all["ts"]}).dropna()
    first_net = nets.groupby(["user", "net"])["ts"].min().to_dict()
    logins = inp.logins
    odd_logins = logins[(logins["action"] == "auth.success") & (logins["new_country"] | logins["new_asn"])]
    findings = []
    for actor, actor_events in creates.groupby("user", sort=True):
        for group in bursts(actor_events, pd.Timedelta(minutes=cfg["group_minutes"])):
            start = group["ts"].min()
            today = int(start.to_datetime64().astype("datetime64[D]").astype(np.int64))
            routine_days = int(((habit["user"] == actor) & (habit["day"] < today)).sum())
            group_net = net.reindex(group.index)
            fresh = start - pd.Timedelta(hours=cfg["new_country_hours"])  # first seen less than this before
            new_nets = sorted({str(n) for n in group_net.dropna() if first_net.get((actor, n), start) > fresh})
            odd = odd_logins[(odd_logins["user"] == actor) & (odd_logins["ts"] <= start)
                                & (odd_logins["ts"] >= start - pd.Timedelta(hours=cfg["suspicious_login_hours"]))]
            lines, others, preexisting = [], [], []
            for _, row in group.iterrows():
                target = row["target_user"] if isinstance(row["target_user"], str) else actor
                lines.append(f"{row['event_name']} for {target} at {format_ts(row['ts'])} from {place(row)}")
                if target != actor:
                    others.append(target)
                    if created_by.get(target) != actor:
                        preexisting.append(target)
            # Countries the actor acts from here that it was first seen in only recently.
            recent = group["ts"].min() - pd.Timedelta(hours=cfg["new_country_hours"])
            new_countries = sorted(
                c for c in set(group["country"].dropna())
                if first_in_country.get((actor, c), recent) > recent and has_history.get(actor, False)
            )
            text = f"{actor} created {len(group)} credential{'s' * (len(group) != 1)}: " + "; ".join(lines) + "."
            if preexisting:
                text += f" Credentials for other, pre-existing accounts: {', '.join(sorted(set(preexisting)))}."
            elif others:
                text += " The other accounts were created by the same actor just before (onboarding pattern)."
            if new_countries:
                text += (f" The actor was first seen acting from {', '.join(new_countries)} less than "
                         f"{cfg['new_country_hours']} h before.")
            routine = routine_days >= cfg["routine_min_days"]
            if routine and others and not preexisting and not new_countries and not new_nets and odd.empty:
                continue  # a routine administrator's onboarding from its usual network
            if not odd.empty:
                text += (f" The actor signed in from a new country or network at {format_ts(odd['ts'].max())} "
                         f"({place(odd.iloc[-1])}), shortly before.")
            if new_nets:
                text += (f" Network{'s' * (len(new_nets) != 1)} {', '.join(new_nets)} new for the actor (first seen "
                         f"less than {cfg['new_country_hours']} h before).")
            if not has_history.get(actor, False) and not routine_days:
                basis = ("No history of the actor before it in the loaded period (limited: judged on the "
                         "action alone)")
            else:
                basis = (f"Baseline: the actor's own history; it created credentials for accounts it had just "
                         f"created on {routine_days} earlier day{'s' * (routine_days != 1)} "
                         f"({cfg['routine_min_days']} make a routine administrator)")
            text += f" {basis}."
            severity = "high" if preexisting or new_countries else "medium"
            findings.append(Finding(
                check=ID, title=f"New cloud credentials by {actor}", severity=severity,
                techniques=("T1098.001",), explanation=text,
                first_seen=group["ts"].min().to_pydatetime(), last_seen=group["ts"].max().to_pydatetime(),
                users=tuple(dict.fromkeys([str(actor), *others])), ips=distinct(group["src_ip"]),
                hosts=distinct(group["host"]), evidence=refs(group),
                facts={"credentials": len(group), "for_other_accounts": sorted(set(others)),
                       "for_preexisting_accounts": sorted(set(preexisting)), "new_countries": new_countries,
                       "routine_days": routine_days, "new_networks": new_nets,
                       "after_suspicious_login": not odd.empty},
            ))
    return findings


REQUIRES = (CONTROL,)
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="New cloud credentials", techniques=("T1098.001",), run=run,
    description=("Every successful credential creation (AWS CreateAccessKey, CreateLoginProfile, CreateKeyPair, "
                 "ImportKeyPair, UploadSSHPublicKey, CreateServiceSpecificCredential; Entra credentials added to "
                 "applications and service principals; ...), grouped per actor. "
                 "High when the key is for another account that the actor did not just create, or the "
                 "actor acts from a country never seen for it before. A routine administrator's onboarding "
                 "(credentials for accounts it just created, on earlier days too, from its usual network, "
                 "with no suspicious sign-in before) is not reported."),
)
