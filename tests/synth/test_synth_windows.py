"""The synthetic Windows Security logs, read back with the `evtx` package (independent of our parser)."""

import json
import random
from datetime import date

import pytest
from evtx import PyEvtxParser

from workbench.synth import windows
from workbench.synth.people import make_cast


@pytest.fixture(scope="module")
def domain(tmp_path_factory):
    out = tmp_path_factory.mktemp("win")
    files, incidents = windows.generate(random.Random("3:windows"), make_cast(random.Random("3:people")),
                                        date(2024, 3, 1), 14, out)
    return out, files, {i["id"]: i for i in incidents}


def _records(path):
    return {r["event_record_id"]: json.loads(r["data"])["Event"] for r in PyEvtxParser(str(path)).records_json()}


def test_one_security_log_per_host_with_every_record(domain):
    out, files, _ = domain
    assert {"Security-DC01.evtx", "Security-FILE01.evtx", "Security-APP01.evtx", "Security-WS-JSMITH.evtx"} <= set(files)
    for name, count in files.items():
        records = _records(out / name)
        assert sorted(records) == list(range(1, count + 1))
        assert {r["System"]["Computer"] for r in records.values()} == {f"{name[9:-5]}.acme.local"}


def test_labels_point_at_the_injected_records(domain):
    out, _, labels = domain
    brute = labels["win-rdp-bruteforce"]
    recs = _records(out / brute["file"])
    picked = [recs[n] for n in brute["refs"]]
    assert [r["System"]["EventID"] for r in picked] == [4625] * 28 + [4624]
    assert {r["EventData"]["IpAddress"] for r in picked} == {windows.RDP_ATTACK_IP}
    assert {r["EventData"]["LogonType"] for r in picked} == {10}
    grant = labels["win-grant"]
    (rec,) = [_records(out / grant["file"])[n] for n in grant["refs"]]
    assert rec["System"]["EventID"] == 4728 and rec["EventData"]["TargetUserName"] == "Domain Admins"
    spray = labels["win-spray"]
    assert len(spray["refs"]) == len(windows.SPRAY_USERS) and spray["file"] == "Security-DC01.evtx"


def test_same_seed_same_bytes(tmp_path):
    cast = make_cast(random.Random("5:people"))
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        windows.generate(random.Random("5:windows"), cast, date(2024, 3, 1), 10, tmp_path / name)
    assert (tmp_path / "a" / "Security-DC01.evtx").read_bytes() == (tmp_path / "b" / "Security-DC01.evtx").read_bytes()
