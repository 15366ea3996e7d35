"""The case folder and the triage wiring: new and open case, bookmarks, the analyst's playbook folders."""

from __future__ import annotations

import os
from pathlib import Path

from ...case.folder import Case, create_case, open_case, open_or_create_case
from ...analysis import Analysis
from ..qt import QFileDialog
from ..tasks import Task


class CaseActions:
    """Mixed into the main window: binds the triage and People panes to the open case."""

    def set_case(self, case: Case | None) -> None:
        """Bind the triage to ``case`` (None: no case; triage cannot be saved)."""
        if self.case is not None and self.case is not case:
            self.case.close()
        self.case = case
        self.triage_pane.set_case(case)
        self.entities_pane.set_case(case)
        self.refresh_marks()
        self._update_actions()

    def new_case(self, folder: str | os.PathLike | None = None) -> Task | None:
        """Keep the shown analysis in a new case folder (asked for without ``folder``), refused inside the evidence."""
        if self.analysis is None or self.busy:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Choose an empty folder for the case", str(Path.home()))
            if not folder:
                return None
        task = Task(create_case, Path(folder), self.analysis, self.input_paths, name="new case",
                    options=self.analyze_options())
        task.finished.connect(self._on_new_case_task_finished)
        task.failed.connect(self._on_load_task_failed)
        self._start(task, "Saving case", [str(folder)])
        return task

    def open_case_folder(self, folder: str | os.PathLike | None = None) -> Task | None:
        """Open a case: its analysis (re-analyzed only if the evidence changed) and the triage saved in it."""
        if self.busy:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Open a case folder", str(Path.home()))
            if not folder:
                return None
        task = Task(open_case, Path(folder), name="open case")
        task.finished.connect(self._on_open_case_task_finished)
        task.failed.connect(self._on_load_task_failed)
        self._start(task, "Opening case", [str(folder)])
        return task

    def open_demo(self) -> Task | None:
        """The demo evidence in its own case, kept in the per-user data folder (never beside the demo files):
        made on first use, reopened after, so triage, tags and stars work at once."""
        from ...paths import demo_dir
        from ...update.pack import data_dir

        if self.busy:
            return None
        folder = data_dir() / "demo-case"
        task = Task(open_or_create_case, folder, [str(demo_dir())], name="demo case", options=self.analyze_options())
        task.finished.connect(self._on_open_case_task_finished)
        task.failed.connect(self._on_demo_task_failed)
        self._start(task, "Opening the demo case", [str(folder)])
        return task

    def _on_demo_task_failed(self, reason: str) -> None:
        """No demo case could be kept (a read-only data folder): the demo opens without one."""
        from ...paths import demo_dir

        self._task_done()
        self.open_paths([str(demo_dir())])
        self.statusBar().showMessage(f"Demo opened without a case ({reason}): File ▸ New case keeps triage.", 15000)

    def _on_new_case_task_finished(self, case: Case) -> None:
        self._task_done()
        self.set_case(case)
        self.statusBar().showMessage(f"Case saved in {case.folder}: every change is kept at once.", 15000)

    def _on_open_case_task_finished(self, result: tuple[Case, Analysis, bool]) -> None:
        self._task_done()
        case, analysis, reused = result
        analysis = self._with_playbook_dirs(analysis)
        self.set_case(case)
        self.set_analysis(analysis, case.sources())
        self.statusBar().showMessage(
            f"Case {case.folder}: " + ("evidence unchanged (hashes verified), analysis restored." if reused
                                       else f"analyzed. {case.problem}".strip()), 15000)

    def _on_new_case_action_triggered(self) -> None:
        self.new_case()

    def _on_open_case_action_triggered(self) -> None:
        self.open_case_folder()

    def _on_triage_pane_playbooks_reloaded(self) -> None:
        """Playbooks were dropped in or edited: every finding and pane shows them at once."""
        if self.analysis is not None:
            self._apply_playbooks(self.analysis)

    def _on_playbook_folder_action_triggered(self) -> None:
        self.add_playbook_folder()

    def add_playbook_folder(self, folder: str | os.PathLike | None = None) -> bool:
        """Add a folder of the analyst's own playbooks (the seeds' format): they override the shipped ones, are
        read again whenever a file in it changes, and are remembered in the case."""
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Folder of your own playbooks", str(Path.home()))
            if not folder:
                return False
        path = Path(folder).resolve()
        if not path.is_dir():
            return False
        if path not in self.playbook_dirs:
            self.playbook_dirs.append(path)
        if self.case is not None:
            options = dict(self.case.setting("analyze") or {})
            options["extra_playbook_dirs"] = list(dict.fromkeys([*options.get("extra_playbook_dirs", []), str(path)]))
            self.case.set_setting("analyze", options)
        if self.analysis is not None:
            self._apply_playbooks(self._with_playbook_dirs(self.analysis))
        return True

    def _on_sigma_folder_action_triggered(self) -> None:
        self.add_sigma_folder()

    def add_sigma_folder(self, folder: str | os.PathLike | None = None) -> bool:
        """Add a folder of the analyst's own Sigma rules (SigmaHQ layout): run from the next load (Reload, F5),
        remembered in the case when one is open (as ``workbench analyze --sigma DIR``)."""
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Folder of your own Sigma rules", str(Path.home()))
            if not folder:
                return False
        path = Path(folder).resolve()
        if not path.is_dir():
            return False
        if path not in self.sigma_dirs:
            self.sigma_dirs.append(path)
        if self.case is not None:
            options = dict(self.case.setting("analyze") or {})
            options["sigma_dirs"] = list(dict.fromkeys([*options.get("sigma_dirs", []), str(path)]))
            self.case.set_setting("analyze", options)
        self.statusBar().showMessage(f"Sigma rules in {path.name} run from the next load: Reload (F5).", 15000)
        return True

    def _with_playbook_dirs(self, analysis: Analysis) -> Analysis:
        """``analysis`` with the analyst's playbook folders in its library and its findings matched again."""
        from ...playbooks import assign

        for folder in self.playbook_dirs:
            if folder not in analysis.playbooks.folders:
                analysis.playbooks.add_folder(folder)
        analysis.findings = assign(analysis.findings, analysis.playbooks)
        return analysis

    def _apply_playbooks(self, analysis: Analysis) -> None:
        """Show the findings and the selected one under the playbooks as they are now."""
        from ...playbooks import assign

        analysis.findings = assign(analysis.findings, analysis.playbooks)
        row = self.findings_view.currentIndex().row()
        self.findings_model.set_findings(analysis.findings, analysis.playbook_for)
        if row >= 0:
            self.select_finding(row)
        errors = analysis.playbooks.errors
        self.statusBar().showMessage(f"Playbooks: {len(analysis.playbooks.playbooks)} loaded"
                                     + (f"; {len(errors)} with errors: {errors[0]}" if errors else "."), 15000)
