"""Windows Security and Remote Desktop events: binary .evtx (written by workbench.synth.evtx_writer),
wevtutil / Event Viewer XML exports, EvtxECmd CSV."""

import gzip
import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime, timedelta

import evtx
import pytest
from windows_samples import ATTACKER, RDP, SECURITY, T0, record_dicts

from workbench.ingest import load
from workbench.pipeline import analyze
from workbench.synth.evtx_writer import write_evtx


def _crc_problems(data: bytes) -> list[str]:
    """Check every checksum of an EVTX file the way the format defines them (not through the parser)."""
    problems = []
    if zlib.crc32(data[:120]) != struct.unpack_from("<I", data, 124)[0]:
        problems.append("file header")
    chunks = struct.unpack_from("<H", data, 42)[0]
    for n in range(chunks):
        chunk = data[4096 + n * 65536: 4096 + (n + 1) * 65536]
        assert chunk[:8] == b"ElfChnk\x00"
        free = struct.unpack_from("<I", chunk, 48)[0]
        if zlib.crc32(chunk[512:free]) != struct.unpack_from("<I", chunk, 52)[0]:
            problems.append(f"chunk {n} records")
        if zlib.crc32(chunk[:120] + chunk[128:512]) != struct.unpack_from("<I", chunk, 124)[0]:
            problems.append(f"chunk {n} header")
    return problems


@pytest.fixture
def security_evtx(tmp_path):
    path = tmp_path / "Security.evtx"
    assert write_evtx(path, record_dicts(SECURITY)) == len(SECURITY)
    return path


def _many(n, first=1):
    """n failed logons then a success, spread over hosts (enough records for several chunks)."""
    for i in range(n):
        yield {"EventID": 4625 if i % 7 else 4624, "time": T0 + timedelta(seconds=i), "Computer": f"WS{i % 40:02d}",
               "EventRecordID": first + i,
               "Data": {"TargetUserName": f"user{i % 50}", "TargetDomainName": "CORP", "LogonType": 3,
                        "SubStatus": "0xc000006a", "TargetLogonId": 0x10000 + i, "IpAddress": f"198.51.100.{i % 200}"}}


def test_written_evtx_has_valid_checksums_and_parses_strictly(tmp_path):
    path = tmp_path / "many.evtx"
    write_evtx(path, _many(3000))
    data = path.read_bytes()
    assert (len(data) - 4096) % 65536 == 0 and struct.unpack_from("<H", data, 42)[0] > 1  # several chunks
    assert _crc_problems(data) == []
    ids = [r["event_record_id"] for r in evtx.PyEvtxParser(str(path), validate_checksums=True).records_json()]
    assert ids == list(range(1, 3001))
    write_evtx(tmp_path / "again.evtx", _many(3000))
    assert (tmp_path / "again.evtx").read_bytes() == data  # deterministic
    damaged = bytearray(data)
    damaged[4096 + 600] ^= 0xFF
    assert _crc_problems(bytes(damaged)) == ["chunk 0 records"]  # the checker is not vacuous


def test_security_evtx(security_evtx):
    result = load([security_evtx])
    (info,) = result.inputs
    assert info.format == "evtx" and info.events == len(SECURITY) and info.complete
    t = result.table.to_pydict()
    assert set(t["source"]) == {"windows"}
    assert t["ts"][0] == T0 and t["ts"][0].tzinfo is not None and t["ts"][0].utcoffset() == timedelta(0)
    assert t["ref"] == [str(1000 + i) for i in range(len(SECURITY))]
    assert t["event_name"] == [str(row[1]) for row in SECURITY]
    for i, (_, eid, host, _, action, outcome, user, target, ip) in enumerate(SECURITY):
        got = (t["action"][i], t["outcome"][i], t["user"][i], t["target_user"][i], t["src_ip"][i], t["host"][i])
        assert got == (action, outcome, user, target, ip, host), (eid, got)
    first_logon = t["event_name"].index("4624")
    assert t["logon_type"][first_logon] == "remote_interactive" and t["session_id"][first_logon] == "0x1f2e3d"
    assert t["client_app"][first_logon] == "NTLM"
    assert '"TargetUserName":"Domain Admins"' in t["raw"][t["event_name"].index("4728")]  # the grant is in raw


def test_rdp_operational_evtx(tmp_path):
    path = tmp_path / "TerminalServices.evtx"
    write_evtx(path, record_dicts(RDP, first_id=50))
    t = load([path]).table.to_pydict()
    assert t["event_name"] == ["1149", "21", "24", "25"] and t["ref"] == ["50", "51", "52", "53"]
    assert t["action"] == [row[4] for row in RDP] and t["src_ip"] == [ATTACKER] * 3 + [None]
    assert t["user"] == ["alice"] * 4 and t["session_id"][1:] == ["3", "3", "3"]
    assert t["logon_type"] == ["remote_interactive"] * 3 + ["interactive"]


def test_evtx_inside_gzip_and_zip(tmp_path, security_evtx):
    data = security_evtx.read_bytes()
    (tmp_path / "Security.evtx.gz").write_bytes(gzip.compress(data))
    with zipfile.ZipFile(tmp_path / "triage.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("C/Windows/System32/winevt/Logs/Security.evtx", data)
    result = load([tmp_path / "Security.evtx.gz", tmp_path / "triage.zip"])
    assert [(i.format, i.events, i.complete) for i in result.inputs] == [("evtx", len(SECURITY), True)] * 2


def test_truncated_evtx_keeps_the_records_before_the_cut(tmp_path):
    whole = tmp_path / "whole.evtx"
    write_evtx(whole, _many(3000))
    data = whole.read_bytes()
    cut = tmp_path / "cut.evtx"
    cut.write_bytes(data[:4096 + 65536 + 30000])  # one whole chunk, then part of the next
    first_chunk = sum(1 for _ in evtx.PyEvtxParser(io.BytesIO(data[:4096 + 65536])).records_json())
    (info,) = load([cut]).inputs
    assert info.format == "evtx" and first_chunk < info.events < 3000
    assert info.errors[0].startswith("cut short: 99632 bytes; the header lists 29 chunks of 64 KiB, the file "
                                      "holds 1 and 30000 bytes of the next; kept ")
    assert f"kept {info.events} records" in info.errors[0] and "\n" not in info.summary()
    table = load([cut]).table.to_pydict()
    assert table["ref"] == [str(i) for i in range(1, info.events + 1)]  # in order, none lost before the cut


def test_damaged_record_is_skipped_and_the_rest_loads(tmp_path):
    path = tmp_path / "damaged.evtx"
    write_evtx(path, _many(1000))
    data = bytearray(path.read_bytes())
    at = 4096 + 65536 + 20000
    data[at:at + 100] = b"\xff" * 100
    path.write_bytes(bytes(data))
    result = load([path])
    (info,) = result.inputs
    refs = [int(r) for r in result.table.column("ref").to_pylist()]
    # the parser drops the rest of the damaged chunk and goes on with the next one
    assert info.format == "evtx" and 900 <= info.events < 1000 and info.bad_records >= 1
    assert info.errors[0].startswith("damaged data: Failed to parse record number 134")
    assert refs[:133] == list(range(1, 134)) and refs[-1] == 1000


def test_garbage_after_the_evtx_magic_is_one_clear_line(tmp_path):
    bad = tmp_path / "bad.evtx"
    bad.write_bytes(b"ElfFile\x00" + bytes(range(256)) * 20)
    ok = tmp_path / "ok.evtx"
    write_evtx(ok, record_dicts(RDP))
    result = load([bad, ok])
    bad_info, ok_info = result.inputs
    assert bad_info.events == 0 and bad_info.errors and "\n" not in bad_info.summary()
    assert ok_info.events == len(RDP)


def test_wevtutil_xml(data_dir):
    result = load([data_dir / "windows" / "wevtutil_security.xml"])
    (info,) = result.inputs
    assert info.format == "evtx_xml" and info.events == 6 and info.complete
    t = result.table.to_pydict()
    assert t["ts"][0] == datetime(2024, 3, 6, 2, 14, 7, 441721, tzinfo=UTC)
    assert t["ref"] == ["981204", "981205", "981230", "981233", "981260", "981301"]
    assert t["action"] == ["auth.failure", "auth.invalid_user", "auth.success", "auth.success", "privilege.change",
                           "other"]
    assert t["user"] == ["administrator", "scanner", "Administrator", "bob", "Administrator", "Administrator"]
    assert t["src_ip"] == ["185.220.101.34", "185.220.101.34", "10.20.30.40", "127.0.0.1", None, None]
    assert t["logon_type"][:4] == ["network", "network", "network", "interactive"]
    assert t["target_user"][4] == "S-1-5-21-3623811015-3361044348-30300820-1187"
    assert t["host"] == ["FS01.corp.example"] * 6
    assert t["raw"][0].startswith("<Event xmlns=") and t["raw"][0].endswith("</Event>")


def test_event_viewer_saved_xml_in_utf16(data_dir):
    result = load([data_dir / "windows" / "eventviewer_saved.xml"])
    (info,) = result.inputs
    assert info.format == "evtx_xml" and info.events == 3 and info.complete
    t = result.table.to_pydict()
    assert t["event_name"] == ["1149", "4624", "21"]  # sorted by time
    assert t["ref"] == ["7712", "204417", "3390"]
    assert t["action"] == ["auth.success", "auth.success", "session.start"]
    assert t["user"] == ["alice"] * 3 and t["src_ip"] == [ATTACKER] * 3
    assert t["ts"][1] == datetime(2024, 3, 6, 3, 2, 12, 880731, tzinfo=UTC)


def test_damaged_xml_export_keeps_the_good_events(data_dir, tmp_path):
    lines = (data_dir / "windows" / "wevtutil_security.xml").read_text().splitlines()
    broken = lines[1].replace("<EventData>", "<EventData><Data Name='x'>a & b</Data>")
    cut = lines[5][:400]
    path = tmp_path / "export.xml"
    path.write_text("\n".join([lines[0], broken, *lines[2:5], cut]))
    (info,) = load([path]).inputs
    assert info.format == "evtx_xml" and info.events == 4 and info.bad_records == 2
    assert info.errors[0].startswith("line 2: broken XML")
    assert info.errors[1] == "line 6: cut off: the event has no end"


def test_evtxecmd_csv(data_dir):
    result = load([data_dir / "windows" / "evtxecmd_output.csv"])
    (info,) = result.inputs
    assert info.format == "evtxecmd_csv" and info.events == 6 and info.bad_records == 1
    assert info.errors[0].startswith("line 7: no usable TimeCreated")
    t = result.table.to_pydict()
    assert t["ts"][0] == datetime(2024, 3, 7, 1, 10, 2, 551823, tzinfo=UTC)
    assert t["ref"] == ["412877", "412880", "412901", "412930", "412931", "3391"]
    assert t["action"] == ["auth.failure", "auth.success", "privilege.change", "auth.invalid_user", "auth.success",
                           "session.start"]
    assert t["user"] == ["bob", "bob", "bob", "svc-test", "carol", "bob"]
    assert t["target_user"][2] == "bob" and t["session_id"][1] == "0x9A3F21C"
    assert t["src_ip"] == [ATTACKER, ATTACKER, None, None, "10.1.2.5", ATTACKER]
    # the row without Payload: from UserName, RemoteHost and the PayloadData columns
    assert (t["logon_type"][4], t["session_id"][4], t["client_app"][4]) == ("network", "0xA01B2C3", "Kerberos")


def test_checks_fire_on_windows_events(tmp_path):
    """Brute force then lateral movement and a Domain Admins add, all from one Security.evtx."""
    start = datetime(2024, 3, 8, 1, 0, tzinfo=UTC)
    records = [{"EventID": 4625, "time": start + timedelta(seconds=10 * i), "Computer": "DC01",
                "Data": {"TargetUserName": "alice", "LogonType": 3, "SubStatus": "0xc000006a",
                         "IpAddress": ATTACKER}} for i in range(8)]
    records += [{"EventID": 4624, "time": start + timedelta(minutes=2 + i), "Computer": f"SRV{i:02d}",
                 "Data": {"TargetUserName": "alice", "LogonType": 3, "TargetLogonId": 0x5000 + i,
                          "IpAddress": ATTACKER}} for i in range(6)]
    records.append({"EventID": 4728, "time": start + timedelta(minutes=10), "Computer": "DC01",
                    "Data": {"MemberName": "CN=alice,CN=Users,DC=corp,DC=example", "TargetUserName": "Domain Admins",
                             "SubjectUserName": "alice", "SubjectLogonId": 0x5000}})
    path = tmp_path / "Security.evtx"
    write_evtx(path, records)
    checks = {f.check: f for f in analyze([path], geoip_dbs=[], default_geoip=False).findings}
    assert {"brute_force_success", "lateral_movement", "privilege_change"} <= set(checks)
    lateral = checks["lateral_movement"]
    assert lateral.facts["hosts"] == 6 and lateral.severity == "high" and lateral.facts["baseline"] == "limited"
    assert f"after a brute-force success: 8 failed logons then a success from {ATTACKER}" in lateral.explanation
    assert checks["privilege_change"].severity == "high"  # Domain Admins, and alice raised her own rights
    # the same fan-out without the failures: a short export cannot tell it from the account's job
    (tmp_path / "quiet").mkdir()
    write_evtx(tmp_path / "quiet" / "Security.evtx", [r for r in records if r["EventID"] != 4625])
    quiet = analyze([tmp_path / "quiet" / "Security.evtx"], geoip_dbs=[], default_geoip=False).findings
    assert "lateral_movement" not in {f.check for f in quiet}


def test_records_written_out_without_templates_read_the_same(tmp_path):
    from workbench.synth.evtx_writer import from_dict, write_file

    records = [from_dict(item, item["EventRecordID"]) for item in record_dicts(SECURITY + RDP)]
    write_file(tmp_path / "templated.evtx", records)
    write_file(tmp_path / "plain.evtx", records, templates=False)
    plain = (tmp_path / "plain.evtx").read_bytes()
    assert plain != (tmp_path / "templated.evtx").read_bytes() and _crc_problems(plain) == []

    def rendered(name):
        return [r["data"] for r in evtx.PyEvtxParser(str(tmp_path / name), validate_checksums=True).records_json()]

    assert rendered("plain.evtx") == rendered("templated.evtx")


def test_progress_inside_an_evtx_file(tmp_path):
    from workbench.ingest.evtx_binary import parse
    from workbench.ingest.registry import ParseContext

    path = tmp_path / "many.evtx"
    write_evtx(path, _many(20000))
    seen = []
    ctx = ParseContext(path, str(path), lambda: open(path, "rb"), on_bytes=seen.append)  # noqa: SIM115
    assert sum(b.num_rows for b in parse(ctx)) == 20000
    size = path.stat().st_size
    assert len(seen) == 2 and seen == sorted(seen) and 0 < seen[0] < seen[-1] <= size


def test_rdpcorets_140_is_a_failed_logon_from_the_clients_address(tmp_path):
    """RdpCoreTS 140 (NLA failure): the only trace of an RDP password guess when 4625 is not audited; it names
    the client's address and no account."""
    from workbench.ingest.windows_map import RDPCORE_CHANNEL, event_label

    provider = ("Microsoft-Windows-RemoteDesktopServices-RdpCoreTS", "{1139c61b-b549-4251-8ed3-27250a1edec8}")
    records = [{"EventID": 140, "time": T0 + timedelta(seconds=3 * i), "Computer": "RDS01", "Provider": provider,
                "Channel": RDPCORE_CHANNEL, "Keywords": "0x4000000000000000", "EventRecordID": 700 + i,
                "Data": {"IPString": ATTACKER}} for i in range(5)]
    path = tmp_path / "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"
    write_evtx(path, records)
    t = load([path]).table.to_pydict()
    assert t["action"] == ["auth.failure"] * 5 and t["outcome"] == ["failure"] * 5
    assert t["src_ip"] == [ATTACKER] * 5 and t["user"] == [None] * 5 and t["host"] == ["RDS01"] * 5
    assert event_label("140").startswith("140 · Remote desktop connection failed")
