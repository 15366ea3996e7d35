"""Privilege and role changes (T1098): policies attached, role or group memberships added."""

from __future__ import annotations

import re

import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import Check, CheckInput, bursts, distinct, place, refs

ID = "privilege_change"


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events
    changes = ev[(ev["action"] == "privilege.change") & (ev["outcome"] == "success")].sort_values("ts", kind="stable")
    if changes.empty:
        return []
    admin = re.compile("|".join(cfg["admin_patterns"]), re.IGNORECASE)
    raws = inp.raw_text(changes.index)  # the grant itself (policy ARN, role name) is only in the record
    gap = pd.Timedelta(minutes=cfg["group_minutes"])
    findings = []
    for actor, mine in changes.groupby(changes["user"].fillna("(unknown)"), sort=True):
        for group in bursts(mine, gap):
            lines, admin_hits, selfish = [], 0, 0
            for row_id, row in group.iterrows():
                target = row["target_user"] if isinstance(row["target_user"], str) else "?"
                granted = admin.search(raws.get(row_id, "") or "")
                admin_hits += bool(granted)
                selfish += target == actor
                lines.append(f"{row['event_name']} on {target}{' (' + granted.group(0) + ')' if granted else ''} "
                             f"at {format_ts(row['ts'])} from {place(row)}")
            text = f"{actor} changed privileges {len(group)} time{'s' * (len(group) != 1)}: " + "; ".join(lines) + "."
            if admin_hits:
                text += f" {admin_hits} of them grant administrative rights."
            if selfish:
                text += " The actor raised its own privileges."
            severity = "high" if admin_hits or selfish else "medium"
            findings.append(Finding(
                check=ID, title=f"Privilege change by {actor}", severity=severity, techniques=("T1098",),
                explanation=text, first_seen=group["ts"].min().to_pydatetime(),
                last_seen=group["ts"].max().to_pydatetime(),
                users=tuple(dict.fromkeys([str(actor), *distinct(group["target_user"])])),
                ips=distinct(group["src_ip"]), hosts=distinct(group["host"]), evidence=refs(group),
                facts={"changes": len(group), "admin_grants": admin_hits, "self": selfish},
            ))
    return findings


CHECK = Check(
    id=ID, title="Privilege and role changes", techniques=("T1098",), run=run,
    description=("Every successful privilege change (AWS policy attachments and group adds, Entra role "
                 "membership adds, GCP SetIamPolicy, Windows security-group member adds), grouped per "
                 "actor. High when it grants administrative rights or the actor raises its own rights."),
)
