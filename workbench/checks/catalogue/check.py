"""The catalogue's own check: every entry it finds itself, over the loaded events, with no history needed.

Candidates are picked on the columns (source, native event name, account); only for them is the original
record read and decoded, once per row, for the entry's condition and targets. A finding is one actor's
matching events of one entry, split where more than the entry's window passes without one, once they reach
its count or its number of distinct targets.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np
import orjson
import pandas as pd

from ...events import format_ts
from ...findings import SEVERITIES, Finding
from ..base import CheckInput, distinct, minutes, place, refs
from .conditions import CONDITIONS, INSTANCE_SESSION, Context, Hit, dig, texts
from .model import Entry

ID = "cloud_catalogue"
_COLUMNS = ("user", "target_user", "src_ip", "host", "event_name", "user_agent")
_SHOWN = 5


def _severity(entry: Entry, hits: list[Hit], distinct_targets: int) -> str:
    rank = max([SEVERITIES.index(entry.severity)] + [SEVERITIES.index(h.severity) for h in hits if h.severity])
    if entry.escalate_at and distinct_targets >= entry.escalate_at:
        rank = min(rank + 1, len(SEVERITIES) - 1)
    return SEVERITIES[rank]


def context(events: pd.DataFrame, cfg: dict[str, Any]) -> Context:
    """The organisation's own AWS accounts, Google Cloud projects and e-mail domains: configured ones and
    those the loaded logs show (the accounts and projects the events happened in, the domains of the
    accounts that acted)."""
    src = events["source"]
    accounts = set(map(str, cfg.get("own_accounts", ()))) | set(
        events.loc[src.isin(["cloudtrail", "cloudtrail_history"]).to_numpy(), "host"].dropna().unique())
    projects = set(map(str, cfg.get("own_projects", ()))) | set(
        events.loc[(src == "gcp_audit").to_numpy(), "host"].dropna().unique())
    users = pd.Series(pd.unique(events["user"].dropna()), dtype=object)
    domains = {str(u).rsplit("@", 1)[1].lower() for u in users if "@" in str(u)}
    domains = {d for d in domains if not d.endswith("gserviceaccount.com")}
    return Context(frozenset(accounts), frozenset(domains | {str(d).lower() for d in cfg.get("own_domains", ())}),
                   frozenset(projects))


def _with_sessions(ev: pd.DataFrame, ctx: Context) -> Context:
    """``ctx`` with the addresses of accounts that are not EC2 instance roles, and each instance session's."""
    aws = ev.loc[ev["source"].isin(["cloudtrail", "cloudtrail_history"]).to_numpy(), ["user", "src_ip"]].dropna()
    pairs = aws.drop_duplicates()
    instance = pairs["user"].astype(str).str.contains(INSTANCE_SESSION, regex=True)
    sessions = {str(u): frozenset(g["src_ip"]) for u, g in pairs.loc[instance.to_numpy()].groupby("user")}
    return replace(ctx, people_ips=frozenset(pairs.loc[(~instance).to_numpy(), "src_ip"]), session_ips=sessions)


def _candidates(ev: pd.DataFrame, entry: Entry, names: dict[str, list[str]]) -> pd.DataFrame:
    mask = ev["source"].isin(entry.read_from)
    if entry.events:
        wanted = [n for e in entry.events for n in names.get(e.casefold(), ())]
        mask &= ev["event_name"].isin(wanted)
    if entry.actor_pattern:
        users = pd.unique(ev.loc[mask.to_numpy(), "user"].dropna())
        pattern = re.compile(entry.actor_pattern)
        mask &= ev["user"].isin([u for u in users if pattern.search(str(u))])
    if entry.outcome == "success":
        mask &= ev["outcome"] == "success"
    rows = ev.loc[mask.to_numpy()]
    # an actor needs this many candidates for a finding (a path ending in "s" may hold several targets)
    one_key = entry.key is not None and (entry.key in _COLUMNS or not entry.key.endswith("s"))
    need = max(entry.min_events, entry.min_distinct if one_key else 1)
    if need > 1 and len(rows):  # too few for any actor: no record is read
        counts = rows.groupby(rows["user"].fillna(""), sort=False)["ts"].transform("size")
        rows = rows.loc[(counts >= need).to_numpy()]
    return rows


def _record(inp: CheckInput, cache: dict[int, dict[str, Any]], rows: list[int]) -> None:
    """The decoded original records of ``rows`` into ``cache`` (read once per file, in offset order)."""
    missing = [r for r in rows if r not in cache]
    if not missing or inp.table is None:
        return
    from ...sigma.records import raw_texts  # the evidence read back, one open per file

    for row, text in zip(missing, raw_texts(inp.table, np.asarray(missing, dtype=np.int64))):
        try:
            rec = orjson.loads(text) if text and text.lstrip()[:1] == "{" else {}
        except orjson.JSONDecodeError:
            rec = {}
        cache[row] = rec if isinstance(rec, dict) else {}


def _hit(entry: Entry, rec: dict[str, Any], row: dict[str, Any], ctx: Context) -> Hit | None:
    if entry.when:
        hit = CONDITIONS[entry.when](rec, row, ctx)
        if hit is None:
            return None
    else:
        hit = Hit("")
    if entry.key and not hit.keys:
        keys = [row[entry.key]] if entry.key in _COLUMNS else texts(dig(rec, entry.key))
        hit = Hit(hit.details, tuple(str(k) for k in keys if k not in (None, "") and k == k), hit.severity)
    return hit


def _some(values: list[str]) -> str:
    shown = ", ".join(values[:_SHOWN])
    return shown + (f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")


def _finding(entry: Entry, actor: str, group: pd.DataFrame, hits: list[Hit]) -> Finding:
    keys = list(dict.fromkeys(k for h in hits for k in h.keys))
    n, k = len(group), len(keys)
    first, last = group["ts"].min(), group["ts"].max()
    places = list(dict.fromkeys(place(r) for _, r in group.head(50).iterrows()))
    text = entry.explain.format(
        actor=actor, n=n, s="s" * (n != 1), k=k, ks="s" * (k != 1), targets=_some(keys) or "no target named",
        details="; ".join(dict.fromkeys(h.details for h in hits if h.details)) or entry.title.lower(),
        first=format_ts(first), last=format_ts(last), where=_some(places), span=minutes(last - first),
        names=", ".join(distinct(group["event_name"])))
    refused = int((group["outcome"] == "failure").sum())
    if refused:
        text += f" {refused} of the {n} {'were' if refused != 1 else 'was'} refused."
    targets = [t for t in distinct(group["target_user"]) if t != actor]
    return Finding(
        check=ID, title=f"{entry.title}: {actor}", severity=_severity(entry, hits, k), techniques=entry.techniques,
        explanation=text,
        first_seen=first.to_pydatetime(), last_seen=last.to_pydatetime(),
        users=tuple(dict.fromkeys([actor, *targets])), ips=distinct(group["src_ip"]), hosts=distinct(group["host"]),
        evidence=refs(group),
        facts={"catalogue": entry.id, "family": entry.family, "events": n, "targets": keys[:50],
               "distinct_targets": k, "actions": list(distinct(group["event_name"]))},
    )


def run_entries(inp: CheckInput, entries: tuple[Entry, ...]) -> list[Finding]:
    ev = inp.events
    cfg = inp.config.get(ID, {})
    skip = set(cfg.get("disabled", ()))
    names: dict[str, list[str]] = {}
    for name in pd.unique(ev["event_name"].dropna()):
        names.setdefault(str(name).casefold(), []).append(name)
    ctx: Context | None = None
    cache: dict[int, dict[str, Any]] = {}
    findings = []
    for entry in entries:
        if entry.id in skip or (entry.events and not any(e.casefold() in names for e in entry.events)):
            continue
        rows = _candidates(ev, entry, names)
        if rows.empty:
            continue
        ctx = ctx or context(ev, cfg)
        if entry.when or (entry.key and entry.key not in _COLUMNS):
            _record(inp, cache, rows.index.tolist())
        if entry.when == "instance_session" and not ctx.session_ips:
            ctx = _with_sessions(ev, ctx)
        if entry.when == "no_mfa":
            ctx = replace(ctx, mfa_users=frozenset(
                str(rows.at[r, "user"]) for r in rows.index
                if dig(cache.get(r, {}), "additionalEventData.MFAUsed") == "Yes"))
        kept, hits = [], []
        columns = [rows[c].tolist() for c in _COLUMNS]
        for row_id, *values in zip(rows.index, *columns):
            row = dict(zip(_COLUMNS, values))
            hit = _hit(entry, cache.get(row_id, {}), row, ctx)
            if hit is not None:
                kept.append(row_id)
                hits.append(hit)
        if not kept:
            continue
        matched = rows.loc[kept].assign(_hit=hits).sort_values("ts", kind="stable")
        gap = pd.Timedelta(minutes=entry.window_minutes)
        for actor, mine in matched.groupby(matched["user"].fillna("(unknown account)"), sort=True):
            for group in (g for _, g in mine.groupby((mine["ts"].diff() > gap).cumsum())):
                group_hits = list(group["_hit"])
                k = len({key for h in group_hits for key in h.keys})
                if len(group) >= entry.min_events and (k >= entry.min_distinct or entry.min_distinct <= 1):
                    findings.append(_finding(entry, str(actor), group.drop(columns="_hit"), group_hits))
    return findings
