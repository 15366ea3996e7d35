import gzip
import json
from datetime import datetime, timezone

import pytest

import workbench.ingest.entra  # noqa: F401  (registers)
import workbench.ingest.entra_audit  # noqa: F401
import workbench.ingest.m365  # noqa: F401
from workbench.ingest import load
from workbench.ingest.entra import classify, error_code, to_time
from workbench.events import raw_record

UTC = timezone.utc
GRAPH_IDS = [f"0f1e2d3c-000{i}-4b5a-8c7d-9e0f1a2b3c0{i}" for i in range(1, 9)]
TENANT = "5b6c1e2a-3f4d-4e8a-9c7b-1a2b3c4d5e6f"


def _graph_records(data_dir):
    return json.loads((data_dir / "entra" / "signins_graph.json").read_text())["value"]


def _pascal(value):
    """What the Graph PowerShell SDK writes: PascalCase keys, ``IPAddress``."""
    if isinstance(value, dict):
        return {("IPAddress" if k == "ipAddress" else k[:1].upper() + k[1:]): _pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


def _graph_variant(kind, data_dir, tmp_path):
    records = _graph_records(data_dir)
    if kind == "graph":
        return data_dir / "entra" / "signins_graph.json"
    path = tmp_path / "export.json"
    if kind == "portal-array":  # the admin center "Download JSON"
        path.write_text(json.dumps(records, indent=2))
    elif kind == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    elif kind == "powershell":
        path.write_text(json.dumps(_pascal(records), indent=2))
    elif kind == "diagnostic":  # diagnostic settings → storage account
        category = {"nonInteractiveUser": "NonInteractiveUserSignInLogs",
                    "servicePrincipal": "ServicePrincipalSignInLogs", "managedIdentity": "ManagedIdentitySignInLogs"}
        path.write_text(json.dumps({"records": [
            {"time": r["createdDateTime"], "resourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
             "operationName": "Sign-in activity",
             "category": category.get((r.get("signInEventTypes") or [""])[0], "SignInLogs"),
             "tenantId": TENANT, "resultType": str(r["status"]["errorCode"]), "callerIpAddress": r["ipAddress"],
             "properties": r} for r in records]}))
    elif kind == "graph-pages":  # a collector saving each Graph page as one JSON line
        path.write_text(json.dumps({"value": records[:5]}) + "\n" + json.dumps({"value": records[5:]}) + "\n")
    elif kind == "gz-without-suffix":
        path = tmp_path / "signins.dat"
        path.write_bytes(gzip.compress(json.dumps({"value": records}).encode()))
    return path


@pytest.mark.parametrize("kind", ["graph", "portal-array", "jsonl", "graph-pages", "powershell", "diagnostic",
                                  "gz-without-suffix"])
def test_graph_and_portal_json_give_the_same_events(kind, data_dir, tmp_path):
    result = load([_graph_variant(kind, data_dir, tmp_path)])
    (info,) = result.inputs
    assert info.format == "entra_signin" and info.events == 8
    where = {"jsonl": "line 9", "graph-pages": "line 2 record 4"}.get(kind, "record 9")
    assert info.bad_records == 1 and info.errors[0].startswith(f"{where}: no usable sign-in time")
    t = result.table.to_pydict()
    assert t["ref"] == GRAPH_IDS
    assert t["ts"][0] == datetime(2024, 3, 5, 10, 11, 12, 123456, tzinfo=UTC)  # 7 fractional digits, in UTC
    assert t["action"] == ["auth.success", "auth.failure", "other", "auth.failure", "auth.success",
                           "auth.success", "auth.success", "other"]
    assert t["outcome"] == ["success", "failure", "unknown", "failure", "success", "success", "success", "unknown"]
    assert t["event_name"][1:4] == ["signin:50126", "signin:50074", "signin:500121"]
    assert t["user"] == ["alice@contoso.com"] * 4 + ["bob@contoso.com", "Payroll Sync", "vm-build-01",
                                                     "carol@contoso.com"]
    assert t["logon_type"] == ["interactive"] * 4 + ["non_interactive", "service_principal", "managed_identity",
                                                     "interactive"]
    assert t["src_ip"] == ["81.2.69.10", "45.155.205.99", "45.155.205.99", "45.155.205.99", "73.162.10.20",
                           "177.37.12.34", None, "24.5.80.12"]
    assert t["log_country"] == ["GB", "RU", "RU", "RU", "US", "BR", None, None]
    assert t["client_app"][1] == "Azure Portal" and t["client_app"][5] == "Payroll Sync"
    assert t["user_agent"][1] == "python-requests/2.31.0" and t["user_agent"][7] is None
    # correlation id, else the unique token identifier
    assert t["session_id"][0] == "c0a1b2c3-0001-4000-8000-000000000001"
    assert t["session_id"][4] == "uti-EEEEEEEEEEEEEEEEEEEEEE"
    assert set(t["host"]) == {TENANT}
    assert set(t["source"]) == {"entra_signin"}
    # the original record is not copied into the table: it is read back from the file, byte for byte
    assert t["raw"][1] is None
    original = raw_record(result.table, 1)
    if kind in ("graph", "portal-array", "jsonl", "graph-pages", "gz-without-suffix"):
        assert json.loads(original) == _graph_records(data_dir)[1]
    else:  # the PowerShell record, the diagnostic-settings wrapper
        assert GRAPH_IDS[1] in original and isinstance(json.loads(original), dict)


def test_portal_csv_of_user_sign_ins(data_dir):
    result = load([data_dir / "entra" / "signins_portal.csv"])
    (info,) = result.inputs
    assert info.format == "entra_signin" and info.events == 4
    assert info.errors == ("line 5: 3 fields where the header has 57",)  # a cut-off row; the rest loads
    assert any("logon type is not known" in n for n in info.notes)
    t = result.table.to_pydict()
    assert t["ref"] == [f"6a5b4c3d-000{i}-4e2f-9a8b-7c6d5e4f3a0{i}" for i in (1, 2, 3, 5)]
    assert t["ts"][0] == datetime(2024, 3, 6, 8, 0, 5, tzinfo=UTC)
    assert t["ts"][3] == datetime(2024, 3, 6, 8, 10, 0, 123456, tzinfo=UTC)
    assert t["action"] == ["auth.success", "auth.failure", "other", "auth.success"]
    assert t["outcome"] == ["success", "failure", "unknown", "success"]
    assert t["event_name"] == ["signin:0", "signin:50126", "signin:50074", "signin:0"]
    assert t["user"] == ["alice@contoso.com"] * 3 + ["bob@contoso.com"]
    assert t["src_ip"] == ["81.2.69.10", "45.155.205.99", "45.155.205.99", None]
    assert t["log_country"] == ["GB", "RU", "RU", None]  # the last part of "City, State, CC"
    assert t["logon_type"] == [None] * 4
    assert t["client_app"][:2] == ["Office 365 Exchange Online", "Azure Portal"]
    assert t["session_id"][0] == "d1e2f3a4-0001-4b5c-8d9e-0f1a2b3c4d01" and t["session_id"][3] == "uti-p5"
    assert t["host"][0] == TENANT
    assert json.loads(t["raw"][1])["Failure reason"].startswith("Error validating credentials")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_portal_csv_of_service_principal_sign_ins(encoding, data_dir, tmp_path):
    path = tmp_path / "download.csv"
    text = (data_dir / "entra" / "signins_sp_portal.csv").read_text(encoding="utf-8-sig")
    path.write_bytes(text.encode(encoding))
    result = load([path])
    (info,) = result.inputs
    assert info.format == "entra_signin" and info.events == 2 and info.complete and not info.notes
    t = result.table.to_pydict()
    assert t["user"] == ["Payroll Sync", "Payroll Sync"]
    assert t["logon_type"] == ["service_principal", "service_principal"]
    assert t["action"] == ["auth.success", "auth.failure"] and t["event_name"][1] == "signin:7000215"
    assert t["src_ip"] == ["177.37.12.34", "185.220.101.7"] and t["log_country"] == ["BR", "DE"]
    assert t["ref"][0] == "7b6c5d4e-0001-4f3a-8b9c-0d1e2f3a4b01"


def test_log_analytics_csv(data_dir):
    result = load([data_dir / "entra" / "signins_loganalytics.csv"])
    (info,) = result.inputs
    assert info.format == "entra_signin" and info.events == 4
    assert info.errors == ("line 6: no usable sign-in time (not a time: '')",)
    t = result.table.to_pydict()
    # "3/7/2024, 1:05:00.000 PM" as the portal writes "[UTC]" columns
    assert t["ts"][:2] == [datetime(2024, 3, 7, 9, 15, 30, 123000, tzinfo=UTC),
                           datetime(2024, 3, 7, 13, 5, tzinfo=UTC)]
    assert t["ts"][3] == datetime(2024, 3, 7, 14, 0, tzinfo=UTC)  # no CreatedDateTime: TimeGenerated
    assert t["ref"][0] == "8c7d6e5f-0001-4a4b-9c8d-7e6f5a4b3c01"
    assert t["action"] == ["auth.success", "auth.failure", "auth.success", "auth.failure"]
    assert t["event_name"][1] == "signin:50053"
    assert t["logon_type"] == ["interactive", "interactive", "non_interactive", "service_principal"]
    assert t["user"] == ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com", "Payroll Sync"]
    assert t["log_country"] == ["GB", "RU", "US", "DE"]  # from LocationDetails (JSON text)
    assert t["src_ip"][1] == "62.76.41.5"
    assert set(t["host"]) == {TENANT}  # the Entra tenant, not the workspace id Log Analytics calls TenantId
    assert t["client_app"][3] == "7e1c4b2a-0d3f-4c55-8a9e-5f2b6c7d8e90"  # no app name: its id


def test_log_analytics_json(data_dir):
    result = load([data_dir / "entra" / "signins_loganalytics.json"])
    (info,) = result.inputs
    assert info.format == "entra_signin" and info.events == 3 and info.complete
    t = result.table.to_pydict()
    assert t["ts"][0] == datetime(2024, 3, 8, 7, 0, 0, 123456, tzinfo=UTC)
    assert t["action"] == ["other", "auth.failure", "auth.success"]  # 50140 "stay signed in?" is an interrupt
    assert t["event_name"] == ["signin:50140", "signin:500121", "signin:0"]
    assert t["logon_type"] == ["non_interactive", "interactive", "managed_identity"]
    assert t["user"] == ["bob@contoso.com", "alice@contoso.com", "vm-build-01"]
    assert t["log_country"] == ["US", "RU", None] and t["src_ip"][2] is None


@pytest.mark.parametrize(("code", "status", "expected"), [
    (0, None, ("auth.success", "success", 0)),
    ("0", None, ("auth.success", "success", 0)),
    (50126, None, ("auth.failure", "failure", 50126)),  # bad password
    (50053, None, ("auth.failure", "failure", 50053)),  # locked
    (500121, None, ("auth.failure", "failure", 500121)),  # MFA failed or denied
    (53003, None, ("auth.failure", "failure", 53003)),  # blocked by Conditional Access
    (50034, None, ("auth.invalid_user", "failure", 50034)),
    (50074, None, ("other", "unknown", 50074)),  # MFA required: an interrupt
    ("50076", None, ("other", "unknown", 50076)),
    (50140, None, ("other", "unknown", 50140)),  # "keep me signed in"
    (None, "Interrupted", ("other", "unknown", None)),
    ("", "Failure", ("auth.failure", "failure", None)),
    (None, None, ("other", "unknown", None)),
])
def test_error_code_decides_the_outcome(code, status, expected):
    assert classify(code, status) == expected


def test_error_code_is_read_back_from_event_name():
    assert error_code("signin:500121") == 500121
    assert error_code("UserLoginFailed:50074") == 50074
    assert error_code("signin") is None and error_code(None) is None and error_code("New-InboxRule") is None


def test_times_in_the_forms_exports_write():
    assert to_time("2024-03-05T10:11:12.1234567Z") == datetime(2024, 3, 5, 10, 11, 12, 123456, tzinfo=UTC)
    assert to_time("2024-03-05T10:11:12") == datetime(2024, 3, 5, 10, 11, 12, tzinfo=UTC)  # naive is UTC
    assert to_time("3/5/2024, 12:01:02.5 AM") == datetime(2024, 3, 5, 0, 1, 2, 500000, tzinfo=UTC)
    assert to_time("12/31/2023 11:59:59 PM") == datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC)
    with pytest.raises(ValueError):
        to_time("31/12/2023 23:59:59")


@pytest.mark.parametrize(("path", "fmt"), [("cloudtrail/records.json", "cloudtrail"), ("authlog/auth.log", "authlog")])
def test_other_formats_are_not_claimed(path, fmt, data_dir):
    (info,) = load([data_dir / path], year=2024).inputs
    assert info.format == fmt


def test_a_folder_of_mixed_exports_is_told_apart(data_dir):
    formats = {i.path.rsplit("/", 1)[1]: i.format for i in load([data_dir / "entra", data_dir / "m365"]).inputs}
    assert {k: v for k, v in formats.items() if k.startswith("signins")} == dict.fromkeys(
        ["signins_graph.json", "signins_loganalytics.csv", "signins_loganalytics.json", "signins_portal.csv",
         "signins_sp_portal.csv"], "entra_signin")
    assert {v for k, v in formats.items() if k.startswith("audit")} == {"entra_audit"}
    assert {v for k, v in formats.items() if k.startswith("ual")} == {"m365_audit"}
