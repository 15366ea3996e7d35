"""A missing, corrupt or truncated database: one clear line naming the file, and the work goes on without it."""

import json
import os
import subprocess
import sys

import pytest
from mmdbs import write_city

from workbench.enrich.geoip import GeoIP, enrich, open_geoip
from workbench.events import SCHEMA
from workbench.pipeline import analyze


def _broken(kind, tmp_path, city_mmdb):
    path = tmp_path / f"{kind}.mmdb"
    data = city_mmdb.read_bytes()
    if kind == "missing":
        return path
    if kind == "folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "random":
        path.write_bytes(os.urandom(4096))
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif kind == "text":
        path.write_text("GeoLite2-City.mmdb download failed: 401 Unauthorized\n")
    return path


KINDS = ["missing", "folder", "empty", "random", "truncated", "text"]


@pytest.mark.parametrize("kind", KINDS)
def test_one_line_naming_the_file(kind, tmp_path, city_mmdb):
    path = _broken(kind, tmp_path, city_mmdb)
    geo = GeoIP([path])
    (line,) = geo.errors
    assert line.startswith(f"{path}: cannot use this GeoIP database: ") and "\n" not in line
    assert not geo.available and geo.databases == []
    assert geo.lookup("81.2.69.160").country is None


def test_the_reasons_read_well(tmp_path, city_mmdb):
    lines = GeoIP([_broken(k, tmp_path, city_mmdb) for k in ("missing", "folder", "truncated")]).errors
    assert [line.rsplit(": ", 1)[1] for line in lines] == [
        "no such file", "is a folder, not a database file", "not a valid MaxMind DB file (corrupt or truncated)"]


def test_the_other_databases_still_answer(tmp_path, city_mmdb, asn_mmdb):
    with GeoIP([_broken("random", tmp_path, city_mmdb), asn_mmdb, city_mmdb]) as geo:
        r = geo.lookup("81.2.69.160")
    assert (r.country, r.asn) == ("GB", 20712) and len(geo.errors) == 1


def test_a_damaged_search_tree_is_found_during_the_lookup(tmp_path):
    """The metadata at the end is intact, so the file opens; its tree points outside the data."""
    path = write_city(tmp_path / "damaged.mmdb")
    data = bytearray(path.read_bytes())
    data[:600] = b"\xff" * 600
    path.write_bytes(bytes(data))
    geo = GeoIP([path])
    assert geo.available and geo.errors == []
    table = enrich(_signins_table(["81.2.69.160", "10.0.0.1"]), geo)
    assert geo.errors == [f"{path}: cannot use this GeoIP database: damaged file "
                          "(a search tree record points outside the data section)"]
    assert not geo.available and geo.databases == []
    assert table.schema == SCHEMA and table.column("country").to_pylist() == [None, None]
    assert table.column("ip_class").to_pylist() == ["public", "private"]
    geo.close()


def _signins_table(ips):
    import pyarrow as pa

    from workbench.events import BASE_SCHEMA

    return pa.table({f.name: pa.array(ips, f.type) if f.name == "src_ip" else pa.nulls(len(ips), f.type)
                     for f in BASE_SCHEMA}, schema=BASE_SCHEMA)


@pytest.mark.parametrize("kind", ["missing", "random", "truncated"])
def test_the_analysis_goes_on_without_geography(kind, tmp_path, city_mmdb, data_dir):
    path = _broken(kind, tmp_path, city_mmdb)
    analysis = analyze([data_dir / "cloudtrail"], geoip_dbs=[path])
    (line,) = analysis.geoip_errors
    assert line.startswith(f"{path}: ")
    assert analysis.geoip == [] and analysis.events_total == 6
    status = {c.id: c for c in analysis.checks}["new_country"]
    assert not status.ran and status.reason == "no GeoIP database"
    assert analysis.table.column("country").null_count == 6
    assert analysis.table.column("ip_class").null_count < 6


def test_the_cli_warns_in_one_line_and_still_succeeds(tmp_path, city_mmdb, data_dir):
    path = _broken("truncated", tmp_path, city_mmdb)
    out = tmp_path / "findings.json"
    proc = subprocess.run([sys.executable, "-m", "workbench", "analyze", str(data_dir / "cloudtrail"),
                           "--geoip-db", str(path), "--findings-json", str(out), "-q"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stderr.splitlines() == [
        f"workbench: warning: {path}: cannot use this GeoIP database: not a valid MaxMind DB file (corrupt or truncated)"]
    doc = json.loads(out.read_text())
    assert doc["geoip"] == [] and doc["geoip_warnings"] == []
    assert {c["id"]: c for c in doc["checks"]}["new_country"]["reason"] == "no GeoIP database"


def test_a_missing_default_is_no_error(tmp_path):
    geo = open_geoip(None, default=None, use_default=False)
    assert geo.errors == [] and not geo.available
