"""The Incidents view shown first after loading, each with its storyline; the findings table that sorts,
filters, groups, shows the triage state and folds near-duplicates; a title click never hides Severity."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from workbench.explore.findings_view import fold, group_key, matches
from workbench.findings import EvidenceRef, Finding
from workbench.gui.models.findings import KEYS
from PySide6.QtCore import QPoint

from workbench.gui.qt import Qt

T0 = datetime(2024, 3, 5, 10, tzinfo=timezone.utc)


def _f(check: str, hours: float, ips=(), users=(), severity="medium", title=None) -> Finding:
    start = T0 + timedelta(hours=hours)
    return Finding(check=check, title=title or f"{check} {hours}", severity=severity, techniques=("T1078",),
                   explanation="", first_seen=start, last_seen=start + timedelta(minutes=5), users=tuple(users),
                   ips=tuple(ips), evidence=(EvidenceRef("cloudtrail", "/e/a.json", f"{check}{hours}"),))


def test_near_duplicates_fold_by_check_and_ips_or_person_within_a_day():
    travel = [_f("impossible_travel", h, ips=("1.1.1.1", "2.2.2.2"), users=(f"u{h}",)) for h in (0, 5, 20, 50)]
    other_ips = _f("impossible_travel", 1, ips=("3.3.3.3", "2.2.2.2"), users=("x",))
    same_person = [_f("brute_force_success", h, users=("alice",), ips=(f"9.9.9.{h}",)) for h in (0, 2)]
    other_check = _f("new_country", 0, ips=("1.1.1.1", "2.2.2.2"))
    rows = fold([*travel, other_ips, *same_person, other_check])
    counts = sorted(r.count for r in rows)
    # 0, 5 and 20 h chain within a day of each other; 50 h is more than a day after 20 h: its own row
    assert counts == [1, 1, 1, 2, 3]
    assert [f.first_seen for f in rows[0].findings] == [T0, T0 + timedelta(hours=5), T0 + timedelta(hours=20)]
    assert matches(travel[0], text="1.1.1.1") and not matches(travel[0], min_severity="high")
    assert matches(travel[0], state="confirmed", states={travel[0].id: "confirmed"})
    assert group_key(rows[0], "check") == "impossible_travel"


@pytest.fixture
def loaded(qtbot, window, case_dir):
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.open_paths([case_dir])
    return window


def test_incidents_come_first_with_a_storyline_and_lead_to_their_findings(loaded, qtbot):
    window = loaded
    incidents = window.analysis.stories()
    assert incidents and window.left_tabs.currentWidget() is window.incidents_pane
    pane = window.incidents_pane
    assert pane.model.rowCount() == len(incidents) and pane.current() is incidents[0]
    story = pane.storyline
    assert len(story.step_rects()) == len(incidents[0].steps)  # one mark per finding of the incident
    assert incidents[0].narrative in pane.narrative.toPlainText()
    step, rect = story.step_rects()[0]
    qtbot.mouseClick(story, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert window.playbook_pane.finding is not None and window.playbook_pane.finding.id == step.finding
    pane.events_button.click()
    wanted = sum(len(f.evidence) for f in window.analysis.findings if f.id in incidents[0].findings)
    assert 0 < window.events_model.rowCount() <= wanted and "Incident" in window.events_caption.caption()


def test_the_findings_table_sorts_filters_groups_and_shows_state(loaded, qtbot):
    window = loaded
    model, bar = window.findings_model, window.findings_filter
    window.left_tabs.setCurrentIndex(1)
    col = KEYS.index("first_seen")
    model.sort(col, Qt.SortOrder.AscendingOrder)
    firsts = [model.finding(r).first_seen for r in range(model.rowCount())]
    assert firsts == sorted(firsts)
    bar.severity.setCurrentIndex(bar.severity.findData("high"))
    assert all(model.finding(r).severity in ("high", "critical") for r in range(model.rowCount()))
    bar.severity.setCurrentIndex(0)
    bar.text.setText("j.smith")
    assert model.rowCount() and all("j.smith" in " ".join(model.finding(r).users) + model.finding(r).title
                                    for r in range(model.rowCount()))
    bar.text.clear()
    bar.group.setCurrentIndex(bar.group.findData("check"))
    checks = [model.finding(r).check for r in range(model.rowCount())]
    assert checks == sorted(checks, key=str.casefold)
    assert model.index(0, KEYS.index("state")).data() == "new"
    total = sum(len(model.findings_at(r)) for r in range(model.rowCount()))
    assert total == len(window.analysis.findings)  # folded rows still hold every finding
    bar.fold.setChecked(False)
    assert model.rowCount() == len(window.analysis.findings)


def test_severity_stays_visible_after_a_title_click(loaded, qtbot):
    window = loaded
    window.left_tabs.setCurrentIndex(1)
    view = window.findings_view
    view.setColumnWidth(KEYS.index("title"), 900)  # a title far wider than the list
    qtbot.wait(20)
    rect = view.visualRect(window.findings_model.index(2, KEYS.index("title")))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 20, rect.center().y()))
    assert view.currentIndex().row() == 2
    assert view.horizontalScrollBar().value() == 0 and view.severity_visible()
