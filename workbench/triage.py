"""Triage of one finding against its playbook: what the evidence says about each question and each escalation
criterion, and a suggested decision. No Qt; the GUI's triage panel and the report show the result.

The evidence is measured by a few *probes* over the event table (the account's usual countries, IPs and
networks against this one's; its usual hours; failures before the success; what followed the success;
…). A question or criterion is tied to probes by the words it uses (:data:`RULES`). Each probe answers
``"suspicious"``, ``"normal"`` or ``"unknown"``; a criterion is *met* when one of its clauses is backed by a
suspicious probe, *not met* only when every clause is backed by a normal one, and *unknown* otherwise —
including every clause that the logs cannot speak to (approvals, phishing, what the user says, threat
intelligence). The suggestion is ``escalate`` when a criterion is met, ``do not escalate`` only when all
are not met, else ``undecided``: the analyst decides.

API::

    view = assess(analysis, finding, playbook=None)   # playbook defaults to analysis.playbook_for(finding)
    view.questions -> list[QuestionView]   (.question, .facts: tuple[Fact, ...]; no facts: the logs cannot say)
    view.criteria  -> list[CriterionView]  (.criterion, .status in met / not met / unknown, .why, .facts)
    view.suggestion, view.suggestion_reason
    Fact: .probe, .verdict (suspicious / normal / unknown), .summary (one line), .details (lines)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .findings import Finding
from .pipeline import Analysis
from .playbooks import Playbook

SUSPICIOUS, NORMAL, UNKNOWN = "suspicious", "normal", "unknown"
MET, NOT_MET = "met", "not met"
SUCCESS_ACTIONS = ("auth.success", "session.start")
FAILURE_ACTIONS = ("auth.failure", "auth.invalid_user")
CHANGE_ACTIONS = ("credential.create", "credential.change", "privilege.change", "account.create")
AUDIT_SOURCE_PREFIXES = ("cloudtrail", "entra_audit", "m365", "azure_activity", "gcp_audit", "workspace")
PRIVILEGED_NAME = re.compile(r"(^|[^a-z])(root|admin|administrator|adm|svc|service|sa)([^a-z]|$)|admin", re.I)
COLUMNS = ("ts", "source", "file", "ref", "action", "outcome", "user", "target_user", "src_ip", "host", "user_agent",
           "event_name", "logon_type", "client_app", "country", "asn", "as_org", "bytes")
MIN_HISTORY = 3  # earlier successful sign-ins needed to speak of "usual"
MIN_HOURS_HISTORY = 10
WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Fact:
    probe: str
    verdict: str  # suspicious / normal / unknown
    summary: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionView:
    question: str
    facts: tuple[Fact, ...] = ()  # empty: nothing in the logs bears on it


@dataclass(frozen=True)
class CriterionView:
    criterion: str
    status: str  # met / not met / unknown
    why: str
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class TriageView:
    finding_id: str
    playbook: str | None
    questions: tuple[QuestionView, ...]
    criteria: tuple[CriterionView, ...]
    suggestion: str  # escalate / do not escalate / undecided
    suggestion_reason: str
    l1_steps: tuple[str, ...] = ()
    t2_actions: tuple[str, ...] = ()
    containment: tuple[str, ...] = ()


# Words of a question or criterion clause → the probes that bear on it. Outside-the-logs wording maps to "".
RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), probe) for p, probe in (
    (r"phishing|change request|approv|authori[sz]ed|threat intel|known malicious|reputation|user (cannot|can) "
     r"confirm|confirm with|disrupt|legitimate|ticket|vpn|travel(l)?ing|sensitive or critical systems|"
     r"key business", ""),
    (r"concurrent|simultaneous|impossible travel|different locations", "concurrent"),
    (r"not used before|never used|new (ip|source)|unknown ip|previously unused|first seen", "new_ip"),
    (r"expected ip|geolocation|location|countr|source ip|ip address.*(normal|expected|usual)|normal for the user|"
     r"unusual (network|asn)|anomalous geo", "origin"),
    (r"(activity|business|office|working|unusual|normal|usual|odd) hours|time that aligns|timing|unusual time|"
     r"time of day", "hours"),
    (r"failed (login|logon|sign-in)|failures|brute force|password guessing", "failures"),
    (r"token|authentication method|client|protocol|legacy|non-interactive", "method"),
    (r"after the success|hour after|session after|account do|what did the account|followed by (new|privilege)",
     "after"),
    (r"\bcli\b|command-line|command line", "after"),
    (r"other accounts|how many distinct accounts|accounts were among the targets|target list|targeted", "targets"),
    (r"(attempt|login|sign-in).*(from|of) .*(spray|source).*succe|succe.*from .*(spray|source)", "source_success"),
    (r"privileged|admin|root|service account|elevated privileges", "privileged"),
    (r"changes? to account privileges|access roles|privilege changes|roles and permissions|new credentials|"
     r"credential modifications|credential", "changes"),
    (r"exfiltration|large download|data access|data transfer|download|upload|bulk|volume", "data"),
    (r"typically do not perform|history of|prior (history|precedence)|first time", "habit"),
    (r"multiple accounts|pattern of similar|several accounts|other users", "spread"),
    (r"other (services|systems)|multiple systems|other hosts|lateral|hosts", "hosts"),
    (r"still running|ongoing", "ongoing"),
    (r"moves across|several sources|other ips|other addresses|new addresses", "rotation"),
))


def probes_for(text: str) -> list[str]:
    """The probes a question or clause speaks to, in rule order; ``[""]`` when it is about things outside the
    logs; ``[]`` when no rule knows its words."""
    found: list[str] = []
    for pattern, probe in RULES:
        if pattern.search(text) and probe not in found:
            found.append(probe)
    if "" in found:
        return [""]
    return found


_CLAUSE = re.compile(r",\s*(?:and\s+|or\s+)?|;\s*|\s+or\s+(?=if\b|when\b|there\b|the\b|a\b|an\b)|\.\s+(?=[A-Z])",
                     re.I)
_LEAD = re.compile(r"^(escalate( to tier 2)?( if| when)?|additionally,?( escalate)?( if)?|escalation is also "
                   r"warranted if|especially if|if)\s*:?\s*", re.I)


def clauses(criterion: str) -> list[str]:
    """The alternatives of an escalation criterion; a piece of fewer than three words ("Privileged, executive
    or service accounts …") is part of an enumeration and stays with what follows it."""
    parts = [_LEAD.sub("", p.strip()).strip(" .") for p in _CLAUSE.split(criterion)]
    out: list[str] = []
    carry = ""
    for part in parts:
        part = f"{carry}, {part}" if carry else part
        if len(part.split()) < 3:
            carry = part
            continue
        carry = ""
        out.append(part)
    if carry:
        out.append(carry)
    return [p for p in out if len(p) > 3]


class _Context:
    """The finding's events and its accounts' history, taken once from the table."""

    def __init__(self, analysis: Analysis, finding: Finding) -> None:
        self.analysis, self.finding = analysis, finding
        table = analysis.table
        rows = analysis.evidence_rows(finding)
        cols = [c for c in COLUMNS if c in table.column_names]
        self.ev = table.select(cols).take(pa.array(rows, type=pa.int64())).to_pandas() if len(rows) else \
            table.select(cols).slice(0, 0).to_pandas()
        users = set(finding.users) or set(self.ev["user"].dropna())
        ips = set(finding.ips) or set(self.ev["src_ip"].dropna())
        self.users, self.ips = sorted(users), sorted(ips)
        mask = pc.is_in(table.column("user"), value_set=pa.array(self.users, pa.string()))
        if self.ips:
            mask = pc.or_(pc.fill_null(mask, False),
                          pc.fill_null(pc.is_in(table.column("src_ip"), value_set=pa.array(self.ips, pa.string())),
                                       False))
        self.all = table.select(cols).filter(pc.fill_null(mask, False)).to_pandas()
        self.start, self.end = pd.Timestamp(finding.first_seen), pd.Timestamp(finding.last_seen)
        mine = self.all[self.all["user"].isin(self.users)]
        self.mine = mine
        self.history = mine[mine["ts"] < self.start]
        ok = mine["action"].isin(SUCCESS_ACTIONS) & (mine["outcome"] == "success")
        self.history_ok = mine[ok & (mine["ts"] < self.start)]
        ev_ok = self.ev[self.ev["action"].isin(SUCCESS_ACTIONS) & (self.ev["outcome"] == "success")]
        self.subject = ev_ok if len(ev_ok) else self.ev  # "this login": the finding's successes, else all of it
        self.sources = set(pc.unique(table.column("source")).to_pylist()) if table.num_rows else set()
        self.table_end = pd.Timestamp(pc.max(table.column("ts")).as_py()) if table.num_rows else self.end


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _top(values: pd.Series, n: int = 5) -> str:
    counts = Counter(v for v in values.dropna() if v != "")
    return ", ".join(f"{v} ({c})" for v, c in counts.most_common(n)) or "none"


def _asn(row_asn, org) -> str:
    return f"AS{int(row_asn)} {org or ''}".strip()


def _origin(c: _Context) -> Fact:
    this_ips = set(c.subject["src_ip"].dropna()) or set(c.ips)
    this_countries = set(c.subject["country"].dropna())
    this_asns = set(c.subject["asn"].dropna().astype(int))
    h = c.history_ok
    details = (f"this: IPs {', '.join(sorted(this_ips)) or 'none'}; "
               f"countries {', '.join(sorted(this_countries)) or 'unknown'}; "
               f"networks {', '.join(f'AS{a}' for a in sorted(this_asns)) or 'unknown'}",)
    if len(h) < MIN_HISTORY:
        who = ", ".join(c.users) or "the account"
        return Fact("origin", UNKNOWN, f"{_only(len(h), 'earlier successful sign-in')} of {who} in the evidence: "
                    "no usual place to compare with", details)
    networks = _top(h["asn"].dropna().astype(int).map(lambda a: f"AS{a}"))
    usual = (f"usual: countries {_top(h['country'])}; IPs {_top(h['src_ip'])}; networks {networks} "
             f"(from {len(h)} earlier successful sign-ins)",)
    new_c = this_countries - set(h["country"].dropna())
    new_a = this_asns - set(h["asn"].dropna().astype(int))
    new_ip = this_ips - set(h["src_ip"].dropna())
    if new_c or new_a:
        what = [f"country {', '.join(sorted(new_c))}" if new_c else "",
                f"network {', '.join(f'AS{a}' for a in sorted(new_a))}" if new_a else ""]
        return Fact("origin", SUSPICIOUS, "new for the account: " + "; ".join(w for w in what if w), usual + details)
    if new_ip and not this_countries:
        return Fact("origin", UNKNOWN, f"IP {', '.join(sorted(new_ip))} is new and cannot be located", usual + details)
    if new_ip:
        return Fact("origin", NORMAL, f"new IP {', '.join(sorted(new_ip))} but from a country and network the account "
                    "uses", usual + details)
    return Fact("origin", NORMAL, "every IP was used by the account before", usual + details)


def _only(n: int, thing: str) -> str:
    """"no earlier sign-ins", "only 1 earlier sign-in", "only 3 earlier sign-ins"."""
    return f"no {thing}s" if n == 0 else f"only {n} {thing}" + ("" if n == 1 else "s")


def _new_ip(c: _Context) -> Fact:
    this_ips = set(c.subject["src_ip"].dropna()) or set(c.ips)
    h = c.history_ok
    if len(h) < MIN_HISTORY:
        return Fact("new_ip", UNKNOWN, f"{_only(len(h), 'earlier successful sign-in')}: cannot tell a new IP")
    new = sorted(this_ips - set(h["src_ip"].dropna()))
    if new:
        return Fact("new_ip", SUSPICIOUS, f"IP never used by the account before: {', '.join(new)}",
                    (f"usual IPs: {_top(h['src_ip'])}",))
    return Fact("new_ip", NORMAL, f"every IP ({', '.join(sorted(this_ips))}) was used by the account before")


def _hours(c: _Context) -> Fact:
    h = c.history_ok
    if len(h) < MIN_HOURS_HISTORY:
        return Fact("hours", UNKNOWN, f"{_only(len(h), 'earlier successful sign-in')}: no usual hours to compare with")
    usual = set(h["ts"].dt.hour)
    near = {(x + d) % 24 for x in usual for d in (-1, 0, 1)}
    these = sorted(set(c.subject["ts"].dt.hour))
    odd = [x for x in these if x not in near]
    hist = Counter(h["ts"].dt.hour)
    details = ("usual hours (UTC, sign-ins): " + ", ".join(f"{x:02d}h ({hist[x]})" for x in sorted(hist)),
               "this: " + ", ".join(f"{x:02d}h" for x in these) + " UTC")
    if odd:
        return Fact("hours", SUSPICIOUS, "at an hour the account never signs in at: "
                    + ", ".join(f"{x:02d}h UTC" for x in odd), details)
    return Fact("hours", NORMAL, "within the account's usual hours", details)


def _failures(c: _Context) -> Fact:
    m = c.mine
    window = m[(m["ts"] >= c.start - WINDOW) & (m["ts"] <= c.end)]
    fails = window[window["action"].isin(FAILURE_ACTIONS) | (window["outcome"] == "failure")]
    ok = window[window["action"].isin(SUCCESS_ACTIONS) & (window["outcome"] == "success")]
    after = ok[ok["ts"] > fails["ts"].min()] if len(fails) else ok.iloc[0:0]
    summary = (f"{_n(len(fails), 'failed sign-in')} from {_n(fails['src_ip'].nunique(), 'IP')} in the hour before "
               f"and during the finding; {_n(len(after), 'success', 'successes')} after them")
    if len(fails) >= 3 and len(after):
        return Fact("failures", SUSPICIOUS, summary, (f"failing IPs: {_top(fails['src_ip'])}",))
    return Fact("failures", NORMAL, summary)


def _concurrent(c: _Context) -> Fact:
    m = c.mine
    ok = m[m["action"].isin(SUCCESS_ACTIONS) & (m["outcome"] == "success") & (m["ts"] >= c.start - WINDOW)
           & (m["ts"] <= c.end + WINDOW)]
    if ok["country"].isna().all():
        return Fact("concurrent", UNKNOWN, "the sign-ins around the finding cannot be located")
    places = sorted(set(ok["country"].dropna()))
    summary = (f"successful sign-ins within an hour of the finding from {_n(len(places), 'country', 'countries')}: "
               f"{', '.join(places)}")
    return Fact("concurrent", SUSPICIOUS if len(places) > 1 else NORMAL, summary)


def _method(c: _Context) -> Fact:
    def pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
        sub = frame[["logon_type", "client_app"]].fillna("")
        return {tuple(r) for r in sub.itertuples(index=False) if any(r)}

    these = pairs(c.subject)
    if not these:
        return Fact("method", UNKNOWN, "the logs do not name how the account authenticated")
    if len(c.history) < 10:
        return Fact("method", UNKNOWN, f"{_only(len(c.history), 'earlier event')} of the account: no usual method")
    new = these - pairs(c.history)
    show = lambda s: ", ".join(" / ".join(p for p in pair if p) for pair in sorted(s))  # noqa: E731
    if new:
        return Fact("method", SUSPICIOUS, f"authentication never used by the account before: {show(new)}",
                    (f"usual: {show(pairs(c.history)) or 'none named'}",))
    return Fact("method", NORMAL, f"the account used this authentication before: {show(these)}")


def _after(c: _Context) -> Fact:
    first_ok = c.subject["ts"].min() if len(c.subject) else c.start
    m = c.mine
    later = m[(m["ts"] > first_ok) & (m["ts"] <= first_ok + WINDOW)]
    if not len(later):
        return Fact("after", UNKNOWN, "no events of the account in the hour after: the evidence does not show "
                    "the session")
    counts = Counter(later["action"])
    cli = c.analysis.config.get("cloud_cli", {})
    ua = re.compile("|".join(cli.get("user_agents", []) or ["(?!)"]), re.I)
    apps = set(cli.get("client_apps", []))
    cli_n = int(later["user_agent"].fillna("").map(lambda s: bool(ua.search(s))).sum()
                + later["client_app"].isin(apps).sum())
    changes = {a: counts[a] for a in (*CHANGE_ACTIONS, "privilege.use") if counts[a]}  # sudo counts too
    big = int(later["bytes"].fillna(0).sum()) if "bytes" in later else 0
    summary = f"{len(later)} events in the hour after the first success: " + ", ".join(
        f"{a} {n}" for a, n in counts.most_common(6))
    details = ((f"command-line client events: {cli_n}",) if cli_n else ()) + \
        ((f"bytes transferred: {big:,}",) if big else ()) + \
        tuple(f"{r.ts:%Y-%m-%d %H:%M:%S} UTC {r.action} {r.event_name or ''}".rstrip()
              for r in later[later["action"].isin(CHANGE_ACTIONS)].head(10).itertuples())
    if changes or cli_n:
        return Fact("after", SUSPICIOUS, summary, details)
    return Fact("after", NORMAL, summary, details)


def _targets(c: _Context) -> Fact:
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


def _source_success(c: _Context) -> Fact:
    if not c.ips:
        return Fact("source_success", UNKNOWN, "the finding names no source IP")
    a = c.all
    ok = a[a["src_ip"].isin(c.ips) & a["action"].isin(SUCCESS_ACTIONS) & (a["outcome"] == "success")
           & (a["ts"] >= c.start - WINDOW)]
    if len(ok):
        return Fact("source_success", SUSPICIOUS, f"{len(ok)} successful sign-ins from the source IPs, accounts: "
                    f"{', '.join(sorted(set(ok['user'].dropna()))[:10])}")
    return Fact("source_success", NORMAL, "no successful sign-in from the source IPs anywhere in the evidence")


def _privileged(c: _Context) -> Fact:
    named = [u for u in c.users if PRIVILEGED_NAME.search(u.split("@")[0].split("\\")[-1])]
    if named:
        return Fact("privileged", SUSPICIOUS, f"the account name suggests a privileged or service account: "
                    f"{', '.join(named)}")
    used = c.mine[(c.mine["action"] == "privilege.use") & (c.mine["outcome"] != "failure")]
    if len(used):
        return Fact("privileged", SUSPICIOUS, f"the account used elevated rights {len(used)} times in the evidence "
                    "(sudo, su, …)")
    return Fact("privileged", UNKNOWN, "the logs do not show the account's roles or group memberships")


def _changes(c: _Context) -> Fact:
    t = c.all
    near = t[(t["ts"] >= c.start - timedelta(days=7)) & (t["ts"] <= c.end + timedelta(days=1))]
    hit = near[near["action"].isin(CHANGE_ACTIONS) & (near["outcome"] != "failure")
               & (near["user"].isin(c.users) | near["target_user"].isin(c.users))]
    if len(hit):
        return Fact("changes", SUSPICIOUS, f"{len(hit)} credential or privilege changes by or on the account "
                    "within 7 days before to 1 day after", tuple(
                        f"{r.ts:%Y-%m-%d %H:%M:%S} UTC {r.user or ''} {r.action} {r.event_name or ''}"
                        f"{' on ' + r.target_user if isinstance(r.target_user, str) else ''}".strip()
                        for r in hit.head(10).itertuples()))
    if not any(s.startswith(AUDIT_SOURCE_PREFIXES) for s in c.sources):
        return Fact("changes", UNKNOWN, "no audit log among the inputs: credential and role changes are not recorded")
    return Fact("changes", NORMAL, "no credential or privilege change by or on the account in the audit logs "
                "within 7 days before to 1 day after")


def _data(c: _Context) -> Fact:
    surge = [f for f in c.analysis.findings if f.check == "access_surge" and set(f.users) & set(c.users)
             and f.first_seen <= (c.end + WINDOW).to_pydatetime() and f.last_seen >= (c.start - WINDOW).to_pydatetime()]
    if surge:
        return Fact("data", SUSPICIOUS, f"access surge around the finding: {surge[0].explanation}")
    m = c.mine
    near = m[(m["ts"] >= c.start - WINDOW) & (m["ts"] <= c.end + WINDOW)]
    if near["bytes"].isna().all():
        return Fact("data", UNKNOWN, "the logs do not record data volumes for the account")
    return Fact("data", NORMAL, f"{int(near['bytes'].fillna(0).sum()):,} bytes transferred around the finding; "
                "no access surge found")


def _habit(c: _Context) -> Fact:
    names = set(c.ev["event_name"].dropna())
    if not len(c.history):
        return Fact("habit", UNKNOWN, "no earlier events of the account in the evidence")
    before = c.history[c.history["event_name"].isin(names)]
    if len(before):
        return Fact("habit", NORMAL, f"the account did the same before: {_top(before['event_name'])}",
                    (f"first earlier occurrence {before['ts'].min():%Y-%m-%d %H:%M:%S} UTC",))
    return Fact("habit", SUSPICIOUS, f"first time the account does this ({', '.join(sorted(names)[:5])}) in "
                f"{len(c.history)} earlier events")


def _spread(c: _Context) -> Fact:
    same = [f for f in c.analysis.findings if f.check == c.finding.check and f.id != c.finding.id]
    users = sorted({u for f in same for u in f.users} - set(c.users))
    if len(c.users) > 1 or users:
        return Fact("spread", SUSPICIOUS, f"{len(c.users)} accounts in this finding; {len(same)} other findings of "
                    f"the same check ({', '.join(users[:10]) or 'same accounts'})")
    return Fact("spread", NORMAL, "one account, and no other finding of the same check")


def _hosts(c: _Context) -> Fact:
    m = c.mine
    logons = m[m["action"].isin(SUCCESS_ACTIONS) & (m["outcome"] == "success")]
    now = set(logons[(logons["ts"] >= c.start) & (logons["ts"] <= c.end + WINDOW)]["host"].dropna())
    before = set(logons[logons["ts"] < c.start]["host"].dropna())
    if not before:
        return Fact("hosts", UNKNOWN, "no earlier logons of the account to compare hosts with")
    new = sorted(now - before)
    if new:
        return Fact("hosts", SUSPICIOUS, f"{len(new)} hosts or services new for the account: {', '.join(new[:10])}")
    return Fact("hosts", NORMAL, f"only hosts the account used before ({len(before)} known)")


def _ongoing(c: _Context) -> Fact:
    if not c.ips:
        return Fact("ongoing", UNKNOWN, "the finding names no source IP")
    last = c.all[c.all["src_ip"].isin(c.ips)]["ts"].max()
    gap = c.table_end - last
    if gap <= WINDOW:
        return Fact("ongoing", SUSPICIOUS, f"still active when the evidence ends ({last:%Y-%m-%d %H:%M} UTC)")
    return Fact("ongoing", NORMAL, f"last seen {last:%Y-%m-%d %H:%M} UTC, {gap} before the evidence ends")


def _rotation(c: _Context) -> Fact:
    a = c.all
    if not c.ips:
        return Fact("rotation", UNKNOWN, "the finding names no source IP")
    fails = a[a["action"].isin(FAILURE_ACTIONS) | (a["outcome"] == "failure")]
    targets = set(fails.loc[fails["src_ip"].isin(c.ips), "user"].dropna()) | set(c.users)
    day = timedelta(days=1)
    near = fails[(fails["ts"] >= c.start - day) & (fails["ts"] <= c.end + day) & ~fails["src_ip"].isin(c.ips)]
    # every failure against the targets is in c.all only when it names one of the finding's accounts
    near = near[near["user"].isin(targets)]
    per_ip = near.groupby("src_ip")["user"].nunique()
    others = sorted(per_ip[per_ip >= 3].index)
    if others:
        return Fact("rotation", SUSPICIOUS, f"{_n(len(others), 'other IP')} failing against 3 or more of the same "
                    f"accounts within a day: {', '.join(others[:10])}")
    return Fact("rotation", NORMAL, "no other IP failing against 3 or more of the same accounts within a day")


PROBES: dict[str, Callable[[_Context], Fact]] = {
    "origin": _origin, "new_ip": _new_ip, "hours": _hours, "failures": _failures, "concurrent": _concurrent,
    "method": _method, "after": _after, "targets": _targets, "source_success": _source_success,
    "privileged": _privileged, "changes": _changes, "data": _data, "habit": _habit, "spread": _spread,
    "hosts": _hosts, "ongoing": _ongoing, "rotation": _rotation,
}
OUTSIDE = Fact("", UNKNOWN, "the logs cannot answer this: it needs the user, the change records or threat intelligence")


def assess(analysis: Analysis, finding: Finding, playbook: Playbook | None = None) -> TriageView:
    """The questions, criteria and suggestion for ``finding`` under ``playbook`` (default: its matched one)."""
    book = playbook or analysis.playbook_for(finding)
    if book is None:
        return TriageView(finding.id, None, (), (), "undecided", "no playbook for the finding's techniques")
    ctx = _Context(analysis, finding)
    cache: dict[str, Fact] = {}

    def fact(probe: str) -> Fact:
        if probe == "":
            return OUTSIDE
        if probe not in cache:
            cache[probe] = PROBES[probe](ctx)
        return cache[probe]

    questions = tuple(QuestionView(q, tuple(fact(p) for p in probes_for(q))) for q in book.questions)
    criteria = tuple(_criterion(text, fact) for text in book.escalation)
    met = [c for c in criteria if c.status == MET]
    if met:
        suggestion, reason = "escalate", f"{len(met)} of {len(criteria)} criteria met: " + "; ".join(
            c.criterion for c in met[:3])
    elif criteria and all(c.status == NOT_MET for c in criteria):
        suggestion, reason = "do not escalate", "the evidence meets none of the escalation criteria"
    else:
        unknown = sum(c.status == UNKNOWN for c in criteria)
        suggestion, reason = "undecided", (f"{unknown} of {len(criteria)} criteria cannot be judged from the logs; "
                                           "none is met by them")
    return TriageView(finding.id, book.technique, questions, criteria, suggestion, reason,
                      tuple(book.l1_steps), tuple(book.t2_actions), tuple(book.containment))


_AND = re.compile(r"\s+and\s+(?=(?:the|it|its|there|a|an|they)\b)", re.I)


def _verdict(part: str, fact: Callable[[str], Fact], facts: list[Fact]) -> str:
    """One condition: suspicious when a probe behind it is, normal when all are, else unknown."""
    probes = probes_for(part)
    if not probes:
        return UNKNOWN
    got = [fact(p) for p in probes]
    facts.extend(f for f in got if f not in facts)
    v = [f.verdict for f in got]
    return SUSPICIOUS if SUSPICIOUS in v else NORMAL if all(x == NORMAL for x in v) else UNKNOWN


def _criterion(text: str, fact: Callable[[str], Fact]) -> CriterionView:
    """Clauses are alternatives (any one suspicious: met); "X and the Y" inside a clause needs both."""
    facts: list[Fact] = []
    verdicts: list[str] = []
    for part in clauses(text) or [text]:
        both = [_verdict(p, fact, facts) for p in _AND.split(part)]
        verdicts.append(SUSPICIOUS if all(v == SUSPICIOUS for v in both) else
                        NORMAL if NORMAL in both else UNKNOWN)
    if SUSPICIOUS in verdicts:
        status = MET
        why = "; ".join(f.summary for f in facts if f.verdict == SUSPICIOUS)
    elif all(v == NORMAL for v in verdicts):
        status = NOT_MET
        why = "; ".join(f.summary for f in facts)
    else:
        status = UNKNOWN
        known = [f.summary for f in facts if f.verdict != UNKNOWN]
        why = "not all of it can be judged from the logs" + (": " + "; ".join(known) if known else "")
    return CriterionView(text, status, why, tuple(facts))
