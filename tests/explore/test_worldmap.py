"""The login map's core: the bundled outline, the projection, and points and legs from real analyses."""

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from geo import pacific_map
from logs import T0, console_login, entra_signin, history, write_signins, write_trail

from workbench.pipeline import analyze
from workbench.explore.worldmap import (
    Bounds, Projection, account_map, finding_map, great_circle, load_outline,
    login_map, lon_span, outline_path, outline_shifts, split_at_seam, world_frame, wrap_lon,
)


def test_bundled_outline_is_small_and_covers_the_continents():
    assert outline_path().stat().st_size < 300_000
    assert (outline_path().parent / "README.md").is_file()
    outline = load_outline()
    assert len(outline.land) > 100 and len(outline.countries) > 250 and outline.borders
    for ring in outline.land + outline.countries:
        assert ring.shape[1] == 2 and np.allclose(ring[0], ring[-1], atol=1e-6)  # closed rings
    every = np.concatenate(outline.land)
    assert -182 < every[:, 0].min() <= -180 and 180 <= every[:, 0].max() < 191  # Fiji, Chukotka unwrapped
    assert -90 <= every[:, 1].min() and every[:, 1].max() <= 84  # Greenland's north, nothing above

    def inside(lon, lat):  # ray casting over all land rings
        hits = 0
        for ring in outline.land:
            x, y = ring[:, 0], ring[:, 1]
            x2, y2 = np.roll(x, -1), np.roll(y, -1)
            cross = (y > lat) != (y2 > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                xs = x + (lat - y) * (x2 - x) / (y2 - y)
            hits += int(np.count_nonzero(cross & (lon < xs)))
        return hits % 2 == 1

    assert inside(2.35, 48.86) and inside(-99.13, 19.43) and inside(151.2, -33.9) and inside(37.6, 55.75)
    assert not inside(-30.0, 30.0) and not inside(-140.0, 0.0) and not inside(80.0, -10.0)  # the oceans


def test_equirectangular_projection_and_bounds():
    proj = Projection(Bounds.world(), 720, 360)
    assert proj.project(-180, 90) == (0.0, 0.0)
    assert proj.project(0, 0) == (360.0, 180.0)
    assert proj.project(180, -90) == (720.0, 360.0)
    x, y = proj.project(np.array([-90.0, 90.0]), np.array([45.0, -45.0]))
    assert x.tolist() == [180.0, 540.0] and y.tolist() == [90.0, 270.0]
    assert proj.unproject(540.0, 270.0) == (90.0, -45.0)
    fitted = Bounds(-10, 40, 30, 60).fit(2.0)
    assert fitted.width == pytest.approx(2 * fitted.height) and fitted.west <= -10 and fitted.east >= 30
    near_pole = Bounds(-10, 70, 30, 90).fit(2.0)
    assert near_pole.north <= 90 and near_pole.south >= -90 and near_pole.height == pytest.approx(20)


def test_great_circle_goes_the_short_way_over_the_antimeridian():
    path = great_circle(170.0, 0.0, -170.0, 0.0, 11)  # 20 degrees across the date line, not 340 back
    assert path[0].tolist() == pytest.approx([170.0, 0.0])
    assert path[-1, 0] == pytest.approx(190.0) and np.all(np.diff(path[:, 0]) > 0)
    london_to_sf = great_circle(-0.13, 51.5, -122.4, 37.8, 33)
    assert london_to_sf[16, 1] > 60  # the polar route bends north of both ends


def test_map_of_impossible_travel_marks_the_leg_the_finding_cites(tmp_path, city_db):
    records = history("alice", "73.162.10.20", days=3)  # Sunnyvale every day …
    records.append(console_login("alice", T0 + timedelta(days=2, minutes=40), "45.155.205.99"))  # … then Russia
    records.append(console_login("alice", T0 + timedelta(days=2, minutes=50), "45.155.205.99", ok=False))
    records.append(console_login("bob", T0 + timedelta(hours=2), "81.2.69.160"))
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    (finding,) = [f for f in analysis.findings if f.check == "impossible_travel"]
    m = finding_map(analysis, finding)
    assert m.users == ("alice",) and m.unlocated == 0
    assert {(p.city, p.country) for p in m.points} == {("Sunnyvale", "US"), ("St Petersburg", "RU")}
    russia = next(p for p in m.points if p.country == "RU")
    assert (russia.successes, russia.failures, russia.ips, russia.users) == (1, 1, ("45.155.205.99",), ("alice",))
    assert all(analysis.table.column("user")[r].as_py() == "alice" for p in m.points for r in p.rows)
    (leg,) = m.impossible_legs
    assert (leg.from_ip, leg.to_ip, leg.from_place, leg.to_place) == \
        ("73.162.10.20", "45.155.205.99", "Sunnyvale, US", "St Petersburg, RU")
    assert leg.end - leg.start == timedelta(minutes=40)
    assert f"at least {leg.km:,.0f} km" in finding.explanation and f"{leg.kmh:,.0f} km/h" in finding.explanation
    assert leg.distance_km - leg.km == pytest.approx(100)  # twice the 50 km location uncertainty
    rows = {leg.from_row, leg.to_row}
    assert rows == set(analysis.evidence_rows(finding).tolist())
    b = m.bounds()
    assert b.west <= -122 and b.east >= 30 and b.width == pytest.approx(2 * b.height)


def test_plausible_journey_is_a_leg_but_not_impossible(tmp_path, city_db):
    records = [entra_signin("carol@contoso.com", T0, "81.2.69.160"),  # London
               entra_signin("carol@contoso.com", T0 + timedelta(hours=14), "177.37.10.20"),  # Brazil by plane
               entra_signin("carol@contoso.com", T0 + timedelta(hours=15), "10.0.0.5")]  # VPN: no location
    analysis = analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[city_db])
    m = account_map(analysis, "carol@contoso.com")
    assert len(m.points) == 2 and m.unlocated == 1
    (leg,) = m.legs
    assert not leg.impossible and leg.kmh < 1000 and leg.to_place.endswith("BR")
    assert login_map(analysis.table, ["nobody"]).points == ()


def test_no_geoip_gives_no_points_but_counts_the_logins(tmp_path):
    records = [console_login("dave", T0, "81.2.69.160"), console_login("dave", T0 + timedelta(hours=1), "45.155.205.99")]
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[])
    m = account_map(analysis, "dave")
    assert (m.points, m.legs, m.unlocated) == ((), (), 2)
    assert m.bounds() == Bounds.world()


def test_demo_case_maps_every_impossible_travel_finding():
    from workbench.paths import demo_dir

    analysis = analyze([Path(demo_dir())])
    travel = [f for f in analysis.findings if f.check == "impossible_travel"]
    assert travel
    for finding in travel:
        m = finding_map(analysis, finding)
        assert m.impossible_legs, finding.title
        assert all(f"at least {leg.km:,.0f} km" in finding.explanation for leg in m.impossible_legs)


def test_outline_lines_never_jump_across_the_map():
    outline = load_outline()
    for ring in outline.land + outline.countries + outline.borders:
        steps = np.abs(np.diff(ring[:, 0]))
        polar = ring[:, 1] == -90.0  # Antarctica closes along the pole
        jumps = steps > 180
        assert not (jumps & ~(polar[1:] & polar[:-1])).any()
    antarctica = max(outline.land, key=lambda r: -r[:, 1].min())
    assert antarctica[:, 1].min() == -90.0 and np.ptp(antarctica[:, 0]) == pytest.approx(360)
    assert max(r[:, 0].max() for r in outline.land) > 185  # Chukotka, continuous past the antimeridian


def test_split_at_seam_cuts_a_line_where_it_leaves_the_frame():
    pieces = split_at_seam(np.array([170.0, 175.0, 185.0, 190.0]), np.array([0.0, 1.0, 2.0, 3.0]), -180.0, 360.0)
    assert [p.tolist() for p in pieces] == [[[170.0, 0.0], [175.0, 1.0], [180.0, 1.5]],
                                            [[-180.0, 1.5], [-175.0, 2.0], [-170.0, 3.0]]]
    (whole,) = split_at_seam(np.array([-100.0, -50.0, 10.0]), np.array([5.0, 6.0, 7.0]), -180.0, 360.0)
    assert whole.tolist() == [[-100.0, 5.0], [-50.0, 6.0], [10.0, 7.0]]
    (moved,) = split_at_seam(np.array([200.0, 210.0]), np.array([0.0, 0.0]), -180.0, 360.0)  # all past 180
    assert moved.tolist() == [[-160.0, 0.0], [-150.0, 0.0]]
    pixels = split_at_seam(np.array([90.0, 110.0]), np.array([0.0, 10.0]), 0.0, 100.0)  # pixels: a 100 px world
    assert [p.tolist() for p in pixels] == [[[90.0, 0.0], [100.0, 5.0]], [[0.0, 5.0], [10.0, 10.0]]]


def test_lon_span_goes_across_the_antimeridian_when_shorter():
    assert lon_span([(-10.0, -10.0), (30.0, 30.0)]) == (-10.0, 30.0)
    assert lon_span([(-122.5, -122.5), (139.75, 139.75)]) == (-220.25, -122.5)  # over the Pacific: 97.75°
    assert lon_span([(170.0, 190.0)]) == (-190.0, -170.0)  # a leg over the date line, centred on it (as -180)
    assert lon_span([(-179.0, -179.0), (179.0, 179.0)]) == (-181.0, -179.0)
    assert lon_span([(0.0, 0.0), (120.0, 120.0), (-120.0, -120.0)]) == (-120.0, 120.0)  # even gaps: no crossing
    assert lon_span([]) == (-180.0, 180.0)


def test_world_frame_draws_the_outline_once():
    extent = load_outline().extent
    assert -185.0 < extent[0] < -180.0 and 185.0 < extent[1] < 195.0  # Chukotka and Fiji reach past ±180
    assert outline_shifts(world_frame(0.0), extent) == [-360.0, 0.0, 360.0]  # the bits past ±180 come round
    assert outline_shifts(world_frame(-171.4), extent) == [-360.0, 0.0]
    assert outline_shifts(world_frame(150.0), extent) == [0.0, 360.0]
    assert outline_shifts(Bounds(-10.0, 30.0, 40.0, 60.0), extent) == [0.0]  # Europe: one copy
    assert wrap_lon(139.75, -351.375) == pytest.approx(-220.25) and wrap_lon(-122.5, -351.375) == -122.5
    assert wrap_lon(np.array([180.0, -180.0]), -180.0).tolist() == [-180.0, -180.0]


def test_a_pacific_leg_is_framed_whole_and_drawn_as_one_arc():
    m = pacific_map()
    b = m.bounds()
    assert (b.west, b.east) == (-228.25, -114.5)  # Tokyo at -220.25 and San Francisco, 8° margins
    assert b.width == pytest.approx(2 * b.height)
    frame = world_frame((b.west + b.east) / 2)
    for leg in m.legs:
        line = great_circle(wrap_lon(leg.from_lon, frame.west), leg.from_lat, leg.to_lon, leg.to_lat, 64)
        (arc,) = split_at_seam(line[:, 0], line[:, 1], frame.west, 360.0)  # one piece, not two half-arcs
        assert b.west - 1e-9 <= arc[:, 0].min() and arc[:, 0].max() <= b.east + 1e-9
        assert arc[:, 1].max() > 45.0  # the great circle bows north over the Pacific
