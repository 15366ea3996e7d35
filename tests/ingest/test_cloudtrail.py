import gzip
import json
from datetime import datetime, timezone

import pytest

from workbench.ingest import load
from workbench.events import raw_record

EXPECTED_IDS = [f"3fcfb1a4-6f0e-4b39-9d6e-2f4ad2c1a00{i}" for i in range(1, 7)]


def _records(data_dir):
    return json.loads((data_dir / "cloudtrail" / "records.json").read_text())["Records"]


def _variant(kind, data_dir, tmp_path):
    records = _records(data_dir)
    if kind == "records":
        return data_dir / "cloudtrail" / "records.json"
    if kind == "jsonl":
        path = tmp_path / "trail.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    elif kind == "array":
        path = tmp_path / "trail.json"
        path.write_text(json.dumps(records, indent=2))
    elif kind == "gz":
        path = tmp_path / "111122223333_CloudTrail_us-east-1_20240304T2310Z_abc.json.gz"
        path.write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
    elif kind == "gz-without-suffix":  # sniffed by content, not by name
        path = tmp_path / "export.log"
        path.write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
    return path


@pytest.mark.parametrize("kind", ["records", "jsonl", "array", "gz", "gz-without-suffix"])
def test_every_shape_gives_the_same_events(kind, data_dir, tmp_path):
    result = load([_variant(kind, data_dir, tmp_path)])
    (info,) = result.inputs
    assert info.format == "cloudtrail" and info.complete and info.events == 6
    t = result.table.to_pydict()
    assert t["ref"] == EXPECTED_IDS  # native eventID, in time order
    assert t["ts"][0] == datetime(2024, 3, 4, 15, 2, 11, tzinfo=timezone.utc)
    assert t["action"] == ["auth.success", "api.call", "auth.failure", "credential.create", "api.call",
                           "privilege.change"]
    assert t["outcome"] == ["success", "success", "failure", "success", "success", "failure"]
    assert t["user"] == ["alice", "alice", "bob",
                         "AWSReservedSSO_Admin_0123456789abcdef/carol@example.com", "ec2.amazonaws.com", "root"]
    assert t["target_user"][3] == "svc-backup"
    # service names are not IPs; IPv6 is kept in its canonical form
    assert t["src_ip"] == ["73.162.10.20", "73.162.10.20", "45.155.205.99", "24.5.80.12", None, "2a02:6b8::1"]
    assert t["host"][0] == "111122223333"
    assert t["event_name"][3] == "CreateAccessKey"
    # the original record, read back from the evidence byte for byte
    original = json.loads(raw_record(result.table, 3))
    assert original == _records(data_dir)[3]


def test_bad_lines_are_counted_and_the_rest_loads(data_dir, tmp_path):
    records = _records(data_dir)
    lines = [json.dumps(r) for r in records]
    lines.insert(2, '{"eventVersion": "1.08", "eventTime": "2024-03-04T15:0')  # truncated record
    lines.insert(4, '{"eventVersion": "1.08", "eventName": "NoTime", "eventSource": "s3.amazonaws.com"}')
    path = tmp_path / "partial.jsonl"
    path.write_text("\n".join(lines))
    (info,) = load([path]).inputs
    assert info.events == 6 and info.bad_records == 2
    assert info.errors[0].startswith("line 3: invalid JSON")
    assert info.errors[1].startswith("line 5: no usable eventTime")
    assert "kept 6 records, 2 bad" in info.summary()


def test_truncated_gzip_is_one_clear_error(data_dir, tmp_path):
    whole = gzip.compress((data_dir / "cloudtrail" / "records.json").read_bytes())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(whole[: len(whole) // 2])
    (info,) = load([path]).inputs
    assert info.format == "cloudtrail" and info.events == 0 and info.rejected
    assert "unreadable" in info.errors[0]


def test_wrong_types_from_a_hostile_exporter_do_not_crash(tmp_path):
    rec = {"eventVersion": "1.08", "eventTime": "2024-03-04T15:02:11Z", "eventSource": "iam.amazonaws.com",
           "eventName": 42, "userIdentity": {"userName": ["x"]}, "userAgent": {"a": 1},
           "sourceIPAddress": 7, "recipientAccountId": 111122223333, "requestParameters": "nope"}
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"Records": [rec, "not an object"]}))
    result = load([path])
    (info,) = result.inputs
    assert info.events == 1 and info.errors == ("record 2: not a JSON object",)
    row = result.table.to_pylist()[0]
    assert row["user"] == '["x"]' and row["event_name"] == "42" and row["host"] == "111122223333"
    assert row["src_ip"] is None and row["action"] == "api.call"


def test_json_lines_stream_in_chunks_with_exact_offsets(data_dir, tmp_path, monkeypatch):
    from workbench.ingest import cloudtrail

    records = _records(data_dir) * 5
    records = [dict(r, eventID=f"{r['eventID']}-{i}") for i, r in enumerate(records)]
    path = tmp_path / "trail.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\r\n\n")
    monkeypatch.setattr(cloudtrail, "CHUNK", 700)  # many chunks, lines cut across them
    monkeypatch.setattr(cloudtrail, "HEAD", 900)
    result = load([path])
    (info,) = result.inputs
    assert info.events == 30 and info.complete
    refs = result.table.column("ref").to_pylist()
    for row in range(result.table.num_rows):
        assert json.loads(raw_record(result.table, row)) == records[[r["eventID"] for r in records].index(refs[row])]


def test_s3_data_events_carry_the_bytes_sent_out(tmp_path):
    """additionalEventData.bytesTransferredOut (S3 data events) is the event's `bytes`, as a number of any
    JSON type; anything else is null, never a failed record."""
    base = {"eventVersion": "1.09", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
            "awsRegion": "eu-west-1", "sourceIPAddress": "185.220.101.34", "userAgent": "rclone/v1.66.0",
            "userIdentity": {"type": "IAMUser", "userName": "backup-ci", "accessKeyId": "AKIAEXAMPLE000000001"},
            "recipientAccountId": "111122223333", "eventType": "AwsApiCall"}
    sent = [5368709120.0, 1024, "2048", None, "lots", True]
    records = []
    for i, value in enumerate(sent):
        rec = {**base, "eventTime": f"2024-03-14T10:0{i}:00Z", "eventID": f"e{i}"}
        if value is not None:
            rec["additionalEventData"] = {"bytesTransferredIn": 0, "bytesTransferredOut": value}
        records.append(rec)
    (tmp_path / "trail.json").write_text(json.dumps({"Records": records}), encoding="utf-8")
    result = load([tmp_path / "trail.json"])
    assert result.inputs[0].errors == ()
    assert result.table.column("bytes").to_pylist() == [5368709120, 1024, 2048, None, None, None]
