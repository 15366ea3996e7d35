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


def test_denied_changes_and_plain_group_adds_by_others(tmp_path):
    records = [api_call("eve", T0, "24.5.80.12", "AttachUserPolicy",
                        {"userName": "eve", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
                        error="AccessDenied"),
               api_call("ops", T0 + timedelta(hours=2), "24.5.80.12", "AddUserToGroup",
                        {"userName": "new.hire", "groupName": "developers"})]
    (f,) = _findings(analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[]))
    assert f.users == ("ops", "new.hire") and f.severity == "medium"  # the denied one is not a change


def test_google_cloud_owner_grant_azure_role_assignment_and_workspace_admin(data_dir):
    (gcp,) = _findings(analyze([data_dir / "gcp" / "gcloud_logging_read.json"], geoip_dbs=[]))
    assert gcp.severity == "high" and "SetIamPolicy on mallory.ops@gmail.com (roles/owner)" in gcp.explanation
    (azure,) = _findings(analyze([data_dir / "azure" / "activity_cli.json"], geoip_dbs=[]))
    assert azure.users[0] == "alice@contoso.com" and len(azure.evidence) == 1  # the started one is not a change
    (ws,) = _findings(analyze([data_dir / "workspace" / "admin_activities.json"], geoip_dbs=[]))
    assert ws.facts["changes"] == 2 and "GRANT_ADMIN_PRIVILEGE on svc-sync@acme.example" in ws.explanation
