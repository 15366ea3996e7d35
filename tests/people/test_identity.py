import json

import numpy as np
import pyarrow.compute as pc

from workbench.case.folder import Case
from workbench.pipeline import relink
from workbench.people.identity import (LinkDecision, _from_name, _from_raw, case_decisions, local_part, record_decision,
                                resolve)


def _entity_with(ids, key):
    return ids.entity(ids.entity_of[key])


def test_four_names_of_one_person_are_one_entity_by_exact_rules(analysis, alice_keys):
    ids = analysis.identities
    alice = _entity_with(ids, alice_keys["entra"])
    assert set(alice.names) == {alice_keys["entra"], alice_keys["audit"], alice_keys["aws"], alice_keys["google"]}
    assert alice.label == "alice@contoso.com"
    assert alice.sources == {"cloudtrail": 9, "entra_audit": 1, "entra_signin": 8, "workspace": 7}
    assert alice.identifiers["entra_object_id"] == ("7f3e2a10-5b4c-4d3e-9f8a-1b2c3d4e5f60",)
    assert alice.identifiers["google_profile_id"] == ("104233118853412240019",)
    assert alice.identifiers["aws_arn"] == ("arn:aws:sts::111122223333:assumed-role/"
                                            "AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/alice@contoso.com",)
    exact = {(link.a, link.b): link for link in alice.links if link.kind == "exact"}
    assert exact[(alice_keys["aws"], alice_keys["entra"])].rule == "same e-mail address"
    # the Linux account is only suggested (same local part), never merged by itself
    assert alice_keys["bastion"] not in alice.names
    suggested = [s for s in ids.suggestions() if alice_keys["bastion"] in (s.a, s.b)]
    assert suggested and all(s.rule == "same local part" and s.value == "alice" for s in suggested)
    # bob's SSO session and his Entra account are one; the automation users stay alone
    bob = _entity_with(ids, "entra_signin||bob@contoso.com")
    assert set(bob.names) == {"entra_signin||bob@contoso.com",
                              "cloudtrail||AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/bob@contoso.com"}
    assert ids.entity_of["cloudtrail||ci-deploy"] != ids.entity_of["cloudtrail||svc-backup"]
    assert _entity_with(ids, "cloudtrail||svc-backup").identifiers["aws_access_key"] == (
        "AKIAIOSFODNN7NEWKEY1", "AKIAIOSFODNN7OLDKEY1")


def test_profile_and_findings_of_the_entity(analysis, alice_keys):
    alice = _entity_with(analysis.identities, alice_keys["entra"])
    # the RU sign-in and what followed from 45.155.205.99 are findings' evidence: apart, never usual
    assert alice.countries == (("GB", 21),) and alice.flagged_countries == (("RU", 4),)
    assert alice.ips[0] == ("81.2.69.20", 21) and alice.flagged_ips == (("45.155.205.99", 4),)
    assert 9 in alice.usual_hours and sum(alice.hours) + alice.flagged_events == alice.events == 25
    assert alice.first_seen.isoformat() == "2024-03-04T08:55:00+00:00"
    checks = {f.check for f in analysis.findings if f.id in alice.findings}
    assert {"new_country", "new_credentials", "cross_new_country_then_hosts"} <= checks
    assert not any(f.check == "cross_failed_signins_then_aws_console" for f in analysis.findings
                   if f.id in alice.findings)


def test_confirmed_suggestions_join_the_linux_account_and_the_timeline_spans_every_source(analysis, alice_keys):
    decisions = [LinkDecision(alice_keys["entra"], k, "confirm", analyst="A. Analyst")
                 for k in [alice_keys["bastion"], *alice_keys["web"]]]
    ids = relink(analysis, decisions)
    alice = _entity_with(ids, alice_keys["entra"])
    assert {alice_keys["bastion"], *alice_keys["web"]} <= set(alice.names)
    assert set(alice.sources) == {"cloudtrail", "entra_audit", "entra_signin", "workspace", "authlog"}
    confirmed = [link for link in alice.links if link.decision == "confirmed"]
    assert len(confirmed) == 4 and all(link.applied for link in confirmed)
    rows = ids.rows(analysis.table, alice.id)
    assert len(rows) == alice.events and np.all(np.diff(rows) > 0)
    assert set(pc.unique(analysis.table.column("source").take(rows)).to_pylist()) == set(alice.sources)
    assert ("bastion-01", 14) in alice.hosts
    doc = analysis.to_json()
    assert doc["identity"]["decisions"][0]["decision"] == "confirm"
    assert any(e["id"] == alice.id and len(e["names"]) == 8 for e in doc["entities"])
    json.dumps(doc)
    relink(analysis, [])  # leave the shared analysis as it was


def test_rejecting_exact_links_splits_and_a_partial_reject_is_a_conflict(analysis, alice_keys):
    google = alice_keys["google"]
    others = [alice_keys["entra"], alice_keys["audit"], alice_keys["aws"]]
    ids = resolve(analysis.table, [LinkDecision(google, others[0], "reject")])
    alice = _entity_with(ids, google)
    assert google in alice.names and (min(google, others[0]), max(google, others[0])) in alice.conflicts
    ids = resolve(analysis.table, [LinkDecision(google, k, "reject").to_dict() for k in others])
    assert _entity_with(ids, google).names == (google,)
    assert ids.entity_of[others[0]] != ids.entity_of[google]


def test_an_analyst_link_joins_names_no_rule_relates(analysis):
    a, b = "cloudtrail||svc-backup", "cloudtrail||ci-deploy"
    ids = resolve(analysis.table, [LinkDecision(a, b, "add", note="same team's automation")])
    assert ids.entity_of[a] == ids.entity_of[b]
    (link,) = [x for x in ids.links if {x.a, x.b} == {a, b}]
    assert link.kind == "analyst" and link.rule == "added by the analyst: same team's automation"
    # a decision about a name that is not in the data adds no link
    ids = resolve(analysis.table, [LinkDecision(a, "authlog|x|nobody", "add")])
    assert not [x for x in ids.links if x.kind == "analyst"] and ids.entity_of[a] != ids.entity_of[b]


def test_decisions_are_saved_in_the_case(tmp_path, alice_keys):
    with Case.create(tmp_path / "case", analyst="A. Analyst") as case:
        record_decision(case, LinkDecision(alice_keys["entra"], alice_keys["bastion"], "confirm"))
        record_decision(case, LinkDecision(alice_keys["bastion"], alice_keys["entra"], "reject", note="contractor"))
        record_decision(case, LinkDecision(alice_keys["entra"], alice_keys["web"][0], "confirm"))
    with Case.open(tmp_path / "case") as case:
        saved = case_decisions(case)
    assert [(d.decision, d.note) for d in saved] == [("reject", "contractor"), ("confirm", "")]


def test_names_and_raw_records_give_identifiers():
    assert _from_name("cloudtrail", "AWSReservedSSO_Admin_0123/Alice@Contoso.com") == [("email", "alice@contoso.com")]
    assert _from_name("windows", "AzureAD\\alice@contoso.com") == [("email", "alice@contoso.com")]
    assert _from_name("windows", "Alice") == [("windows_account", "alice")]
    assert _from_name("entra_signin", "7F3E2A10-5B4C-4D3E-9F8A-1B2C3D4E5F60") == [
        ("entra_object_id", "7f3e2a10-5b4c-4d3e-9f8a-1b2c3d4e5f60")]
    assert _from_name("authlog", "alice") == []
    assert local_part("CORP\\Alice") == local_part("arn-role/alice@corp.com") == local_part("alice") == "alice"
    # a Windows 4624 record as the evtx crate writes it (JSON) and as Event Viewer exports XML
    as_json = json.dumps({"Event": {"EventData": {
        "SubjectUserSid": "S-1-5-18", "SubjectUserName": "WS01$", "TargetUserSid": "S-1-5-21-1004336348-1177238915-"
        "682003330-1104", "TargetUserName": "alice", "TargetDomainName": "CORP", "LogonType": 10}}})
    assert _from_raw("windows", "CORP\\alice", as_json) == [("sid", "S-1-5-21-1004336348-1177238915-682003330-1104")]
    as_xml = ('<EventData><Data Name="SubjectUserSid">S-1-5-18</Data><Data Name="SubjectUserName">WS01$</Data>'
              '<Data Name="TargetUserSid">S-1-5-21-1-2-3-1105</Data><Data Name="TargetUserName">bob</Data></EventData>')
    assert _from_raw("windows", "CORP\\bob", as_xml) == [("sid", "S-1-5-21-1-2-3-1105")]
    payload = ('{"EventData": {"Data": [{"@Name": "TargetUserSid", "#text": "S-1-5-21-9-8-7-1107"}, '
               '{"@Name": "TargetUserName", "#text": "carol"}]}}')
    assert _from_raw("windows", "carol", payload) == [("sid", "S-1-5-21-9-8-7-1107")]
    failed = "<Data Name='TargetUserSid'>S-1-0-0</Data><Data Name='TargetUserName'>scanner</Data>"
    assert _from_raw("windows", "scanner", failed) == []  # the NULL SID of a failed logon names no one
    assert _from_raw("entra_signin", "x", "not json") == []


def test_windows_names_are_case_insensitive_and_carry_their_sid(city_db):
    from pathlib import Path

    from workbench.pipeline import analyze
    data = Path(__file__).resolve().parents[1] / "data" / "windows" / "wevtutil_security.xml"
    ids = analyze([data], geoip_dbs=[city_db]).identities
    admin = ids.entity(ids.entity_of["windows||Administrator"])
    assert set(admin.names) == {"windows||Administrator", "windows||administrator"}
    assert admin.identifiers["sid"] == ("S-1-5-21-3623811015-3361044348-30300820-500",)
    assert ids.entity_of["windows||scanner"] != admin.id


def test_usual_places_leave_out_every_findings_evidence_and_show_it_apart():
    """The demo's r.patel: 421 S3 downloads from 5.188.62.140 (RU) are an access surge's evidence, not her usual."""
    from workbench.paths import demo_dir
    from workbench.pipeline import analyze

    analysis = analyze([demo_dir()])
    (patel,) = [e for e in analysis.identities.entities if e.label.startswith("r.patel") and "cloudtrail" in e.sources]
    assert "RU" not in dict(patel.countries) and "5.188.62.140" not in dict(patel.ips)
    assert dict(patel.countries) == {"US": 450} and dict(patel.flagged_ips) == {"5.188.62.140": 421}
    assert patel.flagged_events == 421 and dict(patel.flagged_countries) == {"RU": 421}
    assert sum(patel.hours) == patel.events - patel.flagged_events  # the hours too
    doc = next(e for e in analysis.to_json()["entities"] if e["id"] == patel.id)
    assert doc["flagged"] == {"events": 421, "countries": [{"value": "RU", "events": 421}],
                              "ips": [{"value": "5.188.62.140", "events": 421}]}
    assert doc["countries"] == [{"value": "US", "events": 450}]
    again = relink(analysis, [])  # resolved again (the analyst's decisions): still without the evidence
    assert dict(next(e for e in again.entities if e.id == patel.id).ips).get("5.188.62.140") is None
