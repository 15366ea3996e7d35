from datetime import timedelta

from logs import T0, console_login, entra_signin, history, sshd, write_lines, write_signins, write_trail

from workbench.checks.impossible_travel import haversine_km
from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "impossible_travel"]


def test_haversine_london_to_moscow():
    assert 2450 < float(haversine_km(51.51, -0.09, 55.75, 37.62)) < 2550


def test_cloud_login_from_california_then_russia_forty_minutes_later(tmp_path, city_db):
    records = history("alice", "73.162.10.20", days=3)
    records.append(console_login("alice", T0 + timedelta(days=2, minutes=40), "45.155.205.99"))
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert f.severity == "high" and f.users == ("alice",) and len(f.evidence) == 2
    assert f.ips == ("73.162.10.20", "45.155.205.99") and f.facts["countries"] == ["US", "RU"]
    assert "73.162.10.20 (Sunnyvale, US) at 2024-03-06 15:00:00 UTC then 45.155.205.99 (St Petersburg, RU) " \
           "40 min later" in f.explanation
    assert "km/h implied" in f.explanation


def test_concurrent_entra_sessions_in_london_and_brazil(tmp_path, city_db):
    records = [entra_signin("bob@contoso.com", T0, "81.2.69.160"),
               entra_signin("bob@contoso.com", T0, "177.37.10.20")]
    analysis = analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert "at the same time" in f.explanation


def test_plausible_journeys_and_unlocated_logins_are_not_flagged(tmp_path, city_db):
    records = [console_login("carol", T0, "81.2.69.160"),  # London ...
               console_login("carol", T0 + timedelta(hours=14), "177.37.10.20"),  # ... to Brazil by plane
               console_login("carol", T0 + timedelta(hours=15), "10.0.0.5"),  # VPN: private, no location
               console_login("dave", T0, "73.162.10.20"),  # Sunnyvale and San Francisco: too close to tell
               console_login("dave", T0 + timedelta(minutes=5), "24.5.80.12")]
    lines = [sshd(T0.replace(month=5), "Accepted publickey for ops from 185.220.101.34 port 1 ssh2"),
             sshd(T0.replace(month=5) + timedelta(days=1), "Accepted publickey for ops from 62.76.41.10 port 1 ssh2")]
    analysis = analyze([write_trail(tmp_path / "trail.json", records), write_lines(tmp_path / "auth.log", lines)],
                       year=2024, geoip_dbs=[city_db])
    assert _findings(analysis) == []
    assert _findings(analyze([tmp_path / "trail.json"], geoip_dbs=[])) == []  # no GeoIP: cannot say
