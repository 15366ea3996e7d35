"""Checks across sources, on one person rather than one account name (see :mod:`workbench.people.identity`).

They follow the :class:`~workbench.checks.base.Check` declaration of the other checks; the pipeline
runs them after the names are resolved into entities, with an :class:`IdentityCheckInput`.

- ``cross_new_country_then_hosts``: a sign-in from a country new for the person (any source), then
  network / remote-interactive logons (sshd, RDP) by the same person to several hosts within hours.
- ``cross_failed_signins_then_aws_console``: an AWS console login (CloudTrail ``ConsoleLogin``, e.g. an
  IAM Identity Center session ``AWSReservedSSO_…/alice@corp.com``) by a person whose Entra ID sign-ins
  failed many times just before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .requirements import GEO, HOST_LOGONS, LOGINS
from .base import PERSON, Check, CheckInput, distinct, minutes, place, refs
from ..events import format_ts
from ..findings import Finding
from ..people.identity import Identities, local_part
from ..sources import HOST_ACCOUNTS

NEW_COUNTRY_ID = "cross_new_country_then_hosts"
FAILED_CONSOLE_ID = "cross_failed_signins_then_aws_console"
_HOST_TECHNIQUE = {"remote_interactive": "T1021.001", "network": "T1021.004"}


@dataclass
class IdentityCheckInput(CheckInput):
    identities: Identities | None = None


def _keys(frame: pd.DataFrame) -> pd.Series:
    scope = frame["host"].fillna("").where(frame["source"].isin(HOST_ACCOUNTS), "")
    return frame["source"].astype(str) + "|" + scope.astype(str) + "|" + frame["user"].astype(str)


def _naive(ts: pd.Series) -> np.ndarray:
    return ts.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")


def _cfg(inp: CheckInput, check_id: str) -> dict:
    return inp.config[check_id]  # its settings and their defaults: resources/config.yaml


def _suggested_keys(ids: Identities, entity_keys: set[str]) -> set[str]:
    """Names a rule suggests (same local part) for the entity, not decided against by the analyst."""
    out = set()
    for link in ids.links:
        if link.kind == "suggested" and link.decision != "rejected":
            if link.a in entity_keys:
                out.add(link.b)
            elif link.b in entity_keys:
                out.add(link.a)
    return out - entity_keys


def _arrivals(inp: CheckInput, ids: Identities) -> pd.DataFrame:
    """Successful logins from a country new for the *person* (all of its names together), once the
    person has the earlier located logins the new_country check asks of an account."""
    logins = inp.logins
    ok = logins[(logins["action"] == "auth.success") & logins["country"].notna()]
    if ok.empty:
        return ok
    ent = _keys(ok).map(ids.entity_of)
    ok = ok.assign(ent=ent.fillna("")).sort_values("ts", kind="stable")
    first = ~ok.duplicated(["ent", "country"])
    prior = ok.groupby("ent").cumcount()
    min_history = inp.config.get("new_country", {}).get("min_history", 3)
    return ok[first & (prior >= min_history) & (ok["ent"] != "")].drop(columns="ent")


def run_new_country_then_hosts(inp: CheckInput) -> list[Finding]:
    ids = getattr(inp, "identities", None)
    if ids is None:
        return []
    cfg = _cfg(inp, NEW_COUNTRY_ID)
    ev = inp.events
    arrivals = _arrivals(inp, ids)
    if arrivals.empty:
        return []
    logons = ev[(ev["action"] == "auth.success") & ev["logon_type"].isin(cfg["logon_types"]) & ev["host"].notna()
                & ev["user"].notna()]
    if logons.empty:
        return []
    logons = logons.assign(key=_keys(logons)).sort_values("ts", kind="stable")
    window = pd.Timedelta(hours=cfg["window_hours"])
    findings, used = [], set()
    for idx, arrival in arrivals.assign(key=_keys(arrivals)).iterrows():
        eid = ids.entity_of.get(arrival["key"])
        if eid is None or idx in used:
            continue
        mine = {k for k, e in ids.entity_of.items() if e == eid}
        after = logons[(logons["ts"] >= arrival["ts"]) & (logons["ts"] <= arrival["ts"] + window)
                       & (logons.index != idx)]
        # the person is the names joined by exact or confirmed links (the entity); nothing else counts
        hits = after[after["key"].isin(mine)]
        sure = hits["host"].nunique() >= cfg["min_hosts"]
        if not sure:
            # names only suggested to be the person (same local part) give at most a note, and only for
            # hosts those names never logged on to before: routine logons of a look-alike name are no news
            suggested = _suggested_keys(ids, mine)
            earlier = logons[(logons["ts"] < arrival["ts"]) & logons["key"].isin(suggested)]
            routine = set(zip(earlier["key"], earlier["host"]))
            maybe = after[after["key"].isin(suggested)]
            maybe = maybe[[(k, h) not in routine for k, h in zip(maybe["key"], maybe["host"])]]
            hits = pd.concat([hits, maybe]).sort_values("ts", kind="stable")
        if hits["host"].nunique() < cfg["min_hosts"] or used.intersection(hits.index):
            continue  # too few hosts, or logons an earlier arrival of the person already explains
        used.update(hits.index)
        hosts = distinct(hits["host"])
        kinds = distinct(hits["logon_type"])
        label = ids.entity(eid).label if ids.entity(eid) else arrival["user"]
        how = ("the same person by exact or confirmed identity links" if sure else
               "informational: these names are only suggested to be the same person (same local part) and "
               "the check does not rely on that; confirm the link to make it a finding")
        text = (f"{label} signed in from {arrival['country']} for the first time at {format_ts(arrival['ts'])} "
                f"from {place(arrival)} ({arrival['source']}), then logged on to {len(hosts)} hosts within "
                f"{minutes(hits['ts'].max() - arrival['ts'])}: {', '.join(hosts[:10])} "
                f"({', '.join(kinds)} logons as {', '.join(distinct(hits['user']))} from "
                f"{', '.join(distinct(hits['src_ip'])[:5]) or 'unknown sources'}); {how}.")
        group = pd.concat([arrivals.loc[[idx]], hits.drop(columns="key")])
        findings.append(Finding(
            check=NEW_COUNTRY_ID, title=f"{'' if sure else 'Note (unconfirmed link): '}New-country sign-in, then {len(hosts)} hosts: {label}",
            severity="high" if sure else "low",
            techniques=("T1078", "T1021", *dict.fromkeys(_HOST_TECHNIQUE[k] for k in kinds if k in _HOST_TECHNIQUE)),
            explanation=text, first_seen=arrival["ts"].to_pydatetime(), last_seen=hits["ts"].max().to_pydatetime(),
            users=tuple(dict.fromkeys([str(arrival["user"]), *distinct(hits["user"])])),
            ips=distinct(group["src_ip"]), hosts=hosts, evidence=refs(group),
            facts={"entity": eid, "country": arrival["country"], "hosts": len(hosts), "logons": len(hits),
                   "linked_by": "identity" if sure else "suggestion", "source": arrival["source"]},
        ))
    return findings


def run_failed_signins_then_console(inp: CheckInput) -> list[Finding]:
    ids = getattr(inp, "identities", None)
    if ids is None:
        return []
    cfg = _cfg(inp, FAILED_CONSOLE_ID)
    ev = inp.events
    consoles = ev[(ev["event_name"] == "ConsoleLogin") & (ev["action"] == "auth.success") & ev["user"].notna()]
    consoles = consoles[consoles["source"].str.startswith("cloudtrail")]
    failures = ev[(ev["action"] == "auth.failure") & (ev["source"] == "entra_signin") & ev["user"].notna()]
    if consoles.empty or failures.empty:
        return []
    consoles = consoles.assign(key=_keys(consoles))
    consoles = consoles.assign(ent=consoles["key"].map(ids.entity_of)).sort_values("ts", kind="stable")
    failures = failures.assign(key=_keys(failures))
    failures = failures.assign(ent=failures["key"].map(ids.entity_of)).sort_values("ts", kind="stable")
    window = pd.Timedelta(minutes=cfg["window_minutes"])
    # failures of the same person within the window before each console login, counted per entity at once
    candidates = []
    fail_by_ent = {e: g for e, g in failures.groupby("ent", sort=False)}
    for eid, logins in consoles[consoles["ent"].isin(fail_by_ent)].groupby("ent", sort=False):
        times = _naive(fail_by_ent[eid]["ts"])
        at = _naive(logins["ts"])
        counts = np.searchsorted(times, at, "left") - np.searchsorted(times, at - window.to_timedelta64(), "left")
        candidates.append(logins[counts >= cfg["min_failures"]])
    if not candidates:
        return []
    findings, seen = [], set()
    for idx, login in pd.concat(candidates).sort_values("ts", kind="stable").iterrows():
        eid = login["ent"]
        mine = fail_by_ent[eid]
        before = mine[(mine["ts"] < login["ts"]) & (mine["ts"] >= login["ts"] - window)]
        if len(before) < cfg["min_failures"] or frozenset(before.index) in seen:
            continue
        seen.add(frozenset(before.index))
        ips = distinct(before["src_ip"])
        same_ip = login["src_ip"] in ips
        label = ids.entity(eid).label if ids.entity(eid) else login["user"]
        text = (f"{len(before)} failed Entra ID sign-ins for {', '.join(distinct(before['user']))} from "
                f"{len(ips)} IP{'s' * (len(ips) != 1)} ({', '.join(ips[:5])}) in the "
                f"{minutes(login['ts'] - before['ts'].min())} before {login['user']} signed in to the AWS "
                f"console at {format_ts(login['ts'])} from {place(login)}")
        text += "; the console login comes from an IP of the failures." if same_ip else "."
        group = pd.concat([before.drop(columns=["key", "ent"]), consoles.loc[[idx]].drop(columns=["key", "ent"])])
        findings.append(Finding(
            check=FAILED_CONSOLE_ID, title=f"Failed Entra sign-ins, then AWS console: {label}",
            severity="high" if same_ip or len(before) >= 4 * cfg["min_failures"] else "medium",
            techniques=("T1110.001", "T1078.004"), explanation=text,
            first_seen=before["ts"].min().to_pydatetime(), last_seen=login["ts"].to_pydatetime(),
            users=tuple(dict.fromkeys([*distinct(before["user"]), str(login["user"])])),
            ips=distinct(group["src_ip"]), hosts=distinct(group["host"]), evidence=refs(group),
            facts={"entity": eid, "failures": len(before), "failure_ips": len(ips), "same_ip": same_ip,
                   "console_ip": login["src_ip"]},
        ))
    return findings


NEW_COUNTRY_CHECK = Check(
    id=NEW_COUNTRY_ID, title="New-country sign-in, then logons to several hosts",
    techniques=("T1078", "T1021", "T1021.001", "T1021.004"), run=run_new_country_then_hosts, needs_geo=True,
    requires=(GEO, LOGINS, HOST_LOGONS), partition=PERSON,
    description=("A successful sign-in from a country new for the person (all its names together, any "
                 "source), then successful network or remote-interactive logons by the same person (exact or "
                 "confirmed identity links only) to at least the threshold of hosts within the window. Names "
                 "only suggested to be the person (same local part, unconfirmed) give at most a low, "
                 "informational note, and only for hosts those names had not logged on to before."),
)
FAILED_CONSOLE_CHECK = Check(
    id=FAILED_CONSOLE_ID, title="Failed Entra sign-ins, then AWS console login",
    techniques=("T1110.001", "T1078.004"), run=run_failed_signins_then_console,
    requires=(("not_run", lambda f: "entra_signin" in f.sources, "no Entra ID sign-in logs loaded"),
              ("not_run", lambda f: "cloudtrail" in f.sources, "no CloudTrail loaded")), partition=PERSON,
    description=("A CloudTrail ConsoleLogin (an SSO session named by e-mail, or an IAM user linked to the "
                 "person) preceded within the window by at least the threshold of failed Entra ID sign-ins "
                 "of the same person. High when the console login comes from an IP of the failures."),
)
CROSS_CHECKS: tuple[Check, ...] = (NEW_COUNTRY_CHECK, FAILED_CONSOLE_CHECK)
