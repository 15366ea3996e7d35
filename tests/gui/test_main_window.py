"""The main window through the real worker path: open a case, pick a finding, export the PDF."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from workbench.errors import WorkbenchError
from workbench.gui.qt import Qt

TIMEOUT = 120_000


def squash(text: str) -> str:
    """Text without whitespace: PDF extraction and rich text break lines where they like."""
    return re.sub(r"\s+", "", text)


def test_open_select_export(window, qtbot, case_dir, tmp_path):
    assert not window.export_action.isEnabled()
    with qtbot.waitSignal(window.loaded, timeout=TIMEOUT) as blocker:
        assert window.open_paths([case_dir]) is not None
        assert window.busy and window.cancel_button.isVisible()
    analysis = blocker.args[0]
    assert not window.busy  # the outcome arrives with the window idle again
    assert window.export_action.isEnabled() and not window.cancel_button.isVisible()

    assert window.sources_model.rowCount() == len(analysis.inputs) >= 2
    names = {window.sources_model.index(r, 0).data() for r in range(window.sources_model.rowCount())}
    assert {"cloudtrail.json", "auth.log"} <= names
    model = window.findings_model
    assert sum(len(model.findings_at(r)) for r in range(model.rowCount())) == len(analysis.findings) > 0
    assert window.events_model.rowCount() == analysis.events_total > 0

    row = model.row_of(lambda f: f.check == "brute_force_success")
    assert row >= 0
    window.select_finding(row)
    finding = model.finding(row)
    assert len(model.findings_at(row)) == 1  # not folded with another: its own evidence only
    assert window.events_model.rowCount() == len(finding.evidence) == len(analysis.evidence_rows(finding))
    assert window.show_all_action.isEnabled()
    book = analysis.playbook_for(finding)
    assert book is not None and book.questions
    pane = squash(window.playbook_pane.toPlainText())
    assert squash(book.questions[0]) in pane and squash(finding.explanation) in pane
    window.show_record(True)
    assert window.detail_pane.toPlainText().strip()  # the first evidence record is shown

    window.show_all_action.trigger()
    assert window.events_model.rowCount() == analysis.events_total
    assert not window.show_all_action.isEnabled()

    out = tmp_path / "out" / "report.pdf"
    out.parent.mkdir()
    with qtbot.waitSignal(window.exported, timeout=TIMEOUT) as blocker:
        assert window.export_pdf(out) is not None
    assert blocker.args == [str(out)]
    assert str(out) in window.statusBar().currentMessage()
    text = squash("".join(page.extract_text() for page in PdfReader(out).pages))
    assert squash(finding.title) in text
    for info in analysis.inputs:
        assert info.sha256 in text


def test_export_refuses_to_write_into_the_evidence(window, qtbot, case_dir):
    with qtbot.waitSignal(window.loaded, timeout=TIMEOUT):
        window.open_paths([case_dir])
    assert not window.default_report_path().is_relative_to(case_dir)
    assert window.export_pdf(case_dir / "report.pdf") is None
    assert window.message_box is not None and window.message_box.isVisible()
    assert "refusing to write into the evidence" in window.message_box.text()
    assert not (case_dir / "report.pdf").exists()
    window.message_box.close()


def test_inputs_with_errors_are_shown(window, qtbot, case_dir, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a log\n")
    with qtbot.waitSignal(window.loaded, timeout=TIMEOUT):
        window.open_paths([case_dir / "auth.log", junk])
    model = window.sources_model
    bad = [r for r in range(model.rowCount()) if model.index(r, 0).data() == "notes.txt"]
    assert bad and model.index(bad[0], 3).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert "notes.txt" in window.statusBar().currentMessage()


def test_a_failed_analysis_shows_a_message_and_the_app_goes_on(window, qtbot, case_dir, monkeypatch):
    def broken(paths, *, progress, cancel, **options):
        raise WorkbenchError("the disk caught fire", paths[0])

    monkeypatch.setattr("workbench.gui.window.loading.analyze_with_pack", broken)
    with qtbot.waitSignal(window.failed, timeout=TIMEOUT) as blocker:
        window.open_paths([case_dir])
    assert "the disk caught fire" in blocker.args[0]
    assert not window.busy  # the outcome arrives with the window idle again
    assert window.message_box.isVisible() and "the disk caught fire" in window.message_box.text()
    window.message_box.close()
    assert window.analysis is None and window.open_files_action.isEnabled()


def test_cancel_while_loading(window, qtbot, case_dir, monkeypatch):
    import time

    def slow(paths, *, progress, cancel, **options):
        for i in range(1000):
            cancel.check()
            progress(i, 1000, "reading slowly")
            time.sleep(0.01)
        pytest.fail("not cancelled")

    monkeypatch.setattr("workbench.gui.window.loading.analyze_with_pack", slow)
    task = window.open_paths([case_dir])
    qtbot.waitUntil(lambda: window.progress_bar.maximum() == 1000, timeout=TIMEOUT)
    with qtbot.waitSignal(task.cancelled, timeout=TIMEOUT):
        window.cancel_button.click()
    assert not window.busy  # the outcome arrives with the window idle again
    assert window.statusBar().currentMessage() == "Cancelled."
    assert not window.progress_bar.isVisible()
