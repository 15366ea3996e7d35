from datetime import timedelta

from logs import T0, entra_signin, sshd_accept, write_lines, write_signins

from workbench.pipeline import analyze


def _findings(analysis, check):
    return [f for f in analysis.findings if f.check == check]


def test_mfa_denials_then_approval(tmp_path):
    records = [entra_signin("cfo@contoso.com", T0 + timedelta(minutes=3 * i), "45.155.205.99", code=500121)
               for i in range(6)]
    records.append(entra_signin("cfo@contoso.com", T0 + timedelta(minutes=20), "45.155.205.99"))
    records += [entra_signin("x@contoso.com", T0 + timedelta(minutes=i), "81.2.69.160", code=500121) for i in (0, 5)]
    (f,) = _findings(analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[]), "mfa_fatigue")
    assert f.users == ("cfo@contoso.com",) and f.severity == "high" and len(f.evidence) == 7
    assert f.explanation.startswith("6 MFA requests for cfo@contoso.com denied or unanswered in 15 min")
    assert f.techniques[0] == "T1621"


def test_ssh_to_many_hosts_is_lateral_movement(tmp_path):
    t = T0.replace(month=5)
    logs = []
    for i in range(6):
        path = tmp_path / f"auth-{i}.log"  # one auth.log per host, as collected
        lines = [sshd_accept(t + timedelta(minutes=4 * i), "svc-backup", "10.0.4.12", f"db-{i:02d}")]
        lines.append(sshd_accept(t + timedelta(days=1, minutes=i), "ops", "10.0.4.13", f"db-{i:02d}"))
        logs.append(write_lines(path, lines))
    analysis = analyze(logs, year=2024, geoip_dbs=[])
    found = _findings(analysis, "lateral_movement")
    assert [f.users for f in found] == [("svc-backup",), ("ops",)]  # in time order
    f = found[0]
    assert f.hosts == tuple(f"db-{i:02d}" for i in range(6)) and "T1021.004" in f.techniques
    assert f.explanation.startswith("svc-backup logged on to 6 hosts in 20 min")


def test_few_hosts_or_spread_out_logons_are_not_lateral_movement(tmp_path):
    t = T0.replace(month=5)
    lines = [sshd_accept(t + timedelta(hours=3 * i), "ops", "10.0.4.13", f"web-{i}") for i in range(8)]
    lines += [sshd_accept(t + timedelta(minutes=i), "dev", "10.0.4.14", f"app-{i % 3}") for i in range(12)]
    analysis = analyze([write_lines(tmp_path / "auth.log", lines)], year=2024, geoip_dbs=[])
    assert _findings(analysis, "lateral_movement") == []


def test_mfa_denials_in_the_unified_audit_log_and_a_brute_force_there_too(tmp_path):
    from sources import m365_login, write_m365
    records = [m365_login("cfo@contoso.com", T0 + timedelta(minutes=4 * i), "45.155.205.99", code=500121)
               for i in range(4)]
    records.append(m365_login("cfo@contoso.com", T0 + timedelta(minutes=18), "45.155.205.99"))
    records += [m365_login("hr@contoso.com", T0 + timedelta(hours=2, seconds=30 * i), "45.155.205.99", code=50126)
                for i in range(6)]
    records.append(m365_login("hr@contoso.com", T0 + timedelta(hours=2, minutes=4), "45.155.205.99"))
    analysis = analyze([write_m365(tmp_path / "ual.csv", records)], geoip_dbs=[])
    (mfa,) = _findings(analysis, "mfa_fatigue")
    assert mfa.users == ("cfo@contoso.com",) and mfa.severity == "high" and len(mfa.evidence) == 5
    (brute,) = _findings(analysis, "brute_force_success")  # the MFA denials are not password failures
    assert brute.users == ("hr@contoso.com",) and brute.facts["failures"] == 6
