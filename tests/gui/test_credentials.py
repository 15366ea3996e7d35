"""The Credentials dock on the identity case: the access key created by Alice's SSO session, then used
from an IP address neither she nor the key's owner had used; a step of the chain shows its events."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.pipeline import analyze

CASE = Path(__file__).resolve().parents[1] / "data" / "identity"
KEY = "AKIAIOSFODNN7NEWKEY1"


@pytest.fixture(scope="module")
def identity_analysis(city_db):
    return analyze([CASE], geoip_dbs=[city_db])


def test_access_key_created_then_used_from_a_new_ip(qtbot, window, identity_analysis):
    window.set_analysis(identity_analysis)
    qtbot.waitUntil(lambda: window.cross_source_task is None, timeout=30_000)
    pane = window.credentials_pane
    m = pane.model
    rows = {m.rows[r][1]: r for r in range(m.rowCount())}
    assert set(rows) == {KEY, "4c8e1f2a-9b3d-4e5f-8a7b-6c5d4e3f2a1b", "SHA256:Zx9cV8bN7mL6kJ5hG4fD3sA2qW1eR0tYuIoP9lKjH6g"}
    r = rows[KEY]
    assert [m.text(r, c) for c in (0, 2, 3, 5, 6)] == ["aws access key", "svc-backup", "2024-03-11 09:30:00 UTC",
                                                       "5", "185.220.101.34"]
    assert m.text(r, 4).endswith("/alice@contoso.com")
    pane.select(r)
    steps = [(pane.steps_model.rows[i][0], pane.steps_model.rows[i][1]) for i in range(pane.steps_model.rowCount())]
    stages = [s for s, _ in steps]
    assert stages.index("before") < stages.index("created") < stages.index("used")
    created = dict(steps)["created"]
    assert f"created aws access key {KEY} for svc-backup at 2024-03-11T09:30:00+00:00 from 45.155.205.99 (RU)" \
        in created
    assert dict(steps)["used"].endswith("never used by its creator or owner before: 185.220.101.34")

    # clicking the "used" step shows every use of the key in the grid
    with qtbot.waitSignal(pane.show_rows, timeout=10_000):
        pane.show_step(stages.index("used"))
    em = window.events_model
    assert em.rowCount() == 5
    assert {em.value(i, "session_id") for i in range(5)} == {KEY}
    assert {em.value(i, "src_ip") for i in range(5)} == {"185.220.101.34"}
    assert window.events_caption.caption() == f"Every use of aws access key {KEY}: 5 events"
    # and the "created" step its creating event
    with qtbot.waitSignal(pane.show_rows, timeout=10_000):
        pane.show_step(stages.index("created"))
    assert em.rowCount() == 1 and em.value(0, "event_name") == "CreateAccessKey"
    # a step that stands for no single event says so and leaves the grid alone
    with qtbot.waitSignal(pane.message, timeout=2_000):
        assert pane.show_step(stages.index("before")) is None
    assert em.rowCount() == 1
