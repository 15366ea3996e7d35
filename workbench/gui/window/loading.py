"""Loading inputs off the UI thread (in a child process when they are big) and the running task in the status
bar: its progress, its estimate, Cancel."""

from __future__ import annotations

import os
from pathlib import Path, PurePath
from typing import Any, Iterable

from ... import pipeline
from ...analysis import Analysis
from ...case.folder import CaseError
from ...pipeline import analyze_with_pack
from ..child import call_in_child
from ..qt import QFileDialog
from ..tasks import Eta, Task

CHILD_PROCESS_BYTES = 64 * 1024 * 1024  # inputs from this size on are analyzed in a child process


def input_bytes(paths: Iterable[str]) -> int:
    """Total size of the files under ``paths`` (stops counting once past the child-process threshold)."""
    total = 0
    for path in map(Path, paths):
        try:
            files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())
            for f in files:
                total += f.stat().st_size
                if total >= CHILD_PROCESS_BYTES:
                    return total
        except OSError:
            continue
    return total


class Loading:
    """Mixed into the main window: :meth:`open_paths` and the one task the window runs at a time."""

    @property
    def busy(self) -> bool:
        return self.task is not None

    def open_paths(self, paths: Iterable[str | os.PathLike]) -> Task | None:
        """Analyze ``paths`` off the UI thread; :attr:`loaded` (or :attr:`failed`) follows."""
        paths = [str(p) for p in paths]
        if not paths:
            return None
        if self.busy:
            self.statusBar().showMessage("Busy: wait for the running task or cancel it first.", 5000)
            return None
        self._loading_paths = paths
        kwargs = self.analyze_options()
        if input_bytes(paths) >= CHILD_PROCESS_BYTES:  # big: a child process, so the event loop never stalls
            task = Task(call_in_child, pipeline.analyze_with_pack, paths, name="analyze", **kwargs)
        else:
            task = Task(analyze_with_pack, paths, name="analyze", **kwargs)
        task.finished.connect(self._on_load_task_finished)
        task.failed.connect(self._on_load_task_failed)
        self._start(task, "Loading", paths)
        return task

    # -- tasks ------------------------------------------------------------------------------

    def analyze_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`~workbench.pipeline.analyze_with_pack`, the call ``workbench analyze``
        makes: the settings' (thresholds, GeoIP, indicators, shipped and own Sigma rules, the update pack), then
        the open case's own Sigma folders and those added this session (File ▸ Add Sigma rules folder)."""
        kwargs = self.settings.analyze_kwargs()
        case_sigma = (self.case.setting("analyze") or {}).get("sigma_dirs", ()) if self.case is not None else ()
        kwargs["sigma_dirs"] = list(dict.fromkeys([*kwargs["sigma_dirs"], *case_sigma, *map(str, self.sigma_dirs)]))
        return kwargs

    def _on_open_files_action_triggered(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open log files", str(Path.home()),
                                                "Log files (*.json *.jsonl *.gz *.log *.txt *);;All files (*)")
        self.open_paths(files)

    def _on_open_folder_action_triggered(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of log files", str(Path.home()))
        if folder:
            self.open_paths([folder])

    def _on_reload_action_triggered(self) -> None:
        if self.input_paths:
            self.open_paths(self.input_paths)

    def _start(self, task: Task, verb: str, paths: list[str]) -> None:
        self.task = task
        task.progressed.connect(self._on_task_progressed)
        task.cancelled.connect(self._on_task_cancelled)
        self.task_label.setText(f"{verb} {PurePath(paths[0]).name}{' …' if len(paths) > 1 else ''}")
        self.progress_bar.setRange(0, 0)  # busy until the first progress report
        self._eta = Eta()
        for widget in (self.task_label, self.progress_bar, self.cancel_button):
            widget.show()
        self.cancel_button.setEnabled(True)
        self._update_actions()
        task.start()

    def _on_task_progressed(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
        else:
            self.progress_bar.setRange(0, 0)
        eta = Eta.text(self._eta.update(done, total, message))
        self.task_label.setText(f"{message} · {eta}" if eta else message)

    def _task_done(self) -> None:
        """The running task delivered its outcome: the window is no longer busy."""
        self.task = None
        for widget in (self.task_label, self.progress_bar, self.cancel_button):
            widget.hide()
        self._update_actions()

    def _on_task_cancelled(self) -> None:
        self._task_done()
        self.statusBar().showMessage("Cancelled.", 5000)

    def _on_cancel_button_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.task_label.setText("Cancelling…")

    def _on_load_task_finished(self, analysis: Analysis) -> None:
        self._task_done()
        analysis = self._with_playbook_dirs(analysis)
        if self.case is not None:
            same = sorted(str(Path(p).resolve()) for p in self._loading_paths) == sorted(self.case.sources())
            if same:
                try:  # Reload of the case's evidence: the case keeps the new analysis
                    self.case.save_analysis(analysis)
                except CaseError as err:  # a read-only case folder, a full disk: shown, not stored
                    self.statusBar().showMessage(str(err), 15000)
            else:
                self.set_case(None)
                self.statusBar().showMessage("Case closed: the files opened are not its evidence.", 15000)
        self.set_analysis(analysis, self._loading_paths)

    def _on_load_task_failed(self, reason: str) -> None:
        self._task_done()
        self.statusBar().showMessage(f"Loading failed: {reason}", 15000)
        self._show_error("Could not analyze the files", reason)
        self.failed.emit(reason)
