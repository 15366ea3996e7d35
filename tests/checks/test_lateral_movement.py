"""Lateral movement by novelty: routine fan-out is not a finding, a first-time fan-out is."""

from datetime import timedelta

from logs import T0, sshd_accept, write_lines

from workbench.pipeline import analyze

T = T0.replace(month=5, hour=9)  # Monday 6 May 2024, 09:00 UTC


def _lateral(lines, tmp_path):
    analysis = analyze([write_lines(tmp_path / "auth.log", lines)], year=2024, geoip_dbs=[])
    return [f for f in analysis.findings if f.check == "lateral_movement"], analysis


def _ops_days(days=5):
    """An engineer through the bastion to 10 of its 12 hosts every working day; the backup account to all
    twelve every night."""
    lines = []
    for d in range(days):
        for i in range(10):
            lines.append(sshd_accept(T + timedelta(days=d, minutes=12 * i), "ops", "10.10.0.5", f"web-{(i + d) % 12:02d}"))
        for i in range(12):
            lines.append(sshd_accept(T.replace(hour=2) + timedelta(days=d, minutes=i), "svc-backup", "10.10.0.8",
                                     f"web-{i:02d}"))
    return lines


def test_routine_bastion_fan_out_and_nightly_backups_are_not_findings(tmp_path):
    found, _ = _lateral(_ops_days(), tmp_path)
    assert found == []


def test_a_first_time_four_host_fan_out_is(tmp_path):
    lines = _ops_days()
    for d in range(5):  # a developer's own box, every day
        lines.append(sshd_accept(T + timedelta(days=d, hours=1), "dev", "10.10.2.9", "dev-01"))
    fan = [sshd_accept(T + timedelta(days=5, hours=3, minutes=5 * i), "dev", "10.10.2.9", f"db-{i:02d}")
           for i in range(4)]
    found, _ = _lateral(lines + fan, tmp_path)
    (f,) = found
    assert f.users == ("dev",) and f.severity == "high" and f.facts["new_hosts"] == 4
    assert f.facts["usual_daily_hosts"] == 1 and f.facts["new_for_peers"] == 4 and f.techniques == ("T1021", "T1021.004")
    assert [e.ref for e in f.evidence] == [str(n) for n in range(len(lines) + 1, len(lines) + 5)]
    assert "4 of them are new for the account (its 5 logons to 1 hosts over 5 days before)" in f.explanation
    assert "a larger fan-out than its busiest earlier day (4 hosts against 1)" in f.explanation


def test_an_engineer_reaching_new_hosts_from_a_new_source_at_night(tmp_path):
    lines = _ops_days()
    fan = [sshd_accept(T.replace(hour=3) + timedelta(days=5, minutes=3 * i), "ops", "10.10.3.3", f"db-{i:02d}")
           for i in range(3)]
    found, _ = _lateral(lines + fan, tmp_path)
    (f,) = found
    assert f.users == ("ops",) and f.severity == "high" and f.facts["new_sources"] == ["10.10.3.3"]
    assert f.facts["odd_hour"] and f.facts["usual_daily_hosts"] == 10 and f.facts["hosts"] == 3
    assert "from a source it never logged on from (10.10.3.3)" in f.explanation


def test_no_history_is_limited_not_a_finding(tmp_path):
    fan = [sshd_accept(T + timedelta(minutes=5 * i), "dev", "10.10.2.9", f"db-{i:02d}") for i in range(6)]
    found, analysis = _lateral(fan, tmp_path)
    assert found == []
    (status,) = [c for c in analysis.coverage.checks if c.id == "lateral_movement"]
    assert status.status == "limited" and "3 days" in status.reasons[0]
