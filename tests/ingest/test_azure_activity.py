import csv
import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import workbench.ingest.azure_activity as azure_activity  # registers
from workbench.ingest import load
from workbench.ingest.entra import to_time
from workbench.evidence.files import expand
from workbench.events import raw_record

UTC = timezone.utc
SUB = "0b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8"
CLI_REFS = [f"e1a0000{i}-7c2b-4d8e-9f10-2a3b4c5d6e0{i}" for i in range(1, 8)]
LA_REFS = [f"f2b0000{i}-8d3c-4e9f-a021-3b4c5d6e7f0{i}" for i in range(1, 6)]
OWN_DIRS = {"azure", "gcp", "workspace", "s3"}


def _records(data_dir):
    return json.loads((data_dir / "azure" / "activity_cli.json").read_text())


def _variant(kind, data_dir, tmp_path):
    records = _records(data_dir)
    if kind == "cli":
        return data_dir / "azure" / "activity_cli.json"
    if kind == "rest_page":
        path = tmp_path / "activity.json"
        path.write_text(json.dumps({"value": records, "nextLink": None}))
    elif kind == "jsonl":
        path = tmp_path / "activity.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    elif kind == "gz-without-suffix":
        path = tmp_path / "export.log"
        path.write_bytes(gzip.compress(json.dumps(records).encode()))
    return path


@pytest.mark.parametrize("kind", ["cli", "rest_page", "jsonl", "gz-without-suffix"])
def test_cli_json_in_every_shape(kind, data_dir, tmp_path):
    result = load([_variant(kind, data_dir, tmp_path)])
    (info,) = result.inputs
    assert info.format == "azure_activity" and info.events == 7
    assert info.bad_records == 1
    where, reason = info.errors[0].split(": ", 1)
    assert where == ("line 4" if kind == "jsonl" else "record 4") and reason.startswith("no usable event time")
    t = result.table.to_pydict()
    assert t["ref"] == CLI_REFS  # eventDataId, in time order (the CLI lists newest first)
    assert t["ts"][0] == datetime(2024, 3, 14, 9, 58, 3, 123456, tzinfo=UTC)  # 7 fraction digits
    # Started and Succeeded of one operation are both kept, tied by the correlation id
    assert t["action"] == ["api.call", "privilege.change", "privilege.change", "api.call", "api.call", "api.call",
                           "api.call"]
    assert t["outcome"] == ["failure", "unknown", "success", "unknown", "success", "success", "unknown"]
    assert t["session_id"][1] == t["session_id"][2] == "c0a1b2c3-0002-4d5e-8f9a-0b1c2d3e4f02"
    assert t["event_name"][1] == "Microsoft.Authorization/roleAssignments/write"
    assert t["event_name"][3] == "Microsoft.Compute/virtualMachines/runCommand/action"
    assert t["event_name"][5] == "Microsoft.Storage/storageAccounts/listKeys/action"
    # UPNs in lower case; a service principal's caller is its application id
    assert t["user"] == ["bob@contoso.com", "alice@contoso.com", "alice@contoso.com", "alice@contoso.com",
                         "alice@contoso.com", "8f3c2a1b-6d5e-4f70-9a81-b2c3d4e5f607", "carol@contoso.com"]
    # httpRequest.clientIpAddress, else the ipaddr claim, else nothing
    assert t["src_ip"] == ["73.162.10.20"] + ["45.155.205.99"] * 4 + ["185.220.101.34", None]
    assert t["host"] == [SUB] * 7  # the last has no subscriptionId: read from its resource id
    assert t["client_app"][5] == "8f3c2a1b-6d5e-4f70-9a81-b2c3d4e5f607"
    # the original record, read back from the evidence
    assert json.loads(raw_record(result.table, 1))["eventDataId"] == CLI_REFS[1]


def test_truncated_json_line_is_counted_and_the_rest_loads(data_dir, tmp_path):
    lines = [json.dumps(r) for r in _records(data_dir)]
    lines.insert(1, lines[0][:300])
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(lines))
    (info,) = load([path]).inputs
    assert info.events == 7 and info.bad_records == 2
    assert info.errors[0].startswith("line 2: invalid JSON")


def test_log_analytics_csv(data_dir):
    result = load([data_dir / "azure" / "azureactivity_loganalytics.csv"])
    (info,) = result.inputs
    assert info.format == "azure_activity" and info.events == 5
    assert info.bad_records == 1 and info.errors[0].startswith("line 6: ")  # a cut-off row
    t = result.table.to_pydict()
    assert t["ref"] == LA_REFS
    assert t["ts"][0] == datetime(2024, 3, 14, 10, 2, 11, 555000, tzinfo=UTC)  # "3/14/2024, 10:02:11.555 AM"
    assert t["ts"][3] == datetime(2024, 3, 14, 13, 15, 42, 250000, tzinfo=UTC)  # PM
    assert t["action"] == ["privilege.change", "privilege.change", "api.call", "api.call", "privilege.change"]
    assert t["outcome"] == ["unknown", "success", "success", "failure", "success"]  # Start, Success, ..., Failure
    assert t["user"][:2] == ["alice@contoso.com", "alice@contoso.com"]
    assert t["src_ip"] == ["45.155.205.99", "45.155.205.99", "185.220.101.34", "73.162.10.20", "45.155.205.99"]
    assert t["host"] == [SUB] * 5  # the last row's SubscriptionId is empty: taken from _ResourceId
    assert t["event_name"][3] == "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE"  # as logged
    assert json.loads(t["raw"][0])["EventDataId"] == LA_REFS[0]


def test_log_analytics_json(data_dir, tmp_path):
    """``az monitor log-analytics query`` output: the same rows as JSON, ISO times, dynamic columns as text."""
    with open(data_dir / "azure" / "azureactivity_loganalytics.csv", newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("TimeGenerated [UTC]")]
    out = []
    for row in rows:
        rec = {k.removesuffix(" [UTC]"): v for k, v in row.items()}
        rec["TimeGenerated"] = to_time(rec["TimeGenerated"]).isoformat().replace("+00:00", "Z")
        out.append(rec)
    path = tmp_path / "query.json"
    path.write_text(json.dumps(out, indent=2))
    result = load([path])
    (info,) = result.inputs
    assert info.format == "azure_activity" and info.events == 5 and info.complete
    t = result.table.to_pydict()
    assert t["ref"] == LA_REFS and t["ts"][1] == datetime(2024, 3, 14, 10, 2, 13, 1000, tzinfo=UTC)
    assert t["src_ip"][2] == "185.220.101.34"


def test_operation_names_and_status_words():
    assert azure_activity.operation_action("MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE") == "privilege.change"
    assert azure_activity.operation_action("microsoft.storage/storageaccounts/listkeys/action") == "api.call"
    assert azure_activity.operation_action(None) == "api.call"
    assert [azure_activity.status_outcome(s) for s in ("Succeeded", "Failed", "Started", "Accepted", None)] == \
        ["success", "failure", "unknown", "unknown", "unknown"]


def test_other_formats_are_not_claimed(data_dir):
    result = load([data_dir / "cloudtrail" / "records.json", data_dir / "authlog" / "auth.log"], year=2024)
    assert [i.format for i in result.inputs] == ["cloudtrail", "authlog"]
    for ev in expand([data_dir]):
        if Path(ev.path).parent.name not in OWN_DIRS | {"data"}:
            assert not azure_activity._sniff(ev.head()), ev.display
