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


def test_google_cloud_storage_reads_surge_and_failures_count_too(tmp_path):
    from sources import gcp_entry, write_gcp
    entries = [gcp_entry("etl@acme-prod.iam.gserviceaccount.com", T0 + timedelta(hours=h, minutes=6 * k), "24.5.80.12",
                         "storage.objects.get") for h in range(40) for k in range(8)]
    burst = T0 + timedelta(hours=41, minutes=30)
    entries += [gcp_entry("etl@acme-prod.iam.gserviceaccount.com", burst + timedelta(seconds=4 * i), "45.155.205.99",
                          "storage.objects.get") for i in range(900)]  # 41:30 to 42:30: two hours, one finding
    entries += [gcp_entry("scan@acme-prod.iam.gserviceaccount.com", T0 + timedelta(hours=h), "24.5.80.12",
                          "storage.buckets.list") for h in range(40)]
    entries += [gcp_entry("scan@acme-prod.iam.gserviceaccount.com", T0 + timedelta(hours=44, seconds=5 * i),
                          "24.5.80.12", "storage.buckets.list", code=7) for i in range(30)]  # 30 denied in an hour
    found = _findings(analyze([write_gcp(tmp_path / "gcp.json", entries)], geoip_dbs=[]))
    etl, scan = sorted(found, key=lambda f: f.users)
    assert etl.facts["hours"] == 2 and etl.facts["requests"] == 900 and len(etl.evidence) == 900
    assert "in its busiest of 2 surging hours from 2024-03-06 08:00:00 UTC" in etl.explanation
    assert scan.facts["metrics"] == ["failures"] and scan.facts["failures"] == 30
    assert "30 failed requests in the hour from 2024-03-06 11:00:00 UTC" in scan.explanation
