"""The analyst's marks from the window: star (Ctrl+B), tags (Ctrl+T) and comment (Ctrl+Shift+T) on the selected
events, or on the selected finding when the findings list has the focus; kept in the open case at once
(:mod:`workbench.case.marks`) and shown in the grid and the findings table."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ...case.folder import CaseError
from ...case.marks import Mark, MarkError, parse_tags
from ..qt import QAction, QInputDialog, QKeySequence, QLineEdit, QMenu

NO_CASE = "Open or create a case (File ▸ New case) to keep tags, stars and comments."


class MarksActions:
    """Mixed into the main window (``case``, ``events_pane``, ``findings_view``, ``findings_model``)."""

    def _build_marks_actions(self, menu: QMenu) -> None:
        def action(text: str, slot: Any, keys: str, tip: str) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        self.star_action = action("Star / unstar", self._on_star_action_triggered, "Ctrl+B",
                                  "Star the selected events (or finding); for a finding's evidence also a bookmark")
        self.bookmark_action = self.star_action  # Ctrl+B used to be "Bookmark event": the same key, now visible
        self.tag_action = action("Tags…", self._on_tag_action_triggered, "Ctrl+T",
                                 "Tags on the selected events (or finding), comma-separated: query them with tag:")
        self.comment_action = action("Comment…", self._on_comment_action_triggered, "Ctrl+Shift+T",
                                     "Your comment on the selected event (or finding)")

    # -- what the actions and the tests call ----------------------------------------------------------

    def refresh_marks(self) -> None:
        """Show the case's marks and triage states in the grid and the findings table."""
        case = self.case
        events = case.marks("event") if case is not None else []
        findings = {m.ref: m for m in case.marks("finding")} if case is not None else {}
        states = case.states() if case is not None else {}
        self.events_pane.set_marks(events)
        self.findings_model.set_case_view(states, findings)

    def mark_events(self, rows: Iterable[int], *, tags: Iterable[str] | None = None, starred: bool | None = None,
                    comment: str | None = None) -> bool:
        """Mark the events at these row ids of the table (None keeps what is stored); False without a case."""
        table = self.events_pane.model.table
        rows = np.asarray(list(rows), dtype=np.int64)
        if self.case is None or table is None or not len(rows):
            if self.case is None:
                self.statusBar().showMessage(NO_CASE, 8000)
            return False
        files = table.column("file").take(rows).to_pylist()
        refs = table.column("ref").take(rows).to_pylist()
        try:
            for file, ref in zip(files, refs):
                self.case.set_mark("event", file or "", str(ref), tags=tags, starred=starred, comment=comment)
        except (CaseError, MarkError) as exc:
            self._show_error("Could not keep the mark", str(exc))
            return False
        self.refresh_marks()
        return True

    def mark_finding(self, finding_id: str, *, tags: Iterable[str] | None = None, starred: bool | None = None,
                     comment: str | None = None) -> bool:
        if self.case is None:
            self.statusBar().showMessage(NO_CASE, 8000)
            return False
        try:
            self.case.set_mark("finding", "", finding_id, tags=tags, starred=starred, comment=comment)
        except (CaseError, MarkError) as exc:
            self._show_error("Could not keep the mark", str(exc))
            return False
        self.refresh_marks()
        return True

    # -- slots ----------------------------------------------------------------------------------------

    def _on_triage_pane_saved(self, finding_id: str) -> None:
        if self.case is not None:
            self.findings_model.set_case_view(states=self.case.states())

    def _marking_finding(self) -> str | None:
        """The selected finding's id when the findings list has the focus, else None (the events)."""
        if not self.findings_view.hasFocus():
            return None
        current = self.findings_view.currentIndex()
        return self.findings_model.finding(current.row()).id if current.isValid() else None

    def _current_mark(self) -> Mark | None:
        fid = self._marking_finding()
        if self.case is None:
            return None
        if fid is not None:
            return self.case.mark("finding", "", fid)
        rows = self.events_pane.selected_rows()
        table = self.events_pane.model.table
        if not len(rows) or table is None:
            return None
        return self.case.mark("event", table.column("file")[int(rows[0])].as_py() or "",
                              str(table.column("ref")[int(rows[0])].as_py()))

    def _apply(self, **change: Any) -> bool:
        fid = self._marking_finding()
        if fid is not None:
            return self.mark_finding(fid, **change)
        rows = self.events_pane.selected_rows()
        if not len(rows):
            self.statusBar().showMessage("Select events (or a finding) first.", 5000)
            return False
        return self.mark_events(rows, **change)

    def _on_star_action_triggered(self) -> None:
        if self.case is None:
            self.statusBar().showMessage(NO_CASE, 8000)
            return
        mark = self._current_mark()
        star = not (mark is not None and mark.starred)
        if self._apply(starred=star) and star and self._marking_finding() is None:
            self._bookmark_for_finding()
            self.statusBar().showMessage("Starred: query starred:yes to see every starred event.", 5000)

    def _bookmark_for_finding(self) -> None:
        """A starred event of a finding's evidence is also the finding's bookmark (listed in its triage)."""
        current = self.events_view.currentIndex()
        if current.isValid() and self.playbook_pane.finding is not None:
            m, row = self.events_model, current.row()
            self.triage_pane.add_bookmark(m.value(row, "file") or "", str(m.value(row, "ref")),
                                          m.value(row, "source") or "")

    def _on_tag_action_triggered(self) -> None:
        if self.case is None:
            self.statusBar().showMessage(NO_CASE, 8000)
            return
        mark = self._current_mark()
        text, ok = QInputDialog.getText(self, "Tags", "Tags, separated by commas (e.g. exfil, c2):",
                                        QLineEdit.EchoMode.Normal, mark.tags_text if mark is not None else "")
        if ok:
            try:
                tags = parse_tags(text)
            except MarkError as exc:
                self._show_error("Tags", str(exc))
                return
            self._apply(tags=tags)

    def _on_comment_action_triggered(self) -> None:
        if self.case is None:
            self.statusBar().showMessage(NO_CASE, 8000)
            return
        mark = self._current_mark()
        text, ok = QInputDialog.getMultiLineText(self, "Comment", "Your comment:",
                                                 mark.comment if mark is not None else "")
        if ok:
            self._apply(comment=text)
