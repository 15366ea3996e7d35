"""The triage panel: the analyst answers in the GUI, every edit lands in the case file at once, a reopened case
shows it again, and the exported PDF carries it."""

from __future__ import annotations

import shutil

import pytest
from pypdf import PdfReader

from workbench.case.folder import Case
from workbench.gui.qt import Qt
from workbench.gui.widgets.triage import TriagePanel
from workbench.paths import demo_dir, playbooks_dir
from workbench.report.pdf import write_report


@pytest.fixture
def opened(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    shutil.copy(demo_dir() / "auth.log", evidence / "auth.log")
    case = Case.create(tmp_path / "case", [evidence], analyst="Ana Lyst", title="Triage test")
    analysis, _ = case.open_analysis()
    finding = next(f for f in analysis.findings if f.check == "brute_force_success")
    yield case, analysis, finding
    case.close()


def _pick(combo, value):
    combo.setCurrentIndex(combo.findData(value))


def test_answers_in_the_gui_are_saved_restored_and_in_the_pdf(qtbot, opened, tmp_path):
    case, analysis, finding = opened
    panel = TriagePanel()
    qtbot.addWidget(panel)
    panel.set_case(case)
    panel.show_finding(analysis, finding)
    book = analysis.playbooks.match(finding.techniques)
    assert [r.question for r in panel.questions] == book.questions
    assert "failed sign-in" in panel.questions[0].evidence.text()  # the computed evidence beside the question

    with qtbot.waitSignal(panel.saved):
        _pick(panel.questions[0].answer, "no")
    qtbot.keyClicks(panel.questions[0].note, "ANSWER-NOTE-1 <b>not bold</b>")
    _pick(panel.questions[1].answer, "unknown")
    _pick(panel.criteria[1].assessment, "met")
    qtbot.keyClicks(panel.criteria[1].note, "deploy can sudo")
    _pick(panel.decision, "escalate")
    qtbot.keyClicks(panel.reason, "REASON-ESCALATE-42")
    row = panel.checks[("containment", book.containment[0])]
    row.box.click()
    assert row.who.text().startswith("done by Ana Lyst, ") and row.who.text().endswith("UTC")
    _pick(panel.state, "escalated")
    qtbot.keyClicks(panel.note, "CASE-NOTE-7")

    stored = case.triage(finding.id)  # already in the database, no save step
    assert stored.state == "escalated"
    assert (stored.answers[book.questions[0]].answer, stored.answers[book.questions[0]].note) == (
        "no", "ANSWER-NOTE-1 <b>not bold</b>")
    assert stored.answers[book.questions[1]].answer == "unknown"
    assert (stored.criteria[book.escalation[1]].assessment, stored.criteria[book.escalation[1]].note) == (
        "met", "deploy can sudo")
    assert (stored.decision.decision, stored.decision.reason) == ("escalate", "REASON-ESCALATE-42")
    assert stored.checklist[("containment", book.containment[0])].who == "Ana Lyst"
    assert stored.note == "CASE-NOTE-7"

    case.close()  # reopen: the panel shows everything again
    with Case.open(case.folder) as again:
        analysis2, reused = again.open_analysis()
        assert reused
        panel2 = TriagePanel()
        qtbot.addWidget(panel2)
        panel2.set_case(again)
        panel2.show_finding(analysis2, next(f for f in analysis2.findings if f.id == finding.id))
        assert panel2.questions[0].answer.currentData() == "no"
        assert panel2.questions[0].note.text() == "ANSWER-NOTE-1 <b>not bold</b>"
        assert panel2.criteria[1].assessment.currentData() == "met"
        assert (panel2.decision.currentData(), panel2.reason.text()) == ("escalate", "REASON-ESCALATE-42")
        assert panel2.checks[("containment", book.containment[0])].box.isChecked()
        assert panel2.state.currentData() == "escalated" and panel2.note.toPlainText() == "CASE-NOTE-7"

        out = write_report(analysis2, tmp_path / "report.pdf", case=again)
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(out).pages)
    for expected in ("ANSWER-NOTE-1 <b>not bold</b>", "REASON-ESCALATE-42", "CASE-NOTE-7", "deploy can sudo"):
        assert expected in text, expected


def test_log_and_playbook_text_is_plain(qtbot, opened):
    case, analysis, finding = opened
    panel = TriagePanel()
    qtbot.addWidget(panel)
    panel.set_case(case)
    panel.show_finding(analysis, finding)
    labels = [panel.header, *[r.label for r in panel.questions], *[r.evidence for r in panel.questions],
              *[r.label for r in panel.criteria], *[r.computed for r in panel.criteria], panel.suggestion,
              *[r.text for r in panel.checks.values()]]
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)


def test_without_a_case_nothing_can_be_edited(qtbot, opened):
    _, analysis, finding = opened
    panel = TriagePanel()
    qtbot.addWidget(panel)
    panel.show_finding(analysis, finding)
    assert panel.questions and not panel.questions[0].answer.isEnabled() and not panel.note.isEnabled()


def test_a_playbook_dropped_in_is_shown_without_restart(qtbot, opened, tmp_path):
    case, analysis, finding = opened
    folder = tmp_path / "my-playbooks"
    folder.mkdir()
    analysis.playbooks.add_folder(folder)
    panel = TriagePanel()
    qtbot.addWidget(panel)
    panel.set_case(case)
    panel.show_finding(analysis, finding)
    assert panel.reload_playbooks() is False
    source = (playbooks_dir() / "T1110.001.md").read_text(encoding="utf-8")
    (folder / "T1110.001.md").write_text(source.replace(
        "1. Did the failures come from the same IP", "1. OUR OWN QUESTION: did the failures come from the same IP"))
    with qtbot.waitSignal(panel.playbooks_reloaded):
        assert panel.reload_playbooks() is True
    assert panel.questions[0].question.startswith("OUR OWN QUESTION")


def test_bookmarks_go_to_the_case_and_show(qtbot, opened):
    case, analysis, finding = opened
    panel = TriagePanel()
    qtbot.addWidget(panel)
    assert panel.add_bookmark("f", "1") is False  # no case: nothing to keep it in
    panel.set_case(case)
    panel.show_finding(analysis, finding)
    ev = finding.evidence[0]
    with qtbot.waitSignal(panel.saved):
        assert panel.add_bookmark(ev.file, ev.ref, ev.source, "the first failure")
    assert [(b.ref, b.finding_id, b.note) for b in case.bookmarks()] == [(ev.ref, finding.id, "the first failure")]
    assert panel.bookmarks.text() == f"★ {ev.file} #{ev.ref} — the first failure"


def test_an_edit_the_case_refuses_is_said_and_the_text_stays(qtbot, opened):
    """Disk full: the panel says the edit was not saved, the typed note stays in its field, and it is saved
    once there is room again."""
    case, analysis, finding = opened
    panel = TriagePanel()
    qtbot.addWidget(panel)
    panel.set_case(case)
    panel.show_finding(analysis, finding)
    pages = case._db.execute("PRAGMA page_count").fetchone()[0]
    case._db.execute(f"PRAGMA max_page_count = {pages}")
    with qtbot.waitSignal(panel.save_failed) as failed:
        panel.note.setPlainText("N" * 300_000)
    assert "the disk is full" in failed.args[0]
    assert panel.warning.isVisibleTo(panel) and "not saved" in panel.warning.text()
    assert panel.note.toPlainText() == "N" * 300_000
    case._db.execute("PRAGMA max_page_count = 1073741823")
    with qtbot.waitSignal(panel.saved):
        panel.note.setPlainText("N" * 300_000 + " saved")
    assert not panel.warning.isVisibleTo(panel) and case.triage(finding.id).note.endswith(" saved")
