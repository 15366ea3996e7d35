import csv
import json
from datetime import datetime, timezone

import pytest

import workbench.ingest.entra  # noqa: F401  (registers)
import workbench.ingest.entra_audit  # noqa: F401
import workbench.ingest.m365  # noqa: F401
from workbench.ingest import load
from workbench.ingest.entra_audit import activity_action
from workbench.events import raw_record

UTC = timezone.utc
TENANT = "5b6c1e2a-3f4d-4e8a-9c7b-1a2b3c4d5e6f"
IDS = [f"Directory_0a1b2c3d-00{i:02d}-4e5f-8a9b-0c1d2e3f4a{i:02d}" for i in range(1, 11)]


def _records(data_dir):
    return json.loads((data_dir / "entra" / "audit_graph.json").read_text())["value"]


def _pascal(value):
    if isinstance(value, dict):
        return {("IPAddress" if k == "ipAddress" else k[:1].upper() + k[1:]): _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


def _variant(kind, data_dir, tmp_path):
    records = _records(data_dir)
    if kind == "graph":
        return data_dir / "entra" / "audit_graph.json"
    path = tmp_path / "audit.json"
    if kind == "portal-array":
        path.write_text(json.dumps(records, indent=2))
    elif kind == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    elif kind == "powershell":
        path.write_text(json.dumps(_pascal(records)))
    elif kind == "diagnostic":
        path.write_text(json.dumps({"records": [
            {"time": r["activityDateTime"], "resourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
             "operationName": r["activityDisplayName"], "category": "AuditLogs", "tenantId": TENANT,
             "resultSignature": "None", "properties": r} for r in records]}))
    return path


@pytest.mark.parametrize("kind", ["graph", "portal-array", "jsonl", "powershell", "diagnostic"])
def test_directory_audits_in_every_json_shape(kind, data_dir, tmp_path):
    result = load([_variant(kind, data_dir, tmp_path)])
    (info,) = result.inputs
    assert info.format == "entra_audit" and info.events == 10
    assert info.bad_records == 1 and "no usable activity time" in info.errors[0]
    t = result.table.to_pydict()
    assert t["ref"] == IDS
    assert t["ts"][0] == datetime(2024, 3, 5, 10, 50, 0, 123456, tzinfo=UTC)
    assert t["action"] == ["credential.create", "credential.create", "privilege.change", "account.create",
                           "credential.change", "credential.change", "api.call", "privilege.change", "api.call",
                           "privilege.change"]
    assert t["outcome"] == ["success"] * 7 + ["failure", "success", "success"]
    assert t["event_name"][1] == "Update application – Certificates and secrets management"
    assert t["user"] == ["alice@contoso.com"] * 6 + ["bob@contoso.com", "Payroll Sync", "bob@contoso.com", None]
    assert t["target_user"] == ["Payroll Sync", "Payroll Sync", "bob@contoso.com", "svc-helpdesk@contoso.com",
                                "carol@contoso.com", "carol@contoso.com", "bob@contoso.com", "Microsoft Graph",
                                "Expense Reports", None]
    assert t["src_ip"] == ["45.155.205.99"] * 6 + ["73.162.10.20", None, "73.162.10.20", None]
    assert t["session_id"][0] == "1a2b3c4d-0001-4e5f-8a9b-0c1d2e3f4a01"
    assert t["user_agent"][0].startswith("Mozilla/5.0") and t["user_agent"][7] is None
    assert t["host"][0] == (TENANT if kind == "diagnostic" else None)
    assert set(t["source"]) == {"entra_audit"}
    if kind in ("graph", "portal-array", "jsonl"):
        assert json.loads(raw_record(result.table, 2)) == _records(data_dir)[2]


def test_portal_csv(data_dir):
    result = load([data_dir / "entra" / "audit_portal.csv"])
    (info,) = result.inputs
    assert info.format == "entra_audit" and info.events == 4
    assert info.errors == ("line 5: 5 fields where the header has 34",)
    t = result.table.to_pydict()
    assert t["ref"] == ["line 2", "line 3", "line 4", "line 6"]  # the download has no record id
    assert t["ts"][1] == datetime(2024, 3, 9, 14, 2, 0, 553123, tzinfo=UTC)
    assert t["action"] == ["privilege.change", "credential.create", "api.call", "account.create"]
    assert t["user"] == ["alice@contoso.com", "alice@contoso.com", "bob@contoso.com",
                         "Microsoft Graph Command Line Tools"]
    assert t["target_user"] == ["bob@contoso.com", "Payroll Sync", "bob@contoso.com", "Expense Reports"]
    assert t["src_ip"][:3] == ["45.155.205.99", "45.155.205.99", "73.162.10.20"] and t["src_ip"][3] is None
    assert t["user_agent"][1].startswith("Mozilla/5.0")  # from AdditionalDetail2 "User-Agent"
    assert t["session_id"][0] == "2b3c4d5e-0001-4f6a-9b0c-1d2e3f4a5b01"
    assert json.loads(t["raw"][0])["Activity"] == "Add member to role"  # CSV rows are kept as JSON objects


def test_log_analytics_csv(data_dir):
    result = load([data_dir / "entra" / "audit_loganalytics.csv"])
    (info,) = result.inputs
    assert info.format == "entra_audit" and info.events == 4 and info.complete
    t = result.table.to_pydict()
    assert t["ref"][:2] == ["Directory_3c4d5e6f-0001-4a7b-8c9d-0e1f2a3b4c01",
                            "SSGM_3c4d5e6f-0002-4a7b-8c9d-0e1f2a3b4c02"]
    assert t["ts"][1] == datetime(2024, 3, 10, 8, 45, 12, 345000, tzinfo=UTC)
    assert t["action"] == ["privilege.change", "credential.change", "credential.create", "api.call"]
    assert t["outcome"] == ["success", "success", "failure", "success"]
    assert t["user"][:3] == ["alice@contoso.com", "carol@contoso.com", "bob@contoso.com"]
    assert t["target_user"][:3] == ["bob@contoso.com", "carol@contoso.com", "Payroll Sync"]
    assert t["src_ip"][:3] == ["45.155.205.99", "24.5.80.12", "62.76.41.5"]
    # a cut-off InitiatedBy leaves the initiator unknown; the event is kept
    assert t["user"][3] is None and t["event_name"][3] == "Update user"
    assert set(t["host"]) == {TENANT}


def test_log_analytics_json(data_dir, tmp_path):
    """``az monitor log-analytics query`` output: nested columns as JSON, plain column names."""
    with open(data_dir / "entra" / "audit_loganalytics.csv", newline="") as fh:
        rows = [{k.removesuffix(" [UTC]"): v for k, v in row.items() if v} for row in csv.DictReader(fh)]
    rows = rows[:3]
    for row in rows:
        row["InitiatedBy"] = json.loads(row["InitiatedBy"])
        row["TargetResources"] = json.loads(row["TargetResources"])
    path = tmp_path / "query.json"
    path.write_text(json.dumps(rows))
    result = load([path])
    (info,) = result.inputs
    assert info.format == "entra_audit" and info.events == 3
    t = result.table.to_pydict()
    assert t["action"] == ["privilege.change", "credential.change", "credential.create"]
    assert t["user"] == ["alice@contoso.com", "carol@contoso.com", "bob@contoso.com"]


@pytest.mark.parametrize(("name", "properties", "action"), [
    ("Add service principal credentials", (), "credential.create"),
    ("Add service principal credentials.", (), "credential.create"),  # as the M365 audit log writes it
    ("Update application – Certificates and secrets management ", (), "credential.create"),
    ("Update application - Certificates and secrets management", (), "credential.create"),
    ("Update application", [("KeyDescription", "[]")], None),  # the secret was removed, not added
    ("Update application", [("Included Updated Properties", '"KeyDescription"')], "credential.create"),
    ("Add application", [("PasswordCredentials", '[{"KeyId":"x"}]')], "credential.create"),
    ("Add application", [("AppAddress", '["https://x"]')], None),
    ("Update user", [("StrongAuthenticationMethod", '[{"MethodType":7}]')], "credential.change"),
    ("Update user", [("JobTitle", '["x"]')], None),
    ("Add eligible member to role", (), "privilege.change"),
    ("Add owner to service principal", (), "privilege.change"),
    ("Add delegated permission grant", (), "privilege.change"),
    ("Add user", (), "account.create"),
    ("Change user password", (), "credential.change"),
    ("Delete user", (), None),
    (None, (), None),
])
def test_activity_table(name, properties, action):
    assert activity_action(name, properties) == action
