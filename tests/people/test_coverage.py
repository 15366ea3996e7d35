from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import yaml

from workbench.checks.coverage import gaps, sources
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


def _three_weeks(outage=None, surge=None):
    """Three weeks from Monday 2024-03-04: on weekdays an event every 2 minutes from 08:00 to 18:00 UTC, nights
    silent, weekends silent; ``surge``: the start of one hour with 3,000 extra events; ``outage``: (start, end)
    without events."""
    start = datetime(2024, 3, 4, tzinfo=UTC)
    out = []
    for d in range(21):
        day = start + timedelta(days=d)
        if day.weekday() >= 5:
            continue
        t = day.replace(hour=8)
        while t.hour < 18:
            if not (outage and outage[0] <= t < outage[1]):
                out.append(t)
            t += timedelta(minutes=2)
    if surge:
        out += [surge + timedelta(seconds=i) for i in range(3000)]
    return out


def test_quiet_weekends_and_one_surge_make_no_gap_and_a_six_hour_outage_is_one():
    surge = datetime(2024, 3, 13, 2, tzinfo=UTC)  # a Wednesday night, week two
    assert gaps(_table(_three_weeks(surge=surge))) == []  # no weekend, no night is a gap
    outage = (datetime(2024, 3, 14, 10, tzinfo=UTC), datetime(2024, 3, 14, 16, tzinfo=UTC))  # Thursday, week two
    (gap,) = gaps(_table(_three_weeks(outage=outage, surge=surge)))
    assert gap.start == datetime(2024, 3, 14, 9, 58, tzinfo=UTC) and gap.end == outage[1]
    assert 175 <= gap.expected_events <= 185  # 6 h at the usual 30 events an hour of a Thursday daytime
    # the same outage on a Saturday, when the source is always quiet, is no gap
    saturday = (datetime(2024, 3, 16, 10, tzinfo=UTC), datetime(2024, 3, 16, 16, tzinfo=UTC))
    assert gaps(_table(_three_weeks(outage=saturday, surge=surge))) == []


def test_on_a_keys_only_ssh_server_the_login_checks_that_could_not_run_are_not_counted_as_ran(tmp_path):
    """Public-key logons and sudo only: no failed logins, no GeoIP, no cloud logs. The checks' "ran" and the
    coverage section agree, for the findings JSON and the report's "N of M checks ran"."""
    lines = []
    for d in range(14):
        for h in (9, 13, 17):
            t = datetime(2024, 3, 4, h, 5, tzinfo=UTC) + timedelta(days=d)
            lines.append(f"{t.isoformat()} app-01 sshd[{4000 + d * 10 + h}]: Accepted publickey for deploy from "
                         f"10.0.4.12 port {50000 + h} ssh2: ED25519 SHA256:pQ2nX3rH8mVb1k9eYtL0sZc4wUa7dGf6jR5iTo2nMq8")
            lines.append(f"{(t + timedelta(minutes=1)).isoformat()} app-01 sudo:   deploy : TTY=pts/0 ; PWD=/srv ; "
                         "USER=root ; COMMAND=/usr/bin/systemctl restart app")
    log = tmp_path / "auth.log"
    log.write_text("\n".join(lines) + "\n")
    analysis = analyze([log], geoip_dbs=[])
    coverage = {c.id: c for c in analysis.coverage.checks}
    for check in analysis.checks:
        assert check.ran == (coverage[check.id].status != "not_run"), check.id
    ran = {c.id for c in analysis.checks if c.ran}
    assert {"brute_force_success", "password_spray", "mfa_fatigue", "new_country"}.isdisjoint(ran)
    assert "unusual_hours" in ran and len(ran) < len(analysis.checks)
    brute = next(c for c in analysis.checks if c.id == "brute_force_success")
    assert brute.reason == "no failed logins in the data"
    doc = {c["id"]: c for c in analysis.to_json()["checks"]}
    assert doc["brute_force_success"]["ran"] is False and doc["unusual_hours"]["ran"] is True
