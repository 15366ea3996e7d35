"""Privilege and role changes (T1098): policies attached, role or group memberships added, weighed by
habit and impact.

A change is judged against what the acting principal (the role, for an assumed-role session) did
*before* the change's window: an account that made such changes on several earlier days is a routine
administrator, and its ordinary changes are not findings. Admin grants and self-escalation always are
(impact never waits for history); a first change by an account with a history of its own, a change by an
account that is neither privileged nor a routine admin, or one right after a sign-in from a new country or
network is high.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .requirements import CONTROL, history
from .base import Check, CheckInput, bursts, distinct, place, refs
from .baseline import principal

ID = "privilege_change"


def _days(ts: pd.Series) -> np.ndarray:
    return ts.to_numpy(dtype="datetime64[us]").astype("datetime64[D]").astype(np.int64)


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events
    changes = ev[(ev["action"] == "privilege.change") & (ev["outcome"] == "success")].sort_values("ts", kind="stable")
    if changes.empty:
        return []
    admin = re.compile("|".join(cfg["admin_patterns"]), re.IGNORECASE)
    raws = inp.raw_text(changes.index)  # the grant itself (policy ARN, role name) is only in the record
    gap = pd.Timedelta(minutes=cfg["group_minutes"])
    actor_key = principal(changes["user"].fillna("(unknown)"))
    # each principal's active days (any event) and days with a privilege change, for the habit
    users = ev["user"].dropna()
    active = pd.DataFrame({"key": principal(users), "day": _days(ev.loc[users.index, "ts"])}).drop_duplicates()
    change_days = pd.DataFrame({"key": actor_key, "day": _days(changes["ts"])}).drop_duplicates()
    logins = inp.logins
    odd_logins = logins[(logins["action"] == "auth.success") & (logins["new_country"] | logins["new_asn"])]
    findings = []
    flagged: set[tuple[str, int]] = set()  # days with an admin grant, self-escalation or after a suspicious
    # sign-in: an attacker's days make no habit
    for key, mine in changes.groupby(actor_key, sort=True):
        for group in bursts(mine, gap):
            start = group["ts"].min()
            today = int(_days(group["ts"].iloc[:1])[0])
            actor = str(group["user"].iloc[0]) if isinstance(group["user"].iloc[0], str) else "(unknown)"
            history_days = int(((active["key"] == key) & (active["day"] < today)).sum())
            earlier = change_days[(change_days["key"] == key) & (change_days["day"] < today)]["day"]
            routine_days = int(sum((key, int(d)) not in flagged for d in earlier))
            lines, admin_hits, selfish = [], 0, 0
            for row_id, row in group.iterrows():
                target = row["target_user"] if isinstance(row["target_user"], str) else "?"
                granted = admin.search(raws.get(row_id, "") or "")
                admin_hits += bool(granted)
                selfish += target == actor or principal(pd.Series([target])).iloc[0] == key
                lines.append(f"{row['event_name']} on {target}{' (' + granted.group(0) + ')' if granted else ''} "
                             f"at {format_ts(row['ts'])} from {place(row)}")
            thin = history_days < cfg["min_history_days"]
            routine = not thin and routine_days >= cfg["routine_min_days"]
            privileged = actor in inp.privileged or key in inp.privileged
            recent = odd_logins[(odd_logins["user"] == actor) & (odd_logins["ts"] <= start)
                                & (odd_logins["ts"] >= start - pd.Timedelta(hours=cfg["suspicious_login_hours"]))]
            impact = bool(admin_hits or selfish)
            if routine:
                basis = (f"The account made privilege changes on {routine_days} of its {history_days} active days "
                         f"before (a routine administrator)")
                if not impact and recent.empty:
                    continue  # routine work
                severity = "high" if selfish or not recent.empty else "medium"
            elif thin:
                basis = (f"The loaded period holds only {history_days} earlier active day"
                         f"{'s' * (history_days != 1)} of the account: too little to tell routine from new (limited)")
                if not impact:
                    continue  # no history to weigh it against; only the impact speaks
                severity = "high"
            else:
                basis = (f"The account made privilege changes on {routine_days} of its {history_days} active days "
                         f"before" + (" (its first)" if not routine_days else ""))
                # a first change is high unless a privileged (admin) account makes it without impact: its job
                severity = "high" if (impact or not privileged or not recent.empty) else "medium"
            if impact or not recent.empty:
                flagged.add((key, today))
            text = f"{actor} changed privileges {len(group)} time{'s' * (len(group) != 1)}: " + "; ".join(lines) + "."
            if admin_hits:
                text += f" {admin_hits} of them grant administrative rights."
            if selfish:
                text += " The actor raised its own privileges."
            if not recent.empty:
                text += (f" It signed in from a new country or network at {format_ts(recent['ts'].max())} "
                         f"({place(recent.iloc[-1])}), shortly before.")
            text += f" {basis}."
            findings.append(Finding(
                check=ID, title=f"Privilege change by {actor}", severity=severity, techniques=("T1098",),
                explanation=text, first_seen=group["ts"].min().to_pydatetime(),
                last_seen=group["ts"].max().to_pydatetime(),
                users=tuple(dict.fromkeys([actor, *distinct(group["target_user"])])),
                ips=distinct(group["src_ip"]), hosts=distinct(group["host"]), evidence=refs(group),
                facts={"changes": len(group), "admin_grants": admin_hits, "self": selfish,
                       "routine_days": routine_days, "history_days": history_days,
                       "baseline": "limited" if thin else "account", "routine": routine},
            ))
    return findings


REQUIRES = (CONTROL, history(ID, "min_history_days", "telling a routine administrator from a first change"))
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Privilege and role changes", techniques=("T1098",), run=run,
    description=("Every successful privilege change (AWS policy attachments and group adds, Entra role "
                 "membership adds, GCP SetIamPolicy, Windows security-group member adds), grouped per acting "
                 "principal and weighed by its habit before the change's day: a routine administrator's ordinary "
                 "changes are not reported; admin grants and self-escalation always are; a first change, one by a "
                 "non-privileged account or one after a sign-in from a new country or network is high. With too "
                 "little history in the loaded period only admin grants and self-escalation are reported."),
)
