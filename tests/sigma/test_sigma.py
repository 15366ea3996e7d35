"""Sigma rules written for the tests, run over real-format samples: every supported modifier and
condition form, each log source's field mapping (one rule matching every export shape), broken rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.ingest import load
from workbench.sigma import RuleSet, load_rules, run_sigma, shipped_dir
from workbench.sigma.engine import RunStats, match_rules

HERE = Path(__file__).parent
RULES = HERE / "rules"
DATA = Path(__file__).parents[1] / "data"
CLOUDTRAIL = HERE / "data" / "cloudtrail_modifiers.json"


def _matches(table, folder: Path) -> dict[str, set[str]]:
    ruleset = load_rules([folder])
    assert ruleset.errors == []
    refs = table.column("ref").to_pylist()
    return {Path(r.file).stem: {refs[i] for i in rows} for r, rows in zip(ruleset.rules, match_rules(table, ruleset.rules))}


@pytest.fixture(scope="module")
def cloudtrail():
    return load([CLOUDTRAIL]).table


MODIFIERS = {
    "equals": {"e1"},  # case-insensitive by default
    "cased": {"e1"},  # "deletetrail" does not meet DeleteTrail
    "contains": {"e1"},
    "startswith": {"e4", "e6"},
    "endswith": {"e4", "e8", "e9"},  # on the nested userIdentity.arn
    "contains_all": {"e1"},
    "wildcards": {"e2", "e4", "e5"},  # * and ? inside a value
    "escaped_wildcard": {"e7"},  # \* is a literal star: "(X11; ...)" in e3's agent does not match
    "re": {"e1", "e2", "e6"},
    "re_i": {"e1"},
    "re_flags": {"e9"},  # m: ^ and $ at line ends; s: . matches a newline (e9's value has three lines)
    "cidr": {"e1", "e3", "e4", "e6", "e8"},  # IPv4 and IPv6; "s3.amazonaws.com" is no address
    "exists": {"e1"},  # e2 has an errorCode
    "exists_true": {"e2"},
    "null": {"e3", "e7"},  # requestParameters is null
    "base64": {"e6"},
    "base64offset": {"e6"},
    "numbers": {"e6"},  # gte and lt, one of them inside a list of objects
    "neq": {"e8", "e9"},
    "fieldref": {"e4"},  # a key for another user; e5 made its own
    "windash": {"e7"},  # " -profile " also matches " /profile "
    "list_values": {"e8"},  # any element of a list
    "keywords": {"e2", "e4", "e5"},  # full text of the original record, with a wildcard
}


def test_every_modifier(cloudtrail):
    assert _matches(cloudtrail, RULES / "modifiers") == MODIFIERS


CONDITIONS = {
    "and_not": {"e4", "e8", "e9"},
    "or": {"e1", "e3"},
    "one_of": {"e1", "e2", "e7"},
    "all_of": {"e4", "e8", "e9"},
    "one_of_them": {"e2", "e7"},
    "all_of_them": {"e5", "e8", "e9"},
    "parentheses": {"e4", "e5", "e9"},
    "not_one_of": {"e1", "e2"},
    "list_of_maps": {"e1", "e7"},
    "several_conditions": {"e1", "e6"},
}


def test_every_condition_form(cloudtrail):
    assert _matches(cloudtrail, RULES / "conditions") == CONDITIONS


def test_records_are_decoded_only_where_columns_cannot_decide(cloudtrail):
    ruleset = load_rules([RULES / "modifiers" / "equals.yml", RULES / "modifiers" / "fieldref.yml"])
    stats = RunStats()
    match_rules(cloudtrail, ruleset.rules, stats=stats)
    # eventName is a column: equals.yml needs no record; fieldref.yml needs the two CreateAccessKey records
    assert stats.rows_read == stats.rows_decoded == {"cloudtrail": 2}
    stats = RunStats()
    assert [r.tolist() for r in match_rules(cloudtrail, load_rules([RULES / "modifiers" / "endswith.yml"]).rules,
                                             stats=stats)] == [[3, 7, 8]]
    # eventSource and userIdentity.arn are in the records only: all 9 are read, and only the three whose text
    # holds both "iam.amazonaws.com" and ":user/alice" are decoded
    assert stats.rows_read == {"cloudtrail": 9} and stats.rows_decoded == {"cloudtrail": 3}


def test_escaped_records_are_decoded_not_ruled_out(tmp_path):
    """A value written with JSON escapes does not hold the needle literally: the record must still match."""
    rec = {"eventVersion": "1.09", "eventTime": "2026-03-02T10:00:00Z", "eventID": "x1", "eventName": "StopLogging",
           "eventSource": "cloudtrail.amazonaws.com", "userIdentity": {"type": "IAMUser", "userName": "alice"}}
    text = json.dumps({"Records": [rec]}).replace("cloudtrail.amazonaws.com", r"cloudtrail\u002eamazonaws.com")
    path = tmp_path / "escaped.json"
    path.write_text(text)
    table = load([path]).table
    assert table.num_rows == 1 and "cloudtrail.amazonaws.com" not in text
    rules = load_rules([RULES / "conditions" / "one_of.yml"]).rules  # eventSource: cloudtrail.amazonaws.com
    stats = RunStats()
    assert [r.tolist() for r in match_rules(table, rules, stats=stats)] == [[0]]
    assert stats.rows_decoded == {"cloudtrail": 1}


def test_non_ascii_records_are_decoded_not_ruled_out(tmp_path):
    """The Kelvin sign lower-cases to "k": a record spelling kms with it still matches, case-insensitively."""
    rec = {"eventVersion": "1.09", "eventTime": "2026-03-02T10:00:00Z", "eventID": "k1", "eventName": "DisableKey",
           "eventSource": "\u212ams.amazonaws.com", "userIdentity": {"type": "IAMUser", "userName": "alice"}}
    path = tmp_path / "kelvin.json"
    path.write_text(json.dumps({"Records": [rec]}, ensure_ascii=False), encoding="utf-8")
    rule = tmp_path / "kms.yml"
    rule.write_text("title: kms\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n"
                    "    sel:\n        eventSource: kms.amazonaws.com\n    condition: sel\n")
    stats = RunStats()
    assert [r.tolist() for r in match_rules(load([path]).table, load_rules([rule]).rules, stats=stats)] == [[0]]
    assert stats.rows_decoded == {"cloudtrail": 1}


SOURCES = {
    # one rule in Log Analytics names: the Graph JSON and the portal CSV rows of the same sign-in
    "entra_signin_la_names": {("signins_graph.json", "0f1e2d3c-0002-4b5a-8c7d-9e0f1a2b3c02"),
                              ("signins_portal.csv", "6a5b4c3d-0002-4e2f-9a8b-7c6d5e4f3a02")},
    # Log Analytics columns holding JSON text (LocationDetails, DeviceDetail) and a name in other case
    "entra_signin_la_nested": {("signins_loganalytics.csv", "8c7d6e5f-0002-4a4b-9c8d-7e6f5a4b3c02")},
    # Graph names meet a Log Analytics JSON export
    "entra_signin_graph_names": {("signins_graph.json", "0f1e2d3c-0004-4b5a-8c7d-9e0f1a2b3c04"),
                                 ("signins_loganalytics.json", "9d8e7f6a-0002-4b5c-8d9e-0f1a2b3c4d02")},
    "entra_audit": {("audit_loganalytics.csv", "Directory_3c4d5e6f-0003-4a7b-8c9d-0e1f2a3b4c03")},
    "azure_activity": {("activity_cli.json", "e1a00003-7c2b-4d8e-9f10-2a3b4c5d6e03"),
                       ("azureactivity_loganalytics.csv", "f2b00002-8d3c-4e9f-a021-3b4c5d6e7f02")},
    "gcp_audit": {("gcloud_logging_read.json", "-8k2f1ae1b2c3")},
    "workspace": {("login_activities.json", "6512887320081265511"), ("login_audit.csv", "line 3"),
                  ("admin_activities.json", "7788990011223344556")},
    "m365": {("ual_purview.csv", "5e6f7a8b-0001-4c9d-8e0f-1a2b3c4d5e01")},
    "linux_auth": {("auth.log", "3"),
                   ("journal.json", "s=9d1c0e3c6f2f4d0e8b0c1a2b3c4d5e6f;i=1a2b;b=0f1e2d3c4b5a69788796a5b4c3d2e1f0;"
                                    "m=2f3e4d;t=613a6c5e2a1b0;x=7f8e9d0c1b2a3948")},
    # a trail file and lookup-events (the record inside the CloudTrailEvent string)
    "cloudtrail_nested": {("records.json", "3fcfb1a4-6f0e-4b39-9d6e-2f4ad2c1a004"),
                          ("lookup-events.json", "3fcfb1a4-6f0e-4b39-9d6e-2f4ad2c1a004")},
}


def test_each_source_mapping_matches_every_export_shape():
    table = load(sorted(p for p in DATA.glob("*/*") if p.suffix != ".md")).table
    ruleset = load_rules([RULES / "sources"])
    assert ruleset.errors == []
    refs, files = table.column("ref").to_pylist(), table.column("file").to_pylist()
    found = {Path(r.file).stem: {(Path(files[i]).name, refs[i]) for i in rows}
             for r, rows in zip(ruleset.rules, match_rules(table, ruleset.rules))}
    assert found == SOURCES


BROKEN = {
    "bad_regex.yml": "Regular expression 'aws-cli(?=/2)' is invalid",
    "invalid_yaml.yml": "invalid YAML: line 4",
    "not_a_rule.yml": "not a Sigma rule",
    "undefined_selection.yml": "'filter' not defined",
    "unknown_logsource.yml": "log source (product: windows, category: process_creation) is not one the workbench loads",
    "unknown_modifier.yml": "Unknown modifier 'sortof'",
    "unsupported_modifier.yml": "modifier wide not supported",
}


def test_broken_rules_are_listed_with_their_file_and_the_rest_run(cloudtrail):
    ruleset = load_rules([RULES / "broken"])
    reasons = {Path(e.file).name: e.reason for e in ruleset.errors}
    assert set(reasons) == set(BROKEN)
    for name, expected in BROKEN.items():
        assert expected in reasons[name], (name, reasons[name])
    # the good rule still runs
    assert [r.title for r in ruleset.rules] == ["a good rule beside broken ones"]
    run = run_sigma(cloudtrail, ruleset)
    assert {f.title for f in run.findings} == {"a good rule beside broken ones: alice"}


def test_missing_folder_is_an_error(tmp_path):
    from workbench.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="no such Sigma rule folder"):
        load_rules([tmp_path / "nope"])


def test_findings_group_per_rule_and_account(cloudtrail):
    ruleset = load_rules([RULES / "broken" / "good.yml", RULES / "modifiers" / "cidr.yml"])
    findings = run_sigma(cloudtrail, ruleset).findings
    by_title = {f.title: f for f in findings}
    assert set(by_title) == {"a good rule beside broken ones: alice", "cidr: alice", "cidr: root"}
    alice = by_title["cidr: alice"]
    assert [e.ref for e in alice.evidence] == ["e1", "e4", "e6", "e8"]
    assert alice.users == ("alice",) and alice.ips == ("203.0.113.5",) and alice.severity == "low"
    assert "matched 4 events of alice" in alice.explanation
    good = by_title["a good rule beside broken ones: alice"]
    assert good.severity == "high" and good.techniques == ("T1562.008",)
    assert good.sigma["title"] == "a good rule beside broken ones" and good.to_dict()["sigma"]["level"] == "high"
    again = {f.title: f.id for f in run_sigma(cloudtrail, ruleset).findings}
    assert again == {f.title: f.id for f in findings} and good.id.startswith("sigma-")  # stable across runs


def test_shipped_rules_load_and_are_the_projects():
    ruleset = load_rules(["shipped"])
    assert ruleset.errors == []
    assert len(ruleset.rules) >= 8
    for rule in ruleset.rules:
        assert rule.author == "Workbench project" and (rule.techniques or not rule.generate), rule.file
        text = Path(rule.file).read_text()
        assert "license: MIT" in text
    assert Path(ruleset.rules[0].file).is_relative_to(shipped_dir())


def test_shipped_rules_on_the_samples():
    table = load(sorted(p for p in DATA.glob("*/*") if p.suffix != ".md") + [CLOUDTRAIL]).table
    run = run_sigma(table, load_rules(["shipped"]))
    titles = {f.title for f in run.findings}
    assert "Root Account Console Sign-In: root" in titles
    assert "IAM Access Key Created for Another User: alice" in titles  # e4: a key for bob
    assert "IAM Access Key Created for Another User: carol" not in titles  # e5: her own
    assert "SSH Login as Root Accepted: root" in titles  # journald
    assert "Google Cloud Service Account Key Created: alice@acme.example" in titles
    assert "Mailbox Inbox Rule Forwarding or Redirecting Mail: alice@contoso.com" in titles


def test_analyze_and_findings_json(tmp_path):
    from workbench.cli.analyze import run_analyze
    from workbench.cli.parser import build_parser

    out = tmp_path / "f.json"
    args = build_parser().parse_args(["analyze", str(CLOUDTRAIL), "--no-geoip", "-q", "--findings-json", str(out),
                                      "--sigma", str(RULES / "broken"), "--sigma", "shipped"])
    assert run_analyze(args) == 0
    doc = json.loads(out.read_text())
    sigma = [f for f in doc["findings"] if f["check"] == "sigma"]
    assert {f["title"] for f in sigma} >= {"a good rule beside broken ones: alice", "Root Account Console Sign-In: root"}
    root = next(f for f in sigma if f["title"] == "Root Account Console Sign-In: root")
    assert root["sigma"]["author"] == "Workbench project" and root["techniques"] == ["T1078.004"]
    assert root["evidence"] == [{"source": "cloudtrail", "file": str(CLOUDTRAIL), "ref": "e3"}]
    stopped = next(f for f in doc["findings"] if f["check"] == "cloud_catalogue")  # e1; e2 was refused
    assert stopped["title"] == "CloudTrail logging stopped: alice" and stopped["severity"] == "critical"
    assert stopped["evidence"] == [{"source": "cloudtrail", "file": str(CLOUDTRAIL), "ref": "e1"}]
    key = next(f for f in sigma if f["title"] == "IAM Access Key Created for Another User: alice")
    assert key["playbook"] == "T1098.001"  # the rule's ATT&CK tag selects the playbook
    assert {e["file"].rsplit("/", 1)[1] for e in doc["sigma_errors"]} == set(BROKEN)
    assert any(c["id"] == "sigma" and c["ran"] for c in doc["checks"])
    assert {r["title"] for r in doc["sigma_rules"]} >= {"Root Account Console Sign-In"}


def test_empty_ruleset_and_table():
    from workbench.events import empty_table

    assert run_sigma(empty_table(), load_rules(["shipped"])).findings == []
    assert run_sigma(load([CLOUDTRAIL]).table, RuleSet()).findings == []


WINDOWS = {
    "failed_logon_from_ip": {("wevtutil_security.xml", "981204"), ("wevtutil_security.xml", "981205")},
    "logon_alice": {("eventviewer_saved.xml", "204417")},  # EventData name in an Event Viewer XML export
    "other_channel": {("evtxecmd_output.csv", "412901")},  # 1149 is logged in a TerminalServices channel
}


def test_windows_security_mapping():
    pytest.importorskip("workbench.ingest.evtx_xml", reason="the Windows event log parsers are not in this tree")
    samples = sorted((DATA / "windows").glob("*"))
    if not samples:
        pytest.skip("no Windows samples")
    table = load(samples).table
    ruleset = load_rules([RULES / "windows", "shipped"])
    assert ruleset.errors == []
    refs, files = table.column("ref").to_pylist(), table.column("file").to_pylist()
    found = {Path(r.file).stem: {(Path(files[i]).name, refs[i]) for i in rows}
             for r, rows in zip(ruleset.rules, match_rules(table, ruleset.rules))}
    assert {k: v for k, v in found.items() if k in WINDOWS} == WINDOWS
    assert found["win_security_log_cleared"] == {("wevtutil_security.xml", "981301")}
