import subprocess
import sys
from datetime import timedelta

from logs import T0, console_login, sshd, write_lines, write_trail

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "indicator_match"]


def _evidence(tmp_path):
    trail = write_trail(tmp_path / "trail.json", [
        console_login("alice", T0, "45.155.205.99"), console_login("bob", T0 + timedelta(hours=1), "81.2.69.160"),
        console_login("svc-legacy", T0 + timedelta(hours=2), "24.5.80.12")])
    auth = write_lines(tmp_path / "auth.log", [
        sshd(T0.replace(month=5), "Failed password for root from 45.155.205.12 port 1 ssh2"),
        sshd(T0.replace(month=5), "Accepted password for root from 2a02:6b8::5 port 1 ssh2")])
    return [trail, auth]


def test_plain_text_list_matches_ips_networks_and_accounts(tmp_path):
    iocs = tmp_path / "iocs.txt"
    iocs.write_text("# bulletin 2024-17\n45.155.205.0/24   # bulletproof hoster\n2a02:6b8::/32\nsvc-legacy\n")
    found = _findings(analyze(_evidence(tmp_path), year=2024, geoip_dbs=[], indicator_files=[iocs]))
    by_value = {f.facts["indicator"]: f for f in found}
    assert set(by_value) == {"45.155.205.0/24", "2a02:6b8::/32", "svc-legacy"}
    net = by_value["45.155.205.0/24"]
    assert len(net.evidence) == 2 and set(net.ips) == {"45.155.205.99", "45.155.205.12"}  # cloud and ssh
    assert f"from {iocs}:2" in net.explanation
    assert by_value["svc-legacy"].users == ("svc-legacy",)


def test_csv_list_with_user_agent_fragments(tmp_path):
    iocs = tmp_path / "iocs.csv"
    iocs.write_text("type,value,note\nuser_agent,Firefox/115,the actor's browser build\nip,81.2.69.160,\n")
    records = [console_login("carol", T0, "73.162.10.20")]
    records[0]["userAgent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
    records.append(console_login("dave", T0, "81.2.69.160"))
    found = _findings(analyze([write_trail(tmp_path / "t.json", records)], geoip_dbs=[], indicator_files=[iocs]))
    assert sorted(f.facts["kind"] for f in found) == ["ip", "user_agent"]
    assert any("(the actor's browser build)" in f.explanation for f in found)


def test_no_list_no_finding_and_a_bad_list_is_a_usage_error(tmp_path):
    assert _findings(analyze(_evidence(tmp_path), year=2024, geoip_dbs=[])) == []
    bad = tmp_path / "bad.csv"
    bad.write_text("type,value\nhash,abc\n")
    proc = subprocess.run([sys.executable, "-m", "workbench", "analyze", str(tmp_path / "trail.json"),
                           "--indicators", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.strip() == f"workbench: {bad}:2: unknown indicator type 'hash' " \
                                                            f"(use one of ip, cidr, user_agent, account)"
