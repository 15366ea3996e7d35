"""What the report needs of the analyst's case: triage state per finding, answers, escalation decisions,
checklists, notes and bookmarks, plus the case's identity (id, organisation, classification).

The report reads only this model. :func:`case_view` builds it from the case file (``workbench.case.folder``) or from
a plain dict (``CaseView.from_dict``; the same shape ``to_dict`` writes), so the report does not depend on how
the case stores its state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from ..findings import Finding
from ..case.marks import Mark

STATES = ("new", "investigating", "confirmed", "escalated", "false_positive")
STATE_LABELS = {
    "new": "New (not reviewed yet)", "investigating": "Investigating", "confirmed": "Confirmed",
    "escalated": "Escalated", "false_positive": "False positive",
}
CONFIRMED = ("confirmed", "escalated")
ANSWERS = ("yes", "no", "unknown")
CRITERION_STATUS = ("met", "not met", "unknown")
CHECKLISTS = ("l1_steps", "t2_actions", "containment")


def _state(value: object) -> str:
    text = str(value or "new").strip().lower().replace(" ", "_").replace("-", "_")
    return text if text in STATES else "new"


def _time(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class Answer:
    """The analyst's answer to one playbook question."""

    question: str
    answer: str = "unknown"  # yes / no / unknown
    note: str = ""
    evidence: str = ""  # what the data said beside the question, if the workbench could compute it

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Answer":
        answer = str(d.get("answer") or "unknown").lower()
        return cls(str(d["question"]), answer if answer in ANSWERS else "unknown", str(d.get("note") or ""),
                   str(d.get("evidence") or ""))


@dataclass(frozen=True)
class Criterion:
    """One 'Decision for Escalation' criterion and whether it is met."""

    text: str
    status: str = "unknown"  # met / not met / unknown
    basis: str = ""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Criterion":
        status = str(d.get("status") or "unknown").lower().replace("_", " ")
        return cls(str(d["text"]), status if status in CRITERION_STATUS else "unknown", str(d.get("basis") or ""))


@dataclass(frozen=True)
class Decision:
    """The analyst's escalation decision for one finding ('' = not decided), and the suggestion beside it."""

    decision: str = ""  # "escalate", "do not escalate" or ""
    reason: str = ""
    suggested: str = ""
    by: str = ""
    at: datetime | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Decision":
        return cls(str(d.get("decision") or ""), str(d.get("reason") or ""), str(d.get("suggested") or ""),
                   str(d.get("by") or ""), _time(d.get("at")))


@dataclass(frozen=True)
class ChecklistItem:
    section: str  # one of CHECKLISTS
    text: str
    done: bool = False
    who: str = ""
    when: datetime | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ChecklistItem":
        return cls(str(d.get("section") or "containment"), str(d["text"]), bool(d.get("done")),
                   str(d.get("who") or ""), _time(d.get("when")))


@dataclass(frozen=True)
class Triage:
    state: str = "new"
    answers: tuple[Answer, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    decision: Decision = field(default_factory=Decision)
    checklist: tuple[ChecklistItem, ...] = ()

    @property
    def confirmed(self) -> bool:
        return self.state in CONFIRMED

    def items(self, section: str) -> list[ChecklistItem]:
        return [i for i in self.checklist if i.section == section]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Triage":
        return cls(_state(d.get("state")), tuple(Answer.from_dict(a) for a in d.get("answers", ())),
                   tuple(Criterion.from_dict(c) for c in d.get("criteria", ())),
                   Decision.from_dict(d.get("decision") or {}),
                   tuple(ChecklistItem.from_dict(i) for i in d.get("checklist", ())))

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "answers": [a.__dict__ for a in self.answers],
            "criteria": [c.__dict__ for c in self.criteria],
            "decision": {**self.decision.__dict__, "at": _iso(self.decision.at)},
            "checklist": [{**i.__dict__, "when": _iso(i.when)} for i in self.checklist],
        }


@dataclass(frozen=True)
class Note:
    text: str
    finding_id: str | None = None
    author: str = ""
    at: datetime | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Note":
        return cls(str(d["text"]), d.get("finding_id") or None, str(d.get("author") or ""), _time(d.get("at")))


@dataclass(frozen=True)
class Bookmark:
    """An event the analyst marked: it points at the original record like an evidence reference."""

    file: str
    ref: str
    source: str = ""
    note: str = ""
    finding_id: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Bookmark":
        return cls(str(d["file"]), str(d["ref"]), str(d.get("source") or ""), str(d.get("note") or ""),
                   d.get("finding_id") or None)


@dataclass(frozen=True)
class CaseView:
    case_id: str = ""
    title: str = ""
    analyst: str = ""
    organisation: str = ""
    classification: str = ""
    triage: Mapping[str, Triage] = field(default_factory=dict)  # by Finding.id
    notes: tuple[Note, ...] = ()
    bookmarks: tuple[Bookmark, ...] = ()
    marks: tuple[Mark, ...] = ()  # the analyst's tags, stars and comments on events and findings

    def of(self, finding: Finding) -> Triage:
        return self.triage.get(finding.id) or Triage()

    @property
    def triaged(self) -> bool:
        """Whether the analyst has set the state of any finding."""
        return any(t.state != "new" for t in self.triage.values())

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CaseView":
        return cls(
            str(d.get("case_id") or ""), str(d.get("title") or ""), str(d.get("analyst") or ""),
            str(d.get("organisation") or ""), str(d.get("classification") or ""),
            {str(k): Triage.from_dict(v) for k, v in (d.get("triage") or {}).items()},
            tuple(Note.from_dict(n) for n in d.get("notes", ())),
            tuple(Bookmark.from_dict(b) for b in d.get("bookmarks", ())),
            tuple(Mark.from_dict(m) for m in d.get("marks", ())),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id, "title": self.title, "analyst": self.analyst,
            "organisation": self.organisation, "classification": self.classification,
            "triage": {k: t.to_dict() for k, t in self.triage.items()},
            "notes": [{**n.__dict__, "at": _iso(n.at)} for n in self.notes],
            "bookmarks": [b.__dict__ for b in self.bookmarks],
            "marks": [m.to_dict() for m in self.marks],
        }


def case_view(case: object | None) -> CaseView:
    """The report's view of ``case``: a CaseView as is, a dict through :meth:`CaseView.from_dict`, an object
    with ``report_view()`` (the case file) through that; None is an empty case (nothing triaged)."""
    if case is None:
        return CaseView()
    if isinstance(case, CaseView):
        return case
    if isinstance(case, Mapping):
        return CaseView.from_dict(case)
    view = getattr(case, "report_view", None)
    if callable(view):
        return case_view(view())
    raise TypeError(f"cannot read triage state from {type(case).__name__}")

