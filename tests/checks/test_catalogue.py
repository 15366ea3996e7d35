"""The cloud attack catalogue: one real-shaped fixture per technique (tests/checks/catalogue_fixtures/<provider>/<entry id>.*,
written from the providers' API references and Stratus Red Team's descriptions), each found with its technique,
severity and playbook; benign counterparts of the noisy ones found by nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from logs import T0, api_call, write_trail

from workbench.checks import CHECKS
from workbench.checks.catalogue import ENTRIES, _validate
from workbench.config import load_config
from workbench.enrich.geoip import enrich
from workbench.findings import SEVERITIES
from workbench.ingest import load
from workbench.paths import playbooks_dir
from workbench.pipeline import analyze, run_checks
from workbench.playbooks import PlaybookLibrary

DATA = Path(__file__).parent / "catalogue_fixtures"
BY_ID = {c.id: c for c in CHECKS}
# Fixtures that show the worse variant of their entry: the severity the finding must then have.
WORSE = {
    "aws.exfiltration.resource-policy-opened": "critical",  # an SNS topic opened to "*"
    "aws.persistence.lambda-backdoor-function": "critical",  # principal "*"
    "aws.persistence.lambda-layer-extension": "high",  # a layer from another account
    "aws.lateral-movement.ec2-instance-connect": "high",  # three instances
    "aws.discovery.ec2-download-user-data": "medium",  # five instances
    "gcp.exfiltration.public-bucket": "critical",  # allUsers
    "gcp.privilege-escalation.impersonate-service-accounts": "high",  # four service accounts
}


def fixture(entry) -> list[Path]:
    return sorted((DATA / entry.provider).glob(f"{entry.id}.*"))


def findings_of(path: Path, entry, config=None):
    """The findings of the check (or Sigma rule) that finds ``entry``, on ``path`` alone, playbooks matched."""
    config = config or load_config()
    table = enrich(load([path]).table, None)
    if entry.rule:
        from workbench.sigma import load_rules, run_sigma
        found = [f for f in run_sigma(table, load_rules(["shipped"])).findings if f.facts["rule"] == entry.rule]
    else:
        check = BY_ID[entry.covered_by or "cloud_catalogue"]
        found, _ = run_checks(table, config, False, checks=[check])
        if not entry.covered_by:
            found = [f for f in found if f.facts["catalogue"] == entry.id]
    library = PlaybookLibrary.load([playbooks_dir()])
    return [(f, library.match(f.techniques)) for f in found]


def test_entries_are_consistent():
    _validate()
    stratus = [e for e in ENTRIES if e.stratus]
    assert len(stratus) >= 90 and {e.provider for e in stratus} == {"aws", "azure", "entra", "gcp"}


@pytest.mark.parametrize("entry", [e for e in ENTRIES], ids=lambda e: e.id)
def test_every_entry_has_one_fixture_or_says_why_not(entry):
    if entry.unsupported:
        assert fixture(entry) == [] and "does not read" in entry.unsupported
    else:
        assert len(fixture(entry)) == 1, f"{entry.id}: no fixture in tests/checks/catalogue_fixtures/{entry.provider}/"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not e.unsupported], ids=lambda e: e.id)
def test_technique_is_found_by_default(entry):
    (path,) = fixture(entry)
    found = findings_of(path, entry)
    assert found, f"{entry.id}: nothing found in {path.name}"
    finding, book = found[0]
    assert entry.technique in finding.techniques
    expected = WORSE.get(entry.id, entry.severity)
    if entry.covered_by:  # another engineer's check: at least the catalogue's severity
        assert SEVERITIES.index(finding.severity) >= SEVERITIES.index(expected), finding.severity
    else:
        assert finding.severity == expected
    assert book is not None and book.technique == entry.playbook
    assert finding.evidence and finding.explanation
    if not (entry.covered_by or entry.rule):
        assert finding.users[0] in finding.explanation and "{" not in finding.explanation


@pytest.mark.parametrize("path", sorted((DATA / "benign").iterdir()), ids=lambda p: p.stem)
def test_benign_counterparts_raise_no_catalogue_finding(path):
    table = enrich(load([path]).table, None)
    found, _ = run_checks(table, load_config(), False, checks=[BY_ID["cloud_catalogue"]])
    assert found == []


def _share(user: str, minutes: int, account: str) -> dict:
    return api_call(user, T0 + timedelta(minutes=minutes), "24.5.80.12", "ModifySnapshotAttribute",
                    {"snapshotId": "snap-0feedc0de0000001", "attributeType": "CREATE_VOLUME_PERMISSION",
                     "createVolumePermission": {"add": {"items": [{"userId": account}]}}})


def test_own_accounts_come_from_the_configuration_when_their_logs_are_not_loaded(tmp_path):
    trail = write_trail(tmp_path / "t.json", [_share("backup-automation", 0, "222233334444")])
    (f,) = [f for f in analyze([trail], geoip_dbs=[]).findings if f.check == "cloud_catalogue"]
    assert "snap-0feedc0de0000001 shared with account 222233334444" in f.explanation and f.severity == "high"
    config = tmp_path / "own.yaml"
    config.write_text("cloud_catalogue:\n  own_accounts: ['222233334444']\n")
    assert [f for f in analyze([trail], geoip_dbs=[], config_files=[config]).findings if f.check == "cloud_catalogue"] == []


def test_log_tampering_is_one_finding_per_actor_and_window_in_a_one_hour_export(tmp_path):
    records = [api_call("ops", T0 + timedelta(minutes=m), "24.5.80.12", "StopLogging", {"name": "org-trail"})
               for m in (0, 5, 9)]
    records += [api_call("ops", T0 + timedelta(hours=3), "24.5.80.12", "StopLogging", {"name": "org-trail"}),
                api_call("eve", T0 + timedelta(minutes=1), "24.5.80.12", "StopLogging", {"name": "org-trail"}),
                api_call("eve", T0 + timedelta(minutes=2), "24.5.80.12", "DeleteTrail", {"name": "x"}, error="AccessDenied")]
    found = [f for f in analyze([write_trail(tmp_path / "t.json", records)], geoip_dbs=[]).findings
             if f.check == "cloud_catalogue"]
    assert sorted((f.users[0], f.facts["events"]) for f in found) == [("eve", 1), ("ops", 1), ("ops", 3)]
    assert all(f.severity == "critical" and f.title.startswith("CloudTrail logging stopped") for f in found)
    three = next(f for f in found if f.facts["events"] == 3)
    assert three.explanation.startswith("ops stopped CloudTrail logging, so the account's later API calls were not "
                                        "recorded (3 calls between 2024-03-04 15:00:00 UTC and 2024-03-04 15:09:00 UTC")


def test_readme_table_is_the_codes():
    from workbench.checks.catalogue.table import END, START, markdown

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(START):readme.index(END) + len(END)]
    assert section == markdown(), "run: python packaging/catalogue_readme.py"
    assert "`aws.defense-evasion.cloudtrail-stop` | AWS | T1562.008 | check cloud_catalogue | critical | T1078.004" in section


def test_the_executive_summary_says_the_trail_was_stopped_and_deleted(tmp_path):
    """Issue 20: the one summary a receiving responder reads said nothing about the trail being deleted."""
    from workbench.report.model import CaseView
    from workbench.report.verdict import sentences, views

    records = [api_call("mallory", T0 + timedelta(minutes=m), "45.155.205.99", "GetSecretValue",
                        {"secretId": f"prod/app-{m}"}) for m in range(12)]
    records += [api_call("mallory", T0 + timedelta(minutes=20), "45.155.205.99", "StopLogging", {"name": "org-trail"}),
                api_call("mallory", T0 + timedelta(minutes=21), "45.155.205.99", "DeleteTrail", {"name": "org-trail"}),
                api_call("mallory", T0 + timedelta(minutes=22), "45.155.205.99", "CreateAccessKey", {"userName": "bob"})]
    analysis = analyze([write_trail(tmp_path / "t.json", records)], geoip_dbs=[])
    text = " ".join(s for v in views(analysis.stories(), analysis.findings, CaseView()) for s in sentences(v, []))
    assert "CloudTrail logging stopped" in text and "CloudTrail trail deleted" in text
    assert "Burst of secret retrievals" in text and "Defense Evasion" in text
