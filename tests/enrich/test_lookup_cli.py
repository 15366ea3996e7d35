"""``workbench lookup IP...``: one block per IP, --json for scripts, exit 2 for a string that is not an IP."""

import json
import subprocess
import sys


def _run(*args):
    return subprocess.run([sys.executable, "-m", "workbench", "lookup", *map(str, args)], capture_output=True,
                          text=True)


def test_text_blocks(city_mmdb, asn_mmdb):
    proc = _run("81.2.69.160", "10.1.2.3", "2a02:6b8::1", "--geoip-db", city_mmdb, "--geoip-db", asn_mmdb)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.split("\n\n") == [
        "81.2.69.160\n"
        "  class:     public\n"
        "  country:   GB  [GeoLite2-City.mmdb]\n"
        "  city:      London  [GeoLite2-City.mmdb]\n"
        "  location:  51.5142, -0.0931 ± 10 km  [GeoLite2-City.mmdb]\n"
        "  AS:        AS20712 Andrews & Arnold Ltd  [GeoLite2-ASN.mmdb]\n"
        "  provider:  unknown",
        "10.1.2.3\n"
        "  class:     private (never geolocated)",
        "2a02:6b8::1\n"
        "  class:     public\n"
        "  country:   RU  [GeoLite2-City.mmdb]\n"
        "  city:      Moscow  [GeoLite2-City.mmdb]\n"
        "  location:  55.7527, 37.6172 ± 100 km  [GeoLite2-City.mmdb]\n"
        "  AS:        AS13238 YANDEX LLC  [GeoLite2-ASN.mmdb]\n"
        "  provider:  unknown\n",
    ]


def test_unknown_parts_say_so(city_mmdb):
    proc = _run("89.160.20.112", "--geoip-db", city_mmdb, "--no-default-geoip")
    assert proc.returncode == 0
    assert proc.stdout == ("89.160.20.112\n  class:     public\n  country:   unknown\n  city:      unknown\n"
                           "  location:  unknown\n  AS:        unknown\n  provider:  unknown\n")


def test_json(city_mmdb, asn_mmdb):
    proc = _run("81.2.69.160", "169.254.1.1", "--json", "--geoip-db", city_mmdb, "--geoip-db", asn_mmdb)
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert [d["type"] for d in doc["databases"]] == ["GeoLite2-City", "GeoLite2-ASN"]
    assert doc["errors"] == [] and doc["warnings"] == []
    london, link_local = doc["results"]
    assert london == {"ip": "81.2.69.160", "ip_class": "public", "country": "GB", "city": "London", "lat": 51.5142,
                      "lon": -0.0931, "accuracy_km": 10, "asn": 20712, "as_org": "Andrews & Arnold Ltd",
                      "provider_class": None, "provider": None,
                      "sources": {"country": str(city_mmdb), "city": str(city_mmdb), "location": str(city_mmdb),
                                  "asn": str(asn_mmdb)}}
    assert link_local["ip_class"] == "link-local" and link_local["country"] is None and link_local["sources"] == {}


def test_a_string_that_is_not_an_ip_exits_2_and_the_others_are_still_printed(city_mmdb):
    proc = _run("81.2.69.160", "not-an-ip", "fe80::1", "--geoip-db", city_mmdb)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["workbench: 'not-an-ip' is not an IP address"]
    assert proc.stdout.startswith("81.2.69.160\n") and "fe80::1\n  class:     link-local" in proc.stdout
    assert "not-an-ip" not in proc.stdout
    proc = _run("81.2.69.160", "300.1.1.1", "--json", "--geoip-db", city_mmdb)
    assert proc.returncode == 2
    good, bad = json.loads(proc.stdout)["results"]
    assert good["country"] == "GB" and bad == {**bad, "ip": "300.1.1.1", "ip_class": None,
                                               "error": "not an IP address"}


def test_no_geoip_gives_classes_only(city_mmdb):
    proc = _run("81.2.69.160", "100.64.3.3", "--no-geoip", "--geoip-db", city_mmdb)
    assert proc.returncode == 0
    assert proc.stdout.startswith("(no GeoIP database: address classes only)\n")
    assert "  country:   unknown" in proc.stdout and "100.64.3.3\n  class:     cgnat (never geolocated)" in proc.stdout


def test_missing_and_stale_databases_are_warned_about(tmp_path, stale_mmdb):
    missing = tmp_path / "nope.mmdb"
    proc = _run("81.2.69.160", "--geoip-db", missing, "--geoip-db", stale_mmdb)
    assert proc.returncode == 0
    errors, stale = proc.stderr.splitlines()
    assert errors == f"workbench: warning: {missing}: cannot use this GeoIP database: no such file"
    assert stale.startswith(f"workbench: warning: {stale_mmdb}: GeoIP database GeoLite2-City was built ")
    assert "London  [old-GeoLite2-City.mmdb]" in proc.stdout


def test_usage_errors():
    assert _run().returncode == 2
