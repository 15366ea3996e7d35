"""Impossible travel with honest uncertainty: mobile carriers' in-country hops, shared VPN egress and a pair
of places the account moves between are not impossible; an intercontinental jump in minutes still is."""

from datetime import timedelta

from logs import T0, entra_signin, write_signins

from workbench.pipeline import analyze

AIRTEL_CHENNAI, AIRTEL_DELHI = "106.192.0.77", "106.192.16.77"  # AS45609, 1,760 km apart, radius 200 km
BOSTON, LONDON, LAGOS_MOBILE = "73.16.4.4", "86.128.9.9", "105.112.3.3"
ZSCALER_FRA, DO_AMSTERDAM, NYC = "165.225.72.5", "167.99.1.1", "67.244.5.5"


def _travel(records, tmp_path, org_geo):
    analysis = analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=org_geo, default_geoip=False)
    return [f for f in analysis.findings if f.check == "impossible_travel"]


def test_a_mobile_carrier_hop_inside_one_country_is_not_travel(tmp_path, org_geo):
    u = "kavya@northwind.example"
    records = [entra_signin(u, T0, AIRTEL_CHENNAI), entra_signin(u, T0 + timedelta(minutes=40), AIRTEL_DELHI)]
    assert _travel(records, tmp_path, org_geo) == []


def test_shared_vpn_egress_is_not_travel_but_one_accounts_hosting_address_is(tmp_path, org_geo):
    records = []
    for i in range(5):  # the corporate VPN: five accounts, two countries
        records.append(entra_signin(f"vpn{i}@northwind.example", T0 + timedelta(hours=2, minutes=i),
                                    ZSCALER_FRA if i % 2 else "165.225.8.5"))
    records += [entra_signin("alice@northwind.example", T0, BOSTON),
                entra_signin("alice@northwind.example", T0 + timedelta(minutes=20), ZSCALER_FRA),
                entra_signin("bob@northwind.example", T0, BOSTON),
                entra_signin("bob@northwind.example", T0 + timedelta(minutes=20), DO_AMSTERDAM)]
    (f,) = _travel(records, tmp_path, org_geo)
    assert f.users == ("bob@northwind.example",) and f.severity == "high"
    assert [e.ref for e in f.evidence] == [records[-2]["id"], records[-1]["id"]]
    # Boston–Amsterdam 5,557 km less the two accuracy radii (20 km, 1,000 km)
    assert f.facts["max_km"] == 4537


def test_an_intercontinental_jump_on_a_mobile_network_is_still_impossible(tmp_path, org_geo):
    u = "sam@northwind.example"
    records = [entra_signin(u, T0, LONDON), entra_signin(u, T0 + timedelta(minutes=25), LAGOS_MOBILE)]
    (f,) = _travel(records, tmp_path, org_geo)
    assert f.users == (u,) and f.facts["countries"] == ["GB", "NG"]
    assert "86.128.9.9 (London, GB)" in f.explanation and "105.112.3.3 (Lagos, NG) 25 min later" in f.explanation


def test_a_pair_of_places_the_account_moved_between_before_is_not_travel_again(tmp_path, org_geo):
    u = "rdp@northwind.example"  # signs in from home, then through a jump host in New York, every day
    records = []
    for d in range(3):
        records += [entra_signin(u, T0 + timedelta(days=d), LONDON),
                    entra_signin(u, T0 + timedelta(days=d, minutes=30), NYC)]
    (f,) = _travel(records, tmp_path, org_geo)
    assert f.first_seen == T0 and [e.ref for e in f.evidence] == [records[0]["id"], records[1]["id"]]
