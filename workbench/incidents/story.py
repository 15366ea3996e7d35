"""An incident read as a story: each finding placed on the kill chain (tactics from the offline ATT&CK
reference, never a list per check), a severity and a confidence with their reasons, and one paragraph of
plain words built from the findings' facts."""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from ..attack import lookup
from ..errors import printable
from ..events import format_ts
from ..findings import SEVERITIES, Finding
from .model import KILL_CHAIN, Step

INDICATOR_CHECK = "indicator_match"


def technique_tactics(finding: Finding) -> tuple[str | None, tuple[str, ...]]:
    """The finding's leading technique (the first whose ATT&CK tactics include one of the kill chain) and
    those tactics, in the chain's order. Later techniques are context (a brute force that ended in a valid
    login also lists Valid Accounts) and do not move the finding along the chain."""
    for tid in finding.techniques:
        found = lookup(tid)
        if found is None:
            continue
        tactics = tuple(t for t in KILL_CHAIN if t in found.technique.tactics)
        if tactics:
            return tid, tactics
    return None, ()


def rank(finding: Finding) -> int:
    """The finding's position on the kill chain (after the chain when its techniques name none of it): it
    orders findings that start at the same moment."""
    _, tactics = technique_tactics(finding)
    return KILL_CHAIN.index(tactics[0]) if tactics else len(KILL_CHAIN)


def place(findings: Sequence[Finding]) -> list[tuple[str | None, str | None, tuple[str, ...]]]:
    """(technique, tactic, tactics) per finding. A technique with several tactics (Valid Accounts is initial
    access, persistence, privilege escalation and defense evasion) is placed at the first of them in the
    chain; the others are kept beside it. The chain claims no more than the techniques say."""
    out = []
    for f in findings:
        tid, tactics = technique_tactics(f)
        out.append((tid, tactics[0] if tactics else None, tactics))
    return out


def steps(findings: Sequence[Finding], ids: Sequence[str]) -> list[Step]:
    """The findings (in time order; ``ids`` their ids) as storyline steps."""
    return [Step(fid, f.first_seen, f.last_seen, tactic, tactics, tid, f.severity, printable(f.title))
            for f, fid, (tid, tactic, tactics) in zip(findings, ids, place(findings))]


def severity(findings: Sequence[Finding], tactics: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """The most severe finding's severity, one step up when the story reaches three or more tactics of the
    kill chain (an intrusion that got somewhere, not one suspicious moment)."""
    top = max(findings, key=lambda f: f.severity_rank)
    rank = top.severity_rank
    reasons = [f"its most severe finding is {top.severity}: {top.title}"]
    if len(tactics) >= 3 and rank < len(SEVERITIES) - 1:
        rank += 1
        reasons.append(f"raised to {SEVERITIES[rank]}: the findings reach {len(tactics)} tactics of the kill chain "
                       f"({' → '.join(tactics)})")
    elif len(tactics) >= 2:
        reasons.append(f"the findings reach {len(tactics)} tactics of the kill chain ({' → '.join(tactics)})")
    return SEVERITIES[rank], tuple(printable(r) for r in reasons)


def independent(findings: Sequence[Finding]) -> list[Finding]:
    """The findings that stand on their own: one whose events all lie within another member's and whose
    leading technique is the same (a Sigma rule on the very CreateAccessKey the new-credentials check
    reported; a new-country sign-in that is one end of an impossible travel) adds no corroboration. A broad
    finding (an hour of surging requests) does not swallow the specific ones inside it."""
    refs = [frozenset((e.file, e.ref) for e in f.evidence) for f in findings]
    by_lead: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        by_lead.setdefault(f.techniques[0].split(".")[0] if f.techniques else "", []).append(i)
    out = []
    for i, f in enumerate(findings):
        peers = by_lead[f.techniques[0].split(".")[0] if f.techniques else ""]
        inside = bool(refs[i]) and any(
            j != i and len(refs[i]) <= len(refs[j]) and (len(refs[i]) < len(refs[j]) or j < i)
            and refs[i] <= refs[j] for j in peers)
        if not inside:
            out.append(f)
    return out


def confidence(findings: Sequence[Finding]) -> tuple[str, tuple[str, ...]]:
    """How sure the story is real: checks that agree on evidence of their own, log sources that corroborate
    each other, an analyst's indicator that matched. One behavioural finding on one source is low."""
    checks = list(dict.fromkeys(f.check for f in findings))
    sources = list(dict.fromkeys(e.source for f in findings for e in f.evidence))
    points = 0
    reasons = []
    behavioural = list(dict.fromkeys(f.check for f in independent(findings) if f.check != INDICATOR_CHECK))
    if len(behavioural) >= 2:
        points += min(3, len(behavioural) - 1)
        shown = ", ".join(behavioural[:3]) + (f" and {len(behavioural) - 3} more" if len(behavioural) > 3 else "")
        reasons.append(f"{len(behavioural)} different checks agree, each on events of its own ({shown})")
    if len(sources) >= 2:
        points += 1
        reasons.append(f"{len(sources)} log sources corroborate each other ({', '.join(sources)})")
    if INDICATOR_CHECK in checks:
        points += 1
        reasons.append("an indicator the analyst supplied matched its events")
    if not reasons:
        reasons.append(f"one check ({checks[0]}) on {'one source' if len(sources) <= 1 else 'its sources'}, "
                       "nothing corroborates it")
    level = "high" if points >= 3 else "medium" if points >= 1 else "low"
    return level, tuple(reasons)


def _who(people: Sequence[str], accounts: Sequence[str]) -> str:
    names = list(people) or list(accounts)
    if not names:
        return "an account the logs do not name"
    if len(names) > 4:
        return f"{len(names)} accounts ({', '.join(names[:3])} and others)"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _where(ips: Sequence[str], place_of: dict[str, str]) -> str:
    shown = [f"{ip} ({place_of[ip]})" if ip in place_of else ip for ip in ips[:3]]
    more = f" and {len(ips) - 3} more addresses" if len(ips) > 3 else ""
    return ", ".join(shown) + more


def _clauses(items: list[Step], limit: int = 3) -> str:
    """'New cloud credentials by j.smith at 2024-03-18 03:58:36 UTC; ...' for a run of steps."""
    clauses = [f"{s.text} at {format_ts(s.at)}" for s in items[:limit]]
    if len(items) > limit:
        clauses.append(f"{len(items) - limit} more")
    return "; ".join(clauses)


def _runs(story: Sequence[Step]) -> list[tuple[str | None, list[Step]]]:
    """Consecutive steps on the same tactic, in time order."""
    runs: list[tuple[str | None, list[Step]]] = []
    for s in story:
        if runs and runs[-1][0] == s.tactic:
            runs[-1][1].append(s)
        else:
            runs.append((s.tactic, [s]))
    return runs


def _tactic(t: str | None) -> str:
    return t.lower() if t else "activity outside the kill chain"


def narrative(story: Sequence[Step], people: Sequence[str], accounts: Sequence[str], ips: Sequence[str],
              hosts: Sequence[str], credentials: Sequence[str], place_of: dict[str, str],
              links: Sequence[str]) -> str:
    """One paragraph: who, what, when (UTC), from where, what it led to, in time order. Plain text; the values
    come from the logs, so any markup that shows it must escape it."""
    first, last = story[0].at, max(s.until for s in story)
    who = _who(people, accounts)
    n = len(story)
    plural = len(people or accounts) > 1
    when = f"At {format_ts(first)}" if first == last else f"Between {format_ts(first)} and {format_ts(last)}"
    text = [f"{when}, {who} {'were' if plural else 'was'} the subject of "
            f"{'one finding' if n == 1 else f'{n} findings'}"
            + (f", from {_where(ips, place_of)}" if ips else "") + "."]
    runs = _runs(story)
    if n == 1:
        s = story[0]
        text.append(f"{s.text} ({_tactic(s.tactic)}).")
    else:
        (head, items), *rest = runs
        text.append(f"It began with {_tactic(head)}: {_clauses(items)}.")
        shown = rest if len(rest) <= 5 else [*rest[:4], rest[-1]]
        for tactic, items in shown[:-1]:
            text.append(f"Then {_tactic(tactic)}: {_clauses(items, 2)}.")
        if len(rest) > 5:
            text.append(f"Then {len(rest) - 5} more stage{'s' * (len(rest) != 6)}.")
        if shown:
            tactic, items = shown[-1]
            text.append(f"It led to {_tactic(tactic)}: {_clauses(items, 2)}.")
        furthest = max((s for s in story if s.tactic), key=lambda s: KILL_CHAIN.index(s.tactic), default=None)
        if furthest is not None and furthest.tactic != runs[-1][0]:
            text.append(f"Furthest along the kill chain: {_tactic(furthest.tactic)} ({furthest.text}, "
                        f"{format_ts(furthest.at)} to {format_ts(furthest.until)}).")
    if credentials:
        text.append(f"Credentials involved: {', '.join(credentials[:3])}"
                    + (f" and {len(credentials) - 3} more" if len(credentials) > 3 else "") + ".")
    if hosts:
        text.append(f"Hosts and cloud accounts: {', '.join(hosts[:4])}"
                    + (f" and {len(hosts) - 4} more" if len(hosts) > 4 else "") + ".")
    if links:
        text.append("One incident because of " + "; ".join(links[:3])
                    + (f"; and {len(links) - 3} more links" if len(links) > 3 else "") + ".")
    return printable(" ".join(text))  # log values hold no line of their own


def title(people: Sequence[str], accounts: Sequence[str], tactics: Sequence[str], findings: Sequence[Finding]) -> str:
    who = _who(people, accounts)
    if len(findings) == 1:
        return printable(findings[0].title)
    chain = " → ".join(tactics) if tactics else ", ".join(Counter(f.check for f in findings))
    return printable(f"{who}: {chain}")


def first_of(values: Any) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
