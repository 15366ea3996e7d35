"""Incidents on hand-built chains: real-shaped CloudTrail exports through the real checks, then joined."""

from datetime import timedelta

from logs import T0, api_call, console_login, history, write_trail

from workbench.incidents import Incident, KILL_CHAIN
from workbench.incidents.model import incident_id
from workbench.pipeline import analyze, complete

ATTACKER, OTHER_ATTACKER, HOME, NAT = "45.155.205.99", "185.220.101.34", "73.162.10.20", "73.162.10.50"


def _brute_force(user, when, ip, failures=12):
    return ([console_login(user, when + timedelta(seconds=20 * i), ip, ok=False) for i in range(failures)]
            + [console_login(user, when + timedelta(minutes=5), ip)])


def _run(tmp_path, records):
    return analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[])


def _of(analysis, check):
    (f,) = [f for f in analysis.findings if f.check == check]
    return f


def _every_finding_once(analysis):
    ids = [fid for i in analysis.incidents for fid in i.findings]
    assert sorted(ids) == sorted(f.id for f in analysis.findings)


def test_brute_force_new_key_admin_stop_logging_and_downloads_are_one_incident(tmp_path, city_db):
    records = history("bob", HOME, days=10)
    records += [api_call("bob", T0 + timedelta(hours=h, minutes=6 * k), HOME, "GetObject")
                for h in range(0, 240, 5) for k in range(10)]  # a steady reader: 10 objects an hour, 48 hours
    t = T0 + timedelta(days=10, hours=2)
    records += _brute_force("bob", t, ATTACKER)
    records += [
        api_call("bob", t + timedelta(minutes=9), ATTACKER, "CreateAccessKey", {"userName": "bob"}),
        api_call("bob", t + timedelta(minutes=14), ATTACKER, "AttachUserPolicy",
                 {"userName": "bob", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        api_call("bob", t + timedelta(minutes=20), ATTACKER, "StopLogging",
                 {"name": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"}),
    ]
    records += [api_call("bob", t + timedelta(minutes=30, seconds=3 * i), ATTACKER, "GetObject") for i in range(600)]
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    chain = [_of(analysis, c) for c in ("brute_force_success", "new_credentials", "privilege_change",
                                        "cloud_catalogue", "access_surge")]
    (incident,) = [i for i in analysis.incidents if chain[0].id in i.findings]
    assert {f.id for f in chain} <= set(incident.findings)
    _every_finding_once(analysis)
    assert len(analysis.incidents) == 1
    # time order, and each finding placed by its leading technique's ATT&CK tactics
    steps = {s.finding: s for s in incident.steps}
    assert [s.at for s in incident.steps] == sorted(s.at for s in incident.steps)
    assert steps[chain[0].id].tactic == "Credential Access"  # T1110.001
    assert steps[chain[1].id].tactic == "Persistence" and "Privilege Escalation" in steps[chain[1].id].tactics
    assert steps[chain[3].id].tactic == "Defense Evasion"  # StopLogging: T1562.008
    assert steps[chain[4].id].tactic == "Collection"  # T1530; T1586.003 is not on the chain
    assert {"Credential Access", "Persistence", "Defense Evasion", "Collection"} <= set(incident.tactics)
    assert list(incident.tactics) == [t for t in KILL_CHAIN if t in incident.tactics]
    assert incident.severity == "critical" and any("kill chain" in r for r in incident.severity_reasons)
    assert incident.confidence == "high"
    assert [p.label for p in incident.people] == ["bob (cloudtrail)"] and ATTACKER in incident.ips
    assert len(incident.credentials) == 1  # the new access key, from the lineage
    assert incident.first == chain[0].first_seen and incident.last == max(f.last_seen for f in chain)
    text = incident.narrative
    assert text.startswith(f"Between {chain[0].first_seen:%Y-%m-%d %H:%M:%S} UTC and ")
    assert "bob (cloudtrail) was the subject of" in text and ATTACKER in text
    assert "Furthest along the kill chain: collection (Access surge: bob" in text


def test_two_unrelated_people_in_one_account_are_two_incidents(tmp_path):
    records = history("alice", HOME) + history("carol", "24.5.80.12")
    t = T0 + timedelta(days=6)
    records += _brute_force("alice", t, ATTACKER) + _brute_force("carol", t + timedelta(hours=1), OTHER_ATTACKER)
    analysis = _run(tmp_path, records)
    found = [f for f in analysis.findings if f.check == "brute_force_success"]
    assert len(found) == 2 and all(f.hosts == ("111122223333",) for f in found)  # one AWS account: no link
    assert sorted(i.accounts for i in analysis.incidents) == [("alice",), ("carol",)]
    assert all(len(i.findings) == 1 for i in analysis.incidents)


def test_an_attacker_address_shared_by_two_victims_links_their_findings(tmp_path):
    records = history("alice", HOME) + history("dave", "24.5.80.12")
    t = T0 + timedelta(days=6)
    records += _brute_force("alice", t, ATTACKER)
    records += _brute_force("dave", t + timedelta(hours=3), ATTACKER)
    records.append(api_call("dave", t + timedelta(hours=3, minutes=8), ATTACKER, "CreateAccessKey",
                            {"userName": "dave"}))
    analysis = _run(tmp_path, records)
    (incident,) = analysis.incidents
    assert {"alice (cloudtrail)", "dave (cloudtrail)"} == {p.label for p in incident.people}
    assert len(incident.findings) == len(analysis.findings) >= 3
    assert any(ATTACKER in why and "2 accounts" in why for why in incident.links)
    # the same two break-ins a week apart are two stories
    later = history("alice", HOME) + history("dave", "24.5.80.12")
    later += _brute_force("alice", t, ATTACKER) + _brute_force("dave", t + timedelta(days=7), ATTACKER)
    assert len(_run(tmp_path, later).incidents) == 2


def test_a_corporate_nat_address_links_no_one(tmp_path):
    staff = [f"user{n:02d}" for n in range(30)]
    records = [r for u in staff for r in history(u, NAT)]  # everyone signs in through the office NAT
    t = T0 + timedelta(days=6)
    records += _brute_force("user03", t, NAT, failures=6) + _brute_force("user17", t + timedelta(hours=2), NAT,
                                                                          failures=6)
    analysis = _run(tmp_path, records)
    found = [f for f in analysis.findings if f.check == "brute_force_success"]
    assert len(found) == 2 and all(f.ips == (NAT,) for f in found)
    assert sorted(i.accounts for i in analysis.incidents if i.checks == ("brute_force_success",)) == [
        ("user03",), ("user17",)]
    _every_finding_once(analysis)


def test_ids_are_stable_and_the_json_carries_every_finding_once(tmp_path):
    records = history("alice", HOME) + _brute_force("alice", T0 + timedelta(days=6), ATTACKER)
    first = _run(tmp_path, records)
    again = _run(tmp_path, records)
    assert [i.id for i in first.incidents] == [i.id for i in again.incidents]
    assert first.incidents[0].id == incident_id(reversed(first.incidents[0].findings))
    doc = first.to_json()
    assert [i["id"] for i in doc["incidents"]] == [i.id for i in first.incidents]
    entry = doc["incidents"][0]
    assert set(entry["entities"]) == {"people", "accounts", "credentials", "ips", "hosts", "ip_places"}
    assert entry["confidence_reasons"] and entry["severity_reasons"] and entry["narrative"]
    assert Incident.from_dict(entry) == first.incidents[0]
    # a restored analysis (no incidents kept) builds the same ones
    first.incidents = None
    complete(first)
    assert [i.id for i in first.stories()] == [i.id for i in again.incidents]
