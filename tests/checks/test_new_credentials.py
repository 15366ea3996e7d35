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


def _onboard(admin: str, when, ip: str, new_user: str) -> list[dict]:
    return [api_call(admin, when, ip, "CreateUser", {"userName": new_user}),
            api_call(admin, when + timedelta(minutes=1), ip, "CreateAccessKey", {"userName": new_user})]


def test_routine_admin_onboarding_from_its_usual_network_is_not_a_finding(tmp_path, city_db):
    records = history("admin.ops", "73.162.10.20", days=7)
    for d, name in ((1, "contractor-1"), (3, "contractor-2")):  # the habit: onboarding on two earlier days
        records += _onboard("admin.ops", T0 + timedelta(days=d, hours=2), "73.162.10.20", name)
    records += _onboard("admin.ops", T0 + timedelta(days=6, hours=2), "73.162.10.20", "contractor-3")
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    found = _findings(analysis)
    # the first two onboardings had no habit yet (medium, and say so); the third is routine
    assert [f.severity for f in found] == ["medium", "medium"]
    assert [f.facts["routine_days"] for f in found] == [0, 1]
    assert "on 1 earlier day (2 make a routine administrator)" in found[1].explanation
    assert all("contractor-3" not in f.users for f in found)


def test_routine_admin_from_a_new_network_or_for_an_existing_account_keeps_its_severity(tmp_path, city_db):
    records = history("admin.ops", "73.162.10.20", days=7)
    for d, name in ((1, "contractor-1"), (3, "contractor-2")):
        records += _onboard("admin.ops", T0 + timedelta(days=d, hours=2), "73.162.10.20", name)
    records += _onboard("admin.ops", T0 + timedelta(days=6, hours=2), "45.155.205.99", "contractor-3")
    records += [api_call("admin.ops", T0 + timedelta(days=6, hours=5), "73.162.10.20", "CreateAccessKey",
                         {"userName": "svc-backup"})]
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    today = [f for f in _findings(analysis) if f.first_seen >= T0 + timedelta(days=6)]
    assert [(f.users, f.severity) for f in today] == [(("admin.ops", "contractor-3"), "high"),
                                                      (("admin.ops", "svc-backup"), "high")]
    assert "new for the actor" in today[0].explanation and today[0].facts["routine_days"] == 2
    assert "pre-existing accounts: svc-backup" in today[1].explanation
