import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import workbench.ingest.gcp_audit as gcp_audit  # registers
from workbench.ingest import load
from workbench.evidence.files import expand
from workbench.events import raw_record

UTC = timezone.utc
REFS = ["-8k2f1ae1b2c3", "-8k2f1ae1b2c4", "1x9a4fe2d7c5", "uf3nqde1k9z2", "-p3q9rbe4d1a8", "-1v7c2ke9xw3",
        "5ke1o2dxm9a0"]
KEY = ("//iam.googleapis.com/projects/acme-prod/serviceAccounts/deploy@acme-prod.iam.gserviceaccount.com/keys/"
       "3c9e5f1a2b4d6c8e0f1a2b3c4d5e6f7a8b9c0d1e")
OWN_DIRS = {"azure", "gcp", "workspace", "s3"}


def _entries(data_dir):
    return json.loads((data_dir / "gcp" / "gcloud_logging_read.json").read_text())


def _variant(kind, data_dir, tmp_path):
    entries = _entries(data_dir)
    if kind == "gcloud":
        return data_dir / "gcp" / "gcloud_logging_read.json"
    if kind == "jsonl":  # Logs Explorer "Download" as JSON Lines, or a Cloud Storage sink file, oldest first
        path = tmp_path / "00:00:00_00:59:59_S0.json"
        path.write_text("\n".join(json.dumps(e, separators=(",", ":")) for e in reversed(entries)) + "\n")
    elif kind == "entries_page":  # entries.list
        path = tmp_path / "page.json"
        path.write_text(json.dumps({"entries": entries, "nextPageToken": "EAA4suKu3qnLwbtrSg"}))
    elif kind == "gz":
        path = tmp_path / "audit.json.gz"
        path.write_bytes(gzip.compress(json.dumps(entries).encode()))
    return path


@pytest.mark.parametrize("kind", ["gcloud", "jsonl", "entries_page", "gz"])
def test_every_shape_gives_the_same_events(kind, data_dir, tmp_path):
    result = load([_variant(kind, data_dir, tmp_path)])
    (info,) = result.inputs
    assert info.format == "gcp_audit" and info.events == 7 and info.bad_records == 1
    assert "no usable timestamp" in info.errors[0]  # the entry without a timestamp
    t = result.table.to_pydict()
    assert t["ref"] == REFS  # insertId, in time order (gcloud lists newest first)
    assert t["ts"][0] == datetime(2024, 3, 15, 8, 12, 3, 481229, tzinfo=UTC)
    assert t["action"] == ["account.create", "credential.create", "privilege.change", "api.call", "api.call",
                           "api.call", "api.call"]
    assert t["outcome"] == ["success"] * 4 + ["failure", "success", "success"]  # status.code 7 PERMISSION_DENIED
    assert t["event_name"][:3] == ["google.iam.admin.v1.CreateServiceAccount",
                                   "google.iam.admin.v1.CreateServiceAccountKey", "SetIamPolicy"]
    assert t["user"] == ["alice@acme.example"] * 3 + ["deploy@acme-prod.iam.gserviceaccount.com", "bob@acme.example",
                                                      None, "998877665544@cloudbuild.gserviceaccount.com"]
    # the new account; the key's account (resourceName holds its number, the request its email); who got owner
    assert t["target_user"][:3] == ["backup-sync@acme-prod.iam.gserviceaccount.com",
                                    "deploy@acme-prod.iam.gserviceaccount.com", "mallory.ops@gmail.com"]
    # "gce-internal-ip" and "private" are redactions, not addresses
    assert t["src_ip"] == ["45.155.205.99"] * 3 + ["185.220.101.34", None, None, None]
    assert t["session_id"] == [None] * 3 + [KEY, None, None, None]  # the key the service account used
    assert set(t["host"]) == {"acme-prod"}
    assert t["user_agent"][2] == ("google-cloud-sdk gcloud/467.0.0 command/gcloud.projects.add-iam-policy-binding,"
                                  "gzip(gfe)")
    assert t["user_agent"][5] is None  # a system event has no caller
    assert json.loads(raw_record(result.table, 1))["insertId"] == REFS[1]


def test_broken_lines_and_entries_without_an_audit_payload(data_dir, tmp_path):
    entries = list(reversed(_entries(data_dir)))
    lines = [json.dumps(e) for e in entries]
    lines.insert(1, lines[0][:200])  # cut short
    other = {"insertId": "txt001", "logName": "projects/acme-prod/logs/syslog", "textPayload": "kernel: eth0 up",
             "resource": {"type": "gce_instance", "labels": {"project_id": "acme-prod"}},
             "timestamp": "2024-03-15T08:50:00Z"}
    lines.append(json.dumps(other))
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines))
    result = load([path])
    (info,) = result.inputs
    assert info.format == "gcp_audit" and info.events == 8 and info.bad_records == 2
    assert info.errors[0].startswith("line 2: invalid JSON")
    row = result.table.to_pylist()[-1]
    assert (row["ref"], row["action"], row["outcome"], row["event_name"]) == ("txt001", "other", "unknown", "syslog")


def test_method_names():
    action = gcp_audit.method_action
    assert action("google.iam.admin.v1.SetIAMPolicy") == "privilege.change"  # IAM spells it this way
    assert action("google.cloud.resourcemanager.v3.Projects.SetIamPolicy") == "privilege.change"
    assert action("storage.setIamPermissions") == "privilege.change"
    assert action("google.iam.admin.v1.CreateServiceAccountKey") == "credential.create"
    assert action("google.iam.admin.v1.GetIamPolicy") == "api.call" and action(None) == "api.call"


def test_other_formats_are_not_claimed(data_dir):
    result = load([data_dir / "cloudtrail" / "records.json", data_dir / "authlog" / "auth.log"], year=2024)
    assert [i.format for i in result.inputs] == ["cloudtrail", "authlog"]
    for ev in expand([data_dir]):
        if Path(ev.path).parent.name not in OWN_DIRS | {"data"}:
            assert not gcp_audit._sniff(ev.head()), ev.display
