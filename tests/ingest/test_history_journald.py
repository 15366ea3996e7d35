from datetime import datetime, timezone

from workbench.ingest import load


def test_lookup_events_json_is_cloudtrail(data_dir):
    result = load([data_dir / "cloudtrail_history" / "lookup-events.json"])
    (info,) = result.inputs
    assert info.format == "cloudtrail_lookup" and info.events == 4 and info.complete
    t = result.table.to_pydict()
    assert set(t["source"]) == {"cloudtrail"}
    assert t["ref"][0] == "3fcfb1a4-6f0e-4b39-9d6e-2f4ad2c1a001"
    assert t["action"] == ["auth.success", "api.call", "auth.failure", "credential.create"]
    assert t["target_user"][3] == "svc-backup" and t["src_ip"][2] == "45.155.205.99"


def test_console_event_history_csv(data_dir):
    result = load([data_dir / "cloudtrail_history" / "event_history.csv"])
    (info,) = result.inputs
    assert info.format == "cloudtrail_csv" and info.events == 3
    assert info.errors[0].startswith("line 5: no usable event time")
    t = result.table.to_pydict()
    assert t["ts"][0] == datetime(2024, 3, 4, 22, 40, 1, tzinfo=timezone.utc)
    assert t["action"] == ["auth.success", "auth.failure", "credential.create"]
    assert t["user"] == ["bob"] * 3 and t["session_id"][2] == "ASIAEXAMPLE000000001"


def test_journalctl_json(data_dir):
    result = load([data_dir / "journald" / "journal.json"])
    (info,) = result.inputs
    assert info.format == "journald" and info.events == 3 and info.bad_records == 1
    t = result.table.to_pydict()
    assert t["ts"][0] == datetime(2024, 3, 5, 10, 11, 12, 123456, tzinfo=timezone.utc)
    assert t["action"] == ["auth.failure", "auth.success", "privilege.use"]
    assert t["host"][0] == "app-03" and t["src_ip"][1] == "185.220.101.34"
    assert t["ref"][0].startswith("s=9d1c0e3c")  # the entry's __CURSOR
    assert t["user"][2] == "ops" and t["target_user"][2] == "root"  # MESSAGE given as bytes (not UTF-8)


def test_an_s3_export_tree_of_many_small_gzip_files(data_dir, tmp_path):
    import gzip
    import json

    records = json.loads((data_dir / "cloudtrail" / "records.json").read_text())["Records"]
    for i in range(300):
        day = tmp_path / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2024" / "03" / f"{1 + i % 28:02d}"
        day.mkdir(parents=True, exist_ok=True)
        recs = [dict(r, eventID=f"{r['eventID']}-{i}") for r in records]
        (day / f"111122223333_CloudTrail_us-east-1_20240301T{i:04d}Z_x.json.gz").write_bytes(
            gzip.compress(json.dumps({"Records": recs}).encode()))
    result = load([tmp_path / "AWSLogs"])
    assert len(result.inputs) == 300 and all(i.format == "cloudtrail" and i.complete for i in result.inputs)
    assert result.table.num_rows == 1800
