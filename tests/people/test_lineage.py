from pathlib import Path

from workbench.people.lineage import chain, trace, use_rows
from workbench.pipeline import analyze

DATA = Path(__file__).resolve().parents[1] / "data"


def _by_kind(credentials, kind):
    return [c for c in credentials if c.kind == kind]


def test_access_key_created_then_used_from_a_new_ip(analysis):
    (key,) = _by_kind(analysis.credentials, "aws_access_key")
    assert (key.key_id, key.owner) == ("AKIAIOSFODNN7NEWKEY1", "svc-backup")
    assert key.creator == "AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/alice@contoso.com"
    assert (key.creator_ip, key.creator_country) == ("45.155.205.99", "RU")
    assert key.created.isoformat() == "2024-03-11T09:30:00+00:00"
    # backward: what the creator did just before
    assert key.before["last_login"] == {"ts": "2024-03-11T09:25:00+00:00", "ip": "45.155.205.99",
                                        "country": "RU", "source": "cloudtrail"}
    before_checks = {f.check for f in analysis.findings if f.id in key.before["findings"]}
    assert "new_country" in before_checks
    # forward: every use, from where, doing what; svc-backup's old key was only used from 52.94.76.10
    assert key.uses["events"] == 5 and key.uses["new_ips"] == ["185.220.101.34"]
    assert key.uses["countries"] == [{"value": "DE", "events": 5}]
    assert key.uses["event_names"][0] == {"value": "GetObject", "events": 3}
    rows = use_rows(key)
    assert set(analysis.table.column("session_id").take(rows).to_pylist()) == {"AKIAIOSFODNN7NEWKEY1"}
    assert [r.ref for r in key.use_refs] == analysis.table.column("ref").take(rows).to_pylist()


def test_entra_secret_followed_to_service_principal_sign_ins_by_key_id(analysis):
    (secret,) = _by_kind(analysis.credentials, "entra_app_credential")
    assert (secret.key_id, secret.owner, secret.creator) == ("4c8e1f2a-9b3d-4e5f-8a7b-6c5d4e3f2a1b", "Payroll Sync",
                                                             "alice@contoso.com")
    # the 08:00 sign-in used another key: only the three with this key id count
    assert secret.uses["events"] == 3 and secret.uses["first"] == "2024-03-11T09:45:00+00:00"
    assert secret.uses["new_ips"] == ["185.220.101.34"]


def test_ssh_key_added_to_authorized_keys_then_used(analysis):
    (ssh,) = _by_kind(analysis.credentials, "ssh_key")  # alice's own key is in use from the start: not new
    assert ssh.owner == "root" and ssh.key_id == "SHA256:Zx9cV8bN7mL6kJ5hG4fD3sA2qW1eR0tYuIoP9lKjH6g"
    assert ssh.creator == "alice" and ssh.created.isoformat() == "2024-03-11T09:52:00+00:00"
    assert ssh.created_ref.ref == "19" and "authorized_keys edit" in ssh.note and "web-02" in ssh.note
    assert ssh.uses["events"] == 1 and ssh.uses["ips"] == [{"value": "45.155.205.99", "events": 1}]


def test_credentials_in_the_findings_json(analysis):
    doc = analysis.to_json()
    kinds = [c["kind"] for c in doc["credentials"]]
    assert sorted(kinds) == ["aws_access_key", "entra_app_credential", "ssh_key"]
    key = next(c for c in doc["credentials"] if c["kind"] == "aws_access_key")
    assert key["created_ref"]["source"] == "cloudtrail" and len(key["use_refs"]) == 5
    assert key["use_refs_truncated"] is False


def test_gcp_service_account_key_followed_by_key_name(city_db):
    analysis = analyze([DATA / "gcp" / "gcloud_logging_read.json"], geoip_dbs=[city_db])
    (key,) = _by_kind(analysis.credentials, "gcp_service_account_key")
    assert key.key_id == "3c9e5f1a2b4d6c8e0f1a2b3c4d5e6f7a8b9c0d1e"
    assert key.owner == "deploy@acme-prod.iam.gserviceaccount.com" and key.creator == "alice@acme.example"
    assert key.uses["events"] >= 1 and "185.220.101.34" in key.uses["new_ips"]


def test_no_credentials_in_logs_without_any(city_db):
    analysis = analyze([DATA / "authlog" / "auth.log"], geoip_dbs=[city_db], year=2023)
    assert trace(analysis.table, analysis.findings) == analysis.credentials
    assert all(c.kind == "ssh_key" for c in analysis.credentials)


def test_credential_never_used_and_unified_audit_log_shape(city_db):
    analysis = analyze([DATA / "m365" / "ual_classic.csv"], geoip_dbs=[city_db])
    (secret,) = analysis.credentials
    assert (secret.kind, secret.key_id, secret.owner) == ("entra_app_credential",
                                                          "4c8e1f2a-9b3d-4e5f-8a7b-6c5d4e3f2a1b", "Payroll Sync")
    assert secret.uses == {"events": 0} and secret.use_refs == ()


def test_workspace_oauth_grant_followed_to_the_apps_token_use(city_db):
    analysis = analyze([DATA / "workspace" / "token_activities.jsonl"], geoip_dbs=[city_db])
    (grant,) = analysis.credentials
    assert (grant.kind, grant.key_id, grant.owner) == ("workspace_oauth_grant", "Mail Backup Pro",
                                                       "alice@acme.example")
    assert grant.uses["events"] == 1


def test_chain_reads_backward_to_forward(analysis):
    (key,) = _by_kind(analysis.credentials, "aws_access_key")
    stages = chain(key)
    assert [s for s, _ in stages] == ["before", "before", "created", "used"]
    assert stages[0][1].endswith("last signed in at 2024-03-11T09:25:00+00:00 from 45.155.205.99 (RU) (cloudtrail)")
    assert stages[2][1].startswith("AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/alice@contoso.com created "
                                   "aws access key AKIAIOSFODNN7NEWKEY1 for svc-backup at 2024-03-11T09:30:00+00:00 "
                                   "from 45.155.205.99 (RU)")
    assert "never used by its creator or owner before: 185.220.101.34" in stages[3][1]
