"""The triage panel: the selected finding's playbook as the analyst's working surface, bound to the case file.

Questions with yes / no / unknown and a note, beside the evidence the workbench computed for each
(:mod:`workbench.explore.triage`); each escalation criterion with its status from the evidence and the analyst's own
assessment; the suggested decision and the analyst's decision with a reason; L1 steps, T2 actions and
containment as checklists with who and when; the triage state and a note. Every edit goes straight to the case
(:class:`workbench.case.folder.Case`, one transaction per change), so nothing is lost when the app dies.

Log fields and playbook text reach the screen only through plain-text labels and editors.
"""

from __future__ import annotations

from typing import Callable

from ...case.folder import ANSWERS, ASSESSMENTS, CHECKLISTS, DECISIONS, STATES, Case, CaseError, FindingTriage
from ...findings import Finding
from ...analysis import Analysis
from ...playbooks import Playbook
from ...explore.triage import Fact, TriageView, assess
from ..qt import (
    QCheckBox, QComboBox, QFrame, QGroupBox, QHBoxLayout, QLineEdit, QPlainTextEdit, QScrollArea, Qt,
    QTimer, QVBoxLayout, QWidget, Signal,
)
from ..settings import format_ts  # in the display time zone, with the zone
from .common import plain_label as plain

MARK = {"suspicious": "▲ suspicious", "normal": "● normal", "unknown": "? unknown", "outside the logs": "○ outside the logs"}
STATUS_COLOR = {"met": "#b91c1c", "not met": "#15803d", "unknown": "#6b7280"}
CHECKLIST_TITLES = {"l1": "Additional analysis steps for L1", "t2": "T2 analyst actions",
                    "containment": "Containment and further analysis"}
PLAYBOOK_POLL_MS = 2000  # how often the playbook folders are looked at for dropped-in or edited files


def facts_text(facts: tuple[Fact, ...]) -> str:
    if not facts:
        return "The logs hold nothing that bears on this question."
    lines = []
    for fact in facts:
        lines.append(f"{MARK.get(fact.verdict, fact.verdict)}: {fact.summary}")
        lines.extend(f"    {d}" for d in fact.details)
    return "\n".join(lines)


def _combo(values: tuple[str, ...], blank: str = "—") -> QComboBox:
    box = QComboBox()
    box.addItem(blank, "")
    for value in values:
        box.addItem(value, value)
    return box


def _select(box: QComboBox, value: str) -> None:
    index = box.findData(value or "")
    box.setCurrentIndex(max(index, 0))


class QuestionRow(QFrame):
    def __init__(self, question: str, facts: tuple[Fact, ...]) -> None:
        super().__init__()
        self.question = question
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        self.label = plain(question)
        self.label.setStyleSheet("font-weight: bold")
        self.evidence = plain(facts_text(facts))
        self.evidence.setStyleSheet("color: #374151")
        self.answer = _combo(ANSWERS, "not answered")
        self.note = QLineEdit()
        self.note.setPlaceholderText("note")
        row = QHBoxLayout()
        row.addWidget(self.answer)
        row.addWidget(self.note, 1)
        lay.addWidget(self.label)
        lay.addWidget(self.evidence)
        lay.addLayout(row)


class CriterionRow(QFrame):
    def __init__(self, criterion: str, status: str, why: str) -> None:
        super().__init__()
        self.criterion = criterion
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        self.label = plain(criterion)
        self.label.setStyleSheet("font-weight: bold")
        self.computed = plain(f"From the evidence: {status}. {why}")
        self.computed.setStyleSheet(f"color: {STATUS_COLOR.get(status, '#000000')}")
        self.assessment = _combo(ASSESSMENTS, "as the evidence says")
        self.note = QLineEdit()
        self.note.setPlaceholderText("why (your assessment)")
        row = QHBoxLayout()
        row.addWidget(self.assessment)
        row.addWidget(self.note, 1)
        lay.addWidget(self.label)
        lay.addWidget(self.computed)
        lay.addLayout(row)


class CheckRow(QWidget):
    def __init__(self, kind: str, item: str) -> None:
        super().__init__()
        self.kind, self.item = kind, item
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.box = QCheckBox()
        self.text = plain(item)
        self.who = plain("")
        self.who.setStyleSheet("color: #6b7280")
        row = QHBoxLayout()
        row.addWidget(self.box, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1)
        lay.addLayout(row)
        lay.addWidget(self.who)

    def show_state(self, done: bool, who: str, when) -> None:  # noqa: ANN001
        self.box.setChecked(done)
        self.who.setText(f"done by {who}, {format_ts(when)}" if done and when else "")


class TriagePanel(QScrollArea):
    """Bind with :meth:`set_case`, show a finding with :meth:`show_finding`. Emits ``saved(finding_id)`` after
    every change written to the case and ``playbooks_reloaded()`` when dropped-in playbooks were read again."""

    saved = Signal(str)
    save_failed = Signal(str)  # why an edit was not saved (one line)
    playbooks_reloaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.case: Case | None = None
        self.analysis: Analysis | None = None
        self.finding: Finding | None = None
        self.view: TriageView | None = None
        self.questions: list[QuestionRow] = []
        self.criteria: list[CriterionRow] = []
        self.checks: dict[tuple[str, str], CheckRow] = {}
        self._loading = False
        self._poll = QTimer(self)
        self._poll.setInterval(PLAYBOOK_POLL_MS)
        self._poll.timeout.connect(self._on_poll_timeout)
        self._body = QWidget()
        self.setWidget(self._body)
        self._layout = QVBoxLayout(self._body)
        self.header = plain("Select a finding to triage it.")
        self._layout.addWidget(self.header)
        self.warning = plain()  # an edit the case refused (disk full, read-only folder)
        self.warning.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.warning.hide()
        self._layout.addWidget(self.warning)
        self._layout.addStretch(1)

    # ---- binding ---------------------------------------------------------------------------------------
    def set_case(self, case: Case | None) -> None:
        self.case = case
        if self.analysis is not None and self.finding is not None:
            self.show_finding(self.analysis, self.finding)

    def show_finding(self, analysis: Analysis, finding: Finding, playbook: Playbook | None = None,
                     view: TriageView | None = None) -> None:
        """Show ``finding`` (its playbook: given, else the library's current match); ``view`` may be computed
        beforehand off the GUI thread with :func:`workbench.explore.triage.assess`."""
        self.analysis, self.finding = analysis, finding
        book = playbook or analysis.playbooks.match(finding.techniques)
        self.view = view or assess(analysis, finding, book)
        self._build(book)
        self._poll.start()

    def clear(self, message: str = "Select a finding to triage it.") -> None:
        self.analysis = self.finding = self.view = None
        self._poll.stop()
        self._reset()
        self.header.setText(message)

    # ---- building ---------------------------------------------------------------------------------------
    def _reset(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget()
            if widget is not None and widget is not self.header and widget is not self.warning:
                widget.deleteLater()
        self.questions, self.criteria, self.checks = [], [], {}
        self._layout.addWidget(self.header)
        self._layout.addWidget(self.warning)
        self.warning.hide()

    def _build(self, book: Playbook | None) -> None:
        assert self.finding is not None and self.view is not None
        self._loading = True
        self._reset()
        f, view = self.finding, self.view
        stored = self.case.triage(f.id) if self.case else FindingTriage(f.id)
        self.header.setText(f"{f.title}\n{f.severity.upper()} · {', '.join(f.techniques)} · "
                            f"playbook {book.technique + ' ' + book.name if book else 'none'}")
        if self.case is None:
            self._layout.addWidget(plain("No case is open: answers cannot be saved. Create or open a case "
                                         "(File ▸ New case) to record the triage."))

        top = QHBoxLayout()
        top.addWidget(plain("Triage state:", wrap=False))
        self.state = _combo(STATES, "new")
        self.state.removeItem(0)  # "new" is one of STATES
        _select(self.state, stored.state)
        self.state.currentIndexChanged.connect(self._on_state_changed)
        top.addWidget(self.state)
        top.addStretch(1)
        holder = QWidget()
        holder.setLayout(top)
        self._layout.addWidget(holder)

        questions = QGroupBox("Questions for analysis")
        qlay = QVBoxLayout(questions)
        for q in view.questions:
            row = QuestionRow(q.question, q.facts)
            answer = stored.answers.get(q.question)
            if answer:
                _select(row.answer, answer.answer)
                row.note.setText(answer.note)
            row.answer.currentIndexChanged.connect(self._saver(self._save_answer, row))
            row.note.textEdited.connect(self._saver(self._save_answer, row))
            qlay.addWidget(row)
            self.questions.append(row)
        if not view.questions:
            qlay.addWidget(plain("No playbook questions for this finding."))
        self._layout.addWidget(questions)

        crit = QGroupBox("Decision for escalation")
        clay = QVBoxLayout(crit)
        for c in view.criteria:
            row = CriterionRow(c.criterion, c.status, c.why)
            mine = stored.criteria.get(c.criterion)
            if mine:
                _select(row.assessment, mine.assessment)
                row.note.setText(mine.note)
            row.assessment.currentIndexChanged.connect(self._saver(self._save_criterion, row))
            row.note.textEdited.connect(self._saver(self._save_criterion, row))
            clay.addWidget(row)
            self.criteria.append(row)
        self.suggestion = plain(f"Suggested: {view.suggestion} — {view.suggestion_reason}")
        self.suggestion.setStyleSheet("font-weight: bold")
        clay.addWidget(self.suggestion)
        drow = QHBoxLayout()
        drow.addWidget(plain("Your decision:", wrap=False))
        self.decision = _combo(DECISIONS, "not decided")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("reason")
        if stored.decision:
            _select(self.decision, stored.decision.decision)
            self.reason.setText(stored.decision.reason)
        self.decision.currentIndexChanged.connect(self._on_decision_changed)
        self.reason.textEdited.connect(self._on_decision_changed)
        drow.addWidget(self.decision)
        drow.addWidget(self.reason, 1)
        dholder = QWidget()
        dholder.setLayout(drow)
        clay.addWidget(dholder)
        self._layout.addWidget(crit)

        for kind, items in zip(CHECKLISTS, (view.l1_steps, view.t2_actions, view.containment)):
            group = QGroupBox(CHECKLIST_TITLES[kind])
            glay = QVBoxLayout(group)
            for item in items:
                row = CheckRow(kind, item)
                mine = stored.checklist.get((kind, item))
                if mine:
                    row.show_state(mine.done, mine.who, mine.done_at)
                row.box.toggled.connect(self._saver(self._save_check, row))
                glay.addWidget(row)
                self.checks[(kind, item)] = row
            if not items:
                glay.addWidget(plain("(none in this playbook)"))
            self._layout.addWidget(group)

        notes = QGroupBox("Notes")
        nlay = QVBoxLayout(notes)
        self.note = QPlainTextEdit()
        self.note.setPlainText(stored.note)
        self.note.textChanged.connect(self._on_note_changed)
        nlay.addWidget(self.note)
        self.bookmarks = plain("")
        self._show_bookmarks(stored)
        nlay.addWidget(self.bookmarks)
        self._layout.addWidget(notes)
        self._layout.addStretch(1)
        editable = self.case is not None
        for widget in (self.state, self.decision, self.reason, self.note, *[r.answer for r in self.questions],
                       *[r.note for r in self.questions], *[r.assessment for r in self.criteria],
                       *[r.note for r in self.criteria], *[r.box for r in self.checks.values()]):
            widget.setEnabled(editable)
        self._loading = False

    # ---- saving: one case transaction per edit ------------------------------------------------------------
    def _saver(self, method: Callable[..., None], row: QWidget) -> Callable[..., None]:
        return lambda *_: method(row)

    def _ready(self) -> bool:
        return not self._loading and self.case is not None and self.finding is not None

    def _done(self) -> None:
        assert self.finding is not None
        self.warning.hide()
        self.saved.emit(self.finding.id)

    def _refused(self, exc: CaseError) -> None:
        """A write the case refused (disk full, read-only folder): say so where the analyst is typing; the
        text stays in its field to be saved again."""
        self.warning.setText(str(exc))
        self.warning.show()
        self.save_failed.emit(str(exc))

    def _on_state_changed(self, *_: object) -> None:
        if self._ready():
            try:
                self.case.set_state(self.finding.id, self.state.currentData())
            except CaseError as exc:
                return self._refused(exc)
            self._done()

    def _save_answer(self, row: QuestionRow) -> None:
        if self._ready():
            try:
                self.case.set_answer(self.finding.id, row.question, row.answer.currentData(), row.note.text())
            except CaseError as exc:
                return self._refused(exc)
            self._done()

    def _save_criterion(self, row: CriterionRow) -> None:
        if self._ready():
            try:
                self.case.set_criterion(self.finding.id, row.criterion, row.assessment.currentData(),
                                        row.note.text())
            except CaseError as exc:
                return self._refused(exc)
            self._done()

    def _on_decision_changed(self, *_: object) -> None:
        if self._ready():
            try:
                self.case.set_decision(self.finding.id, self.decision.currentData(), self.reason.text())
            except CaseError as exc:
                return self._refused(exc)
            self._done()

    def _save_check(self, row: CheckRow) -> None:
        if self._ready():
            try:
                self.case.set_check(self.finding.id, row.kind, row.item, row.box.isChecked())
            except CaseError as exc:
                return self._refused(exc)
            item = self.case.triage(self.finding.id).checklist.get((row.kind, row.item))
            self._loading = True
            row.show_state(item.done if item else False, item.who if item else "", item.done_at if item else None)
            self._loading = False
            self._done()

    def _on_note_changed(self) -> None:
        if self._ready():
            try:
                self.case.set_note(self.finding.id, self.note.toPlainText())
            except CaseError as exc:
                return self._refused(exc)
            self._done()

    def add_bookmark(self, file: str, ref: str, source: str = "", note: str = "") -> bool:
        """Bookmark one event in the case, for the finding shown (or the whole case when none is)."""
        if self.case is None:
            return False
        self.case.add_bookmark(file, ref, source, self.finding.id if self.finding else "", note)
        if self.finding is not None:
            self._show_bookmarks(self.case.triage(self.finding.id))
            self._done()
        return True

    def _show_bookmarks(self, stored: FindingTriage) -> None:
        self.bookmarks.setText("\n".join(f"★ {b.file} #{b.ref}" + (f" — {b.note}" if b.note else "")
                                         for b in stored.bookmarks) or "No bookmarked events.")

    # ---- playbooks dropped in while the app runs ----------------------------------------------------------
    def _on_poll_timeout(self) -> None:
        self.reload_playbooks()

    def reload_playbooks(self) -> bool:
        """Read the playbook folders again if a file changed, and show the finding under the new playbook."""
        if self.analysis is None or not self.analysis.playbooks.reload():
            return False
        if self.finding is not None:
            self.show_finding(self.analysis, self.finding)
        self.playbooks_reloaded.emit()
        return True
