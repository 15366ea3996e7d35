"""Creation of new cloud credentials (T1098.001): access keys, login profiles, key pairs, SSH keys."""

from __future__ import annotations

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
    has_history = (located.groupby("user")["ts"].min() < creates["ts"].max()
                   - pd.Timedelta(hours=cfg["new_country_hours"])).to_dict()
    findings = []
    for actor, actor_events in creates.groupby("user", sort=True):
        for group in bursts(actor_events, pd.Timedelta(minutes=cfg["group_minutes"])):
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
            severity = "high" if preexisting or new_countries else "medium"
            findings.append(Finding(
                check=ID, title=f"New cloud credentials by {actor}", severity=severity,
                techniques=("T1098.001",), explanation=text,
                first_seen=group["ts"].min().to_pydatetime(), last_seen=group["ts"].max().to_pydatetime(),
                users=tuple(dict.fromkeys([str(actor), *others])), ips=distinct(group["src_ip"]),
                hosts=distinct(group["host"]), evidence=refs(group),
                facts={"credentials": len(group), "for_other_accounts": sorted(set(others)),
                       "for_preexisting_accounts": sorted(set(preexisting)), "new_countries": new_countries},
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
                 "actor acts from a country never seen for it before."),
)
