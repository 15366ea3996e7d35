"""The checks on Windows Security logs: the generator's domain (one .evtx per host) read by the
workbench's own EVTX parser."""

import random
from datetime import date

import pytest

from workbench.pipeline import analyze
from workbench.synth import windows
from workbench.synth.people import make_cast


@pytest.fixture(scope="module")
def domain(tmp_path_factory):
    out = tmp_path_factory.mktemp("domain")
    _, incidents = windows.generate(random.Random("4:windows"), make_cast(random.Random("4:people")),
                                    date(2024, 3, 1), 12, out)
    return analyze([out], geoip_dbs=[]), {i["id"]: i for i in incidents}


def _by(analysis, check):
    return [f for f in analysis.findings if f.check == check]


def test_network_logons_to_six_hosts_are_lateral_movement_and_nightly_backups_are_not(domain):
    analysis, labels = domain
    (f,) = _by(analysis, "lateral_movement")
    assert f.users == ("t.kowalski",) and f.facts["new_hosts"] == 5 and f.techniques == ("T1021", "T1021.002")
    # the first of its six hosts (its own file server) is not new, but the hop just before the new ones is evidence
    assert {e.ref for e in f.evidence if e.file.endswith(labels["win-lateral"]["file"])} == {
        str(r) for r in labels["win-lateral"]["refs"]} and f.facts["hosts"] == 6
    assert "network logons from 10.20.1." in f.explanation  # svc-backup's three servers a night are not


def test_rdp_guesses_then_a_logon_and_the_domain_admins_grant(domain):
    analysis, labels = domain
    (brute,) = _by(analysis, "brute_force_success")
    assert brute.users == ("admin.ops",) and brute.facts["failures"] == 28
    assert brute.techniques == ("T1110.001", "T1021.001", "T1078")
    assert brute.severity == "critical" and brute.facts["privileged_account"]  # high, and admin.ops is privileged
    (grant,) = _by(analysis, "privilege_change")
    assert grant.severity == "high" and "(Domain Admins)" in grant.explanation
    assert "The actor raised its own privileges." in grant.explanation


def test_a_spray_against_the_domain_controller(domain):
    analysis, labels = domain
    (spray,) = _by(analysis, "password_spray")
    assert spray.ips == ("10.20.1.18",) or spray.ips[0].startswith("10.20.1.")
    assert spray.facts["accounts"] >= 10 and spray.facts["max_tries"] == 1
    assert set(labels["win-spray"]["refs"]) >= {int(e.ref) for e in spray.evidence if e.file.endswith("DC01.evtx")}


def test_computer_accounts_and_anonymous_logons_are_not_lateral_movement(tmp_path):
    """WS07$ and ANONYMOUS LOGON touch six servers in minutes, as they do in any domain; a person doing the
    same is reported."""
    from datetime import datetime, timedelta, timezone

    from workbench.synth.evtx_writer import write_evtx

    t0 = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)
    records, n = [], 0
    for d in range(4):  # m.jones's usual day: the file server
        n += 1
        records.append({"EventID": 4624, "time": t0 - timedelta(days=4 - d), "Computer": "FILE01.corp.local",
                        "EventRecordID": n, "Data": {"TargetUserName": "m.jones", "TargetDomainName": "CORP",
                                                     "LogonType": 3, "TargetLogonId": 0x1000 + n,
                                                     "IpAddress": "10.20.1.7", "AuthenticationPackageName": "NTLM"}})
    for who in ("WS07$", "ANONYMOUS LOGON", "m.jones"):
        for i in range(6):
            n += 1
            records.append({"EventID": 4624, "time": t0 + timedelta(minutes=n), "Computer": f"SRV{i:02d}.corp.local",
                            "EventRecordID": n,
                            "Data": {"TargetUserName": who, "TargetDomainName": "CORP", "LogonType": 3,
                                     "TargetLogonId": 0x1000 + n, "IpAddress": "10.20.1.7",
                                     "AuthenticationPackageName": "NTLM"}})
    write_evtx(tmp_path / "Security.evtx", records)
    found = _by(analyze([tmp_path / "Security.evtx"], geoip_dbs=[]), "lateral_movement")
    assert [f.users for f in found] == [("m.jones",)]
