"""The Credentials pane: the life of every credential created in the loaded logs (:mod:`workbench.people.lineage`).

A list of credentials (kind, key, owner, created, uses, new IPs); for the selected one its chain as
plain-text steps, oldest first. A step that points at events (the creation, the uses) shows them in the
events grid when clicked.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...findings import EvidenceRef
from ...people.lineage import Credential, chain, use_rows
from ...progress import CancelToken, Progress
from ..qt import QLabel, QModelIndex, QSplitter, QVBoxLayout, QWidget, Qt, Signal
from .common import RowsModel, fit_columns, plain_text_box, run_task, table_view


def ref_rows(table: pa.Table, refs: Iterable[EvidenceRef]) -> np.ndarray:
    """Row numbers of these original records in ``table``, in time order."""
    keys = pa.array([f"{r.file}\0{r.ref}" for r in refs], pa.string())
    if not len(keys) or not table.num_rows:
        return np.empty(0, dtype=np.int64)
    joined = pc.binary_join_element_wise(table.column("file"), table.column("ref"), "\0")
    return np.flatnonzero(pc.fill_null(pc.is_in(joined, value_set=keys), False).to_numpy(zero_copy_only=False))


def step_rows(table: pa.Table, credential: Credential, stage: str, *, progress: Progress,
              cancel: CancelToken) -> np.ndarray:
    """The events a step of the chain stands for: the creating event, or every use."""
    if stage == "created":
        return ref_rows(table, [credential.created_ref] if credential.created_ref else [])
    if stage == "used":
        rows = use_rows(credential)
        return rows if len(rows) or not credential.use_refs else ref_rows(table, credential.use_refs)
    return np.empty(0, dtype=np.int64)


def _new_ips(c: Credential) -> str:
    return ", ".join(c.uses.get("new_ips") or []) or "-"


class CredentialsPane(QWidget):
    show_rows = Signal(object, str)  # row ids of the analysis table, caption
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis: Any = None
        self.model = RowsModel(("Kind", "Key", "Owner", "Created", "Created by", "Uses", "New IPs"), self)
        self.view = table_view(self.model)
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_changed)
        self.steps_model = RowsModel(("Stage", "Step"), self)
        self.steps_view = table_view(self.steps_model)
        self.steps_view.clicked.connect(self._on_steps_view_clicked)
        self.steps_view.activated.connect(self._on_steps_view_clicked)
        self.status = QLabel("No analysis loaded.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.view)
        chain_panel = QSplitter(Qt.Orientation.Vertical)
        chain_panel.addWidget(self.steps_view)
        self.chain_text = plain_text_box()  # the whole chain, wrapped, for reading
        chain_panel.addWidget(self.chain_text)
        chain_panel.setSizes([120, 200])
        splitter.addWidget(chain_panel)
        splitter.setSizes([560, 560])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)

    def set_analysis(self, analysis: Any) -> None:
        self.analysis = analysis
        creds = list(analysis.credentials or []) if analysis is not None else []
        self.model.set_rows(((c.kind.replace("_", " "), c.key_id, c.owner, c.created, c.creator,
                              int(c.uses.get("events") or 0), _new_ips(c)), c) for c in creds)
        fit_columns(self.view, 240)
        if analysis is None:
            self.status.setText("No analysis loaded.")
        else:
            fresh = sum(1 for c in creds if c.uses.get("new_ips"))
            self.status.setText(f"{len(creds)} credentials created or first seen in the loaded logs"
                                + (f"; {fresh} used from IP addresses new to their creator or owner" if fresh else "")
                                + ". Click a step to see its events.")
        if creds:
            self.select(0)
        else:
            self._show(None)

    def select(self, row: int) -> None:
        self.view.setCurrentIndex(self.model.index(row, 0))

    def current(self) -> Credential | None:
        index = self.view.currentIndex()
        return self.model.payload(index.row()) if index.isValid() else None

    def show_step(self, row: int) -> Any:
        """Show the events of the step in this row of the chain (none for a step without events)."""
        c = self.current()
        if c is None or self.analysis is None or not 0 <= row < self.steps_model.rowCount():
            return None
        stage = self.steps_model.payload(row)
        if stage not in ("created", "used"):
            self.message.emit("This step points at no single event.")
            return None
        what = f"{c.kind.replace('_', ' ')} {c.key_id or ''}".strip()
        caption = f"Creation of {what}" if stage == "created" else f"Every use of {what}"
        return run_task(step_rows, self.analysis.table, c, stage, done=lambda rows: self.show_rows.emit(rows, caption),
                        failed=self.message.emit, name="credential events")

    def _on_view_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self._show(self.current())

    def _on_steps_view_clicked(self, index: QModelIndex) -> None:
        self.show_step(index.row())

    def _show(self, credential: Credential | None) -> None:
        steps = chain(credential) if credential is not None else []
        self.steps_model.set_rows(((stage, text), stage) for stage, text in steps)
        self.steps_view.resizeColumnToContents(0)
        self.chain_text.setPlainText("\n\n".join(f"{stage}: {text}" for stage, text in steps))
