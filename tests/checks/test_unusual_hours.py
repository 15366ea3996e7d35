"""Unusual hours: a login measured on all of the account's activity on earlier days of the same kind, in the
account's own day; never on the login's own day."""

from datetime import timedelta

from logs import T0, api_call, console_login, entra_signin, write_signins, write_trail

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "unusual_hours"]


def _days(make, user, ip, n=15, hour=15):
    """One login a day at about ``hour`` UTC."""
    return [make(user, T0.replace(hour=hour) + timedelta(days=d, minutes=7 * (d % 5)), ip) for d in range(n)]


def test_a_night_login_against_the_accounts_own_day_pattern(tmp_path):
    records = _days(console_login, "alice", "73.162.10.20")
    night = T0.replace(hour=3) + timedelta(days=9)  # Wednesday 13 March, the end of its own Tuesday
    records.append(console_login("alice", night, "73.162.10.20"))
    (f,) = _findings(analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[]))
    assert f.users == ("alice",) and f.severity == "low" and f.facts["hours_utc"] == [3]
    assert f.facts["baseline_days"] == 6 and f.facts["share_days_near"] == 0.0 and not f.facts["weekend"]
    assert [e.ref for e in f.evidence] == [records[-1]["eventID"]]
    assert ("logged in at 2024-03-13 03:00:00 UTC (Wed) from 73.162.10.20; on 0 of its 6 earlier working days "
            "was the account active within 1 h of that hour") in f.explanation


def test_entra_signins_too_and_regular_night_workers_are_fine(tmp_path):
    records = _days(entra_signin, "bob@contoso.com", "81.2.69.160", hour=9)
    records.append(entra_signin("bob@contoso.com", T0.replace(hour=22) + timedelta(days=4), "81.2.69.160"))
    records += _days(entra_signin, "night@contoso.com", "81.2.69.160", hour=2)  # always at night: normal
    (f,) = _findings(analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[]))
    assert f.users == ("bob@contoso.com",) and f.facts["hours_utc"] == [22]


def test_thin_history_is_limited_and_uses_office_hours_only_when_enabled(tmp_path):
    records = [console_login("temp", T0.replace(hour=h), "73.162.10.20") for h in (10, 11, 23)]
    trail = write_trail(tmp_path / "trail.json", records)
    analysis = analyze([trail], geoip_dbs=[])
    assert _findings(analysis) == []
    (status,) = [c for c in analysis.coverage.checks if c.id == "unusual_hours"]
    assert status.status == "limited"
    case = tmp_path / "case.yaml"
    case.write_text("unusual_hours:\n  fallback_to_office_hours: true\n"
                    "  office_hours: {timezone: Europe/London, start: 8, end: 18, weekdays: [0, 1, 2, 3, 4]}\n")
    (f,) = _findings(analyze([trail], geoip_dbs=[], config_files=[case]))
    assert f.facts["hours_utc"] == [23] and f.facts["baseline"] == "office_hours"
    assert "measured against office hours 08:00–18:00 Europe/London" in f.explanation


def test_all_activity_is_the_baseline_not_only_logins(tmp_path):
    """Few console logins, but API calls every working day from 16:00 to 00:00 UTC: an afternoon console login
    at an hour it never logged in at is usual; one at 11:10 UTC on a Saturday is not."""
    records = []
    for d in range(19):
        day = T0.replace(hour=16) + timedelta(days=d)
        if day.weekday() < 5:
            records += [api_call("dev", day + timedelta(hours=h, minutes=13), "24.5.80.12", "DescribeInstances")
                        for h in range(8)]
    records.append(console_login("dev", T0.replace(hour=20, minute=5) + timedelta(days=9), "24.5.80.12"))
    assert _findings(analyze([write_trail(tmp_path / "a.json", records)], geoip_dbs=[])) == []
    saturday = T0.replace(hour=11, minute=10) + timedelta(days=19)  # Saturday 23 March
    records.append(console_login("dev", saturday, "24.5.80.12"))
    (f,) = _findings(analyze([write_trail(tmp_path / "b.json", records)], geoip_dbs=[]))
    assert f.facts["hours_utc"] == [11] and f.facts["baseline_days"] == 15 and "(Sat)" in f.explanation
    assert "on 0 of its 15 earlier active days" in f.explanation  # only 2 earlier weekends: all days count


def test_ssh_logins_and_a_weekend_login_outside_office_hours(tmp_path):
    from logs import sshd_accept, write_lines
    lines = [sshd_accept(T0.replace(hour=10) + timedelta(days=d), "ops", "10.0.4.12", "web-01") for d in range(12)]
    lines.append(sshd_accept(T0.replace(hour=1) + timedelta(days=12), "ops", "10.0.4.12", "web-01"))
    (f,) = _findings(analyze([write_lines(tmp_path / "auth.log", lines)], year=2024, geoip_dbs=[]))
    assert f.users == ("ops",) and f.facts["hours_utc"] == [1] and "(Sat)" in f.explanation


def test_the_accounts_own_day_runs_across_midnight_utc(tmp_path):
    """A Pacific-time worker active 17:00–01:00 UTC on working days: a Friday-evening login at 00:30 UTC on
    Saturday lies inside its own Friday; one at 06:00 UTC (22:00 local) does not."""
    records = []
    for d in range(19):
        day = T0.replace(hour=17) + timedelta(days=d)
        if day.weekday() < 5:
            records += [entra_signin("pat@contoso.com", day + timedelta(hours=h, minutes=20), "24.5.80.12")
                        for h in range(8)]
    records.append(entra_signin("pat@contoso.com", T0.replace(hour=0, minute=30) + timedelta(days=12), "24.5.80.12"))
    assert _findings(analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[])) == []
    records.append(entra_signin("pat@contoso.com", T0.replace(hour=6) + timedelta(days=15), "24.5.80.12"))
    (f,) = _findings(analyze([write_signins(tmp_path / "s2.json", records)], geoip_dbs=[]))
    assert f.facts["hours_utc"] == [6] and not f.facts["weekend"]
