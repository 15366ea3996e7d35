import json
import shutil
import subprocess
import sys

import pytest

from workbench.__main__ import main

FINDING_KEYS = {"id", "check", "title", "severity", "techniques", "playbook", "users", "ips", "hosts",
                "first_seen", "last_seen", "explanation", "evidence"}


def _run(*args):
    return subprocess.run([sys.executable, "-m", "workbench", *map(str, args)], capture_output=True, text=True)


def test_all_inputs_clean_exit_0_and_the_json_contract(data_dir, tmp_path, city_db):
    out = tmp_path / "out" / "findings.json"
    code = main(["analyze", str(data_dir / "cloudtrail"), str(data_dir / "authlog" / "secure_rfc3339.log"),
                 "--findings-json", str(out), "--geoip-db", str(city_db), "-q"])
    assert code == 0
    doc = json.loads(out.read_text())
    assert {"inputs", "events_total", "findings"} <= doc.keys()
    assert doc["events_total"] == 9
    for item in doc["inputs"]:
        assert {"path", "sha256", "format", "events", "errors"} <= item.keys()
        assert len(item["sha256"]) == 64 and item["errors"] == []
    (cred,) = [f for f in doc["findings"] if f["check"] == "new_credentials"]
    assert FINDING_KEYS <= cred.keys()
    assert cred["playbook"] == "T1098.001" and cred["techniques"] == ["T1098.001"]
    assert cred["evidence"] == [{"source": "cloudtrail", "file": str(data_dir / "cloudtrail" / "records.json"),
                                 "ref": "3fcfb1a4-6f0e-4b39-9d6e-2f4ad2c1a004"}]
    assert cred["first_seen"] == "2024-03-04T23:05:12+00:00"


def test_rejected_inputs_exit_3_one_line_each_and_outputs_still_written(data_dir, tmp_path):
    (tmp_path / "evidence").mkdir()
    junk = tmp_path / "evidence" / "junk.json"
    junk.write_text("not json at all")
    out = tmp_path / "out" / "f.json"
    (tmp_path / "evidence" / "gone.log").symlink_to(tmp_path / "nowhere")  # named on the command line, unreadable
    proc = _run("analyze", data_dir / "cloudtrail" / "records.json", junk, tmp_path / "evidence" / "gone.log",
                "--findings-json", out, "--no-geoip")
    assert proc.returncode == 3
    errors = proc.stderr.strip().splitlines()
    assert errors[0] == f"workbench: {junk}: rejected: not a recognised log format"
    assert errors[1].startswith(f"workbench: {tmp_path / 'evidence' / 'gone.log'}: rejected: ") and len(errors) == 2
    assert "Traceback" not in proc.stderr
    doc = json.loads(out.read_text())
    assert [i["events"] for i in doc["inputs"]] == [6, 0, 0]


def test_usage_errors_exit_2(tmp_path, data_dir):
    assert _run("analyze").returncode == 2
    assert _run("analyze", data_dir, "--year", "twenty").returncode == 2
    evidence = tmp_path / "evidence"
    shutil.copytree(data_dir / "cloudtrail", evidence)
    proc = _run("analyze", evidence, "--findings-json", evidence / "f.json")
    assert proc.returncode == 2 and "refusing to write into the evidence" in proc.stderr
    assert sorted(p.name for p in evidence.iterdir()) == ["records.json"]
    proc = _run("analyze", evidence / "records.json", "--report", evidence / "r.pdf")  # a file given: not beside it
    assert proc.returncode == 2 and "refusing to write beside the evidence" in proc.stderr
    assert sorted(p.name for p in evidence.iterdir()) == ["records.json"]


def test_version():
    proc = _run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("workbench ")


@pytest.mark.parametrize("bad", ["min_failures: 5\n", "brute_force_success:\n  min_failures: lots\n"])
def test_a_bad_config_file_is_a_usage_error(tmp_path, data_dir, bad):
    cfg = tmp_path / "case.yaml"
    cfg.write_text(bad)
    proc = _run("analyze", data_dir / "cloudtrail", "--config", cfg)
    assert proc.returncode == 2 and proc.stderr.startswith(f"workbench: {cfg}:")
