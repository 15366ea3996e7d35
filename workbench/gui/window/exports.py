"""Exports: the PDF report (a task), the findings as CSV or Timesketch JSON Lines, the File ▸ Export data menu.
Nothing is written inside or beside the evidence."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ...case.folder import Case
from ...evidence.outputs import check_outputs
from ...analysis import Analysis
from ...progress import CancelToken, Progress
from ..qt import QFileDialog, QStandardPaths
from ..tasks import Task

REPORT_NAME = "incident-report.pdf"


def make_report(analysis: Analysis, out: Path, *, progress: Progress, cancel: CancelToken,
                case: Case | None = None) -> Path:
    """The export as a task function: :func:`workbench.report.write_report` (which takes no progress), with the
    analyst's triage from the open case."""
    from ...report import write_report  # reportlab loads only when a report is asked for

    progress(0, 1, f"writing {out.name}")
    return write_report(analysis, out, case=case)


class Exports:
    """Mixed into the main window: the report and the data exports of the shown analysis."""

    def export_pdf(self, path: str | os.PathLike | None = None) -> Task | None:
        """Write the report; without ``path`` ask for one. :attr:`exported` (or :attr:`failed`) follows."""
        if self.analysis is None:
            return None
        if self.busy:
            self.statusBar().showMessage("Busy: wait for the running task or cancel it first.", 5000)
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export PDF report", str(self.default_report_path()),
                                                    "PDF report (*.pdf)")
            if not chosen:
                return None
            path = chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf"
        out = Path(path)
        problem = check_outputs([out], self.input_paths)
        if problem:
            self._show_error("Export PDF", problem)
            return None
        task = Task(make_report, self.analysis, out, name="report", case=self.case)
        task.finished.connect(self._on_export_task_finished)
        task.failed.connect(self._on_export_task_failed)
        self._start(task, "Exporting", [str(out)])
        return task

    def _on_export_action_triggered(self) -> None:
        self.export_pdf()

    def export_findings(self, path: str | os.PathLike | None = None, fmt: str = "csv") -> Path | None:
        """Write every finding as CSV or Timesketch JSON Lines (small: done at once); None if not written."""
        from ...export import write_findings_csv, write_findings_jsonl

        if self.analysis is None:
            return None
        suffix = ".jsonl" if fmt == "jsonl" else ".csv"
        if path is None:
            label = "JSON Lines (*.jsonl)" if fmt == "jsonl" else "CSV (*.csv)"
            chosen, _ = QFileDialog.getSaveFileName(self, "Export findings", str(Path.home() / f"findings{suffix}"),
                                                    label)
            if not chosen:
                return None
            path = chosen if chosen.lower().endswith(suffix) else chosen + suffix
        out = Path(path)
        problem = check_outputs([out], self.input_paths)
        if problem:
            self._show_error("Export findings", problem)
            return None
        try:
            marks = {m.ref: m for m in self.case.marks("finding")} if self.case is not None else None
            (write_findings_jsonl if fmt == "jsonl" else write_findings_csv)(self.analysis.findings, out, marks)
        except OSError as exc:
            self._show_error("Could not write the findings", f"{out}: {exc.strerror or exc}")
            return None
        self.statusBar().showMessage(f"Findings written: {out}", 30000)
        return out

    def _build_data_export_menu(self) -> None:
        """File ▸ Export data: the events in view and the findings, as CSV or Timesketch JSON Lines."""
        from ..qt import QMenu

        file_menu = self.menuBar().actions()[0].menu()
        menu = QMenu("Export data", self)
        file_menu.insertMenu(self.export_action, menu)
        menu.addAction(self.events_pane.export_csv_action)
        menu.addAction(self.events_pane.export_jsonl_action)
        menu.addSeparator()
        self.export_findings_csv_action = menu.addAction("Findings as CSV…", lambda: self.export_findings(fmt="csv"))
        self.export_findings_jsonl_action = menu.addAction("Findings as JSON Lines (Timesketch)…",
                                                           lambda: self.export_findings(fmt="jsonl"))
        self.export_data_menu = menu

    def default_report_path(self) -> Path:
        """``incident-report.pdf`` in the home folder, or the first place that is not inside the evidence."""
        places = [Path.home(), Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)),
                  Path(tempfile.gettempdir())]
        for folder in places:
            candidate = folder / REPORT_NAME
            if check_outputs([candidate], self.input_paths) is None:
                return candidate
        return Path(tempfile.mkdtemp(prefix="workbench-")) / REPORT_NAME

    def _on_export_task_finished(self, out: Any) -> None:
        self._task_done()
        self.statusBar().showMessage(f"Report written: {out}", 30000)
        self.exported.emit(str(out))

    def _on_export_task_failed(self, reason: str) -> None:
        self._task_done()
        self.statusBar().showMessage(f"Export failed: {reason}", 15000)
        self._show_error("Could not write the report", reason)
        self.failed.emit(reason)
