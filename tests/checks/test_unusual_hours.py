from datetime import timedelta

from logs import T0, console_login, entra_signin, write_signins, write_trail

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "unusual_hours"]


def _days(make, user, ip, n=15, hour=15):
    """One login a day at about ``hour`` UTC."""
    return [make(user, T0.replace(hour=hour) + timedelta(days=d, minutes=7 * (d % 5)), ip) for d in range(n)]


def test_a_night_login_against_the_accounts_own_day_pattern(tmp_path):
    records = _days(console_login, "alice", "73.162.10.20")
    records.append(console_login("alice", T0.replace(hour=3) + timedelta(days=9), "73.162.10.20"))
    (f,) = _findings(analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[]))
    assert f.users == ("alice",) and f.severity == "low" and f.facts["hours_utc"] == [3]
    assert "2024-03-13 03:00:00 UTC" in f.explanation and "against its other 15 logins" in f.explanation
    assert "busiest hours are 15h" in f.explanation


def test_entra_signins_too_and_regular_night_workers_are_fine(tmp_path):
    records = _days(entra_signin, "bob@contoso.com", "81.2.69.160", hour=9)
    records.append(entra_signin("bob@contoso.com", T0.replace(hour=22) + timedelta(days=4), "81.2.69.160"))
    records += _days(entra_signin, "night@contoso.com", "81.2.69.160", hour=2)  # always at night: normal
    (f,) = _findings(analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[]))
    assert f.users == ("bob@contoso.com",)


def test_thin_history_uses_office_hours_only_when_enabled(tmp_path):
    records = [console_login("temp", T0.replace(hour=h), "73.162.10.20") for h in (10, 11, 23)]
    trail = write_trail(tmp_path / "trail.json", records)
    assert _findings(analyze([trail], geoip_dbs=[])) == []
    case = tmp_path / "case.yaml"
    case.write_text("unusual_hours:\n  fallback_to_office_hours: true\n"
                    "  office_hours: {timezone: Europe/London, start: 8, end: 18, weekdays: [0, 1, 2, 3, 4]}\n")
    (f,) = _findings(analyze([trail], geoip_dbs=[], config_files=[case]))
    assert f.facts["hours_utc"] == [23] and "office hours 08:00–18:00 Europe/London" in f.explanation


def test_an_afternoon_login_inside_office_hours_is_not_unusual_for_a_morning_person(tmp_path):
    # 14 morning logins are too few to call an afternoon inside office hours unusual (the office
    # hours prior speaks for it), but a night login is still reported against the same history.
    records = _days(console_login, "carol", "73.162.10.20", n=14, hour=13)
    records.append(console_login("carol", T0.replace(hour=18, minute=30) + timedelta(days=3), "73.162.10.20"))
    trail = write_trail(tmp_path / "trail.json", records)
    assert _findings(analyze([trail], geoip_dbs=[])) == []
    records.append(console_login("carol", T0.replace(hour=2) + timedelta(days=6), "73.162.10.20"))
    (f,) = _findings(analyze([write_trail(tmp_path / "trail2.json", records)], geoip_dbs=[]))
    assert f.facts["hours_utc"] == [2] and f.facts["share_near"] == 0.0
    assert "(Sun)" in f.explanation and "busiest hours are 13h, 18h UTC" in f.explanation
    assert "its other 15 logins and office hours 07:00–19:00 UTC" in f.explanation


def test_ssh_logins_and_a_weekend_login_outside_office_hours(tmp_path):
    from logs import sshd_accept, write_lines
    lines = [sshd_accept(T0.replace(hour=10) + timedelta(days=d), "ops", "10.0.4.12", "web-01") for d in range(12)]
    lines.append(sshd_accept(T0.replace(hour=1) + timedelta(days=12), "ops", "10.0.4.12", "web-01"))
    (f,) = _findings(analyze([write_lines(tmp_path / "auth.log", lines)], year=2024, geoip_dbs=[]))
    assert f.users == ("ops",) and f.facts["hours_utc"] == [1] and "(Sat)" in f.explanation


def test_office_hours_move_to_where_the_accounts_own_day_lies(tmp_path):
    # A Pacific-time worker: mornings at 17:00 UTC; a Friday 16:30 local login is 00:30 UTC on
    # Saturday, outside the UTC office hours but inside its own working day.
    start = T0.replace(hour=17)  # Monday
    records = [entra_signin("pat@contoso.com", start + timedelta(days=d, minutes=11 * (d % 4)), "24.5.80.12")
               for d in range(19) if (T0 + timedelta(days=d)).weekday() < 5]
    records.append(entra_signin("pat@contoso.com", T0.replace(hour=0, minute=30) + timedelta(days=12), "24.5.80.12"))
    signins = write_signins(tmp_path / "s.json", records)
    assert _findings(analyze([signins], geoip_dbs=[])) == []
    records.append(entra_signin("pat@contoso.com", T0.replace(hour=6) + timedelta(days=15), "24.5.80.12"))  # 22:00 local
    (f,) = _findings(analyze([write_signins(tmp_path / "s2.json", records)], geoip_dbs=[]))
    assert f.facts["hours_utc"] == [6] and "moved +4." in f.explanation
