"""What a case holds for each finding and input, as the case folder hands it out: states, answers,
criterion assessments, decisions, checklist items, bookmarks, and the words each may take."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

STATES = ("new", "investigating", "confirmed", "false positive", "escalated")
ANSWERS = ("yes", "no", "unknown")
ASSESSMENTS = ("met", "not met", "unknown")
DECISIONS = ("escalate", "do not escalate", "undecided")
CHECKLISTS = ("l1", "t2", "containment")  # Additional Analysis Steps for L1, T2 Analyst Actions, Containment


@dataclass(frozen=True)
class CaseInput:
    path: str  # as the findings JSON names it (archive.zip!member for zip members)
    sha256: str
    size: int
    format: str | None
    events: int


@dataclass(frozen=True)
class EvidenceCheck:
    """The evidence now against the hashes recorded at the last analysis."""

    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    analyzed: bool = True  # False: the case holds no analysis yet

    @property
    def unchanged(self) -> bool:
        return self.analyzed and not (self.changed or self.missing or self.added)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # one of ANSWERS, or "" when only a note was written
    note: str = ""
    who: str = ""
    updated: datetime | None = None


@dataclass(frozen=True)
class CriterionAssessment:
    criterion: str
    assessment: str  # one of ASSESSMENTS, or ""
    note: str = ""
    who: str = ""
    updated: datetime | None = None


@dataclass(frozen=True)
class Decision:
    decision: str  # one of DECISIONS, or ""
    reason: str = ""
    who: str = ""
    updated: datetime | None = None


@dataclass(frozen=True)
class ChecklistItem:
    kind: str  # one of CHECKLISTS
    item: str
    done: bool
    who: str = ""  # who ticked (or unticked) it last
    done_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class Bookmark:
    id: int
    source: str
    file: str
    ref: str
    finding_id: str = ""  # "" for a bookmark of the whole case
    note: str = ""
    who: str = ""
    created: datetime | None = None


@dataclass(frozen=True)
class FindingTriage:
    finding_id: str
    state: str = "new"
    state_who: str = ""
    state_updated: datetime | None = None
    answers: dict[str, Answer] = field(default_factory=dict)  # by question text
    criteria: dict[str, CriterionAssessment] = field(default_factory=dict)  # by criterion text
    decision: Decision | None = None
    checklist: dict[tuple[str, str], ChecklistItem] = field(default_factory=dict)  # by (kind, item)
    note: str = ""
    bookmarks: tuple[Bookmark, ...] = ()

    @property
    def touched(self) -> bool:
        """Anything at all was recorded for the finding."""
        return bool(self.state_updated or self.answers or self.criteria or self.decision or self.checklist
                    or self.note or self.bookmarks)
