"""The People pane: one person across every source (:mod:`workbench.people.identity`).

The list of entities (label, names, sources, events, findings); for the selected one its names grouped
as exact / confirmed / suggested / rejected links with Confirm, Reject and Add link (saved in the open
case, then the names are resolved again off the UI thread), its profile, the findings naming it, and
a button that shows every event of the person in the events grid.

Every log-derived string is model data or plain text: never rich text.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

import numpy as np

from ...pipeline import complete, relink
from ...people.identity import Entity, Identities, Link, LinkDecision, case_decisions, record_decision
from ...progress import CancelToken, Progress
from ..qt import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QModelIndex, QPushButton,
    QSplitter, QTabWidget, QVBoxLayout, QWidget, Qt, Signal,
)
from ..settings import format_ts
from ..tasks import Task
from .common import RowsModel, fit_columns, plain_text_box, run_task, table_view

# -- work done off the UI thread ---------------------------------------------------------------------------


def cross_source(analysis: Any, decisions: list[LinkDecision] | None = None, *, progress: Progress,
                 cancel: CancelToken) -> Any:
    """Entities, credentials and coverage of ``analysis`` (computed when it came without them, e.g. a
    case saved by an older version), with the case's link decisions applied when they differ."""
    progress(0, 1, "people, credentials and coverage")
    complete(analysis)
    if decisions is not None and [d.to_dict() for d in decisions] != \
            [d.to_dict() for d in analysis.identities.decisions]:
        relink(analysis, decisions)
    return analysis


def _relink(analysis: Any, decisions: list[LinkDecision], *, progress: Progress, cancel: CancelToken) -> Identities:
    progress(0, 1, "resolving identities")
    return relink(analysis, decisions)


def _entity_rows(identities: Identities, table: Any, entity_id: str, *, progress: Progress,
                 cancel: CancelToken) -> np.ndarray:
    return identities.rows(table, entity_id)


# -- names of an entity, grouped ------------------------------------------------------------------------------

GROUPS = ("exact", "confirmed", "suggested", "rejected")


def name_rows(ids: Identities, entity: Entity) -> list[tuple[str, str, Link | None]]:
    """(group, name key, the link that puts it there) for the entity's names and the names suggested or
    rejected towards it: exact (joined by a rule that names one account), confirmed (by the analyst's
    confirmation or own link), suggested (same local part, undecided), rejected."""
    mine = set(entity.names)
    out: list[tuple[str, str, Link | None]] = []
    for key in entity.names:
        links = [link for link in entity.links if link.applied and key in (link.a, link.b)
                 and link.a in mine and link.b in mine]
        exact = next((link for link in links if link.kind == "exact"), None)
        other = next((link for link in links if link.kind != "exact"), None)
        if exact is None and other is not None:
            out.append(("confirmed", key, other))
        else:
            out.append(("exact", key, exact))
    seen: set[str] = set()
    for link in entity.links:
        if link.applied or (link.a in mine and link.b in mine):
            continue  # a rejected pair still joined through other links is a conflict (in the profile)
        outside = link.b if link.a in mine else link.a
        if outside in seen:
            continue  # one row per name (a name split off has a rejected link to each of the others)
        seen.add(outside)
        group = "rejected" if link.decision == "rejected" else "suggested"
        out.append((group, outside, link))
    out.sort(key=lambda r: (GROUPS.index(r[0]), r[1]))
    return out


def _pairs(items: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{v} ({n:,})" for v, n in items) or "-"


def profile_text(entity: Entity) -> str:
    """The entity's profile as plain text."""
    lines = [entity.label, f"{entity.events:,} events from {format_ts(entity.first_seen) or '-'} "
                           f"to {format_ts(entity.last_seen) or '-'}",
             "Sources: " + _pairs(sorted(entity.sources.items(), key=lambda kv: -kv[1])), ""]
    for kind, values in sorted(entity.identifiers.items()):
        lines.append(f"{kind.replace('_', ' ')}: {', '.join(values)}")
    lines += ["", f"Usual countries: {_pairs(entity.countries)}", f"IP addresses: {_pairs(entity.ips)}",
              f"User agents: {_pairs(entity.user_agents)}", f"Hosts and accounts: {_pairs(entity.hosts)}",
              f"Client apps: {_pairs(entity.client_apps)}",
              "Usual hours (UTC): " + (", ".join(f"{h:02d}" for h in entity.usual_hours) or "-")]
    if entity.flagged_events:
        lines += ["", f"Flagged activity (findings' evidence, not counted as usual above): {entity.flagged_events:,} "
                  f"events; countries {_pairs(entity.flagged_countries)}; IP addresses {_pairs(entity.flagged_ips)}"]
    if entity.conflicts:
        lines.append("Rejected links still joined through other links: "
                     + "; ".join(f"{a} / {b}" for a, b in entity.conflicts))
    return "\n".join(lines)


class AddLinkDialog(QDialog):
    """Pick a name to join to the entity, with an optional note."""

    def __init__(self, ids: Identities, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a link")
        self.combo = QComboBox()
        for key in sorted(k for k in ids.names if k not in set(entity.names)):
            self.combo.addItem(ids.names[key].label, key)
        self.combo.setEditable(False)
        self.note = QLineEdit()
        self.note.setPlaceholderText("why they are the same person (kept in the case)")
        form = QFormLayout(self)
        label = QLabel(f"Join to {entity.label}:")
        label.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow(label)
        form.addRow("Name", self.combo)
        form.addRow("Note", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class EntitiesPane(QWidget):
    """Entities of the analysis and the selected one's names, profile and findings."""

    show_rows = Signal(object, str)  # row ids of the analysis table, caption
    finding_activated = Signal(str)  # a finding id
    relinked = Signal()  # the entities were resolved again after a decision
    message = Signal(str)  # one line for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analysis: Any = None
        self.identities: Identities | None = None
        self.case: Any = None
        self.decisions: list[LinkDecision] = []
        self.task: Task | None = None
        self._pending_keep = ""
        self.entities_model = RowsModel(("Person", "Names", "Sources", "Events", "Findings"), self)
        self.entities_view = table_view(self.entities_model)
        self.entities_view.selectionModel().currentRowChanged.connect(self._on_entities_current_changed)
        self.names_model = RowsModel(("Link", "Name", "Events", "Why"), self)
        self.names_view = table_view(self.names_model)
        self.names_view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.confirm_button = QPushButton("Confirm")
        self.confirm_button.setToolTip("The selected suggested link is the same person (kept in the case)")
        self.confirm_button.clicked.connect(lambda: self.decide_selected("confirm"))
        self.reject_button = QPushButton("Reject")
        self.reject_button.setToolTip("The selected name is not this person (kept in the case)")
        self.reject_button.clicked.connect(lambda: self.decide_selected("reject"))
        self.add_button = QPushButton("Add link…")
        self.add_button.setToolTip("Join another name to this person")
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.events_button = QPushButton("Show all events of this person")
        self.events_button.clicked.connect(self.show_entity_events)
        self.profile = plain_text_box()
        self.findings_model = RowsModel(("Severity", "Finding", "First seen"), self)
        self.findings_view = table_view(self.findings_model)
        self.findings_view.activated.connect(self._on_findings_view_activated)
        self.findings_view.clicked.connect(self._on_findings_view_activated)
        self.status = QLabel("No analysis loaded.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)

        names_panel = QWidget()
        names_layout = QVBoxLayout(names_panel)
        names_layout.setContentsMargins(0, 0, 0, 0)
        names_layout.addWidget(self.names_view, 1)
        buttons = QHBoxLayout()
        for button in (self.confirm_button, self.reject_button, self.add_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.events_button)
        names_layout.addLayout(buttons)
        self.tabs = QTabWidget()
        self.tabs.addTab(names_panel, "Names")
        self.tabs.addTab(self.profile, "Profile")
        self.tabs.addTab(self.findings_view, "Findings")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.entities_view)
        splitter.addWidget(self.tabs)
        splitter.setSizes([420, 700])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # -- what the main window (and the tests) call --------------------------------------------

    def set_analysis(self, analysis: Any, case: Any = None) -> None:
        """Show the entities of an analysis whose :func:`~workbench.pipeline.complete` is done."""
        self.analysis = analysis
        self.case = case
        self.decisions = list(analysis.identities.decisions) if analysis is not None and analysis.identities else []
        self.set_identities(analysis.identities if analysis is not None else None)

    def set_case(self, case: Any) -> None:
        """Keep decisions in ``case`` from now on (those made before it existed are saved in it too)."""
        self.case = case
        if case is not None and self.decisions and not case_decisions(case):
            for d in self.decisions:
                record_decision(case, d)
        if self.identities is not None:
            self.set_identities(self.identities)

    def set_identities(self, identities: Identities | None, keep: str | None = None) -> None:
        keep = keep or self.current_entity_id()
        self.identities = identities
        rows = []
        for e in identities.entities if identities else ():
            rows.append(((e.label, len(e.names), ", ".join(sorted(e.sources)), e.events, len(e.findings)), e.id))
        self.entities_model.set_rows(rows)
        fit_columns(self.entities_view, 200)
        if identities is None:
            self.status.setText("No analysis loaded.")
        else:
            pending = len(identities.suggestions())
            self.status.setText(f"{len(identities.entities):,} people from {len(identities.names):,} names; "
                                f"{pending} suggested links to decide"
                                + ("" if self.case is not None else " (open or create a case to keep decisions)"))
        ids = self.entities_model.payloads
        self.select_entity(keep if keep in ids else (ids[0] if ids else None))

    def select_entity(self, entity_id: str | None) -> None:
        if entity_id is None or entity_id not in self.entities_model.payloads:
            self.entities_view.selectionModel().clear()
            self._show_entity(None)
            return
        index = self.entities_model.index(self.entities_model.payloads.index(entity_id), 0)
        self.entities_view.setCurrentIndex(index)
        self.entities_view.scrollTo(index)

    def current_entity_id(self) -> str | None:
        index = self.entities_view.currentIndex()
        return self.entities_model.payload(index.row()) if index.isValid() else None

    def current_entity(self) -> Entity | None:
        eid = self.current_entity_id()
        return self.identities.entity(eid) if self.identities and eid else None

    def entity_of_name(self, key: str) -> Entity | None:
        eid = self.identities.entity_of.get(key) if self.identities else None
        return self.identities.entity(eid) if eid else None

    def decide(self, a: str, b: str, decision: str, note: str = "") -> Task | None:
        """Confirm, reject or add the link between two name keys: saved in the case when one is open, then
        the names are resolved again off the UI thread (:attr:`relinked` follows)."""
        return self.decide_pairs([(a, b)], decision, note)

    def decide_pairs(self, pairs: list[tuple[str, str]], decision: str, note: str = "",
                     removed: str = "") -> Task | None:
        """Decide on several pairs at once (``removed``: the name being split off the selected entity)."""
        if self.analysis is None or self.task is not None or not pairs:
            return None
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        for a, b in pairs:
            d = LinkDecision(a, b, decision, note, at=at)
            if self.case is not None:
                self.decisions = record_decision(self.case, d)
            else:
                self.decisions = [x for x in self.decisions if x.pair != d.pair] + [d]
        entity = self.current_entity()
        mine = set(entity.names) if entity else set()
        # the entity to show afterwards: the one holding the selected person's other names
        a, b = pairs[0]
        self._pending_keep = next((k for k in sorted(mine) if k != removed), "") if removed \
            else (a if a in mine else b)
        analysis = self.analysis
        self.task = run_task(_relink, analysis, list(self.decisions),
                             done=lambda ids: self._on_relink_finished(ids, analysis),
                             failed=self._on_relink_failed, name="relink")
        self._update_buttons()
        return self.task

    def decide_selected(self, decision: str) -> Task | None:
        entity = self.current_entity()
        index = self.names_view.currentIndex()
        if entity is None or not index.isValid():
            return None
        group, key, link = self.names_model.payload(index.row())
        if decision == "reject" and group in ("exact", "confirmed"):
            # this name is not the person: every applied link between it and the entity's other names
            mine = set(entity.names)
            pairs = [(x.a, x.b) for x in entity.links if x.applied and key in (x.a, x.b)
                     and x.a in mine and x.b in mine]
            return self.decide_pairs(pairs, "reject", removed=key)
        if link is None:
            return None
        return self.decide(link.a, link.b, decision)

    def add_link(self, other_key: str, note: str = "") -> Task | None:
        """Join the name ``other_key`` to the selected entity (the analyst's own link)."""
        entity = self.current_entity()
        if entity is None or not entity.names or other_key in entity.names:
            return None
        return self.decide(entity.names[0], other_key, "add", note)

    def show_entity_events(self) -> Task | None:
        """Every event of the selected person across all sources, in time order, in the events grid."""
        entity = self.current_entity()
        if entity is None or self.analysis is None:
            return None
        caption = f"Every event of {entity.label} ({len(entity.names)} names, {len(entity.sources)} sources)"
        return run_task(_entity_rows, self.identities, self.analysis.table, entity.id,
                        done=lambda rows: self.show_rows.emit(rows, caption), failed=self.message.emit,
                        name="entity events")

    # -- slots --------------------------------------------------------------------------------

    def _on_entities_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self._show_entity(self.current_entity() if current.isValid() else None)

    def _on_findings_view_activated(self, index: QModelIndex) -> None:
        fid = self.findings_model.payload(index.row())
        if fid:
            self.finding_activated.emit(fid)

    def _on_add_button_clicked(self) -> None:
        entity = self.current_entity()
        if entity is None or self.identities is None:
            return
        dialog = AddLinkDialog(self.identities, entity, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.combo.currentData():
            self.add_link(dialog.combo.currentData(), dialog.note.text().strip())

    def _on_relink_finished(self, identities: Identities, analysis: Any = None) -> None:
        self.task = None
        if analysis is not self.analysis:
            self._update_buttons()
            return  # another analysis is shown now
        keep = self.identities.entity_of.get(self._pending_keep) if self.identities else None
        new_keep = identities.entity_of.get(self._pending_keep)
        self.set_identities(identities, keep=new_keep or keep)
        self.message.emit("Identity links resolved again" + (" and saved in the case." if self.case else "."))
        self.relinked.emit()

    def _on_relink_failed(self, reason: str) -> None:
        self.task = None
        self._update_buttons()
        self.message.emit(f"Could not resolve the identities again: {reason}")

    # -- helpers ------------------------------------------------------------------------------

    def _show_entity(self, entity: Entity | None) -> None:
        if entity is None or self.identities is None:
            self.names_model.set_rows([])
            self.profile.setPlainText("")
            self.findings_model.set_rows([])
            self._update_buttons()
            return
        rows = []
        for group, key, link in name_rows(self.identities, entity):
            name = self.identities.names.get(key)
            label = name.label if name else key
            why = f"{link.rule}{': ' + link.value if link.value else ''}" if link else "-"
            rows.append(((group, label, name.events if name else 0, why), (group, key, link)))
        self.names_model.set_rows(rows)
        fit_columns(self.names_view, 360)
        self.profile.setPlainText(profile_text(entity))
        by_id = {f.id: f for f in self.analysis.findings} if self.analysis is not None else {}
        self.findings_model.set_rows(((by_id[f].severity, by_id[f].title, by_id[f].first_seen), f)
                                     for f in entity.findings if f in by_id)
        fit_columns(self.findings_view, 420)
        self.tabs.setTabText(2, f"Findings ({len(entity.findings)})")
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = self.task is None and self.analysis is not None
        index = self.names_view.currentIndex()
        payload = self.names_model.payload(index.row()) if index.isValid() else None
        group = payload[0] if payload else None
        link = payload[2] if payload else None
        self.confirm_button.setEnabled(idle and link is not None and group in ("suggested", "rejected"))
        self.reject_button.setEnabled(idle and link is not None and group in ("exact", "confirmed", "suggested"))
        has_entity = self.current_entity() is not None
        self.add_button.setEnabled(idle and has_entity)
        self.events_button.setEnabled(self.analysis is not None and has_entity)
