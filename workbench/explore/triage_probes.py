"""The probes of triage: each measures one thing about a finding against its baseline (see
:mod:`workbench.explore.triage_index`) and answers ``suspicious``, ``normal``, ``unknown`` (with the reason) or
``outside the logs``, stating its basis in numbers ("usual: US ×57 over 21 days before 2024-03-14 10:02 UTC;
this: RU").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import numpy as np
import pandas as pd

from ..sources import CONTROL_PLANE
from .triage_index import FAILURE_ACTIONS, SUCCESS_ACTIONS, Context, days_text, method_labels, top

SUSPICIOUS, NORMAL, UNKNOWN, OUTSIDE = "suspicious", "normal", "unknown", "outside the logs"
CHANGE_ACTIONS = ("credential.create", "credential.change", "privilege.change", "account.create")
# Native event names that read data out (S3 data events, SharePoint / OneDrive, Drive, Cloud Storage).
DATA_READS = frozenset({"GetObject", "SelectObjectContent", "FileDownloaded", "FileSyncDownloadedFull",
                        "FileAccessed", "download", "storage.objects.get"})
PRIVILEGED_NAME = re.compile(r"(^|[^a-z])(root|admin|administrator|adm|svc|service|sa)([^a-z]|$)|admin", re.I)
MIN_HISTORY = 3  # earlier events with the value needed to speak of "usual"
MIN_HOURS_HISTORY = 10
MIN_LOOKBACK = timedelta(days=1)  # evidence before the finding needed to say "never before"
WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Fact:
    probe: str
    verdict: str  # suspicious / normal / unknown / outside the logs
    summary: str
    details: tuple[str, ...] = ()


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _only(n: int, thing: str) -> str:
    """"no earlier events", "only 1 earlier event", "only 3 earlier events"."""
    return f"no {thing}s" if n == 0 else f"only {_n(n, thing)}"


def _values(series: pd.Series) -> set:
    return {v for v in series.dropna() if v != ""}


def _compare(c: Context, probe: str, column: str, what: str, this: set, base: pd.DataFrame,
             noun: str = "earlier event", min_history: int = MIN_HISTORY) -> Fact:
    """``this`` (the finding's values of ``column``) against the account's baseline, or its peer group when
    the account has fewer than ``min_history`` earlier values."""
    if not this:
        return Fact(probe, UNKNOWN, f"the finding's events do not record the {what}")
    shown = ", ".join(sorted(map(str, this))[:5])
    own = base[column].dropna() if column in base else pd.Series(dtype=object)
    own = own[own != ""]
    if len(own) >= min_history:
        usual = Counter(map(str, own))
        new = sorted(str(v) for v in this if str(v) not in usual)
        basis = f"usual: {top(usual)} ({_n(len(own), noun)} {c.since(base)}); this: {shown}"
        if new:
            return Fact(probe, SUSPICIOUS, f"{what} new for the account: {', '.join(new[:5])}; {basis}")
        return Fact(probe, NORMAL, f"{what} the account used before; {basis}")
    peers = c.index.peer_counts(column, c.peers)
    accounts = c.index.peer_accounts(c.peers)
    if sum(peers.values()) < min_history:
        return Fact(probe, UNKNOWN, f"{_only(len(own), noun)} of the account and no peer history in "
                    f"{', '.join(c.sources)} before "
                    f"{c.start:%Y-%m-%d %H:%M} UTC: no usual {what} to compare with; this: {shown}")
    usual = {v for v, n in peers.items() if n >= 2} | set(map(str, own))
    new = sorted(str(v) for v in this if str(v) not in usual)
    basis = (f"thin history ({_n(len(own), noun)} of the account): peer group of "
             f"{_n(accounts, 'other account')} in {', '.join(c.sources)}, usual: {top(peers)} {c.peer_since()}; "
             f"this: {shown}")
    if new:
        return Fact(probe, SUSPICIOUS, f"{what} new for the account and its peers: {', '.join(new[:5])}; {basis}")
    return Fact(probe, NORMAL, f"{what} usual for the account's peers; {basis}")


def _located(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["src_ip"].notna()]


def origin(c: Context) -> Fact:
    this = _located(c.subject)
    base = _located(c.base_done)
    countries = _values(this["country"])
    nets = lambda f: Counter(f"AS{int(a)}" for a in f["asn"].dropna())  # noqa: E731
    details = (f"usual: countries {top(base['country'], 5)}; IPs {top(base['src_ip'], 5)}; networks "
               f"{top(nets(base), 5)} ({_n(len(base), 'earlier event')} with an IP {c.since(base)})",
               f"this: IPs {', '.join(sorted(_values(this['src_ip']) or set(c.ips))) or 'none'}; countries "
               f"{', '.join(sorted(countries)) or 'unknown'}; networks {', '.join(sorted(nets(this))) or 'unknown'}")
    fact = _origin(c, this, base, countries)
    return Fact(fact.probe, fact.verdict, fact.summary, details)


def _origin(c: Context, this: pd.DataFrame, base: pd.DataFrame, countries: set) -> Fact:
    if countries:
        fact = _compare(c, "origin", "country", "country", countries, base[base["country"].notna()],
                        "earlier located event")
        if fact.verdict != NORMAL:
            return fact
        asns = {f"AS{int(a)}" for a in this["asn"].dropna()}
        if asns and len(base["asn"].dropna()) >= MIN_HISTORY:
            usual = Counter(f"AS{int(a)}" for a in base["asn"].dropna())
            new = sorted(asns - set(usual))
            if new:
                return Fact("origin", SUSPICIOUS, f"network new for the account: {', '.join(new)} (usual: "
                            f"{top(usual)} {c.since(base)}); " + fact.summary.split('; ', 1)[-1])
        return fact
    ips = _values(this["src_ip"]) or set(c.ips)
    if not ips:
        return Fact("origin", UNKNOWN, "the finding's events name no source IP")
    fact = _compare(c, "origin", "src_ip", "source IP", ips, base)
    if fact.verdict == SUSPICIOUS:
        return Fact("origin", UNKNOWN, f"IP {', '.join(sorted(ips))} is new and cannot be located (no GeoIP "
                    f"database or a private address); {fact.summary.split('; ', 1)[-1]}")
    return fact


def new_ip(c: Context) -> Fact:
    ips = _values(_located(c.subject)["src_ip"]) or set(c.ips)
    return _compare(c, "new_ip", "src_ip", "source IP", ips, _located(c.base_done))


def device(c: Context) -> Fact:
    return _compare(c, "device", "user_agent", "device (user agent)", _values(c.subject["user_agent"]),
                    c.base_done[c.base_done["user_agent"].notna()])


def _hour_ranges(hours: set[int]) -> str:
    out, run = [], []
    for h in sorted(hours):
        if run and h == run[-1] + 1:
            run.append(h)
        else:
            if run:
                out.append(run)
            run = [h]
    if run:
        out.append(run)
    return ", ".join(f"{r[0]:02d}h" if len(r) == 1 else f"{r[0]:02d}–{r[-1]:02d}h" for r in out)


def hours(c: Context) -> Fact:
    these = set(c.subject["ts"].dt.hour)
    shown = _hour_ranges(these) + " UTC"
    for frame, noun in ((c.base_ok, "sign-ins"), (c.base, "events")):
        if len(frame) >= MIN_HOURS_HISTORY:
            counts = Counter(frame["ts"].dt.hour)
            usual = {h for h, n in counts.items() if n >= max(1, 0.01 * len(frame))}
            basis = f"usual: {_hour_ranges(usual)} UTC ({_n(len(frame), noun[:-1], noun)} {c.since(frame)}); " \
                    f"this: {shown}"
            break
    else:
        peers = c.index.peer_counts("hour", c.peers)
        total = sum(peers.values())
        if total < MIN_HOURS_HISTORY:
            return Fact("hours", UNKNOWN, f"{_only(len(c.base), 'earlier event')} of the account and no peer "
                        f"history before {c.start:%Y-%m-%d %H:%M} UTC: no usual hours; this: {shown}")
        usual = {int(h) for h, n in peers.items() if n >= max(2, 0.01 * total)}
        basis = (f"thin history ({_n(len(c.base), 'earlier event')} of the account): peer group of "
                 f"{_n(c.index.peer_accounts(c.peers), 'other account')}, usual: {_hour_ranges(usual)} UTC "
                 f"({total:,} events {c.peer_since()}); this: {shown}")
    near = {(h + d) % 24 for h in usual for d in (-1, 0, 1)}
    odd = sorted(h for h in these if h not in near)
    if odd:
        return Fact("hours", SUSPICIOUS, f"at an unusual hour ({_hour_ranges(set(odd))} UTC); {basis}")
    return Fact("hours", NORMAL, f"within the usual hours; {basis}")


def failures(c: Context) -> Fact:
    m = c.mine
    is_fail = m["action"].isin(FAILURE_ACTIONS) | ((m["outcome"] == "failure") & m["action"].str.startswith("auth"))
    window = (m["ts"] >= c.start - WINDOW) & (m["ts"] <= c.end)
    fails = m[is_fail & window]
    ok = m[window & m["action"].isin(SUCCESS_ACTIONS) & (m["outcome"] == "success")]
    after = ok[ok["ts"] > fails["ts"].min()] if len(fails) else ok.iloc[0:0]
    base_fails = int((is_fail & m.index.isin(c.base.index)).sum())
    usual = f"usual: {_n(base_fails, 'failed sign-in')} {c.since(c.base)}" if len(c.base) else \
        "no earlier events of the account"
    summary = (f"{_n(len(fails), 'failed sign-in')} from {_n(fails['src_ip'].nunique(), 'IP')} in the hour before "
               f"and during the finding, {_n(len(after), 'success', 'successes')} after them; {usual}")
    if len(fails) >= 3 and len(after):
        return Fact("failures", SUSPICIOUS, summary, (f"failing IPs: {top(fails['src_ip'], 5)}",))
    return Fact("failures", NORMAL, summary)


def concurrent(c: Context) -> Fact:
    m = c.mine
    ok = m[m["action"].isin(SUCCESS_ACTIONS) & (m["outcome"] == "success") & (m["ts"] >= c.start - WINDOW)
           & (m["ts"] <= c.end + WINDOW)]
    if not len(ok):
        return Fact("concurrent", UNKNOWN, "no successful sign-in of the account within an hour of the finding")
    if ok["country"].isna().all():
        return Fact("concurrent", UNKNOWN, f"{_n(len(ok), 'sign-in')} within an hour of the finding, none located "
                    "(no GeoIP database or private addresses)")
    places = Counter(ok["country"].dropna())
    summary = f"successful sign-ins within an hour of the finding from {_n(len(places), 'country', 'countries')}: " \
              f"{top(places, 5)}"
    return Fact("concurrent", SUSPICIOUS if len(places) > 1 else NORMAL, summary)


def method(c: Context) -> Fact:
    this = _values(method_labels(c.subject))
    if not this:
        return Fact("method", UNKNOWN, f"the logs of the finding ({', '.join(c.sources)}) do not record how the "
                    "account authenticated")
    base = c.base_done.assign(method=method_labels(c.base_done))
    return _compare(c, "method", "method", "authentication method", this, base[base["method"].notna()],
                    "earlier authenticated event")


def after(c: Context) -> Fact:
    first_ok = c.subject["ts"].min() if len(c.subject) else c.start
    m = c.mine
    later = m[(m["ts"] > first_ok) & (m["ts"] <= first_ok + WINDOW)]
    if not len(later):
        return Fact("after", UNKNOWN, "no events of the account in the hour after: the evidence does not show "
                    "the session")
    counts = Counter(later["action"])
    cli = c.index.config.get("cloud_cli", {})
    ua = re.compile("|".join(cli.get("user_agents", []) or ["(?!)"]), re.I)
    apps = set(cli.get("client_apps", []))
    cli_n = int(later["user_agent"].fillna("").map(lambda s: bool(ua.search(s))).sum()
                + later["client_app"].isin(apps).sum())
    changes = {a: counts[a] for a in (*CHANGE_ACTIONS, "privilege.use") if counts[a]}  # sudo counts too
    big = int(later["bytes"].fillna(0).sum())
    summary = f"{len(later)} events in the hour after the first success: " + ", ".join(
        f"{a} {n}" for a, n in sorted(counts.items(), key=lambda an: (-an[1], str(an[0])))[:6])
    details = ((f"command-line client events: {cli_n}",) if cli_n else ()) + \
        ((f"bytes transferred: {big:,}",) if big else ()) + \
        tuple(f"{r.ts:%Y-%m-%d %H:%M:%S} UTC {r.action} {r.event_name or ''}".rstrip()
              for r in later[later["action"].isin(CHANGE_ACTIONS)].head(10).itertuples())
    return Fact("after", SUSPICIOUS if changes or cli_n else NORMAL, summary, details)


def targets(c: Context) -> Fact:
    if not c.ips:
        return Fact("targets", UNKNOWN, "the finding names no source IP")
    a = c.all
    from_src = a[a["src_ip"].isin(c.ips) & (a["ts"] >= c.start - WINDOW) & (a["ts"] <= c.end + WINDOW)]
    tried = sorted(set(from_src["user"].dropna()))
    invalid = set(from_src.loc[from_src["action"] == "auth.invalid_user", "user"].dropna())
    others = [u for u in tried if u not in c.users]
    summary = (f"{_n(len(tried), 'account')} tried from {', '.join(c.ips[:5])} around the finding "
               f"({len(invalid)} not existing)")
    details = (f"accounts: {', '.join(tried[:25])}{' …' if len(tried) > 25 else ''}",)
    return Fact("targets", SUSPICIOUS if (others or len(tried) > 1) else NORMAL, summary, details)


def source_success(c: Context) -> Fact:
    if not c.ips:
        return Fact("source_success", UNKNOWN, "the finding names no source IP")
    a = c.all
    ok = a[a["src_ip"].isin(c.ips) & a["action"].isin(SUCCESS_ACTIONS) & (a["outcome"] == "success")
           & (a["ts"] >= c.start - WINDOW)]
    if len(ok):
        return Fact("source_success", SUSPICIOUS, f"{len(ok)} successful sign-ins from the source IPs, accounts: "
                    f"{', '.join(sorted(set(ok['user'].dropna()))[:10])}")
    return Fact("source_success", NORMAL, "no successful sign-in from the source IPs anywhere in the evidence")


def privileged(c: Context) -> Fact:
    named = [u for u in c.users if PRIVILEGED_NAME.search(u.split("@")[0].split("\\")[-1])]
    if named:
        return Fact("privileged", SUSPICIOUS, f"the account name suggests a privileged or service account: "
                    f"{', '.join(named)}")
    m = c.mine
    used = m[(m["action"].isin(("privilege.use", "privilege.change", "account.create"))) & (m["outcome"] != "failure")]
    if len(used):
        return Fact("privileged", SUSPICIOUS, f"the account used elevated rights {len(used)} times in the evidence: "
                    f"{top(used['event_name'])}")
    return Fact("privileged", UNKNOWN, f"the logs do not show the account's roles or group memberships; it used no "
                f"elevated rights in {_n(len(m), 'event')}")


def changes(c: Context) -> Fact:
    on = c.index.rows_of("target", c.users)
    t = pd.concat([c.mine[c.mine["action"].isin(CHANGE_ACTIONS)], on[on["action"].isin(CHANGE_ACTIONS)]]) \
        .drop_duplicates("row")
    hit = t[t["action"].isin(CHANGE_ACTIONS) & (t["outcome"] != "failure")
            & (t["user"].isin(c.users) | t["target_user"].isin(c.users))]
    near = hit[(hit["ts"] >= c.start - timedelta(days=7)) & (hit["ts"] <= c.end + timedelta(days=1))]
    if not len(near):
        if not any(s in CONTROL_PLANE for s in c.index.sources.values):
            return Fact("changes", UNKNOWN, "no audit log among the inputs: credential and role changes are not "
                        "recorded")
        return Fact("changes", NORMAL, "no credential or privilege change by or on the account in the audit logs "
                    "within 7 days before to 1 day after")
    # routine: the same change, unflagged, on at least two earlier days
    earlier = hit[(hit["ts"] < c.start - timedelta(days=7)) & ~hit["flagged"]]
    days = earlier.groupby("event_name")["ts"].agg(lambda s: s.dt.date.nunique()) if len(earlier) else pd.Series()
    routine = {str(k) for k, v in days.items() if v >= 2}
    novel = near[~near["event_name"].isin(routine)]
    details = tuple(f"{r.ts:%Y-%m-%d %H:%M:%S} UTC {r.user or ''} {r.action} {r.event_name or ''}"
                    f"{' on ' + r.target_user if isinstance(r.target_user, str) else ''}".strip()
                    for r in near.head(10).itertuples())
    basis = f"earlier: {top(earlier['event_name'])} before {c.start - timedelta(days=7):%Y-%m-%d} (unflagged)"
    if len(novel):
        return Fact("changes", SUSPICIOUS, f"{_n(len(near), 'credential or privilege change')} by or on the account "
                    f"within 7 days before to 1 day after: {top(near['event_name'])}; {basis}", details)
    return Fact("changes", NORMAL, f"{_n(len(near), 'change')} by or on the account, all of kinds it makes "
                f"routinely: {top(near['event_name'])}; {basis}", details)


def data(c: Context) -> Fact:
    surge = [f for f in c.index.findings if f.check == "access_surge" and set(f.users) & set(c.users)
             and f.first_seen <= (c.end + WINDOW).to_pydatetime() and f.last_seen >= (c.start - WINDOW).to_pydatetime()]
    m = c.mine
    reads = m["event_name"].isin(DATA_READS) | m["bytes"].notna()
    base = m[reads & c.base_mask]
    now = m[reads & (m["ts"] >= c.start - WINDOW) & (m["ts"] <= c.end + WINDOW)]
    hourly = base.groupby(base["ts"].dt.floor("h")).agg(n=("row", "size"), b=("bytes", "sum")) if len(base) else None
    usual_n = int(hourly["n"].max()) if hourly is not None else 0
    usual_b = int(hourly["b"].max()) if hourly is not None else 0
    usual = f"usual: at most {_n(usual_n, 'data read')} ({usual_b:,} bytes) an hour {c.since(base)}" if len(base) \
        else f"no data reads by the account {c.since(c.base)}"
    this_h = now.groupby(now["ts"].dt.floor("h")).agg(n=("row", "size"), b=("bytes", "sum")) if len(now) else None
    peak_n = int(this_h["n"].max()) if this_h is not None else 0
    peak_b = int(this_h["b"].max()) if this_h is not None else 0
    this = f"this: {_n(len(now), 'data read')} ({int(now['bytes'].fillna(0).sum()):,} bytes) around the finding, " \
           f"at most {peak_n:,} in an hour"
    if surge:
        return Fact("data", SUSPICIOUS, f"access surge around the finding: {surge[0].explanation}; {usual}; {this}")
    able = c.index.data_sources(DATA_READS) & set(m["source"].dropna())
    if not len(now) and not len(base) and not able:
        return Fact("data", UNKNOWN, f"the account's logs ({', '.join(sorted(set(m['source'].dropna())))}) record "
                    "no data access (no S3 data events, file downloads or bytes transferred)")
    if peak_n > max(20, 3 * usual_n) or peak_b > max(50_000_000, 3 * usual_b):
        return Fact("data", SUSPICIOUS, f"far more data read than usual; {usual}; {this}")
    return Fact("data", NORMAL, f"data access within the account's usual volume; {usual}; {this}")


def habit(c: Context) -> Fact:
    acts = c.ev[~c.ev["action"].isin((*SUCCESS_ACTIONS, *FAILURE_ACTIONS))]
    names = _values((acts if len(acts) else c.ev)["event_name"])
    if not len(c.base):
        if c.lookback < MIN_LOOKBACK:
            return Fact("habit", UNKNOWN, f"the evidence begins {days_text(c.lookback)} before the finding: no "
                        "history to judge by")
        return Fact("habit", SUSPICIOUS, f"no earlier events of the account in the {days_text(c.lookback)} of "
                    f"evidence before {c.start:%Y-%m-%d %H:%M} UTC; this: {', '.join(sorted(names)[:5])}")
    done = Counter(c.base["event_name"].dropna())
    new = sorted(n for n in names if n not in done)
    basis = f"usual: {top(done)} ({_n(len(c.base), 'event')} {c.since(c.base)})"
    if new:
        return Fact("habit", SUSPICIOUS, f"first time the account does this: {', '.join(new[:5])}; {basis}")
    return Fact("habit", NORMAL, f"the account did the same before: {top(Counter({n: done[n] for n in names}))}; "
                f"{basis}")


def hosts(c: Context) -> Fact:
    m = c.mine
    logons = m[m["action"].isin(SUCCESS_ACTIONS) & (m["outcome"] == "success") & m["host"].notna()]
    now = _values(logons[(logons["ts"] >= c.start) & (logons["ts"] <= c.end + WINDOW)]["host"])
    if not now:
        return Fact("hosts", UNKNOWN, "the finding shows no logon to a named host or service")
    before = logons[c.base_mask.reindex(logons.index, fill_value=False)]
    known = Counter(before["host"])
    if not known and c.lookback < MIN_LOOKBACK:
        return Fact("hosts", UNKNOWN, f"the evidence begins {days_text(c.lookback)} before the finding: no history of "
                    f"the account's hosts; this: {len(now)} ({', '.join(sorted(now)[:10])})")
    new = sorted(now - set(known))
    basis = (f"usual: {top(known)} ({_n(len(before), 'logon')} {c.since(before)})" if known else
             f"no earlier logon of the account in the {days_text(c.lookback)} of evidence before "
             f"{c.start:%Y-%m-%d %H:%M} UTC")
    if new:
        return Fact("hosts", SUSPICIOUS, f"{_n(len(new), 'host or service', 'hosts or services')} without prior "
                    f"logon of the account: {', '.join(new[:10])}; {basis}")
    return Fact("hosts", NORMAL, f"only hosts the account logged on to before ({', '.join(sorted(now)[:10])}); "
                f"{basis}")


def record(c: Context) -> Fact:
    others = [f for f in c.index.findings if f is not c.finding and f != c.finding and set(f.users) & set(c.users)
              and f.first_seen <= c.end.to_pydatetime()]
    if others:
        return Fact("record", SUSPICIOUS, f"{_n(len(others), 'other finding')} on the account up to this one: "
                    + "; ".join(f"{f.title} ({f.first_seen:%Y-%m-%d %H:%M} UTC)" for f in others[:5]))
    return Fact("record", NORMAL, f"no other finding on the account in the {days_text(c.lookback)} of evidence "
                f"before {c.start:%Y-%m-%d %H:%M} UTC ({_n(len(c.base), 'unflagged event')})")


def spread(c: Context) -> Fact:
    """Several accounts affected: the accounts acted upon (a credential's owners) where the events name them,
    else the acting ones; or findings of the same check on other accounts."""
    affected = sorted(_values(c.ev["target_user"])) or c.users
    same = [f for f in c.index.findings if f.check == c.finding.check and f is not c.finding
            and f != c.finding]
    users = sorted({u for f in same for u in f.users} - set(c.users))
    if len(affected) > 1 or users:
        return Fact("spread", SUSPICIOUS, f"{_n(len(affected), 'account')} affected in this finding "
                    f"({', '.join(affected[:10])}); {_n(len(same), 'other finding')} of the same check"
                    f"{' (' + ', '.join(users[:10]) + ')' if users else ''}")
    return Fact("spread", NORMAL, f"one account affected ({', '.join(affected)}), and no other finding of the same "
                "check")


def ongoing(c: Context) -> Fact:
    if not c.ips:
        return Fact("ongoing", UNKNOWN, "the finding names no source IP")
    last = c.all[c.all["src_ip"].isin(c.ips)]["ts"].max()
    gap = c.table_end - last
    if gap <= WINDOW:
        return Fact("ongoing", SUSPICIOUS, f"still active when the evidence ends ({last:%Y-%m-%d %H:%M} UTC)")
    return Fact("ongoing", NORMAL, f"last seen {last:%Y-%m-%d %H:%M} UTC, {gap} before the evidence ends")


def rotation(c: Context) -> Fact:
    a = c.all
    if not c.ips:
        return Fact("rotation", UNKNOWN, "the finding names no source IP")
    fails = a[a["action"].isin(FAILURE_ACTIONS) | (a["outcome"] == "failure")]
    tried = set(fails.loc[fails["src_ip"].isin(c.ips), "user"].dropna()) | set(c.users)
    day = timedelta(days=1)
    near = fails[(fails["ts"] >= c.start - day) & (fails["ts"] <= c.end + day) & ~fails["src_ip"].isin(c.ips)]
    near = near[near["user"].isin(tried)]
    per_ip = near.groupby("src_ip")["user"].nunique()
    others = sorted(per_ip[per_ip >= 3].index)
    if others:
        return Fact("rotation", SUSPICIOUS, f"{_n(len(others), 'other IP')} failing against 3 or more of the same "
                    f"accounts within a day: {', '.join(others[:10])}")
    return Fact("rotation", NORMAL, "no other IP failing against 3 or more of the same accounts within a day")


def indicator(c: Context) -> Fact:
    hits = [f for f in c.index.findings if f.check == "indicator_match" and set(f.ips) & set(c.ips)]
    if hits:
        return Fact("indicator", SUSPICIOUS, f"in the indicator lists given: {hits[0].explanation}")
    files = c.index.config.get("indicator_match", {}).get("files", [])
    return Fact("indicator", OUTSIDE, f"not in the {_n(len(files), 'indicator file')} given; whether an address is "
                "known to be malicious needs threat intelligence" if files else
                "no indicator files given: whether an address is known to be malicious needs threat intelligence")


PROBES: dict[str, Callable[[Context], Fact]] = {
    "origin": origin, "new_ip": new_ip, "device": device, "hours": hours, "failures": failures,
    "concurrent": concurrent, "method": method, "after": after, "targets": targets, "source_success": source_success,
    "privileged": privileged, "changes": changes, "data": data, "habit": habit, "spread": spread, "hosts": hosts,
    "ongoing": ongoing, "rotation": rotation, "record": record, "indicator": indicator,
}
