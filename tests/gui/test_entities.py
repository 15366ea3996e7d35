"""The People dock on the multi-source identity case (tests/data/identity/): one person under four names,
suggestions the analyst confirms (kept in the case), the person's events across every source in the grid."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pytest

from workbench.people.identity import case_decisions
from workbench.pipeline import analyze

CASE = Path(__file__).resolve().parents[1] / "data" / "identity"
ALICE_NAMES = {
    "alice@contoso.com (entra_signin)", "alice@contoso.com (entra_audit)", "alice@contoso.com (workspace)",
    "AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/alice@contoso.com (cloudtrail)",
}


@pytest.fixture
def identity_analysis(city_db):
    return analyze([CASE], geoip_dbs=[city_db])


def _names(pane, group=None):
    m = pane.names_model
    return {m.rows[r][1] for r in range(m.rowCount()) if group is None or m.rows[r][0] == group}


def _row_of(pane, label):
    m = pane.names_model
    return next(r for r in range(m.rowCount()) if m.rows[r][1] == label)


def _wait_idle(qtbot, window):
    qtbot.waitUntil(lambda: window.cross_source_task is None and window.entities_pane.task is None, timeout=30_000)


def test_people_dock_lists_alice_with_her_four_names_linked(qtbot, window, identity_analysis):
    window.set_analysis(identity_analysis)
    _wait_idle(qtbot, window)
    pane = window.entities_pane
    assert pane.entities_model.rows[0][:2] == ("alice@contoso.com", 4)
    assert pane.current_entity().label == "alice@contoso.com"  # the first person is selected
    assert _names(pane, "exact") == ALICE_NAMES
    assert {pane.names_model.rows[r][3] for r in range(4)} == {"same e-mail address: alice@contoso.com"}
    # the Linux accounts named alice are only suggested, never applied without the analyst
    assert _names(pane, "suggested") == {"alice on bastion-01 (authlog)", "alice on web-01 (authlog)",
                                          "alice on web-02 (authlog)", "alice on web-03 (authlog)"}
    profile = pane.profile.toPlainText()
    assert "Usual countries: GB (21)\n" in profile and "IP addresses: 81.2.69.20 (21)" in profile
    assert "not counted as usual above): 4 events; countries RU (4); IP addresses 45.155.205.99 (4)" in profile
    assert "Usual hours (UTC): 08, 09" in profile
    # the findings naming her; clicking one selects it in the findings list
    titles = [pane.findings_model.rows[r][1] for r in range(pane.findings_model.rowCount())]
    entity = pane.current_entity()
    assert len(titles) == len(entity.findings) >= 5  # the findings the identity layer says involve her
    assert set(titles) == {f.title for f in identity_analysis.findings if f.id in entity.findings}
    pane._on_findings_view_activated(pane.findings_model.index(0, 0))
    assert window.playbook_pane.finding is not None and window.playbook_pane.finding.id == pane.findings_model.payload(0)

    # every event of the person, across her four sources, in time order in the grid
    with qtbot.waitSignal(pane.show_rows, timeout=10_000):
        pane.events_button.click()
    model = window.events_model
    assert model.rowCount() == 25
    sources = {model.value(r, "source") for r in range(model.rowCount())}
    assert sources == {"cloudtrail", "entra_audit", "entra_signin", "workspace"}
    ts = [model.value(r, "ts") for r in range(model.rowCount())]
    assert ts == sorted(ts)
    assert window.events_caption.caption().startswith("Every event of alice@contoso.com")
    assert window.show_all_action.isEnabled()


def test_confirming_a_suggestion_relinks_and_is_kept_in_the_case(qtbot, window, identity_analysis, tmp_path):
    from workbench.gui.main_window import MainWindow

    window.set_analysis(identity_analysis, [str(CASE)])
    assert window.new_case(tmp_path / "case") is not None
    qtbot.waitUntil(lambda: window.case is not None and not window.busy, timeout=30_000)
    _wait_idle(qtbot, window)
    pane = window.entities_pane
    pane.names_view.setCurrentIndex(pane.names_model.index(_row_of(pane, "alice on bastion-01 (authlog)"), 0))
    assert pane.confirm_button.isEnabled()
    with qtbot.waitSignal(pane.relinked, timeout=30_000):
        pane.confirm_button.click()
    assert pane.current_entity().label == "alice@contoso.com"  # still her, now with the Linux account
    assert "alice on bastion-01 (authlog)" in _names(pane, "confirmed")
    assert pane.entities_model.rows[0][:3] == ("alice@contoso.com", 5, "authlog, cloudtrail, entra_audit, "
                                                                        "entra_signin, workspace")
    assert pane.current_entity().sources["authlog"] == 14
    saved = case_decisions(window.case)
    assert [(d.decision, {d.a, d.b}) for d in saved] == [
        ("confirm", {"authlog|bastion-01|alice",
                     "cloudtrail||AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/alice@contoso.com"})]

    # rejecting a name joined by exact links splits it off: every link to her other names is rejected
    pane.names_view.setCurrentIndex(pane.names_model.index(_row_of(pane, "alice@contoso.com (workspace)"), 0))
    with qtbot.waitSignal(pane.relinked, timeout=30_000):
        pane.reject_button.click()
    assert pane.current_entity().label == "alice@contoso.com" and len(pane.current_entity().names) == 4
    assert "alice@contoso.com (workspace)" in _names(pane, "rejected")
    assert pane.entity_of_name("workspace||alice@contoso.com").names == ("workspace||alice@contoso.com",)
    saved = case_decisions(window.case)
    assert len(saved) == 4 and sum(d.decision == "reject" and "workspace||alice@contoso.com" in (d.a, d.b)
                                   for d in saved) == 3

    # another window opening the case shows the people as the analyst left them
    folder = window.case.folder
    window.set_case(None)
    second = MainWindow()
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.loaded, timeout=60_000):
        second.open_case_folder(folder)
    _wait_idle(qtbot, second)
    alice = second.entities_pane.entity_of_name("authlog|bastion-01|alice")
    assert alice is not None and "entra_signin||alice@contoso.com" in alice.names
    assert "workspace||alice@contoso.com" not in alice.names
    second.set_case(None)


def test_adding_a_link_without_a_case_joins_names_for_this_session(qtbot, window, identity_analysis):
    window.set_analysis(identity_analysis)
    _wait_idle(qtbot, window)
    pane = window.entities_pane
    bob = next(i for i, row in enumerate(pane.entities_model.rows) if row[0] == "bob@contoso.com")
    pane.entities_view.setCurrentIndex(pane.entities_model.index(bob, 0))
    with qtbot.waitSignal(pane.relinked, timeout=30_000):
        pane.add_link("cloudtrail||svc-backup", "bob runs the backups")
    assert pane.current_entity().label == "bob@contoso.com"
    assert "svc-backup (cloudtrail)" in _names(pane, "confirmed")
    row = pane.names_model.rows[_row_of(pane, "svc-backup (cloudtrail)")]
    assert row[3] == "added by the analyst: bob runs the backups"
    assert "open or create a case" in pane.status.text()


def test_person_events_come_from_every_source_after_confirming(qtbot, window, identity_analysis):
    window.set_analysis(identity_analysis)
    _wait_idle(qtbot, window)
    pane = window.entities_pane
    for label in ("alice on bastion-01 (authlog)", "alice on web-02 (authlog)"):
        pane.names_view.setCurrentIndex(pane.names_model.index(_row_of(pane, label), 0))
        with qtbot.waitSignal(pane.relinked, timeout=30_000):
            pane.confirm_button.click()
    with qtbot.waitSignal(pane.show_rows, timeout=10_000) as blocker:
        pane.show_entity_events()
    rows = blocker.args[0]
    hosts = set(identity_analysis.table.column("host").take(rows).to_pylist())
    assert {"bastion-01", "web-02"} <= hosts and "web-01" not in hosts
    assert len(rows) == 25 + 14 + 3 == window.events_model.rowCount()
    assert set(pc.unique(identity_analysis.table.column("source").take(rows)).to_pylist()) >= {"authlog", "workspace"}


def test_log_fields_with_markup_show_literally_in_the_new_docks(qtbot, window):
    from gui_cases import EVIL, markup_analysis

    from workbench.gui.qt import QLabel, Qt

    window.set_analysis(markup_analysis())
    _wait_idle(qtbot, window)
    pane = window.entities_pane
    labels = [pane.entities_model.rows[r][0] for r in range(pane.entities_model.rowCount())]
    assert f"{EVIL} (cloudtrail)" in labels
    evil = labels.index(f"{EVIL} (cloudtrail)")
    pane.entities_view.setCurrentIndex(pane.entities_model.index(evil, 0))
    assert pane.entities_model.index(evil, 0).data() == f"{EVIL} (cloudtrail)"
    assert pane.profile.toPlainText().startswith(f"{EVIL} (cloudtrail)\n")
    assert pane.findings_model.rows[0][1] == f"Brute force then success: {EVIL}"
    for dock in window.cross_source_docks:
        for label in dock.widget().findChildren(QLabel):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    assert [a.shortcut().toString() for a in (window.people_action, window.credentials_action,
                                              window.coverage_action)] == \
        ["Ctrl+Shift+P", "Ctrl+Shift+K", "Ctrl+Shift+G"]


def test_add_link_dialog_offers_only_names_outside_the_person(qtbot, window, identity_analysis):
    from workbench.gui.widgets.entities import AddLinkDialog

    window.set_analysis(identity_analysis)
    _wait_idle(qtbot, window)
    pane = window.entities_pane
    alice = pane.current_entity()
    dialog = AddLinkDialog(pane.identities, alice, pane)
    qtbot.addWidget(dialog)
    keys = [dialog.combo.itemData(i) for i in range(dialog.combo.count())]
    assert len(keys) == len(pane.identities.names) - 4 and not set(keys) & set(alice.names)
    assert "authlog|bastion-01|alice" in keys
    assert dialog.combo.itemText(keys.index("authlog|bastion-01|alice")) == "alice on bastion-01 (authlog)"
