"""The synthetic case generator: deterministic, well-formed, and its labels point at real evidence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
import pytest

from workbench.synth import generate_case

FILES = ("cloudtrail.json", "auth.log", "labels.json")
RECORD_KEYS = {"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
               "sourceIPAddress", "userAgent", "requestParameters", "responseElements", "requestID",
               "eventID", "readOnly", "eventType", "managementEvent", "recipientAccountId", "eventCategory"}
IDENTITY_KEYS = {"type", "principalId", "arn", "accountId", "accessKeyId", "userName"}
MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("case")
    return out, generate_case(out, seed=7)


@pytest.fixture(scope="module")
def records(case) -> list[dict]:
    return orjson.loads((case[0] / "cloudtrail.json").read_bytes())["Records"]


@pytest.fixture(scope="module")
def lines(case) -> list[str]:
    return (case[0] / "auth.log").read_text().splitlines()


def test_same_seed_gives_identical_files(case, tmp_path):
    generate_case(tmp_path, seed=7)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (case[0] / name).read_bytes(), name


def test_other_seed_gives_other_files(case, tmp_path):
    generate_case(tmp_path, seed=8)
    for name in FILES:
        assert (tmp_path / name).read_bytes() != (case[0] / name).read_bytes(), name


def test_labels_file_matches_return_value(case):
    out, labels = case
    assert orjson.loads((out / "labels.json").read_bytes()) == labels
    assert {i["check"] for i in labels["incidents"]} == {"brute_force_success", "new_credentials", "new_country",
                                                         "password_spray", "privilege_change", "unusual_hours", "cloud_cli",
                                                         "sensitive_actions", "mfa_fatigue", "token_use",
                                                         "impossible_travel", "access_surge", "indicator_match"}


def test_volume(case, records, lines):
    labels = case[1]
    assert 3000 <= len(records) <= 6500
    assert 1000 <= len(lines) <= 3500
    assert labels["files"]["cloudtrail.json"]["records"] == len(records)
    assert labels["files"]["auth.log"]["lines"] == len(lines)


def test_cloudtrail_schema_and_order(records):
    times = [r["eventTime"] for r in records]
    assert times == sorted(times)
    for r in records:
        assert RECORD_KEYS <= r.keys(), r
        assert IDENTITY_KEYS <= r["userIdentity"].keys(), r
        datetime.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ")
        assert r["eventVersion"] == "1.08" and r["recipientAccountId"] == "111122223333"
        assert r["eventType"] == ("AwsConsoleSignIn" if r["eventName"] == "ConsoleLogin" else "AwsApiCall")
        if r["eventName"] == "ConsoleLogin":
            assert r["requestParameters"] is None
            assert r["responseElements"]["ConsoleLogin"] in ("Success", "Failure")
            assert r["additionalEventData"]["MFAUsed"] in ("Yes", "No")
            assert (r["responseElements"]["ConsoleLogin"] == "Failure") == ("errorMessage" in r)
    assert len({r["eventID"] for r in records}) == len(records)


def test_authlog_is_sorted_bsd_syslog(lines):
    stamps = []
    for line in lines:
        mon, day, clock, host = line[:3], line[4:6], line[7:15], line[16:22]
        assert mon in MONTHS and day[0] in " 123" and host == "web-01", line
        stamps.append((MONTHS[mon], int(day), clock))
    assert stamps == sorted(stamps)


def test_refs_point_at_the_evidence(case, records, lines):
    out, labels = case
    by_id = {r["eventID"]: r for r in records}
    signins = {r["id"]: r for r in orjson.loads((out / "entra_signins.json").read_bytes())["value"]}
    for label in labels["incidents"] + labels["benign_expected"]:
        assert label["refs"], label["id"]
        for key in ("context_refs", "refs"):
            for ref in label.get(key, []):
                if label["file"] == "entra_signins.json":
                    assert signins[ref]["ipAddress"] in label["ips"], (label["id"], ref)
                elif label["file"] == "cloudtrail.json":
                    assert ref in by_id, (label["id"], ref)
                    if key == "refs":
                        assert by_id[ref]["sourceIPAddress"] in label["ips"], (label["id"], ref)
                else:
                    assert isinstance(ref, int) and 1 <= ref <= len(lines)
                    assert any(ip in lines[ref - 1] for ip in label["ips"]), (label["id"], lines[ref - 1])


def test_injected_incidents(case, records, lines):
    labels = case[1]
    by_id = {r["eventID"]: r for r in records}
    incidents = {i["id"]: i for i in labels["incidents"]}
    brute = [by_id[e] for e in incidents["ct-bruteforce-jsmith"]["refs"]]
    assert [r["responseElements"]["ConsoleLogin"] for r in brute] == ["Failure"] * 14 + ["Success"]
    assert brute[-1]["sourceIPAddress"] == "45.155.205.99"
    assert brute[-1]["additionalEventData"]["MFAUsed"] == "No"
    creds = [by_id[e]["eventName"] for e in incidents["ct-newcreds-jsmith"]["refs"]]
    assert creds == ["CreateLoginProfile", "CreateAccessKey"]
    ssh = incidents["ssh-bruteforce-deploy"]
    assert "Accepted password for deploy from 185.220.101.34" in lines[ssh["refs"][-1] - 1]
    spray = incidents["ssh-spray"]
    assert spray["check"] == "password_spray" and spray["ips"] == ["103.152.220.10"] and len(spray["users"]) == 20
    assert not any("Accepted" in line and "103.152.220.10" in line for line in lines)


def test_baseline_has_no_lone_bursts(records):
    """Outside the injected attack no account has more than one failed console login in a row."""
    failures: dict[str, int] = {}
    for r in records:
        if r["eventName"] != "ConsoleLogin" or r["sourceIPAddress"] in ("45.155.205.99", "62.76.41.10"):
            continue
        user = r["userIdentity"]["userName"]
        failures[user] = failures.get(user, 0) + 1 if r["responseElements"]["ConsoleLogin"] == "Failure" else 0
        assert failures[user] <= 1, r


def test_scale_changes_volume(tmp_path):
    small = generate_case(tmp_path / "small", seed=7, days=12, scale=0.3)
    assert small["files"]["cloudtrail.json"]["records"] < 2500
    assert len(small["incidents"]) == 19  # 15 injected, 4 of them also matching the indicator list


def test_the_indicator_list_is_a_csv_the_workbench_reads(tmp_path):
    from workbench.checks.indicators import load_indicators
    from workbench.synth import write_indicators
    labels = generate_case(tmp_path / "case", seed=3, days=12)
    found = load_indicators([write_indicators(labels, tmp_path / "ioc.csv")])
    assert [(i.kind, i.value) for i in found.indicators] == [
        ("cidr", "45.155.205.0/24"), ("user_agent", "rclone/"), ("ip", "185.220.101.34")]
    matched = [i for i in labels["incidents"] if i["check"] == "indicator_match"]
    assert {i["file"] for i in matched} == {"cloudtrail.json", "entra_signins.json", "auth.log"}
    assert not (tmp_path / "case" / "ioc.csv").exists()
