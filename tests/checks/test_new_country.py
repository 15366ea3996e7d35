from datetime import timedelta

from logs import T0, console_login, history, sshd, write_lines, write_trail

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "new_country"]


def test_first_login_from_brazil_after_a_us_baseline(tmp_path, city_db):
    records = history("m.garcia", "73.162.10.20", days=6)
    records.append(console_login("m.garcia", T0 + timedelta(days=7), "177.37.10.20"))
    records.append(console_login("m.garcia", T0 + timedelta(days=7, hours=2), "177.37.10.20"))
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert f.title == "Sign-in from a new country: m.garcia from BR"
    assert f.playbook == "T1021.007" and len(f.evidence) == 2
    assert "earlier successful sign-ins since 2024-03-04 15:00:00 UTC came from US (6) only" in f.explanation
    assert f.facts["usual_countries"] == {"US": 6}


def test_ssh_login_from_a_new_country_counts_too(tmp_path, city_db):
    lines = [sshd(T0.replace(month=5, day=d), "Accepted publickey for ops from 81.2.69.160 port 5000 ssh2")
             for d in range(1, 6)]
    lines.append(sshd(T0.replace(month=5, day=7), "Accepted publickey for ops from 185.220.101.34 port 5000 ssh2"))
    analysis = analyze([write_lines(tmp_path / "auth.log", lines)], year=2024, geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert f.users == ("ops",) and f.facts["country"] == "DE"


def test_no_finding_without_enough_history_or_without_geoip(tmp_path, city_db):
    records = history("new.user", "73.162.10.20", days=2)  # only 2 earlier logins: below min_history 3
    records.append(console_login("new.user", T0 + timedelta(days=3), "177.37.10.20"))
    records += history("alice", "81.2.69.160", days=6)  # always the same country
    records += [console_login("x", T0 + timedelta(days=d), "10.1.2.3") for d in range(5)]  # private: no country
    records.append(console_login("x", T0 + timedelta(days=6), "177.37.10.20"))
    trail = write_trail(tmp_path / "trail.json", records)
    assert _findings(analyze([trail], geoip_dbs=[city_db])) == []
    plain = analyze([trail], geoip_dbs=[])
    assert _findings(plain) == []
    status = {c.id: c for c in plain.checks}["new_country"]
    assert not status.ran and status.reason == "no GeoIP database"
