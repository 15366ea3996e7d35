from datetime import datetime, timezone

from workbench.ingest import load


def test_bsd_auth_log_with_new_year_and_explicit_year(data_dir):
    result = load([data_dir / "authlog" / "auth.log"], year=2023)
    (info,) = result.inputs
    assert info.format == "authlog" and info.events == 10
    assert info.bad_records == 1 and info.errors == ("line 10: not a syslog line",)
    t = result.table.to_pydict()
    assert t["ts"][0] == datetime(2023, 12, 31, 23, 58, 1, tzinfo=timezone.utc)
    assert t["ts"][4] == datetime(2024, 1, 1, 0, 0, 5, tzinfo=timezone.utc)  # the year rolled over
    assert t["ref"][:5] == ["1", "2", "3", "4", "5"]  # 1-based line numbers
    assert t["ref"][-1] == "12"  # blank and bad lines still count
    assert t["action"][:5] == ["auth.invalid_user", "auth.failure", "auth.failure", "other", "auth.success"]
    assert t["user"][:3] == ["admin", "admin", "root"]
    assert t["src_ip"][1] == "185.220.101.34" and t["host"][0] == "bastion"
    assert t["event_name"][4] == "sshd:accepted_publickey"
    sudo = t["action"].index("privilege.use")
    assert t["user"][sudo] == "deploy" and t["target_user"][sudo] == "root"
    assert t["action"][-1] == "account.create" and t["target_user"][-1] == "backdoor"
    assert t["raw"][0].startswith("Dec 31 23:58:01 bastion sshd[4101]: Invalid user admin")


def test_year_comes_from_the_other_inputs(data_dir):
    result = load([data_dir / "authlog" / "auth.log", data_dir / "cloudtrail" / "records.json"])
    auth = next(i for i in result.inputs if i.format == "authlog")
    # CloudTrail ends in 2024, so the syslog's last line is in 2024 and its first in 2023.
    assert auth.first_ts.year == 2023 and auth.last_ts.year == 2024
    assert any("took 2023 from the other inputs" in n for n in auth.notes)


def test_year_from_file_time_when_nothing_else_tells(data_dir, tmp_path):
    path = tmp_path / "auth.log"
    path.write_bytes((data_dir / "authlog" / "auth.log").read_bytes())
    stamp = datetime(2021, 6, 1, tzinfo=timezone.utc).timestamp()
    import os

    os.utime(path, (stamp, stamp))
    (info,) = load([path]).inputs
    assert (info.first_ts.year, info.last_ts.year) == (2020, 2021)


def test_rfc3339_lines_are_converted_to_utc(data_dir):
    result = load([data_dir / "authlog" / "secure_rfc3339.log"])
    (info,) = result.inputs
    assert info.format == "authlog" and info.events == 3 and info.complete
    t = result.table.to_pydict()
    assert t["ts"][0] == datetime(2024, 5, 2, 6, 15, 1, 123456, tzinfo=timezone.utc)
    assert t["action"] == ["auth.failure", "auth.success", "privilege.use"]
    assert t["user"][2] == "oracle" and t["target_user"][2] == "root"


def test_unknown_files_are_rejected_by_content(tmp_path):
    (tmp_path / "notes.log").write_text("meeting at 10\nbring coffee\n")
    (tmp_path / "trail.json").write_text('{"hello": "world"}')
    (tmp_path / "empty.log").write_bytes(b"")
    result = load([tmp_path])
    assert [i.format for i in result.inputs] == [None, None, None]
    assert all(i.rejected and i.errors == ("not a recognised log format",) for i in result.inputs)
    assert result.table.num_rows == 0
