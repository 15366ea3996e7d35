from datetime import timedelta

from logs import T0, api_call, write_trail

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "access_surge"]


def _steady(user, hours=48, per_hour=10):
    return [api_call(user, T0 + timedelta(hours=h, minutes=5 * k), "24.5.80.12", "GetObject")
            for h in range(hours) for k in range(per_hour)]


def test_an_hour_of_mass_downloads_against_a_steady_baseline(tmp_path):
    records = _steady("etl")
    burst = T0 + timedelta(hours=50)
    records += [api_call("etl", burst + timedelta(seconds=3 * i), "45.155.205.99", "GetObject") for i in range(600)]
    (f,) = _findings(analyze([write_trail(tmp_path / "t.json", records)], geoip_dbs=[]))
    assert f.users == ("etl",) and len(f.evidence) == 600 and f.facts["metric"] == "requests"
    assert f.explanation.startswith("etl: 600 requests in the hour from 2024-03-06 17:00:00 UTC, against 10 in")
    assert "GetObject ×600" in f.explanation


def test_busy_but_steady_accounts_and_short_histories_are_fine(tmp_path):
    records = _steady("busy", per_hour=12) + _steady("new", hours=5)
    records += [api_call("new", T0 + timedelta(hours=6, seconds=i), "24.5.80.12", "ListBuckets") for i in range(900)]
    assert _findings(analyze([write_trail(tmp_path / "t.json", records)], geoip_dbs=[])) == []
