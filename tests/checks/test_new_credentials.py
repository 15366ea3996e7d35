from datetime import timedelta

from logs import T0, api_call, console_login, history, write_trail

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "new_credentials"]


def test_key_for_another_existing_account_from_a_new_country_is_high(tmp_path, city_db):
    t = T0 + timedelta(days=6)
    records = history("bob", "73.162.10.20")
    records += [
        console_login("bob", t, "45.155.205.99"),
        api_call("bob", t + timedelta(minutes=2), "45.155.205.99", "CreateAccessKey", {"userName": "svc-backup"}),
        api_call("bob", t + timedelta(minutes=3), "45.155.205.99", "CreateLoginProfile",
                 {"userName": "bob", "passwordResetRequired": False}),
        api_call("bob", t + timedelta(minutes=4), "45.155.205.99", "CreateAccessKey", {"userName": "x"},
                 error="AccessDenied"),  # failed: not a credential
    ]
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert f.severity == "high" and f.playbook == "T1098.001" and f.techniques == ("T1098.001",)
    assert f.users == ("bob", "svc-backup") and len(f.evidence) == 2
    assert "bob created 2 credentials: CreateAccessKey for svc-backup at 2024-03-10 15:02:00 UTC" in f.explanation
    assert "pre-existing accounts: svc-backup" in f.explanation
    assert "first seen acting from RU less than 24 h before" in f.explanation


def test_onboarding_key_for_a_user_just_created_is_medium(tmp_path, city_db):
    t = T0 + timedelta(days=6)
    records = history("admin.ops", "73.162.10.20") + [
        api_call("admin.ops", t, "73.162.10.20", "CreateUser", {"userName": "new.hire"}),
        api_call("admin.ops", t + timedelta(minutes=1), "73.162.10.20", "CreateAccessKey", {"userName": "new.hire"}),
    ]
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert f.severity == "medium" and "onboarding pattern" in f.explanation


def test_separate_bursts_are_separate_findings_and_other_calls_are_ignored(tmp_path, city_db):
    records = [
        api_call("carol", T0, "24.5.80.12", "CreateKeyPair", {"keyName": "a"}),
        api_call("carol", T0 + timedelta(hours=5), "24.5.80.12", "ImportKeyPair", {"keyName": "b"}),
        api_call("carol", T0 + timedelta(hours=6), "24.5.80.12", "ListAccessKeys"),
        api_call("carol", T0 + timedelta(hours=7), "24.5.80.12", "DeleteAccessKey", {"userName": "carol"}),
    ]
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    assert [len(f.evidence) for f in _findings(analysis)] == [1, 1]


def test_google_cloud_service_account_key_and_workspace_app_authorization(data_dir):
    (gcp,) = _findings(analyze([data_dir / "gcp" / "gcloud_logging_read.json"], geoip_dbs=[]))
    assert gcp.severity == "high" and gcp.users == ("alice@acme.example", "deploy@acme-prod.iam.gserviceaccount.com")
    assert "google.iam.admin.v1.CreateServiceAccountKey for deploy@acme-prod.iam.gserviceaccount.com" in gcp.explanation
    (ws,) = _findings(analyze([data_dir / "workspace" / "token_activities.jsonl"], geoip_dbs=[]))
    assert ws.severity == "medium" and ws.users == ("alice@acme.example",)  # for itself, from its first place
