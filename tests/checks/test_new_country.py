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
    assert f.playbook == "T1078.004" and len(f.evidence) == 2  # Valid Accounts: Cloud Accounts, its first technique
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


def _network(analysis):
    return [f for f in _findings(analysis) if f.facts.get("kind") == "network"]


def test_first_sign_in_from_a_new_network_in_a_known_country(tmp_path, city_db, asn_db):
    # a week from Comcast (two IPs), then a sign-in from UUNET: same country, new network and IP
    records = [console_login("kim", T0 + timedelta(days=d), "73.162.10.20" if d % 2 else "24.5.80.12")
               for d in range(7)]
    records.append(console_login("kim", T0 + timedelta(days=8), "73.93.10.7"))
    records.append(console_login("kim", T0 + timedelta(days=8, hours=3), "73.93.10.7"))
    records.append(console_login("kim", T0 + timedelta(days=9), "24.5.80.99"))  # new IP, known network: fine
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db, asn_db])
    (f,) = _network(analysis)
    assert f.title == "Sign-in from a new network: kim from AS701" and f.severity == "low"
    assert len(f.evidence) == 2 and f.facts["usual_asns"] == {"7922": 7}
    assert "came from AS7922 COMCAST-7922 (7) only; the IP 73.93.10.7 was never seen for it either" in f.explanation
    assert [g for g in _findings(analysis) if g.facts["kind"] == "country"] == []
    assert _network(analyze([write_trail(tmp_path / "t2.json", records)], geoip_dbs=[city_db])) == []  # no ASN db


def test_new_network_on_entra_and_not_without_days_of_history(tmp_path, city_db, asn_db):
    from logs import entra_signin, write_signins
    records = [entra_signin("lee@contoso.com", T0 + timedelta(days=d), "81.2.69.160") for d in range(6)]
    records += [entra_signin("new@contoso.com", T0 + timedelta(hours=h), "73.162.1.1") for h in range(8)]
    records.append(entra_signin("new@contoso.com", T0 + timedelta(hours=9), "73.93.1.1"))  # 8 logins in 8 h: no baseline
    records.append(entra_signin("lee@contoso.com", T0 + timedelta(days=7), "185.220.101.34"))  # DE: a new country
    records.append(entra_signin("lee@contoso.com", T0 + timedelta(days=7, hours=1), "73.162.1.1"))  # US too
    analysis = analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[city_db, asn_db])
    kinds = sorted((f.users[0], f.facts["kind"], f.facts["country"]) for f in _findings(analysis))
    assert kinds == [("lee@contoso.com", "country", "DE"), ("lee@contoso.com", "country", "US")]
