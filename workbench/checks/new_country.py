"""Successful login from a country never seen before for that account (T1078.004, T1021.007)."""

from __future__ import annotations

from ..events import format_ts
from ..findings import Finding
from .base import Check, CheckInput, distinct, place, refs

ID = "new_country"


def run(inp: CheckInput) -> list[Finding]:
    if not inp.geo_available:
        return []
    cfg = inp.config[ID]
    logins = inp.logins
    ok = logins[(logins["action"] == "auth.success") & logins["country"].notna()]
    hits = ok[ok["new_country"] & (ok["prior_countries"] >= cfg["min_history"])]
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
            facts={"country": country, "history_logins": len(history),
                   "usual_countries": {str(c): int(n) for c, n in usual.items()}},
        ))
    return findings


CHECK = Check(
    id=ID, title="Sign-in from a new country", techniques=("T1078.004", "T1021.007"), run=run, needs_geo=True,
    description=("A successful login from a country (offline GeoIP) that the account never signed in from "
                 "before, once the account has enough earlier located sign-ins to form a baseline."),
)
