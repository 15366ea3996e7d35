"""Password spray and brute force in the shapes real logs give them: unknown names, keys-only sshd, Windows
4776 and 4648, failed-only, slow, and the harmless look-alikes (a device with a stale password)."""

from datetime import datetime, timedelta, timezone

from logs import T0, entra_signin, sshd, write_lines, write_signins

from workbench.pipeline import analyze
from workbench.synth.evtx_writer import write_evtx


def _by(analysis, check):
    return [f for f in analysis.findings if f.check == check]


def test_a_spray_over_mostly_unknown_names(tmp_path):
    names = [f"{n}@contoso.com" for n in ("admin", "test", "hr", "it", "sales", "info", "jobs", "ceo", "cfo", "legal")]
    records = [entra_signin(u, T0 + timedelta(seconds=30 * i), "45.155.205.99", code=50034) for i, u in enumerate(names)]
    records += [entra_signin(u, T0 + timedelta(minutes=6, seconds=30 * i), "45.155.205.99", code=50126)
                for i, u in enumerate(("ann@contoso.com", "ben@contoso.com"))]
    (f,) = _by(analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[]), "password_spray")
    assert f.facts["accounts"] == 12 and f.facts["unknown_names"] == 10 and f.severity == "medium"
    assert len(f.evidence) == 12 and "10 of them for names that do not exist" in f.explanation


def test_a_spray_on_a_keys_only_sshd_that_never_logs_a_failed_password(tmp_path):
    lines = []
    for i in range(15):
        lines.append(sshd(T0 + timedelta(seconds=2 * i), f"Invalid user user{i} from 113.160.2.2 port {40000 + i}"))
        lines.append(sshd(T0 + timedelta(seconds=2 * i), f"Connection closed by invalid user user{i} 113.160.2.2 "
                                                          f"port {40000 + i} [preauth]"))
    (f,) = _by(analyze([write_lines(tmp_path / "auth.log", lines)], year=2024, geoip_dbs=[]), "password_spray")
    assert f.ips == ("113.160.2.2",) and f.facts["accounts"] == 15 and f.facts["unknown_names"] == 15
    assert [e.ref for e in f.evidence] == [str(n) for n in range(1, 30, 2)]
    assert f.techniques == ("T1110.003", "T1021.004")


def _dc(records, path):
    t0 = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)
    out = [{"EventID": eid, "time": t0 + timedelta(seconds=5 * n), "Computer": "DC01.corp.local", "EventRecordID": n + 1,
            "Data": data} for n, (eid, data) in enumerate(records)]
    write_evtx(path, out)
    return path


def test_a_spray_seen_as_ntlm_validation_failures_on_the_domain_controller(tmp_path):
    records = [(4776, {"PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "TargetUserName": f"user{i}",
                       "Workstation": "KIOSK07", "Status": 0xC000006A}) for i in range(12)]
    (f,) = _by(analyze([_dc(records, tmp_path / "Security.evtx")], geoip_dbs=[]), "password_spray")
    assert f.title == "Password spray seen at DC01.corp.local" and f.facts["accounts"] == 12
    assert f.facts["grouped_by"] == "host" and len(f.evidence) == 12


def test_a_spray_with_explicit_credentials(tmp_path):
    records = [(4648, {"SubjectUserName": "kiosk", "SubjectDomainName": "CORP", "SubjectLogonId": 0x3E7F1,
                       "TargetUserName": f"user{i}", "TargetDomainName": "CORP", "TargetServerName": "SRV-APP03",
                       "IpAddress": "-", "IpPort": 0}) for i in range(11)]
    (f,) = _by(analyze([_dc(records, tmp_path / "Security.evtx")], geoip_dbs=[]), "password_spray")
    assert f.facts["accounts"] == 11 and "kiosk's explicit credentials on DC01.corp.local" in f.explanation


def test_failed_only_brute_force_and_a_stale_device_that_is_not(tmp_path):
    victim = [entra_signin("cfo@contoso.com", T0 + timedelta(seconds=20 * i), "45.155.205.99", code=50126)
              for i in range(60)]
    stale = [entra_signin("pat@contoso.com", T0 - timedelta(days=1), "81.2.69.160")]  # its own phone
    stale += [entra_signin("pat@contoso.com", T0 + timedelta(minutes=2 * i), "81.2.69.160", code=50126)
              for i in range(60)]
    (f,) = _by(analyze([write_signins(tmp_path / "s.json", victim + stale)], geoip_dbs=[]), "brute_force_success")
    assert f.users == ("cfo@contoso.com",) and f.severity == "medium" and not f.facts["succeeded"]
    assert len(f.evidence) == 60 and f.title == "Brute force (no success): cfo@contoso.com"
    assert "no login of the account succeeded during it" in f.explanation


def test_a_slow_brute_force_two_tries_every_twenty_minutes(tmp_path):
    records = [entra_signin("ops@contoso.com", T0 - timedelta(days=2), "81.2.69.160")]
    t = T0
    for _ in range(9):
        records += [entra_signin("ops@contoso.com", t + timedelta(seconds=s), "105.112.3.3", code=50126) for s in (0, 30)]
        t += timedelta(minutes=20)
    records.append(entra_signin("ops@contoso.com", t, "105.112.3.3"))
    (f,) = _by(analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[]), "brute_force_success")
    assert f.facts["failures"] == 18 and f.facts["slow"] and f.facts["succeeded"]
    assert "A slow attempt: 18 failures spread over 2.7 h (at most 4 in any 30 min)." in f.explanation


def _scanner_log(seed: int = 3, attempts: int = 1500) -> list[str]:
    """Internet background on an sshd: random public addresses, 1-3 made-up names each, never a success; and
    the host's own deploy logins by key from the office."""
    import random

    rng = random.Random(seed)
    stems = ["admin", "user", "test", "oracle", "postgres", "git", "ftp", "guest", "dev", "ubuntu", "pi", "tomcat"]
    t, lines = T0, []
    while len(lines) < 3 * attempts:
        t += timedelta(seconds=rng.randrange(1, 12))
        if rng.random() < 0.03:
            lines.append(sshd(t, "Accepted publickey for deploy from 10.0.4.12 port 50022 ssh2: ED25519 SHA256:abc"))
            continue
        ip = f"{rng.randrange(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for _ in range(rng.randrange(1, 4)):
            user, port = rng.choice(stems) + str(rng.randrange(1, 500)), rng.randrange(30000, 65000)
            lines.append(sshd(t, f"Invalid user {user} from {ip} port {port}"))
            lines.append(sshd(t, f"Failed password for invalid user {user} from {ip} port {port} ssh2"))
            lines.append(sshd(t, f"Connection closed by invalid user {user} {ip} port {port} [preauth]"))
    return lines


def test_internet_background_scanning_is_one_low_finding_and_a_real_spray_stays(tmp_path):
    lines = _scanner_log()
    # a spray at a spray's pace from one address, in the middle of the background: 20 names in 20 s
    t = T0 + timedelta(hours=1)
    lines += [sshd(t + timedelta(seconds=i), f"Invalid user spray{i} from 113.160.2.2 port {41000 + i}")
              for i in range(20)]
    lines.sort(key=lambda line: line[:15])
    path = write_lines(tmp_path / "auth.log", lines)
    found = _by(analyze([path], year=2024), "password_spray")
    background = [f for f in found if f.facts.get("background")]
    sprays = [f for f in found if not f.facts.get("background")]
    assert len(background) == 1 and background[0].severity == "low"
    (bg,) = background
    assert bg.title == "Background scanning of web-01" and bg.users == ()
    assert bg.facts["networks"] >= 3 and bg.facts["addresses"] > 100 and bg.facts["successes"] == 0
    assert bg.explanation.startswith(f"Background scanning: {bg.facts['unknown_names']} invalid-user attempts "
                                     f"from {bg.facts['addresses']} addresses in {bg.facts['networks']} networks")
    assert "no account logged on from these addresses" in bg.explanation
    assert [(f.ips, f.severity, f.facts["accounts"]) for f in sprays] == [(("113.160.2.2",), "medium", 20)]
