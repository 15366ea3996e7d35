"""Database facts for the About box and the report, and the warning for a database more than a year old."""

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import maxminddb
import pytest
from mmdbs import YEAR, write_city

from workbench.enrich.geoip import DatabaseInfo, GeoIP, licence_for, open_geoip
from workbench.paths import default_geoip_db
from workbench.pipeline import analyze


def test_an_old_database_is_stale_and_warned_about(stale_mmdb):
    built = maxminddb.open_database(str(stale_mmdb)).metadata().build_epoch
    assert time.time() - built > 1.9 * YEAR
    with GeoIP([stale_mmdb]) as geo:
        (info,) = geo.databases
        assert info.stale and info.built == datetime.fromtimestamp(built, tz=timezone.utc)
        (warning,) = geo.warnings
        assert warning.startswith(f"{stale_mmdb}: GeoIP database GeoLite2-City was built {info.built:%Y-%m-%d}, ")
        assert "days before this analysis (more than a year)" in warning and "\n" not in warning
        assert geo.lookup("81.2.69.160").city == "London"  # warned about, still used


def test_a_current_database_is_not(city_mmdb):
    with GeoIP([city_mmdb]) as geo:
        assert not geo.databases[0].stale and geo.warnings == []


def test_staleness_is_judged_at_analysis_time(city_mmdb, stale_mmdb):
    later = datetime.now(timezone.utc) + timedelta(days=400)
    with GeoIP([city_mmdb], now=later) as geo:
        assert len(geo.warnings) == 1
    info = GeoIP([stale_mmdb]).databases[0]
    assert info.stale_at(info.built + timedelta(days=365)) is False
    assert info.stale_at(info.built + timedelta(days=366)) is True


def test_analysis_carries_the_warning_and_the_cli_prints_it(tmp_path, stale_mmdb, data_dir):
    analysis = analyze([data_dir / "cloudtrail"], geoip_dbs=[stale_mmdb])
    (warning,) = analysis.geoip_warnings
    assert analysis.to_json()["geoip_warnings"] == [warning]
    out = tmp_path / "f.json"
    proc = subprocess.run([sys.executable, "-m", "workbench", "analyze", str(data_dir / "cloudtrail"), "-q",
                           "--geoip-db", str(stale_mmdb), "--findings-json", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr.splitlines() == [f"workbench: warning: {warning}"]
    doc = json.loads(out.read_text())
    assert doc["geoip_warnings"] == [warning] and doc["geoip"][0]["type"] == "GeoLite2-City"


@pytest.mark.parametrize("kind,words", [("DBIP-City-Lite", ["CC BY 4.0", "DB-IP.com"]),
                                        ("GeoLite2-City", ["GeoLite2", "MaxMind"]),
                                        ("GeoIP2-City", ["GeoIP2", "commercial"]), ("Custom-Thing", [])])
def test_licence_lines(kind, words):
    line = licence_for(kind)
    assert all(w in line for w in words) and (line == "") == (not words)


def test_info_round_trips_through_a_dict(stale_mmdb):
    info = GeoIP([stale_mmdb]).databases[0]
    d = info.to_dict()
    assert d["stale"] is True and d["type"] == "GeoLite2-City" and d["bundled"] is False
    assert DatabaseInfo.from_dict(d) == info


def test_the_default_is_marked_bundled(tmp_path):
    default = write_city(tmp_path / "dbip.mmdb", database_type="DBIP-City-Lite")
    (info,) = open_geoip(None, default=default).databases
    assert info.bundled and info.licence.startswith("CC BY 4.0")


@pytest.mark.skipif(default_geoip_db() is None, reason="the bundled DB-IP database is not installed")
def test_the_bundled_database_facts():
    geo = open_geoip(None, now=datetime(2026, 12, 4, tzinfo=timezone.utc))
    city4, city6, asn = geo.databases
    assert [d.database_type for d in geo.databases] == ["city ipv4", "city ipv6", "ip-location-db-ASN"]
    assert all(d.bundled and "CC BY 4.0" in d.licence and "DB-IP" in d.licence for d in geo.databases)
    assert (city4.built.year, city4.built.month, asn.built.month) == (2026, 6, 6)
    assert not geo.warnings  # a clean current install has no stale warning
    assert city4.stale_at(datetime(2027, 6, 6, tzinfo=timezone.utc))
    geo.close()
