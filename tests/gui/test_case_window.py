"""The main window with a case: File ▸ New case keeps the analysis and the triage, the PDF export carries the
triage, File ▸ Open case restores both without analyzing the evidence again."""

from __future__ import annotations

import shutil

from pypdf import PdfReader

from workbench.paths import demo_dir


def _pick(combo, value):
    combo.setCurrentIndex(combo.findData(value))


def test_new_case_triage_export_and_reopen(qtbot, window, tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    shutil.copy(demo_dir() / "auth.log", evidence / "auth.log")
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.open_paths([evidence])
    assert window.new_case(evidence / "case") is not None  # refused when the task runs: inside the evidence
    qtbot.waitUntil(lambda: not window.busy, timeout=30_000)
    assert window.case is None and not (evidence / "case" / "case.sqlite").exists()
    window.new_case(tmp_path / "case")
    qtbot.waitUntil(lambda: window.case is not None, timeout=30_000)

    row = next(i for i, f in enumerate(window.analysis.findings) if f.check == "brute_force_success")
    window.select_finding(row)
    panel = window.triage_pane
    assert panel.finding.id == window.analysis.findings[row].id
    _pick(panel.questions[0].answer, "yes")
    qtbot.keyClicks(panel.questions[0].note, "WINDOW-NOTE-5")
    _pick(panel.decision, "do not escalate")
    qtbot.keyClicks(panel.reason, "WINDOW-REASON-9")
    _pick(panel.state, "false positive")
    window.events_view.setCurrentIndex(window.events_model.index(0, 0))  # the finding's first evidence event
    window.bookmark_action.trigger()
    first = window.analysis.findings[row].evidence
    assert [(b.finding_id, b.ref) for b in window.case.bookmarks()] == [
        (panel.finding.id, window.events_model.value(0, "ref"))]
    assert window.events_model.value(0, "ref") in {e.ref for e in first}

    with qtbot.waitSignal(window.exported, timeout=60_000) as exported:
        window.export_pdf(tmp_path / "report.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(exported.args[0]).pages)
    assert "WINDOW-NOTE-5" in text and "WINDOW-REASON-9" in text
    finding_id = panel.finding.id
    window.close()

    from workbench.gui.main_window import MainWindow

    second = MainWindow()
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.loaded, timeout=60_000):
        second.open_case_folder(tmp_path / "case")
    assert "analysis restored" in second.statusBar().currentMessage()
    row = next(i for i, f in enumerate(second.analysis.findings) if f.id == finding_id)
    second.select_finding(row)
    restored = second.triage_pane
    assert restored.questions[0].answer.currentData() == "yes"
    assert restored.questions[0].note.text() == "WINDOW-NOTE-5"
    assert (restored.decision.currentData(), restored.reason.text()) == ("do not escalate", "WINDOW-REASON-9")
    assert restored.state.currentData() == "false positive"
    second.close()


def test_the_analysts_playbook_folder_applies_at_once_and_is_remembered(qtbot, window, tmp_path):
    from workbench.paths import playbooks_dir

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    shutil.copy(demo_dir() / "auth.log", evidence / "auth.log")
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.open_paths([evidence])
    window.new_case(tmp_path / "case")
    qtbot.waitUntil(lambda: window.case is not None, timeout=30_000)
    row = next(i for i, f in enumerate(window.analysis.findings) if f.check == "brute_force_success")
    window.select_finding(row)
    mine = tmp_path / "my-playbooks"
    mine.mkdir()
    text = (playbooks_dir() / "T1110.001.md").read_text(encoding="utf-8")
    (mine / "T1110.001.md").write_text(text.replace("1. Did the failures", "1. OURS: did the failures"))
    (mine / "broken.md").write_text("# nothing\n\n| Column Name | Value |\n|---|---|\n| Name | only |\n")
    assert window.add_playbook_folder(mine)
    assert window.triage_pane.questions[0].question.startswith("OURS: did the failures")
    assert "OURS: did the failures" in window.playbook_pane.toPlainText()
    assert "broken.md: missing the 'MITRE TTP' row" in window.statusBar().currentMessage()
    assert window.case.setting("analyze")["extra_playbook_dirs"] == [str(mine.resolve())]
