"""The Coverage dock on the identity case: the checks that could not run and why, the sources with their
time ranges, and the CloudTrail delivery gap of 2024-03-08."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from workbench.pipeline import analyze

CASE = Path(__file__).resolve().parents[1] / "data" / "identity"


@pytest.fixture(scope="module")
def identity_analysis(city_db):
    return analyze([CASE], geoip_dbs=[city_db])


def test_coverage_shows_the_cloudtrail_gap_and_the_checks_not_run(qtbot, window, identity_analysis):
    window.set_analysis(identity_analysis)
    qtbot.waitUntil(lambda: window.cross_source_task is None, timeout=30_000)
    pane = window.coverage_pane
    gaps = pane.gaps_model
    assert gaps.rowCount() == 1
    assert [gaps.text(0, c) for c in range(5)] == ["cloudtrail", "-", "2024-03-08 03:00:00 UTC",
                                                   "2024-03-08 08:00:00 UTC", "5.0"]
    assert pane.tabs.tabText(2) == "Gaps (1)"
    checks = pane.checks_model
    assert checks.rows[0] == ("not run", "Analyst indicators", "no indicator files given (--indicators)")
    assert {checks.rows[r][0] for r in range(1, checks.rowCount())} == {"ran"}
    sources = {pane.sources_model.rows[r][0]: pane.sources_model.rows[r] for r in range(pane.sources_model.rowCount())}
    assert set(sources) == {"authlog", "cloudtrail", "entra_audit", "entra_signin", "workspace"}
    assert sources["cloudtrail"][1] == 2117
    assert sources["cloudtrail"][2] == datetime(2024, 3, 4, tzinfo=timezone.utc)
    summary = pane.summary.toPlainText()
    assert "cloudtrail: no events from 2024-03-08 03:00 to 2024-03-08 08:00 UTC (5.0 h" in summary
    assert "1 checks ran" not in pane.status.text() and "1 gap in time" in pane.status.text()

    # a gap shows the source's events an hour either side of it
    with qtbot.waitSignal(pane.show_rows, timeout=10_000):
        pane.show_gap(0)
    em = window.events_model
    times = [em.value(r, "ts") for r in range(em.rowCount())]
    assert em.rowCount() > 0 and {em.value(r, "source") for r in range(em.rowCount())} == {"cloudtrail"}
    assert min(times) >= datetime(2024, 3, 8, 2, tzinfo=timezone.utc)
    assert max(times) <= datetime(2024, 3, 8, 9, tzinfo=timezone.utc)
    assert not [t for t in times if datetime(2024, 3, 8, 3, tzinfo=timezone.utc) < t
                < datetime(2024, 3, 8, 8, tzinfo=timezone.utc)]
