"""Offline update packs: built, verified on import (any mismatch, traversal or absolute name refused, nothing
written), the previous pack kept, a report of what changed; the CLI commands."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from workbench.__main__ import main
from workbench.update.signing import keygen, sign_pack, trust
from workbench.update.pack import (UpdatePackError, active_overrides, build_pack, data_dir, import_pack, read_state,
                                   rollback)

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"


@pytest.fixture(autouse=True)
def org_key(tmp_path) -> Path:
    """The organisation's signing key; the laptop (data folder ``tmp_path/data``) trusts it."""
    key = tmp_path / "org.key"
    keygen(key, "ACME IR")
    trust(tmp_path / "org.key.pub", tmp_path / "data")
    return key


@pytest.fixture
def sources(tmp_path, city_db) -> dict[str, Path]:
    books = tmp_path / "books"
    books.mkdir()
    (books / "T1021.md").write_text((PLAYBOOKS / "T1021.md").read_text(encoding="utf-8"), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("brute_force_success:\n  min_failures: 7\n", encoding="utf-8")
    return {"playbooks": books, "config": config, "geoip": city_db}


def _build(tmp_path: Path, sources: dict[str, Path], name: str = "pack-1") -> Path:
    out = tmp_path / f"{name}.zip"
    build_pack(out, name=name, playbooks=sources["playbooks"], config=sources["config"], geoip_dbs=[sources["geoip"]],
               sign_key=tmp_path / "org.key")
    return out


def _rewrite(pack: Path, out: Path, *, edit=None, extra: dict[str, bytes] | None = None,
             manifest_edit=None) -> Path:
    """A copy of ``pack`` with members changed, added, or the manifest edited."""
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "manifest.json" and manifest_edit:
                manifest = json.loads(data)
                manifest_edit(manifest)
                data = json.dumps(manifest).encode()
            elif edit and info.filename in edit:
                data = edit[info.filename]
            dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out


def test_build_writes_a_manifest_with_every_members_digest(tmp_path, sources):
    pack = _build(tmp_path, sources)
    with zipfile.ZipFile(pack) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert set(manifest["files"]) == {"playbooks/T1021.md", "config/config.yaml", f"geoip/{sources['geoip'].name}"}
        for member, entry in manifest["files"].items():
            assert hashlib.sha256(zf.read(member)).hexdigest() == entry["sha256"]
    assert manifest["name"] == "pack-1" and manifest["format"] == "workbench-update-pack"
    assert manifest["files"]["playbooks/T1021.md"]["content"] == "playbook T1021"


def test_build_refuses_content_that_does_not_parse(tmp_path, sources):
    bad = tmp_path / "bad.yaml"
    bad.write_text("brute_force_success:\n  no_such_setting: 1\n", encoding="utf-8")
    with pytest.raises(UpdatePackError, match="no_such_setting"):
        build_pack(tmp_path / "x.zip", name="x", config=bad)
    with pytest.raises(UpdatePackError, match="nothing to pack"):
        build_pack(tmp_path / "x.zip", name="x")
    with pytest.raises(UpdatePackError, match="pack name"):
        build_pack(tmp_path / "x.zip", name="../x", config=sources["config"])
    assert not (tmp_path / "x.zip").exists()


def test_import_installs_reports_and_feeds_the_analysis(tmp_path, sources):
    data = tmp_path / "data"
    report = import_pack(_build(tmp_path, sources), data)
    assert report.name == "pack-1" and report.previous is None
    assert {c.status for c in report.changes} == {"added"} and len(report.changes) == 3
    assert read_state(data) == {"active": "pack-1", "previous": None}
    over = active_overrides(data)
    assert over.config_files == [data / "packs" / "pack-1" / "config" / "config.yaml"]
    assert [p.name for p in over.geoip_dbs] == [sources["geoip"].name]
    assert over.playbook_dirs == [data / "packs" / "pack-1" / "playbooks"]


def test_second_pack_keeps_the_first_and_reports_the_changes(tmp_path, sources):
    data = tmp_path / "data"
    import_pack(_build(tmp_path, sources), data)
    sources["config"].write_text("brute_force_success:\n  min_failures: 9\n", encoding="utf-8")
    (sources["playbooks"] / "T1021.md").unlink()
    (sources["playbooks"] / "T1098.001.md").write_bytes((PLAYBOOKS / "T1098.001.md").read_bytes())
    report = import_pack(_build(tmp_path, sources, "pack-2"), data)
    changes = {c.member: c for c in report.changes}
    assert changes["config/config.yaml"].status == "changed"
    assert "min_failures: 7 -> 9" in changes["config/config.yaml"].detail
    assert changes["playbooks/T1021.md"].status == "removed"
    assert changes["playbooks/T1098.001.md"].status == "added"
    assert changes[f"geoip/{sources['geoip'].name}"].status == "unchanged"
    assert read_state(data) == {"active": "pack-2", "previous": "pack-1"}
    assert (data / "packs" / "pack-1" / "config" / "config.yaml").is_file()
    back = rollback(data)
    assert back.name == "pack-1" and read_state(data) == {"active": "pack-1", "previous": "pack-2"}
    import_pack(_build(tmp_path, sources, "pack-3"), data)  # the oldest pack goes
    assert sorted(p.name for p in (data / "packs").iterdir() if p.is_dir()) == ["pack-1", "pack-3"]


@pytest.mark.parametrize("case, message", [
    ("altered", "does not match"),
    ("unlisted", "not listed"),
    ("traversal", r"'\.\.'"),
    ("absolute", "absolute"),
    ("backslash", "absolute or Windows"),
    ("missing", "absent"),
    ("manifest", "not a workbench-update-pack"),
    ("bad playbook", "missing the"),
])
def test_import_refuses_a_bad_pack_and_writes_nothing(tmp_path, sources, case, message):
    good = _build(tmp_path, sources)
    bad = tmp_path / "bad.zip"
    if case == "altered":
        _rewrite(good, bad, edit={"config/config.yaml": b"brute_force_success:\n  min_failures: 2\n"})
    elif case == "unlisted":
        _rewrite(good, bad, extra={"playbooks/T9999.md": b"# x\n"})
    elif case == "traversal":
        _rewrite(good, bad, extra={"playbooks/../../evil.md": b"x"})
    elif case == "absolute":
        _rewrite(good, bad, extra={"/tmp/evil.md": b"x"})
    elif case == "backslash":
        _rewrite(good, bad, extra={"playbooks\\..\\evil.md": b"x"})
    elif case == "missing":
        _rewrite(good, bad, manifest_edit=lambda m: m["files"].update(
            {"playbooks/T1.md": {"size": 1, "sha256": "0" * 64}}))
    elif case == "manifest":
        _rewrite(good, bad, manifest_edit=lambda m: m.update(format="something-else"))
    else:
        text = b"# broken\n| Column Name | Value |\n| --- | --- |\n| Name | x |\n"
        digest = hashlib.sha256(text).hexdigest()
        _rewrite(good, bad, edit={"playbooks/T1021.md": text}, manifest_edit=lambda m: m["files"].update(
            {"playbooks/T1021.md": {"size": len(text), "sha256": digest}}))
    if case in ("missing", "manifest", "bad playbook"):
        sign_pack(bad, tmp_path / "org.key")  # the organisation itself signed a bad pack: still refused
    data = tmp_path / "data"
    with pytest.raises(UpdatePackError, match=message):
        import_pack(bad, data)
    assert [p.name for p in (data / "packs").iterdir()] == []
    assert not (tmp_path / "evil.md").exists()


def test_data_dir_follows_the_platform_and_the_override(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "d"))
    assert data_dir() == tmp_path / "d"
    monkeypatch.delenv("WORKBENCH_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "appdata"))
    assert data_dir().name == "workbench" and data_dir().parent.name in ("xdg", "appdata", "Application Support")


def test_cli_build_import_status_rollback(tmp_path, sources, capsys):
    pack, data = tmp_path / "cli-pack.zip", tmp_path / "data"
    assert main(["update-pack", "build", str(pack), "--playbooks", str(sources["playbooks"]),
                 "--config", str(sources["config"]), "--geoip-db", str(sources["geoip"]),
                 "--sign-key", str(tmp_path / "org.key")]) == 0
    assert main(["update-pack", "import", str(pack), "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "pack cli-pack, 3 files" in out and "added     config/config.yaml" in out
    assert main(["update-pack", "status", "--data-dir", str(data)]) == 0
    assert "active: cli-pack" in capsys.readouterr().out
    assert main(["update-pack", "rollback", "--data-dir", str(data)]) == 2
    assert "no previous update pack" in capsys.readouterr().err


def test_analyze_uses_the_imported_pack_and_can_ignore_it(tmp_path, sources, data_dir, monkeypatch):
    """A pack with a stricter config, a Sigma rule and a newer ATT&CK reference changes the next analysis;
    the findings JSON names the pack; --no-update-pack runs on the shipped files alone."""
    from workbench import attack

    rules = tmp_path / "rules" / "aws"
    rules.mkdir(parents=True)
    (rules / "key.yml").write_text(
        "title: Access key created by the pack's rule\nid: 8a1c6e2e-1d0b-4f5e-9a55-3f1f1c1c0001\n"
        "status: test\nlogsource:\n  product: aws\n  service: cloudtrail\n"
        "detection:\n  sel:\n    eventName: CreateAccessKey\n  condition: sel\nlevel: high\n"
        "tags:\n  - attack.persistence\n  - attack.t1098.001\n", encoding="utf-8")
    reference = json.loads((ROOT / "resources" / "attack" / "techniques.json").read_text(encoding="utf-8"))
    reference["attack_version"] = "99.0"
    for tech in reference["techniques"]:
        if tech["id"] == "T1098.001":
            tech["name"] = "Additional Cloud Credentials (from the pack)"
    (tmp_path / "techniques.json").write_text(json.dumps(reference), encoding="utf-8")
    pack = tmp_path / "pack.zip"
    build_pack(pack, name="pack-sigma", config=sources["config"], sigma=tmp_path / "rules",
               attack=tmp_path / "techniques.json", sign_key=tmp_path / "org.key")
    with zipfile.ZipFile(pack) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["files"]["sigma/aws/key.yml"]["content"].startswith('Sigma rule "Access key created')
    assert manifest["files"]["attack/techniques.json"]["content"].startswith("ATT&CK reference v99.0")
    data = tmp_path / "data"
    import_pack(pack, data)
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(data))
    trail = data_dir / "cloudtrail" / "records.json"
    try:
        assert main(["analyze", str(trail), "--no-geoip", "-q", "--findings-json", str(tmp_path / "with.json"),
                     "--report", str(tmp_path / "with.pdf")]) == 0
        assert attack.lookup("T1098.001").technique.name == "Additional Cloud Credentials (from the pack)"
        assert main(["analyze", str(trail), "--no-geoip", "-q", "--no-update-pack",
                     "--findings-json", str(tmp_path / "without.json")]) == 0
        assert attack.lookup("T1098.001").technique.name == "Account Manipulation: Additional Cloud Credentials"
    finally:
        attack.use_reference(None)
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(tmp_path / "with.pdf").pages).replace("\n", " ")
    assert "by the update pack pack-sigma" in text and "brute_force_success.min_failures: 5 → 7" in text
    with_pack = json.loads((tmp_path / "with.json").read_text(encoding="utf-8"))
    without = json.loads((tmp_path / "without.json").read_text(encoding="utf-8"))
    assert with_pack["update_pack"] == "pack-sigma" and without["update_pack"] is None
    titles = {f["title"] for f in with_pack["findings"]}
    assert any("Access key created by the pack's rule" in t for t in titles)
    assert not any("Access key created by the pack's rule" in f["title"] for f in without["findings"])


def test_pack_carries_a_newer_asn_table_and_provider_list(tmp_path, data_dir, monkeypatch, capsys):
    """geoip/*.npz (an ASN table) and ipintel/*.csv (AS classes) are checked at build, installed, and answer
    before the bundled data: the analysis's AS numbers, classes and build dates come from the pack."""
    from datetime import datetime, timezone

    from workbench.enrich.asntable import build_arrays, write_table
    from workbench.pipeline import analyze

    asn = tmp_path / "ip-location-db-asn.npz"
    write_table(asn, build_arrays(["203.0.113.0,203.0.113.255,64500,Pack Networks\n"
                                   "81.2.69.0,81.2.69.255,64501,Pack Mobile\n"],
                                  datetime(2026, 11, 30, tzinfo=timezone.utc)))
    classes = tmp_path / "asn-classes-2026-11.csv"
    classes.write_text("# built: 2026-11-30\nasn,class,provider\n64501,mobile,Pack Mobile\n", encoding="utf-8")
    pack = tmp_path / "ipintel.zip"
    build_pack(pack, name="ipintel-1", geoip_dbs=[asn], ip_lists=[classes], sign_key=tmp_path / "org.key")
    with zipfile.ZipFile(pack) as zf:
        files = json.loads(zf.read("manifest.json"))["files"]
    assert files["geoip/ip-location-db-asn.npz"]["content"].startswith("ASN table ip-location-db-ASN built 2026-11-30")
    assert files["ipintel/asn-classes-2026-11.csv"]["content"].startswith("AS classes, built 2026-11-30")
    bad = tmp_path / "asn-classes-bad.csv"
    bad.write_text("asn,class,provider\n1,hosting,X\n", encoding="utf-8")
    with pytest.raises(UpdatePackError, match="built"):
        build_pack(tmp_path / "bad.zip", name="bad", ip_lists=[bad])
    data = tmp_path / "data"
    import_pack(pack, data)
    over = active_overrides(data)
    assert [p.name for p in over.geoip_dbs] == [asn.name] and [p.name for p in over.ip_lists] == [classes.name]
    log = tmp_path / "auth.log"
    log.write_text("Mar  3 10:00:01 web1 sshd[1]: Accepted password for alice from 81.2.69.160 port 5 ssh2\n",
                   encoding="utf-8")
    analysis = analyze([log], year=2026, geoip_dbs=over.geoip_dbs, ip_lists=over.ip_lists)
    row = analysis.table.to_pylist()[0]
    assert (row["asn"], row["as_org"], row["provider_class"], row["provider"]) == (64501, "Pack Mobile", "mobile",
                                                                                    "Pack Mobile")
    doc = analysis.to_json()
    assert any(d["built"].startswith("2026-11-30") and d["path"].endswith(".npz") for d in doc["geoip"])
    (packed,) = [x for x in doc["ip_lists"] if x["path"].endswith(classes.name)]
    assert packed["built"].startswith("2026-11-30") and packed["stale"] is False and not packed["bundled"]
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(data))  # lookup answers from the pack too, unless told not to
    for extra, expected in (([], (64501, "mobile")), (["--no-update-pack"], None)):
        assert main(["lookup", "81.2.69.160", "--json", *extra]) == 0
        (result,) = json.loads(capsys.readouterr().out)["results"]
        if expected:
            assert (result["asn"], result["provider_class"]) == expected
        else:
            assert result["asn"] != 64501


def test_an_unsigned_pack_is_refused_unless_allowed_and_said_so(tmp_path, sources):
    pack = tmp_path / "plain.zip"
    build_pack(pack, name="plain", config=sources["config"])
    data = tmp_path / "data"
    with pytest.raises(UpdatePackError, match="not signed"):
        import_pack(pack, data)
    report = import_pack(pack, data, allow_unsigned=True)
    assert "unsigned" in report.lines()[0]


def test_recomputed_hashes_do_not_make_an_edited_pack_importable(tmp_path, sources):
    """The attack of issue 27: turn brute force off, recompute size and SHA-256 in the manifest."""
    text = b"brute_force_success:\n  min_failures: 100000\n"
    bad = _rewrite(_build(tmp_path, sources), tmp_path / "edited.zip", edit={"config/config.yaml": text},
                   manifest_edit=lambda m: m["files"].update(
                       {"config/config.yaml": {"size": len(text), "sha256": hashlib.sha256(text).hexdigest()}}))
    data = tmp_path / "data"
    with pytest.raises(UpdatePackError, match="altered after signing"):
        import_pack(bad, data)
    assert read_state(data) == {"active": None, "previous": None}


def test_a_pack_signed_by_another_key_is_refused(tmp_path, sources):
    keygen(tmp_path / "other.key")
    pack = _build(tmp_path, sources)
    sign_pack(pack, tmp_path / "other.key")
    with pytest.raises(UpdatePackError, match="does not trust"):
        import_pack(pack, tmp_path / "data")
    with pytest.raises(UpdatePackError, match="no pack key is trusted"):
        import_pack(pack, tmp_path / "laptop-without-keys")


def test_cli_keygen_sign_trust_import(tmp_path, sources, capsys):
    key, data, pack = tmp_path / "keys" / "acme.key", tmp_path / "laptop", tmp_path / "p.zip"
    assert main(["update-pack", "keygen", str(key), "--comment", "ACME 2026"]) == 0
    assert (key.stat().st_mode & 0o777) == 0o600 and key.with_name("acme.key.pub").is_file()
    assert main(["update-pack", "build", str(pack), "--config", str(sources["config"])]) == 0
    assert main(["update-pack", "sign", str(pack), "--key", str(key)]) == 0
    assert main(["update-pack", "import", str(pack), "--data-dir", str(data)]) == 2
    assert "does not trust" in capsys.readouterr().err
    assert main(["update-pack", "trust", str(key) + ".pub", "--data-dir", str(data)]) == 0
    assert main(["update-pack", "import", str(pack), "--data-dir", str(data)]) == 0
    assert "signed by trusted key" in capsys.readouterr().out
    assert main(["update-pack", "status", "--data-dir", str(data)]) == 0
    assert "(ACME 2026)" in capsys.readouterr().out


@pytest.mark.parametrize("setting, message", [
    ("brute_force_success:\n  min_failures: 'five'\n", "must be int"),
    ("accounts:\n  privileged_patterns: ['(unclosed']\n", "not a valid regular expression"),
    ("accounts:\n  privileged_patterns: [42]\n", "must be a list of str"),
    ("unusual_hours:\n  office_hours: {timezone: Mars/Olympus}\n", "time zone"),
])
def test_config_of_the_wrong_shape_is_refused_at_build_and_import(tmp_path, sources, setting, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(setting, encoding="utf-8")
    with pytest.raises(UpdatePackError, match=message):
        build_pack(tmp_path / "x.zip", name="x", config=bad)
    text = setting.encode()
    pack = _rewrite(_build(tmp_path, sources), tmp_path / "signed-bad.zip", edit={"config/config.yaml": text},
                    manifest_edit=lambda m: m["files"].update(
                        {"config/config.yaml": {"size": len(text), "sha256": hashlib.sha256(text).hexdigest()}}))
    sign_pack(pack, tmp_path / "org.key")
    with pytest.raises(UpdatePackError, match=message):
        import_pack(pack, tmp_path / "data")


def test_a_pack_named_like_the_state_file_is_refused_and_a_broken_state_recovers(tmp_path, sources):
    with pytest.raises(UpdatePackError, match="state.json"):
        build_pack(tmp_path / "s.zip", name="state.json", config=sources["config"])
    data = tmp_path / "data"
    (data / "packs" / "state.json").mkdir(parents=True)  # what an older workbench let such a pack do
    assert read_state(data) == {"active": None, "previous": None}
    import_pack(_build(tmp_path, sources), data)
    assert read_state(data) == {"active": "pack-1", "previous": None}
    (data / "packs" / "state.json").write_text("{not json", encoding="utf-8")
    assert read_state(data) == {"active": None, "previous": None}
    assert any(p.name.startswith(".broken-state-") for p in (data / "packs").iterdir())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")
def test_keys_are_openssls_own_format_both_ways(tmp_path, sources):
    """An organisation can make its key with `openssl genpkey -algorithm ed25519`, and read ours with openssl."""
    theirs = tmp_path / "org.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(theirs)], check=True)
    der = subprocess.run(["openssl", "pkey", "-in", str(theirs), "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    public = tmp_path / "org.pem.pub"
    public.write_text("workbench-pack-key ed25519 " + base64.b64encode(der[-32:]).decode() + " org\n")
    pack = _build(tmp_path, sources)
    sign_pack(pack, theirs)
    data = tmp_path / "data"
    trust(public, data)
    assert "signed" in import_pack(pack, data).lines()[0]
    ours = tmp_path / "ours.key"
    made = keygen(ours)
    der = subprocess.run(["openssl", "pkey", "-in", str(ours), "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    assert der[-32:] == made.raw
