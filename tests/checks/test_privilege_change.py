from datetime import timedelta

from logs import T0, api_call, console_login, write_trail

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "privilege_change"]


def test_admin_policy_attached_is_high_and_names_the_policy(tmp_path):
    records = [console_login("mallory", T0, "45.155.205.99"),
               api_call("mallory", T0 + timedelta(minutes=3), "45.155.205.99", "AttachUserPolicy",
                        {"userName": "support-admin", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
               api_call("mallory", T0 + timedelta(minutes=4), "45.155.205.99", "AddUserToGroup",
                        {"userName": "mallory", "groupName": "ops"})]
    (f,) = _findings(analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[]))
    assert f.severity == "high" and f.techniques == ("T1098",) and len(f.evidence) == 2
    assert "AttachUserPolicy on support-admin (AdministratorAccess) at 2024-03-04 15:03:00 UTC" in f.explanation
    assert "The actor raised its own privileges." in f.explanation
    assert f.users == ("mallory", "support-admin")


def test_entra_role_member_added(data_dir):
    analysis = analyze([data_dir / "entra"], geoip_dbs=[])
    found = _findings(analysis)
    assert found and all(f.techniques == ("T1098",) for f in found)
    assert any(e.file.endswith((".json", ".csv")) for f in found for e in f.evidence)


def test_denied_changes_and_plain_group_adds_without_history_are_not_findings(tmp_path):
    records = [api_call("eve", T0, "24.5.80.12", "AttachUserPolicy",
                        {"userName": "eve", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
                        error="AccessDenied"),
               api_call("ops", T0 + timedelta(hours=2), "24.5.80.12", "AddUserToGroup",
                        {"userName": "new.hire", "groupName": "developers"})]
    # the denied one is not a change; a plain group add with no history to weigh it against is limited
    assert _findings(analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[])) == []


def _days_of_reads(user, days, ip="24.5.80.12"):
    return [api_call(user, T0 + timedelta(days=d, minutes=5), ip, "ListUsers") for d in range(days)]


def test_a_first_change_is_high_and_a_routine_admins_is_not_reported(tmp_path):
    records = _days_of_reads("dev", 5) + _days_of_reads("iam.admin", 6)
    records.append(api_call("dev", T0 + timedelta(days=5, hours=1), "24.5.80.12", "AddUserToGroup",
                            {"userName": "contractor-1", "groupName": "developers"}))
    for d in (1, 3, 5):  # the admin adds people to groups every other day
        records.append(api_call("iam.admin", T0 + timedelta(days=d, hours=2), "24.5.80.12", "AddUserToGroup",
                                {"userName": f"new-{d}", "groupName": "developers"}))
    (f,) = _findings(analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[]))
    assert f.users == ("dev", "contractor-1") and f.severity == "high" and len(f.evidence) == 1
    assert f.facts["routine_days"] == 0 and f.facts["history_days"] == 5
    assert "The account made privilege changes on 0 of its 5 active days before (its first)." in f.explanation
    # the admin's first change (day 1) had too little history; days 3 and 5 were routine


def test_a_routine_admin_granting_admin_rights_is_medium_and_raising_its_own_is_high(tmp_path):
    records = _days_of_reads("iam.admin", 6)
    for d in (1, 2, 3):
        records.append(api_call("iam.admin", T0 + timedelta(days=d, hours=2), "24.5.80.12", "AddUserToGroup",
                                {"userName": f"new-{d}", "groupName": "developers"}))
    records.append(api_call("iam.admin", T0 + timedelta(days=4, hours=2), "24.5.80.12", "AttachUserPolicy",
                            {"userName": "new-3", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}))
    records.append(api_call("iam.admin", T0 + timedelta(days=5, hours=2), "24.5.80.12", "AttachUserPolicy",
                            {"userName": "iam.admin", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}))
    grant, own = sorted(_findings(analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[])),
                        key=lambda f: f.first_seen)
    assert (grant.severity, grant.facts["routine"], grant.facts["admin_grants"]) == ("medium", True, 1)
    assert "a routine administrator" in grant.explanation
    assert (own.severity, own.facts["self"]) == ("high", 1)


def test_google_cloud_owner_grant_azure_role_assignment_and_workspace_admin(data_dir):
    (gcp,) = _findings(analyze([data_dir / "gcp" / "gcloud_logging_read.json"], geoip_dbs=[]))
    assert gcp.severity == "high" and "SetIamPolicy on mallory.ops@gmail.com (roles/owner)" in gcp.explanation
    assert "too little to tell routine from new (limited)" in gcp.explanation
    # a role assignment whose role the record does not name as administrative, in a few minutes of log: limited
    assert _findings(analyze([data_dir / "azure" / "activity_cli.json"], geoip_dbs=[])) == []
    (ws,) = _findings(analyze([data_dir / "workspace" / "admin_activities.json"], geoip_dbs=[]))
    assert ws.facts["changes"] == 2 and "GRANT_ADMIN_PRIVILEGE on svc-sync@acme.example" in ws.explanation
