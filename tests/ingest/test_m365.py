import csv
import io
import json
from datetime import datetime, timezone

import workbench.ingest.entra  # noqa: F401  (registers)
import workbench.ingest.entra_audit  # noqa: F401
import workbench.ingest.m365  # noqa: F401
from workbench.ingest import load

UTC = timezone.utc
TENANT = "5b6c1e2a-3f4d-4e8a-9c7b-1a2b3c4d5e6f"


def test_classic_export(data_dir):
    result = load([data_dir / "m365" / "ual_classic.csv"])
    (info,) = result.inputs
    assert info.format == "m365_audit" and info.events == 6
    assert info.bad_records == 1 and info.errors[0].startswith("line 5: AuditData is not JSON")
    t = result.table.to_pydict()
    assert t["ref"] == [f"4d5e6f7a-000{i}-4b8c-9d0e-1f2a3b4c5d0{i}" for i in range(1, 7)]
    assert t["ts"][0] == datetime(2024, 3, 10, 8, 0, tzinfo=UTC)  # CreationTime has no zone: UTC
    assert t["action"] == ["auth.success", "auth.failure", "other", "privilege.change", "credential.create",
                           "api.call"]
    # UserLoginFailed says ResultStatus "Success"; the error number decides, and 50074 is an MFA interrupt
    assert t["outcome"] == ["success", "failure", "unknown", "success", "success", "success"]
    assert t["event_name"] == ["UserLoggedIn:0", "UserLoginFailed:50126", "UserLoginFailed:50074",
                               "Add member to role.", "Add service principal credentials.", "New-InboxRule"]
    assert set(t["user"]) == {"alice@contoso.com"}
    assert t["target_user"][3:5] == ["bob@contoso.com", "Payroll Sync"]
    assert t["src_ip"] == ["81.2.69.10", "45.155.205.99", "45.155.205.99", None, None, "45.155.205.99"]  # port gone
    assert t["user_agent"][0].startswith("Mozilla/5.0") and t["user_agent"][1] == "python-requests/2.31.0"
    assert set(t["host"]) == {TENANT}
    assert t["log_country"] == [None] * 6
    assert t["session_id"][5] == "7a8b9c0d-0006-4e1f-9a2b-3c4d5e6f7a06"
    assert json.loads(t["raw"][5])["Parameters"][1]["Value"] == "invoice;payment"  # raw = AuditData


def test_purview_export(data_dir):
    result = load([data_dir / "m365" / "ual_purview.csv"])
    (info,) = result.inputs
    assert info.format == "m365_audit" and info.events == 4 and info.complete
    t = result.table.to_pydict()
    assert t["ref"] == [f"5e6f7a8b-000{i}-4c9d-8e0f-1a2b3c4d5e0{i}" for i in range(1, 5)]  # AuditData.Id or RecordId
    assert t["ts"][1] == datetime(2024, 3, 11, 7, 10, 0, 123456, tzinfo=UTC)  # no CreationTime: CreationDate
    assert t["action"] == ["api.call", "auth.success", "privilege.change", "credential.change"]
    assert t["user"] == ["alice@contoso.com", "bob@contoso.com", "alice@contoso.com", "alice@contoso.com"]
    assert t["src_ip"][:3] == ["2a02:6b8::1", "73.162.10.20", "45.155.205.99"]  # "[v6]:port" unwrapped
    assert t["target_user"] == [None, None, "ceo@contoso.com", "carol@contoso.com"]
    assert t["session_id"][3] == "8b9c0d1e-0008-4f2a-8b3c-4d5e6f7a8b08"


def test_powershell_export_in_utf16_with_type_line(data_dir, tmp_path):
    """``Search-UnifiedAuditLog | Export-Csv -Encoding Unicode`` from Windows PowerShell."""
    with open(data_dir / "m365" / "ual_classic.csv", newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    out = io.StringIO()
    out.write("#TYPE Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks.AuditRecord\r\n")
    names = ["RunspaceId", "RecordType", "CreationDate", "UserIds", "Operations", "AuditData", "ResultIndex",
             "ResultCount", "Identity", "IsValid", "ObjectState"]
    writer = csv.DictWriter(out, names, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writeheader()
    for i, row in enumerate(rows, 1):
        writer.writerow({"RunspaceId": "0d9c8b7a-0000-4000-8000-000000000000", "RecordType": "AzureActiveDirectory",
                         "CreationDate": "3/10/2024 8:00:00 AM", "UserIds": row["UserIds"],
                         "Operations": row["Operations"], "AuditData": row["AuditData"], "ResultIndex": i,
                         "ResultCount": len(rows), "Identity": f"id-{i}", "IsValid": "True",
                         "ObjectState": "Unchanged"})
    path = tmp_path / "ual.csv"
    path.write_bytes(out.getvalue().encode("utf-16"))
    result = load([path])
    (info,) = result.inputs
    assert info.format == "m365_audit" and info.events == 6 and info.bad_records == 1
    assert info.errors[0].startswith("line 6: AuditData is not JSON")  # lines counted from the #TYPE line
    t = result.table.to_pydict()
    assert t["action"][:3] == ["auth.success", "auth.failure", "other"]
    assert t["ts"][5] == datetime(2024, 3, 10, 8, 30, tzinfo=UTC)
