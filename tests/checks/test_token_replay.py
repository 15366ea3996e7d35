"""A refresh token replayed through the victim's usual client: a new network and country while the account
is signing in from home; the same client from abroad while the account is nowhere else is a trip."""

from datetime import timedelta

from logs import T0, entra_signin, write_signins

from workbench.pipeline import analyze

HOME, SAO_PAULO, LISBON = "73.16.4.4", "177.32.9.9", "85.240.1.1"


def _token(user, when, ip):
    rec = entra_signin(user, when, ip)
    rec.update(isInteractive=False, signInEventTypes=["nonInteractiveUser"], clientAppUsed="Mobile Apps and Desktop clients")
    return rec


def _usual(user, days=4):
    return [_token(user, T0 + timedelta(days=d, hours=h), HOME) for d in range(days) for h in range(4)]


def _found(records, tmp_path, org_geo):
    analysis = analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=org_geo, default_geoip=False)
    return [f for f in analysis.findings if f.check == "token_use"]


def test_a_token_replayed_through_the_usual_client_while_the_account_is_at_home(tmp_path, org_geo):
    records = _usual("ann@contoso.com")
    replay = [_token("ann@contoso.com", T0 + timedelta(days=3, hours=1, minutes=10 * k), SAO_PAULO) for k in range(3)]
    (f,) = _found(records + replay, tmp_path, org_geo)
    assert f.severity == "high" and f.facts["usual_client"] and f.facts["new_country"]
    assert [e.ref for e in f.evidence] == [r["id"] for r in replay]
    assert "its usual client (13 earlier token sign-ins through it) but from AS28573 and BR" in f.explanation


def test_the_usual_client_abroad_while_the_account_is_nowhere_else_is_a_trip(tmp_path, org_geo):
    records = _usual("bea@contoso.com")
    records += [_token("bea@contoso.com", T0 + timedelta(days=5, hours=h), LISBON) for h in range(3)]
    assert _found(records, tmp_path, org_geo) == []
