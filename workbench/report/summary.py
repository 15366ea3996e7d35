"""The executive summary in plain words, generated from the findings and the analyst's triage.

Plain text only (the PDF escapes it like any other value), so it can be tested and reused without reportlab.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from ..attack import lookup
from ..events import format_ts
from ..findings import SEVERITIES, Finding
from .model import CaseView

PLAIN_TACTICS = {
    "Initial Access": "getting into the environment",
    "Credential Access": "guessing or stealing passwords and other credentials",
    "Persistence": "keeping a way back in",
    "Privilege Escalation": "gaining higher privileges",
    "Defense Evasion": "avoiding detection",
    "Lateral Movement": "moving from one system or service to another",
    "Discovery": "exploring the environment",
    "Collection": "gathering data",
    "Exfiltration": "taking data out",
    "Execution": "running commands or code",
    "Resource Development": "preparing resources for an attack",
    "Impact": "disrupting or destroying systems or data",
}
LISTED = 20  # accounts / hosts / IPs named before "and N more"
FINDINGS_LISTED = 12


@dataclass(frozen=True)
class Summary:
    basis: str  # which findings the summary rests on, and why
    what: str  # what happened
    findings: list[str]  # one line per finding summarised (most severe first)
    escalation: str
    accounts: list[str]
    hosts: list[str]
    ips: list[str]
    window: str
    subjects: list[Finding]


def technique_names(ids: tuple[str, ...] | list[str]) -> list[str]:
    """'Brute Force: Password Spraying (T1110.003)' for each id; the bare id when the reference lacks it."""
    out = []
    for tid in ids:
        found = lookup(tid)
        out.append(f"{found.technique.name} ({tid})" if found and found.exact
                   else f"{found.technique.name} ({tid}, shown as its parent {found.technique.id})" if found
                   else tid)
    return out


def tactics_of(findings: list[Finding]) -> list[str]:
    seen: dict[str, None] = {}
    for f in findings:
        for tid in f.techniques:
            found = lookup(tid)
            for tactic in found.technique.tactics if found else ():
                seen.setdefault(tactic)
    return list(seen)


def _distinct(values) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def listing(values: list[str], limit: int = LISTED) -> str:
    if not values:
        return "none recorded"
    shown = ", ".join(values[:limit])
    return f"{shown} and {len(values) - limit:,} more" if len(values) > limit else shown


def summarise(findings: list[Finding], case: CaseView) -> Summary:
    states = Counter(case.of(f).state for f in findings)
    confirmed = [f for f in findings if case.of(f).confirmed]
    dismissed = states["false_positive"]
    if not findings:
        basis = "The checks raised no findings in this evidence."
        subjects: list[Finding] = []
    elif confirmed:
        basis = (f"This summary covers the {plural(len(confirmed), 'finding')} the analyst confirmed"
                 f" (of {len(findings):,} raised"
                 + (f"; {dismissed:,} judged false positive" if dismissed else "")
                 + (f"; {len(findings) - len(confirmed) - dismissed:,} not confirmed yet" if
                    len(findings) - len(confirmed) - dismissed else "") + ").")
        subjects = confirmed
    elif not case.triaged:
        basis = (f"No finding has been triaged yet: this summary covers all {plural(len(findings), 'finding')} "
                 "the checks raised, none of them reviewed by an analyst.")
        subjects = list(findings)
    else:
        subjects = [f for f in findings if case.of(f).state != "false_positive"]
        basis = (f"The analyst has confirmed none of the {plural(len(findings), 'finding')} yet"
                 + (f" ({dismissed:,} judged false positive)" if dismissed else "")
                 + f": this summary covers the {plural(len(subjects), 'finding')} not dismissed, unconfirmed.")
    return Summary(basis, _what(subjects), _lines(subjects, case), _escalation(findings, case),
                   _distinct(u for f in subjects for u in f.users), _distinct(h for f in subjects for h in f.hosts),
                   _distinct(i for f in subjects for i in f.ips), _window(subjects), subjects)


def _what(findings: list[Finding]) -> str:
    if not findings:
        return "Nothing in the evidence calls for action on the basis of these checks."
    first = min(f.first_seen for f in findings)
    last = max(f.last_seen for f in findings)
    counts = Counter(f.severity for f in findings)
    worst = max(findings, key=lambda f: f.severity_rank).severity
    sev = ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s])
    users = _distinct(u for f in findings for u in f.users)
    text = (f"Between {format_ts(first)} and {format_ts(last)} the evidence shows "
            f"{plural(len(findings), 'suspicious pattern')} ({sev}; the most severe is {worst})"
            f" involving {plural(len(users), 'account')}.")
    tactics = tactics_of(findings)
    if tactics:
        plain = [f"{PLAIN_TACTICS.get(t, t.lower())} ({t})" for t in tactics]
        text += " The activity matches attacker behaviour of " + _and(plain) + "."
    return text


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _lines(findings: list[Finding], case: CaseView) -> list[str]:
    lines = []
    for f in findings[:FINDINGS_LISTED]:
        who = f" by {listing(list(f.users), 3)}" if f.users and not all(u in f.title for u in f.users) else ""
        where = f" from {listing(list(f.ips), 3)}" if f.ips else ""
        span = format_ts(f.first_seen) if f.first_seen == f.last_seen else \
            f"{format_ts(f.first_seen)} to {format_ts(f.last_seen)}"
        state = case.of(f).state.replace("_", " ")
        lines.append(f"{f.severity.upper()} ({state}): {f.title}{who}{where}, {span}.")
    if len(findings) > FINDINGS_LISTED:
        lines.append(f"… and {len(findings) - FINDINGS_LISTED:,} more, listed under Findings.")
    return lines


def _escalation(findings: list[Finding], case: CaseView) -> str:
    escalate = [f for f in findings if case.of(f).decision.decision == "escalate" or case.of(f).state == "escalated"]
    decided = [f for f in findings if case.of(f).decision.decision]
    if escalate:
        reasons = [case.of(f).decision.reason for f in escalate if case.of(f).decision.reason]
        text = f"Escalated: the analyst escalated {plural(len(escalate), 'finding')} ({_titles(escalate)})."
        if reasons:
            text += " Reason: " + " / ".join(dict.fromkeys(reasons)) + "."
        return text
    if decided:
        return (f"Not escalated: the analyst decided against escalation for {plural(len(decided), 'finding')}; "
                f"{len(findings) - len(decided):,} without a decision.")
    suggested = [f for f in findings if case.of(f).decision.suggested == "escalate"
                 or any(c.status == "met" for c in case.of(f).criteria)]
    text = "No escalation decision has been recorded."
    if suggested:
        text += (f" Escalation criteria are met for {plural(len(suggested), 'finding')} ({_titles(suggested)}): "
                 "a decision is due.")
    return text


def _titles(findings: list[Finding], limit: int = 3) -> str:
    titles = [f.title for f in findings[:limit]]
    more = f" and {len(findings) - limit} more" if len(findings) > limit else ""
    return "; ".join(titles) + more


def _window(findings: list[Finding]) -> str:
    if not findings:
        return "none"
    first: datetime = min(f.first_seen for f in findings)
    last: datetime = max(f.last_seen for f in findings)
    return format_ts(first) if first == last else f"{format_ts(first)} – {format_ts(last)}"
