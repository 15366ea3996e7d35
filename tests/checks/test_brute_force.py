from datetime import timedelta

from logs import T0, console_login, history, sshd, write_lines, write_trail

from workbench.pipeline import analyze


def _findings(analysis, check="brute_force_success"):
    return [f for f in analysis.findings if f.check == check]


def test_cloud_failures_then_success_from_a_new_country(tmp_path, city_db):
    attack = T0 + timedelta(days=6)
    records = history("bob", "73.162.10.20")
    records += [console_login("bob", attack + timedelta(seconds=25 * i), "45.155.205.99" if i % 2 else "62.76.41.10",
                              ok=False) for i in range(12)]
    records.append(console_login("bob", attack + timedelta(minutes=6), "45.155.205.99"))
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert f.severity == "high" and f.users == ("bob",)
    assert f.techniques[0] == "T1110.001" and f.playbook == "T1110.001"
    assert len(f.evidence) == 13  # every failure and the success
    assert f.explanation.startswith("12 failed logins for bob from 2 IPs (62.76.41.10, 45.155.205.99) in 5 min, "
                                    "then a successful login from 45.155.205.99 (RU, St Petersburg)")
    assert "RU was never seen for this account before" in f.explanation
    assert f.ips == ("62.76.41.10", "45.155.205.99")


def test_ssh_brute_force_on_a_linux_host(tmp_path, city_db):
    start = T0.replace(month=5)
    lines = [sshd(start + timedelta(seconds=20 * i), f"Failed password for deploy from 185.220.101.34 port {40000 + i} ssh2")
             for i in range(8)]
    lines.append(sshd(start + timedelta(minutes=3), "Accepted password for deploy from 185.220.101.34 port 41000 ssh2"))
    analysis = analyze([write_lines(tmp_path / "auth.log", lines)], year=2024, geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert f.severity == "medium" and f.hosts == ("web-01",)
    assert "T1021.004" in f.techniques and f.playbook == "T1110.001"  # the first technique with a playbook
    assert [e.ref for e in f.evidence] == [str(i) for i in range(1, 10)]


def test_typos_spread_out_and_failures_without_success_are_not_findings(tmp_path, city_db):
    records = history("alice", "73.162.10.20", days=10)
    for d in range(10):  # one typo before each login
        records.append(console_login("alice", T0 + timedelta(days=d, minutes=-1), "73.162.10.20", ok=False))
    # a spray: failures against many accounts, never a success
    records += [console_login(f"user{i}", T0 + timedelta(days=3, seconds=i), "45.155.205.99", ok=False)
                for i in range(30)]
    # many failures long before a success (outside the window)
    records += [console_login("carol", T0 + timedelta(minutes=i), "24.5.80.12", ok=False) for i in range(10)]
    records.append(console_login("carol", T0 + timedelta(hours=5), "24.5.80.12"))
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    assert _findings(analysis) == []


def test_failures_before_the_previous_success_do_not_count_twice(tmp_path, city_db):
    records = [console_login("dave", T0 + timedelta(seconds=i), "24.5.80.12", ok=False) for i in range(6)]
    records.append(console_login("dave", T0 + timedelta(seconds=30), "24.5.80.12"))
    records.append(console_login("dave", T0 + timedelta(minutes=5), "24.5.80.12"))  # a second, clean success
    analysis = analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[city_db])
    (f,) = _findings(analysis)
    assert len(f.evidence) == 7 and f.severity == "medium"


def test_success_from_a_new_network_makes_it_high(tmp_path, city_db, asn_db):
    records = history("bob", "73.162.10.20", days=6)
    attack = T0 + timedelta(days=6, hours=2)
    records += [console_login("bob", attack + timedelta(seconds=20 * i), "73.93.8.8", ok=False) for i in range(6)]
    records.append(console_login("bob", attack + timedelta(minutes=3), "73.93.8.8"))
    trail = write_trail(tmp_path / "trail.json", records)
    (f,) = _findings(analyze([trail], geoip_dbs=[city_db, asn_db]))
    assert f.severity == "high" and f.facts["new_network"] and f.facts["new_ip"]
    assert "its network AS701 was never seen for this account before" in f.explanation
    (g,) = _findings(analyze([trail], geoip_dbs=[city_db]))  # without the ASN database: only the IP is new
    assert g.severity == "medium" and not g.facts["new_network"]
    assert "the IP 73.93.8.8 was never seen for this account before" in g.explanation


def test_workspace_password_failures_then_success(tmp_path):
    from sources import workspace_login, write_workspace
    items = [workspace_login("ann@acme.example", T0 + timedelta(days=i), "81.2.69.160") for i in range(5)]
    attack = T0 + timedelta(days=5)
    items += [workspace_login("ann@acme.example", attack + timedelta(seconds=20 * i), "45.155.205.99", ok=False)
              for i in range(7)]
    items.append(workspace_login("ann@acme.example", attack + timedelta(minutes=4), "45.155.205.99"))
    items += [workspace_login("ben@acme.example", attack + timedelta(minutes=i), "81.2.69.161", ok=i == 3)
              for i in range(4)]  # three typos then in: below the threshold
    (f,) = _findings(analyze([write_workspace(tmp_path / "login.json", items)], geoip_dbs=[]))
    assert f.users == ("ann@acme.example",) and len(f.evidence) == 8 and f.facts["source"] == "workspace"
    assert "T1078.004" in f.techniques and f.facts["new_ip"]


def test_privileged_accounts_raise_the_severity_a_step(tmp_path, city_db):
    records = []
    for user in ("admin.ops", "carol"):  # same 6 failures and a success from the usual place
        records += history(user, "73.162.10.20")
        t = T0 + timedelta(days=6, hours=1)
        records += [console_login(user, t + timedelta(seconds=10 * i), "73.162.10.20", ok=False) for i in range(6)]
        records.append(console_login(user, t + timedelta(minutes=2), "73.162.10.20"))
    found = {f.users[0]: f for f in _findings(analyze([write_trail(tmp_path / "t.json", records)], geoip_dbs=[city_db]))}
    assert found["carol"].severity == "medium" and "privileged_account" not in found["carol"].facts
    assert found["admin.ops"].severity == "high" and found["admin.ops"].facts["privileged_account"]
    assert found["admin.ops"].explanation.endswith("The account is privileged or a service account.")
