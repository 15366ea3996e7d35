"""Triage of one finding against its playbook: what the evidence says about each question and each escalation
criterion, and a suggested decision. No Qt; the GUI's triage panel, the report and the findings JSON show it.

The evidence is measured by *probes* (:mod:`workbench.explore.triage_probes`) against the finding's baseline: what its
accounts did before its first event, without any finding's evidence, or their peer group where that is thin
(:mod:`workbench.explore.triage_index`). A question or criterion is tied to probes by the words it uses (:data:`RULES`).
Each probe answers ``suspicious``, ``normal``, ``unknown`` (saying why) or ``outside the logs``, with its basis
in numbers. A question's answer is suspicious when a probe behind it is, normal when all are, outside the logs
when it is only about things no log holds (approvals, phishing, what the user says), else unknown. A criterion
is *met* when one of its clauses is backed by a suspicious probe, *not met* only when every clause is backed by
a normal one, and *unknown* otherwise. The suggestion is ``escalate`` when a criterion is met, ``do not
escalate`` only when all are not met, else ``undecided``: the analyst decides.

API::

    view = assess(analysis, finding, playbook=None)   # playbook defaults to analysis.playbook_for(finding)
    views = assess_all(analysis)                      # every finding, the table indexed once
    view.questions -> list[QuestionView]   (.question, .facts, .answer, .basis)
    view.criteria  -> list[CriterionView]  (.criterion, .status in met / not met / unknown, .why, .facts, .answer)
    view.suggestion, view.suggestion_reason
    records(view) -> the finding's ``triage`` list in the findings JSON
    Fact: .probe, .verdict (suspicious / normal / unknown / outside the logs), .summary (one line), .details
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable

from ..findings import Finding
from ..playbooks import Playbook
from .triage_index import Context, index_for
from .triage_probes import NORMAL, OUTSIDE, PROBES, SUSPICIOUS, UNKNOWN, Fact

MET, NOT_MET = "met", "not met"
ANSWERS = (SUSPICIOUS, NORMAL, UNKNOWN, OUTSIDE)
__all__ = ["ANSWERS", "MET", "NOT_MET", "NORMAL", "OUTSIDE", "SUSPICIOUS", "UNKNOWN", "CriterionView", "Fact",
           "QuestionView", "TriageView", "assess", "assess_all", "clauses", "probes_for", "records"]


def _answer(facts: tuple[Fact, ...]) -> str:
    verdicts = [f.verdict for f in facts]
    if not verdicts or all(v == OUTSIDE for v in verdicts):
        return OUTSIDE
    if SUSPICIOUS in verdicts:
        return SUSPICIOUS
    if all(v == NORMAL for v in verdicts):
        return NORMAL
    return UNKNOWN


@dataclass(frozen=True)
class QuestionView:
    question: str
    facts: tuple[Fact, ...] = ()  # empty: nothing in the logs bears on it

    @property
    def answer(self) -> str:
        """suspicious | normal | unknown | outside the logs (see the module's docstring)."""
        return _answer(self.facts)

    @property
    def basis(self) -> str:
        return " | ".join(f.summary for f in self.facts) or OUTSIDE_TEXT


@dataclass(frozen=True)
class CriterionView:
    criterion: str
    status: str  # met / not met / unknown
    why: str
    facts: tuple[Fact, ...] = ()

    @property
    def answer(self) -> str:
        if self.facts and all(f.verdict == OUTSIDE for f in self.facts) or not self.facts:
            return OUTSIDE
        return {MET: SUSPICIOUS, NOT_MET: NORMAL}.get(self.status, UNKNOWN)


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
    (r"known malicious|malicious ip|reputation", "indicator"),
    (r"phishing|change request|approv|authori[sz]ed|threat intel|\bmfa\b|multi-factor|user (cannot|can) "
     r"confirm|confirm with|disrupt|legitimate|ticket|vpn|travel(l)?ing|sensitive or critical systems|"
     r"key business", ""),
    (r"concurrent|simultaneous|impossible travel|different locations", "concurrent"),
    (r"not used before|never used|new (ip|source)|unknown ip|previously unused|first seen", "new_ip"),
    (r"devices?\b|user agent", "device"),
    (r"expected ip|geolocation|(?<!different )location|countr|source ip|ip address.*(normal|expected|usual)|normal for the user|"
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
    (r"history of (suspicious|anomalous)|suspicious or anomalous activity", "record"),
    (r"typically do not perform|(?<!no )prior history|first time", "habit"),
    (r"multiple accounts|pattern of similar|several accounts|other users", "spread"),
    (r"other (services|systems)|multiple systems|other hosts|lateral|hosts|prior precedence", "hosts"),
    (r"still running|ongoing", "ongoing"),
    (r"moves across|several sources|other ips|other addresses|new addresses", "rotation"),
))


def probes_for(text: str) -> list[str]:
    """The probes a question or clause speaks to, in rule order; ``[""]`` when it is about things outside the
    logs; ``[]`` when no rule knows its words."""
    return list(_probes_for(text))


@functools.lru_cache(maxsize=4096)  # the same playbook texts, finding after finding
def _probes_for(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for pattern, probe in RULES:
        if pattern.search(text) and probe not in found:
            found.append(probe)
    if "" in found:
        return ("",)
    return tuple(found)


_CLAUSE = re.compile(r",\s*(?:and\s+|or\s+)?|;\s*|\s+or\s+(?=if\b|when\b|there\b|the\b|a\b|an\b)|\.\s+(?=[A-Z])",
                     re.I)
_LEAD = re.compile(r"^(escalate( to tier 2)?( if| when)?|additionally,?( escalate)?( if)?|escalation is also "
                   r"warranted if|especially if|if)\s*:?\s*", re.I)


def clauses(criterion: str) -> list[str]:
    """The alternatives of an escalation criterion (see :func:`_clauses`)."""
    return list(_clauses(criterion))


@functools.lru_cache(maxsize=4096)
def _clauses(criterion: str) -> tuple[str, ...]:
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
    return tuple(p for p in out if len(p) > 3)


OUTSIDE_TEXT = "the logs cannot answer this: it needs the user, the change records or threat intelligence"
OUTSIDE_FACT = Fact("", OUTSIDE, OUTSIDE_TEXT)


def assess(analysis: Any, finding: Finding, playbook: Playbook | None = None) -> TriageView:
    """The questions, criteria and suggestion for ``finding`` under ``playbook`` (default: its matched one)."""
    book = playbook or analysis.playbook_for(finding)
    if book is None:
        return TriageView(finding.id, None, (), (), "undecided", "no playbook for the finding's techniques")
    ctx = Context(index_for(analysis), finding)
    cache: dict[str, Fact] = {}

    def fact(probe: str) -> Fact:
        if probe == "":
            return OUTSIDE_FACT
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
        known = [f.summary for f in facts if f.verdict in (SUSPICIOUS, NORMAL)]
        unknown = [f.summary for f in facts if f.verdict == UNKNOWN]
        why = "not all of it can be judged from the logs" + (": " + "; ".join(known) if known else "") + \
            ("; unknown: " + "; ".join(unknown) if unknown else "")
    return CriterionView(text, status, why, tuple(facts))


def assess_all(analysis: Any) -> dict[str, TriageView]:
    """Every finding's triage, the table indexed once (the findings JSON)."""
    index_for(analysis)
    return {f.id: assess(analysis, f) for f in analysis.findings}


def records(view: TriageView) -> list[dict[str, str]]:
    """The finding's computed answers and criteria as the findings JSON carries them (``triage``)."""
    out = [{"kind": "question", "question": q.question, "answer": q.answer, "basis": q.basis,
            "probes": [f.probe for f in q.facts if f.probe]} for q in view.questions]
    out += [{"kind": "criterion", "question": c.criterion, "answer": c.answer, "basis": c.why, "status": c.status,
             "probes": [f.probe for f in c.facts if f.probe]} for c in view.criteria]
    return out
