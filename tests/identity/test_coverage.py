from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import yaml

from workbench.coverage import gaps, sources
from workbench.events import TS_TYPE
from workbench.pipeline import analyze

DATA = Path(__file__).resolve().parents[1] / "data"
UTC = timezone.utc


def _table(times, source="authlog", host="web-01"):
    return pa.table({"ts": pa.array(sorted(times), TS_TYPE), "source": [source] * len(times),
                     "host": [host] * len(times)})


def _office_days(days=10, skip=None):
    """An event every 5 minutes from 08:00 to 18:00 UTC; nights are quiet."""
    start = datetime(2024, 3, 4, 8, tzinfo=UTC)
    out = []
    for d in range(days):
        t = start + timedelta(days=d)
        while t.hour < 18:
            if not (skip and skip[0] <= t < skip[1]):
                out.append(t)
            t += timedelta(minutes=5)
    return out


def test_cloudtrail_delivery_gap_is_found_and_no_other_source_has_one(analysis):
    cov = analysis.coverage
    (gap,) = cov.gaps
    assert (gap.source, gap.scope) == ("cloudtrail", "")
    assert gap.start.isoformat() == "2024-03-08T03:00:00+00:00" and gap.end.isoformat() == "2024-03-08T08:00:00+00:00"
    assert gap.hours == 5 and 40 < gap.expected_events < 70
    doc = analysis.to_json()["coverage"]
    assert doc["gaps"][0]["hours"] == 5.0
    assert any(line.startswith("cloudtrail: no events from 2024-03-08 03:00") for line in doc["not_looked_at"])
    assert "entra_audit: events only from 2024-03-11 09:20 to 2024-03-11 09:20 UTC, 0 % of the loaded time range" \
        in doc["not_looked_at"]
    by_source = {s["source"]: s for s in doc["sources"]}
    assert by_source["workspace"]["last"] == "2024-03-10T09:40:00+00:00"


def test_gap_threshold_is_relative_to_the_source_rate_and_configurable(analysis, tmp_path, city_db):
    assert gaps(analysis.table, {"min_expected_events": 80}) == []
    assert len(gaps(analysis.table, {"min_gap_minutes": 400})) == 0
    quiet_nights = _table(_office_days())
    assert gaps(quiet_nights) == []  # nights are normal for an office host: no gap
    missing = _table(_office_days(skip=(datetime(2024, 3, 8, 10, tzinfo=UTC), datetime(2024, 3, 8, 14, tzinfo=UTC))))
    (gap,) = gaps(missing)
    assert gap.scope == "web-01" and gap.start.hour == 9 and gap.end.hour == 14
    assert gaps(_table(_office_days()[:50])) == []  # too few events to know the rate
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"coverage": {"min_gap_minutes": 600}}))
    assert analyze([DATA / "identity"], geoip_dbs=[city_db], config_files=[config]).coverage.gaps == []


def test_checks_that_could_not_run_say_why(city_db):
    analysis = analyze([DATA / "authlog" / "auth.log"], geoip_dbs=[], year=2023)
    status = {c.id: c for c in analysis.coverage.checks}
    assert status["mfa_fatigue"].status == "not_run"
    assert "no Entra ID sign-in logs" in status["mfa_fatigue"].reasons[0]
    assert status["new_country"].status == "not_run" and status["new_country"].reasons == ("no GeoIP database",)
    assert status["new_credentials"].status == "not_run"
    assert "control-plane" in status["new_credentials"].reasons[0]
    assert status["token_use"].status == "not_run"
    assert status["brute_force_success"].status == "ran"
    assert status["cross_failed_signins_then_aws_console"].status == "not_run"
    doc = analysis.to_json()
    checks = {c["id"]: c for c in doc["checks"]}
    assert checks["mfa_fatigue"]["limits"] == list(status["mfa_fatigue"].reasons)
    assert checks["brute_force_success"]["limits"] == []


def test_short_time_range_limits_baseline_checks(analysis, city_db):
    status = {c.id: c.status for c in analysis.coverage.checks}
    assert status["sensitive_actions"] == "ran" and status["indicator_match"] == "not_run"
    short = analyze([DATA / "entra" / "signins_sp_portal.csv"], geoip_dbs=[city_db])
    st = {c.id: c for c in short.coverage.checks}
    assert st["sensitive_actions"].status in ("limited", "not_run")
    assert st["unusual_hours"].status == "limited"


def test_a_field_absent_in_an_export_is_named(tmp_path):
    lines = [{"eventVersion": "1.08", "eventTime": f"2024-03-04T10:0{i}:00Z", "eventSource": "s3.amazonaws.com",
              "eventName": "ListBuckets", "eventID": f"id-{i}", "userIdentity": {"type": "IAMUser", "userName": "u"},
              "sourceIPAddress": "81.2.69.20", "recipientAccountId": "111122223333"} for i in range(3)]
    import json
    path = tmp_path / "trail.json"
    path.write_text(json.dumps({"Records": lines}))
    analysis = analyze([path], geoip_dbs=[])
    (src,) = sources(analysis.table)
    assert src.source == "cloudtrail" and src.absent_fields == ("user_agent", "session_id")
