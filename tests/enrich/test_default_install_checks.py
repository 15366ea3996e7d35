"""The checks that need AS numbers run on a default install (the bundled data, nothing given): a sign-in
from a network the account never used, and a password spray spread over one provider's addresses."""

import pytest

from workbench.paths import default_geoip_dbs
from workbench.pipeline import analyze

pytestmark = pytest.mark.skipif(len(default_geoip_dbs()) < 3,
                                reason="set-up (workbench fetch-geoip) has not installed the data")

COMCAST = ["73.162.1.1", "73.170.2.2", "73.162.9.9"]  # AS7922, US
T_MOBILE = "172.58.1.1"  # AS21928, US: a new network in a known country
HETZNER = ["88.198.1.1", "78.46.1.1", "136.243.1.1", "144.76.1.1"]  # AS24940


def _log(tmp_path):
    lines = []
    for day in range(1, 9):
        ip = COMCAST[day % len(COMCAST)]
        lines.append(f"Mar  {day} 09:00:0{day % 10} web1 sshd[{day}]: Accepted password for alice from {ip} "
                     "port 5 ssh2")
    lines.append(f"Mar 10 09:00:00 web1 sshd[20]: Accepted password for alice from {T_MOBILE} port 5 ssh2")
    for i in range(12):  # 12 accounts, 3 from each of 4 addresses of one network: no single IP is a spray
        lines.append(f"Mar 11 03:{i:02d}:00 web1 sshd[{30 + i}]: Failed password for user{i} from {HETZNER[i % 4]} "
                     "port 22 ssh2")
    path = tmp_path / "auth.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_new_network_and_distributed_spray_on_the_bundled_data(tmp_path):
    analysis = analyze([_log(tmp_path)], year=2026)
    rows = analysis.table.to_pylist()
    assert all(r["asn"] is not None and r["as_org"] for r in rows)  # every event got its network
    assert {r["provider_class"] for r in rows} == {"residential", "mobile", "hosting"}
    network = [f for f in analysis.findings if f.check == "new_country" and f.facts.get("kind") == "network"]
    assert [(f.facts["asn"], f.ips) for f in network] == [(21928, (T_MOBILE,))]
    spray = [f for f in analysis.findings if f.check == "password_spray"]
    assert len(spray) == 1 and spray[0].facts.get("asn") == 24940 and set(spray[0].ips) == set(HETZNER)
    assert not analysis.geoip_warnings
    assert [d["type"] for d in analysis.to_json()["geoip"]] == ["city ipv4", "city ipv6", "ip-location-db-ASN"]
