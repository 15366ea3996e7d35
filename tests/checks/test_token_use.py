from datetime import timedelta

from logs import T0, entra_signin, write_signins

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "token_use"]


def _non_interactive(rec):
    rec["isInteractive"] = False
    rec["signInEventTypes"] = ["nonInteractiveUser"]
    return rec


def test_non_interactive_token_from_a_new_ip_and_client(tmp_path):
    records = [entra_signin("ann@contoso.com", T0 + timedelta(hours=6 * i), "81.2.69.160") for i in range(12)]
    records += [_non_interactive(entra_signin("ann@contoso.com", T0 + timedelta(hours=6 * i, minutes=5),
                                              "81.2.69.160", app="Microsoft Teams")) for i in range(12)]
    stolen = T0 + timedelta(days=4)
    records += [_non_interactive(entra_signin("ann@contoso.com", stolen + timedelta(minutes=m), "177.37.10.20",
                                              app="Microsoft Office")) for m in (0, 30)]
    (f,) = _findings(analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[]))
    assert f.users == ("ann@contoso.com",) and len(f.evidence) == 2 and f.techniques[0] == "T1550.001"
    assert "signed in non-interactive through Microsoft Office" in f.explanation
    assert "interactive (12), non_interactive (12)" in f.explanation


def test_the_accounts_usual_tokens_are_fine(tmp_path):
    records = [_non_interactive(entra_signin("bob@contoso.com", T0 + timedelta(hours=i), "81.2.69.160",
                                             app="Microsoft Teams")) for i in range(30)]
    records.append(entra_signin("bob@contoso.com", T0 + timedelta(days=3), "177.37.10.20"))  # interactive: not a token
    assert _findings(analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[])) == []
