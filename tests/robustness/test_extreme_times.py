"""Valid but extreme times (year 1, year 9999) and times that leave those years once in UTC: each record is
kept or refused on its own, and nothing downstream (timeline numbers, PDF, findings JSON, GUI paint) fails."""

import json
from datetime import datetime, timezone

import pytest

from workbench.explore import timeline
from workbench.events import TimeOutOfRange, as_utc, format_ts
from workbench.ingest import load


def _rec(when: str, i: int) -> dict:
    return {"eventVersion": "1.08", "eventTime": when, "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.9",
            "eventID": f"e{i}", "userIdentity": {"type": "IAMUser", "userName": "alice"},
            "responseElements": {"ConsoleLogin": "Failure"}, "errorMessage": "Failed authentication"}


@pytest.fixture
def extreme(tmp_path):
    records = [_rec(f"2024-03-04T10:00:{i:02d}Z", i) for i in range(20)]
    records += [_rec("0001-01-01T00:00:00Z", 100), _rec("9999-12-31T23:59:59Z", 101),
                _rec("0001-01-01T00:00:00+01:00", 102), _rec("9999-12-31T23:59:59-05:00", 103)]
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "trail.json").write_text(json.dumps({"Records": records}))
    return folder


def test_as_utc_refuses_a_time_that_leaves_the_years_in_utc_as_a_value_error():
    with pytest.raises(ValueError):
        as_utc(datetime.fromisoformat("0001-01-01T00:00:00+01:00"))
    with pytest.raises(TimeOutOfRange):
        as_utc(datetime.fromisoformat("9999-12-31T23:59:59-05:00"))
    assert as_utc(datetime(1, 1, 1)) == datetime(1, 1, 1, tzinfo=timezone.utc)
    assert format_ts(datetime(1, 1, 1)) == "0001-01-01 00:00:00 UTC"


def test_each_extreme_record_is_kept_or_refused_and_the_others_load(extreme):
    (info,) = load([extreme]).inputs
    assert info.events == 22 and info.bad_records == 2
    assert {e.split(":")[0] for e in info.errors} == {"record e102", "record e103"}
    assert all("outside the years 1 to 9999" in e for e in info.errors)
    assert info.first_ts.year == 1 and info.last_ts.year == 9999


def test_the_timeline_charts_the_bulk_and_counts_what_it_leaves_out(extreme):
    table = load([extreme]).table
    hist = timeline.table_histogram(table, group_by="outcome", max_bins=96)
    assert hist.outside == 2 and hist.totals.sum() == 20
    assert hist.step.total_seconds() <= 60 and hist.end.year == 2024


def test_report_and_findings_json_hold_the_extreme_times(extreme, tmp_path):
    from workbench.__main__ import main

    out = tmp_path / "out"
    code = main(["analyze", str(extreme), "--no-geoip", "-q", "--report", str(out / "r.pdf"),
                 "--findings-json", str(out / "f.json")])
    assert code == 3  # two records refused
    doc = json.loads((out / "f.json").read_text(encoding="utf-8"))
    assert doc["inputs"][0]["first_seen"].startswith("0001-01-01")
    assert (out / "r.pdf").stat().st_size > 1000


def test_the_gui_timeline_paints_extreme_times(extreme, qtbot):
    from workbench.gui.settings import format_ts as shown_ts, set_display_zone
    from workbench.gui.widgets.timeline import TimelineView

    table = load([extreme]).table
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(600, 90)
    view.set_histogram(timeline.table_histogram(table, group_by="outcome"), [])
    assert not view.grab().isNull()
    set_display_zone("America/New_York")
    try:
        assert shown_ts(datetime(1, 1, 1, tzinfo=timezone.utc)) == "0001-01-01 00:00:00 UTC"
    finally:
        set_display_zone("UTC")
