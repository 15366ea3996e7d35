"""The executive summary's escalation line and list helpers, in plain words from the findings and the analyst's
triage.

Plain text only (the PDF escapes it like any other value), so it can be tested and reused without reportlab.
"""

from __future__ import annotations

from ..findings import Finding
from .model import CaseView

LISTED = 20  # accounts / hosts / IPs named before "and N more"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def listing(values: list[str], limit: int = LISTED) -> str:
    if not values:
        return "none recorded"
    shown = ", ".join(values[:limit])
    return f"{shown} and {len(values) - limit:,} more" if len(values) > limit else shown


def escalation(findings: list[Finding], case: CaseView) -> str:
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
