import gzip
from datetime import datetime, timezone
from pathlib import Path

import pytest

import workbench.ingest.s3_access as s3_access  # registers
from workbench.ingest import load
from workbench.evidence.files import expand

UTC = timezone.utc
NAME = "acme-backups-2024-03-14-10-35-12-5C3D0A1B2E4F6789"  # as S3 names delivered log objects: no suffix
REFS = ["7B4A0FE2C81D93A1", "1C9E2D4F6A8B0C3E", "5F0A3B7D9C1E2F40", "8D2F4A6C0E1B3D57", "2B6D8F0A4C1E3957",
        "4A0C2E6B8D1F3A59"]
OWN_DIRS = {"azure", "gcp", "workspace", "s3"}


def _variant(kind, data_dir, tmp_path):
    if kind == "plain":
        return data_dir / "s3" / NAME
    path = tmp_path / f"{NAME}.gz"
    path.write_bytes(gzip.compress((data_dir / "s3" / NAME).read_bytes()))
    return path


@pytest.mark.parametrize("kind", ["plain", "gz"])
def test_access_log(kind, data_dir, tmp_path):
    result = load([_variant(kind, data_dir, tmp_path)])
    (info,) = result.inputs
    assert info.format == "s3_access" and info.events == 6
    assert info.bad_records == 1 and info.errors[0].startswith("line 7: not an S3 access log record")  # cut short
    t = result.table.to_pydict()
    assert t["ref"] == REFS  # request_id
    assert t["ts"][0] == datetime(2024, 3, 14, 10, 20, 1, tzinfo=UTC)
    assert t["event_name"] == ["REST.GET.OBJECT", "REST.GET.BUCKET", "REST.GET.OBJECT", "REST.GET.OBJECT",
                               "REST.PUT.OBJECT", "REST.GET.ACL"]
    assert set(t["action"]) == {"api.call"}
    assert t["outcome"] == ["success", "success", "success", "failure", "success", "success"]  # 403 AccessDenied
    # IAM ARNs named as CloudTrail names them; unauthenticated is null; a canonical user id stays
    assert t["user"] == ["alice", "svc-backup", "BackupReader/i-0a1b2c3d4e5f60718", None, "alice",
                         "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"]
    assert t["src_ip"] == ["73.162.10.20", "45.155.205.99", "45.155.205.99", "2a02:6b8::1", "73.162.10.20",
                           "73.162.10.20"]
    assert t["bytes"] == [4096, 5120, 1048576, 243, None, 1384]  # "-" is no number
    assert set(t["host"]) == {"acme-backups"}
    assert t["user_agent"][3] == "curl/8.5.0" and t["user_agent"][4].startswith("Mozilla/5.0 (Windows NT 10.0")
    assert t["raw"][5].endswith('"S3Console/0.4" -')  # an older, shorter record: the line as it is


def test_bad_lines_are_counted_and_offsets_converted(data_dir, tmp_path):
    lines = (data_dir / "s3" / NAME).read_text().splitlines()[:6]
    lines.insert(2, "this is not an access log line")
    lines.insert(4, lines[0].replace("[14/Mar/2024:10:20:01 +0000]", "[14/Mar/2024:11:20:01 +0100]")
                 .replace("7B4A0FE2C81D93A1", "7B4A0FE2C81D93A2"))
    lines.insert(5, lines[0].replace("[14/Mar/2024:10:20:01 +0000]", "[31/Feb/2024:10:20:01 +0000]"))
    path = tmp_path / "access.log"
    path.write_text("\n".join(lines) + "\n")
    result = load([path])
    (info,) = result.inputs
    assert info.format == "s3_access" and info.events == 7 and info.bad_records == 2
    assert info.errors[0].startswith("line 3: not an S3 access log record")
    assert info.errors[1].startswith("line 6: ")  # 31 February
    t = result.table.to_pydict()
    assert t["ts"][:2] == [datetime(2024, 3, 14, 10, 20, 1, tzinfo=UTC)] * 2  # +0100 converted to UTC
    assert t["ref"][:2] == ["7B4A0FE2C81D93A1", "7B4A0FE2C81D93A2"]


def test_requester_names():
    name = s3_access.requester
    assert name("arn:aws:iam::111122223333:user/alice") == "alice"
    assert name("arn:aws:sts::111122223333:assumed-role/Admin/bob@example.com") == "Admin/bob@example.com"
    assert name("arn:aws:iam::111122223333:root") == "root"
    assert name("-") is None


def test_sniffer_claims_no_other_text(data_dir, tmp_path):
    apache = tmp_path / "access_log"
    apache.write_text('81.2.69.10 - - [14/Mar/2024:10:20:01 +0000] "GET /index.html HTTP/1.1" 200 512 "-" "curl/8"\n')
    result = load([data_dir / "cloudtrail" / "records.json", data_dir / "authlog" / "auth.log", apache], year=2024)
    assert [i.format for i in result.inputs] == ["cloudtrail", "authlog", None]
    for ev in expand([data_dir]):
        if Path(ev.path).parent.name not in OWN_DIRS | {"data"}:
            assert not s3_access._sniff(ev.head()), ev.display
