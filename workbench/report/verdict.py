"""The report's incidents in plain words: each incident's triage status, whether to act on it, the few
sentences of the executive summary (who, what, when, how sure, what to do next) and the one-line verdict.

Plain text only (the PDF escapes it like any other value: names and addresses come from the logs), so it can
be tested and reused without reportlab.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..checks import CHECKS
from ..errors import printable
from ..events import format_ts
from ..findings import SEVERITIES, Finding
from ..incidents import Incident
from .model import CaseView

HIGH = SEVERITIES.index("high")
CHECK_TITLES = {c.id: c.title for c in CHECKS}
STATUS_WORDS = {"confirmed": "confirmed by the analyst", "in_triage": "in triage", "new": "NOT TRIAGED",
                "false_positive": "judged false positive"}


@dataclass
class IncidentView:
    """One incident as the report shows it: its number, its findings (in time order) and their triage."""

    incident: Incident
    number: int
    findings: list[Finding]  # every member, time order
    states: dict[str, str] = field(default_factory=dict)  # finding id -> triage state

    @property
    def shown(self) -> list[Finding]:
        """The members not judged false positive."""
        return [f for f in self.findings if self.states.get(f.id) != "false_positive"]

    @property
    def status(self) -> str:
        """'confirmed' (a member confirmed or escalated), 'false_positive' (every member dismissed), 'new'
        (none reviewed) or 'in_triage'."""
        states = set(self.states.values())
        if states & {"confirmed", "escalated"}:
            return "confirmed"
        if states == {"false_positive"}:
            return "false_positive"
        if states <= {"new"}:
            return "new"
        return "in_triage"

    @property
    def likely(self) -> bool:
        """Not confirmed, but the evidence makes it likely: high confidence (several checks, sources or an
        indicator agree) on an incident of medium severity or more."""
        i = self.incident
        return self.status not in ("confirmed", "false_positive") and i.confidence == "high" \
            and i.severity_rank >= SEVERITIES.index("medium")

    @property
    def act(self) -> bool:
        """Whether containment steps belong in the report: confirmed or likely."""
        return self.status == "confirmed" or self.likely

    @property
    def reviewed(self) -> int:
        return sum(1 for s in self.states.values() if s != "new")

    def status_text(self) -> str:
        n = len(self.findings)
        text = STATUS_WORDS[self.status]
        if self.status == "in_triage" or (self.status == "confirmed" and self.reviewed < n):
            text += f" ({self.reviewed} of {n} findings reviewed)"
        dismissed = sum(1 for s in self.states.values() if s == "false_positive")
        if dismissed and self.status != "false_positive":
            text += f"; {dismissed} of its findings judged false positive"
        if self.likely:
            text += "; likely (high confidence)"
        return text


def views(incidents: list[Incident], findings: list[Finding], case: CaseView) -> list[IncidentView]:
    """The incidents in report order (most severe first, as the engine sorts them; those the analyst
    dismissed entirely last), numbered from 1."""
    by_id = {f.id: f for f in findings}
    out = []
    for inc in incidents:
        members = [by_id[fid] for fid in inc.findings if fid in by_id]
        out.append(IncidentView(inc, 0, members, {f.id: case.of(f).state for f in members}))
    out.sort(key=lambda v: v.status == "false_positive")  # stable: the engine's order otherwise
    for n, v in enumerate(out, 1):
        v.number = n
    return out


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _few(items: list[str] | tuple[str, ...], limit: int = 3) -> str:
    items = list(items)
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit:,} more"
    return _and(items) if items else ""


def who(view: IncidentView) -> str:
    i = view.incident
    people = [p.label for p in i.people] or list(i.accounts)
    text = f"Who: {_few(people) or 'no account named in the logs'}"
    if i.hosts:
        text += f", on {_few(i.hosts, 2)}"
    return text + "."


def _kind(finding: Finding) -> str:
    """What a finding is in a few words: its check's title, or for a check of many kinds (the cloud catalogue:
    "CloudTrail trail deleted", "AMI shared outside the organisation") the finding's title without the actor."""
    if finding.check == "cloud_catalogue":
        return finding.title.rsplit(": ", 1)[0]
    return CHECK_TITLES.get(finding.check, finding.title)


def what(view: IncidentView) -> str:
    i = view.incident
    titles = list(dict.fromkeys(_kind(f) for f in view.shown or view.findings))
    text = "What: " + " → ".join(titles[:5]) + (f" and {len(titles) - 5} more" if len(titles) > 5 else "")
    if i.tactics:
        text += f" (ATT&CK: {' → '.join(i.tactics)})"
    return text + "."


def when(view: IncidentView) -> str:
    i = view.incident
    span = format_ts(i.first) if i.first == i.last else f"{format_ts(i.first)} to {format_ts(i.last)}"
    text = f"When: {span}"
    if i.ips:
        text += f", from {_few([i.place(ip) for ip in i.ips], 2)}"
    return text + "."


def how_sure(view: IncidentView) -> str:
    i = view.incident
    return (f"How sure: {i.confidence} confidence; {'; '.join(i.confidence_reasons)}. "
            f"Analyst: {view.status_text()}.")


def next_step(view: IncidentView, containment: list[str]) -> str:
    """What to do next: contain (confirmed or likely, with the first steps of its playbooks), or triage first."""
    if view.status == "false_positive":
        return "Next: nothing; the analyst judged every finding false positive."
    if view.act:
        why = "confirmed" if view.status == "confirmed" else "likely"
        steps = f": {'; '.join(s.rstrip('.') for s in containment[:2])}" if containment else ""
        return (f"Next ({why}): contain now{steps}; every step is under incident {view.number}, "
                "Containment.")
    top = max(view.shown or view.findings, key=lambda f: f.severity_rank)
    return (f"Next: triage first, starting with its most severe finding ({top.title}); containment steps are "
            "listed once the incident is confirmed or likely.")


def sentences(view: IncidentView, containment: list[str]) -> list[str]:
    """Who, what, when, how sure, what next: one line each (log values cannot add lines)."""
    return [printable(s) for s in (who(view), what(view), when(view), how_sure(view), next_step(view, containment))]


def verdict(incident_views: list[IncidentView], checks_ran: int) -> str:
    """One line a reader can act on."""
    live = [v for v in incident_views if v.status != "false_positive"]
    if not live:
        if incident_views:
            return "Verdict: nothing to act on; the analyst judged every finding false positive."
        return f"Verdict: nothing found; the {checks_ran} checks that ran raised no findings."
    high = [v for v in live if v.incident.severity_rank >= HIGH]
    confirmed = [v for v in high if v.status == "confirmed"]
    likely = [v for v in high if v.likely]
    untriaged = [v for v in high if v.status == "new"]
    count = f"{len(high)} high or critical incident{'s' * (len(high) != 1)}"
    tail = f"; {len(untriaged)} not triaged yet" if untriaged else ""
    if confirmed:
        first = confirmed[0]
        return (f"Verdict: compromise confirmed; the analyst confirmed incident {first.number}, "
                f"{first.incident.title}, of {count}{tail}. Contain it now.")
    if likely:
        return (f"Verdict: compromise likely; {count}, {len(likely)} with high confidence, none confirmed yet"
                f"{tail}. Start with incident {likely[0].number}.")
    if high:
        return (f"Verdict: suspicious activity to triage; {count}, none corroborated enough to call likely"
                f"{tail}. Start with incident {high[0].number}.")
    return (f"Verdict: no high-severity activity; {len(live)} lower-severity incident{'s' * (len(live) != 1)} to "
            "review.")
