from datetime import timedelta

from logs import T0, console_login, entra_signin, sshd, write_lines, write_signins, write_trail

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "password_spray"]


def test_entra_spray_with_one_account_compromised(tmp_path, city_db):
    users = [f"user{i}@contoso.com" for i in range(15)]
    records = [entra_signin(u, T0 + timedelta(minutes=2 * i, seconds=s), "45.155.205.99", code=50126)
               for i, u in enumerate(users) for s in (0, 20)]
    records.append(entra_signin("user7@contoso.com", T0 + timedelta(minutes=40), "45.155.205.99"))
    analysis = analyze([write_signins(tmp_path / "signins.json", records)], geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert f.severity == "high" and f.ips == ("45.155.205.99",) and f.techniques[0] == "T1110.003"
    assert f.facts["accounts"] == 15 and f.facts["compromised"] == ["user7@contoso.com"]
    assert len(f.evidence) == 31
    assert f.explanation.startswith("30 failed logins from 45.155.205.99 (RU) against 15 accounts (2.0 tries each")
    assert "then 1 successful login from the same IP for user7@contoso.com" in f.explanation


def test_ssh_spray_against_invalid_users_without_success(tmp_path, city_db):
    lines = []
    for i in range(12):
        t = T0.replace(month=5) + timedelta(minutes=3 * i)
        lines.append(sshd(t, f"Invalid user guest{i} from 185.220.101.34 port {5000 + i}"))
        lines.append(sshd(t + timedelta(seconds=2), f"Failed password for invalid user guest{i} from 185.220.101.34 "
                                                     f"port {5000 + i} ssh2"))
    analysis = analyze([write_lines(tmp_path / "auth.log", lines)], year=2024, geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert f.severity == "medium" and "no login from this IP succeeded" in f.explanation
    assert len(f.evidence) == 24 and "T1021.004" in f.techniques  # the probes and the failures


def test_brute_force_on_one_account_and_slow_scattered_failures_are_not_sprays(tmp_path, city_db):
    records = [console_login("bob", T0 + timedelta(seconds=10 * i), "45.155.205.99", ok=False) for i in range(40)]
    # twelve accounts failing from one IP, but hours apart: not one burst
    records += [console_login(f"u{i}", T0 + timedelta(hours=2 * i), "62.76.41.10", ok=False) for i in range(12)]
    # many tries per account: a brute force of several accounts, not a spray
    records += [console_login(f"v{i}", T0 + timedelta(minutes=i, seconds=s), "24.5.80.12", ok=False)
                for i in range(10) for s in range(0, 50, 5)]
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    assert _findings(analysis) == []


def test_spray_spread_over_one_networks_addresses(tmp_path, city_db, asn_db):
    # 12 accounts, one try each, each from another address of the same hosting provider
    records = [entra_signin(f"user{i}@contoso.com", T0 + timedelta(minutes=2 * i), f"45.155.205.{10 + i}", code=50126)
               for i in range(12)]
    for i in range(12):  # staff typos from their usual home addresses on one provider: they signed in before
        home = f"73.162.{i}.20"
        records.append(entra_signin(f"staff{i}@contoso.com", T0 - timedelta(days=1, minutes=i), home))
        records.append(entra_signin(f"staff{i}@contoso.com", T0 + timedelta(minutes=3 * i), home, code=50126))
    signins = write_signins(tmp_path / "s.json", records)
    (f,) = _findings(analyze([signins], geoip_dbs=[city_db, asn_db]))
    assert f.title == "Password spray from AS49505" and f.facts["addresses"] == 12 and len(f.ips) == 12
    assert f.explanation.startswith("12 failed logins from 12 addresses of AS49505 Selectel (RU) against 12 accounts")
    # no ASN database at all (not even the default table): each IP alone is too few
    assert _findings(analyze([signins], geoip_dbs=[city_db], default_geoip=False)) == []
