from datetime import timedelta

from logs import T0, entra_signin, write_signins

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
