"""The login map pane on the demo case: what it draws, what a click and the keys do."""

from __future__ import annotations

import numpy as np
import pytest
from geo import pacific_map

from workbench.gui.qt import QPalette, QPointF, Qt
from workbench.gui.widgets.map import LoginMapPane, MapColours, leg_text, place_text
from workbench.pipeline import analyze
from workbench.explore.worldmap import Bounds, finding_map, world_frame
from workbench.enrich.geoip import DBIP_CREDIT


@pytest.fixture(scope="module")
def demo(case_dir):
    return analyze([case_dir])


@pytest.fixture
def pane(qtbot):
    p = LoginMapPane()
    qtbot.addWidget(p)
    p.resize(800, 480)
    p.show()
    qtbot.waitExposed(p)
    return p


def _finding(analysis, check, user_part=""):
    return next(f for f in analysis.findings if f.check == check and user_part in f.title)


def _count(image, colour, tolerance=40):
    """Pixels within ``tolerance`` of ``colour`` (RGB)."""
    arr = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    arr = arr[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[:, :, :3][:, :, ::-1]  # BGRA → RGB
    want = np.array([colour.red(), colour.green(), colour.blue()])
    return int(np.count_nonzero(np.abs(arr.astype(int) - want).sum(axis=2) < tolerance))


def test_impossible_travel_draws_the_red_leg_and_names_it(pane, demo):
    finding = _finding(demo, "impossible_travel", "s.muller")
    pane.show_map(finding_map(demo, finding))
    m = pane.login_map
    assert len(m.impossible_legs) == 2
    assert "2 places" in pane.summary.caption() and "2 impossible" in pane.summary.caption()
    leg = m.impossible_legs[0]
    assert pane.legs_label.isVisible() and f"{leg.from_place} → {leg.to_place}" in pane.legs_label.caption()
    assert leg.from_place.endswith(", GB") and leg.to_place.endswith(", US")  # whatever city the database names
    speed = f"{leg.kmh:,.0f} km/h"
    assert speed in pane.legs_label.caption() and speed in finding.explanation  # the explanation says the same
    image = pane.view.grab().toImage()
    colours = MapColours(dark=False)
    assert _count(image, colours.impossible) > 200  # the legs are there, in the impossible colour
    for point, where in pane.view.place_positions():  # every place is inside the view
        assert 0 < where.x() < pane.view.width() and 0 < where.y() < pane.view.height()
    assert pane.view.labelled == 2


def test_a_map_without_impossible_legs_has_no_red(pane, demo):
    finding = _finding(demo, "password_spray")
    pane.show_map(finding_map(demo, finding))
    assert not pane.login_map.impossible_legs and not pane.legs_label.isVisible()
    assert len(pane.login_map.points) >= 3
    assert _count(pane.view.grab().toImage(), MapColours(dark=False).impossible) == 0
    assert _count(pane.view.grab().toImage(), MapColours(dark=False).failure, 60) > 20  # failed-only places: orange


def test_clicking_a_place_emits_its_logins(pane, demo, qtbot):
    finding = _finding(demo, "impossible_travel", "k.obrien")
    pane.show_map(finding_map(demo, finding))
    point, where = pane.view.place_positions()[0]
    with qtbot.waitSignal(pane.view.place_activated) as blocker:
        qtbot.mouseClick(pane.view, Qt.MouseButton.LeftButton, pos=where.toPoint())
    rows = blocker.args[0]
    assert rows == point.rows and rows
    users = demo.table.column("user").take(list(rows)).to_pylist()
    assert set(users) == {"k.obrien@acme-corp.com"}
    assert pane.view.place_at(QPointF(where.x() + 50, where.y() + 50)) is None


def test_zoom_pan_and_fit(pane, demo, qtbot):
    pane.show_map(finding_map(demo, _finding(demo, "impossible_travel", "l.nguyen")))
    fitted = pane.view.projection().bounds
    pane.view.setFocus()
    qtbot.keyClick(pane.view, Qt.Key.Key_Plus)
    zoomed = pane.view.projection().bounds
    assert zoomed.width == pytest.approx(fitted.width * 0.8)
    pane.view.pan(100, 0)
    assert pane.view.projection().bounds.west < zoomed.west
    for _ in range(40):
        pane.view.zoom(1.25)  # zooming out stops at the whole earth across
    assert pane.view.projection().bounds.width <= 360.0 + 1e-6
    qtbot.keyClick(pane.view, Qt.Key.Key_0)
    assert pane.view.projection().bounds == fitted


def test_empty_and_unlocated_maps_say_why(pane, demo):
    assert "Select a finding" in pane.summary.caption() or pane.summary.caption() == "Login map"
    assert pane.view.projection().bounds.fit(2.0) == Bounds.world()
    deploy = _finding(demo, "brute_force_success", "deploy")
    pane.show_map(finding_map(demo, deploy))
    assert "logins without location" in pane.summary.caption()


def test_texts_are_plain_and_carry_the_facts(demo):
    m = finding_map(demo, _finding(demo, "impossible_travel", "k.obrien"))
    text = place_text(m.points[0])
    assert "UTC" in text and "successful" in text and m.points[0].ips[0] in text
    leg = m.impossible_legs[0]
    assert leg_text(leg).startswith(f"k.obrien@acme-corp.com: {leg.from_place} → {leg.to_place}, ")
    assert leg.from_place.endswith(", RU") and leg.to_place.endswith(", US")


def test_dark_palette_paints_a_dark_ocean(pane, demo):
    palette = pane.palette()
    palette.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.black)
    pane.view.setPalette(palette)
    pane.show_map(finding_map(demo, _finding(demo, "impossible_travel", "s.muller")))
    image = pane.view.grab().toImage()
    dark = MapColours(dark=True)
    assert _count(image, dark.ocean, 10) > 10_000 and _count(image, dark.impossible) > 200
    assert _count(image, MapColours(dark=False).ocean, 10) == 0


def test_main_window_maps_the_selected_finding_and_a_click_filters_the_grid(window, demo, qtbot):
    window.set_analysis(demo)
    window.map_dock.show()
    qtbot.waitUntil(lambda: window.map_dock.isVisible())
    assert window.map_pane.login_map is None  # nothing selected yet: the world and a hint
    row = window.findings_model.row_of(lambda f: f.check == "impossible_travel" and "l.nguyen" in f.title)
    window.select_finding(row)
    m = window.map_pane.login_map
    assert m is not None and m.users == ("l.nguyen@acme-corp.com",) and len(m.impossible_legs) == 1
    point, where = window.map_pane.view.place_positions()[-1]
    qtbot.mouseClick(window.map_pane.view, Qt.MouseButton.LeftButton, pos=where.toPoint())
    assert window.events_model.rowCount() == len(point.rows)
    assert "on the map" in window.events_caption.caption()
    window.show_all_events()
    assert window.map_pane.login_map is None and window.events_model.rowCount() == demo.events_total
    assert window.map_action.shortcut().toString() == "Ctrl+M"


def test_hidden_map_is_drawn_when_shown(window, demo, qtbot):
    window.set_analysis(demo)
    window.map_dock.hide()
    window.select_finding(window.findings_model.row_of(lambda f: f.check == "password_spray"))
    window.map_action.trigger()
    qtbot.waitUntil(lambda: window.map_pane.login_map is not None)
    assert len(window.map_pane.login_map.users) > 3


def test_account_chooser_maps_any_account(pane, demo, qtbot):
    pane.set_analysis(demo)
    offered = [pane.account_box.itemText(i) for i in range(pane.account_box.count())]
    frame = demo.table.select(["user", "action", "lat"]).to_pandas()
    located = frame[frame["action"].isin(["auth.success", "auth.failure"]) & frame["lat"].notna()]
    counts = located["user"].value_counts()
    assert set(offered) == set(counts.index) and "s.muller@acme-corp.com" in offered
    assert counts[offered[0]] == counts.max()  # busiest first
    pane.account_box.setCurrentText("s.muller@acme-corp.com")
    pane.account_box.lineEdit().returnPressed.emit()
    m = pane.login_map
    assert m.users == ("s.muller@acme-corp.com",) and len(m.impossible_legs) == 2
    assert pane.account_box.currentText() == "s.muller@acme-corp.com"
    pane.show_map(finding_map(demo, _finding(demo, "impossible_travel", "k.obrien")))
    assert pane.account_box.currentText() == ""


def test_there_and_back_legs_are_two_lines(pane, demo):
    pane.show_map(finding_map(demo, _finding(demo, "impossible_travel", "s.muller")))
    image = pane.view.grab().toImage()
    (a, pa_), (b, pb) = [(p, w) for p, w in pane.view.place_positions()]
    mid_x, mid_y = int((pa_.x() + pb.x()) / 2), int((pa_.y() + pb.y()) / 2)
    red = MapColours(dark=False).impossible
    # along the perpendicular through the middle of the straight line, the red appears in two separate runs
    column = [_count(image.copy(mid_x - 1, y, 3, 1), red, 60) > 0 for y in range(0, image.height())]
    runs = sum(1 for i in range(1, len(column)) if column[i] and not column[i - 1])
    assert runs >= 2


def test_the_world_is_drawn_once_and_a_pacific_leg_in_one_arc(pane, qtbot):
    colours = MapColours(dark=False)
    pane.resize(1200, 420)  # wider than 2:1: the view is wider than the world
    qtbot.waitUntil(lambda: pane.view.width() > 2.2 * pane.view.height())
    pane.show_map(None)
    image = pane.view.grab().toImage()
    proj = pane.view.projection()
    left, _ = proj.project(-180.0, 0.0)
    right, _ = proj.project(180.0, 0.0)
    assert 20 < left and right < image.width() - 20
    beyond = image.copy(0, 0, int(left) - 2, image.height())  # outside the world: no land, no ocean
    assert _count(beyond, colours.land, 12) == 0 and _count(beyond, colours.ocean, 12) == 0
    assert _count(beyond, colours.beyond, 12) > 0
    assert _count(image, colours.land, 12) > 10_000
    m = pacific_map()
    pane.resize(800, 480)
    qtbot.waitUntil(lambda: pane.view.width() < 2 * pane.view.height())
    pane.show_map(m)
    image = pane.view.grab().toImage()
    red = colours.impossible
    w = image.width()
    assert _count(image, red, 60) > 300
    assert _count(image.copy(0, 0, 6, image.height()), red, 60) == 0  # no half-arc leaving an edge
    assert _count(image.copy(w - 6, 0, 6, image.height()), red, 60) == 0
    for _, where in pane.view.place_positions():
        assert 0 < where.x() < w
    sf, tokyo = [where for _, where in pane.view.place_positions()]
    assert tokyo.x() < sf.x()  # the Pacific in the middle: Japan on the left, California on the right
    view = pane.view.projection().bounds
    assert pane.view.frame() == world_frame((view.west + view.east) / 2)


def test_the_geoip_credit_shows_where_its_data_is_drawn(pane, demo, qtbot):
    pane.set_analysis(demo)
    assert pane.view.credit == DBIP_CREDIT  # the demo is located with the bundled DB-IP Lite
    pane.show_map(finding_map(demo, _finding(demo, "impossible_travel", "s.muller")))
    text = MapColours(dark=False).text
    corner = pane.view.grab().toImage()
    h, w = corner.height(), corner.width()
    assert _count(corner.copy(w - 260, h - 24, 260, 24), text, 90) > 30  # dark letters in the bottom right
    pane.view.credit = ""
    plain = pane.view.grab().toImage()
    letters = _count(corner.copy(w - 260, h - 24, 260, 24), text, 90)
    assert _count(plain.copy(w - 260, h - 24, 260, 24), text, 90) < letters / 2


def test_zooming_out_in_a_wide_pane_reaches_the_whole_world(pane, demo, qtbot):
    pane.resize(1400, 300)
    qtbot.waitUntil(lambda: pane.view.width() > 3 * pane.view.height())
    pane.show_map(finding_map(demo, _finding(demo, "impossible_travel", "s.muller")))
    for _ in range(40):
        pane.view.zoom(1.25)
    b = pane.view.projection().bounds
    assert b.height == pytest.approx(180.0) and b.width > 360.0  # pole to pole, the world once with room beside
