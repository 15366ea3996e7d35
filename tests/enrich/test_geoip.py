"""Lookups and the enriched columns: every field, IPv4 and IPv6, non-public addresses never looked up,
each distinct IP once, the log's own country against GeoIP's."""

import random

import maxminddb
import pyarrow as pa
import pytest
from mmdbs import write_city

from workbench.enrich import geoip as geoip_module
from workbench.enrich.geoip import GeoIP, enrich
from workbench.enrich.mmdb import fields
from workbench.events import BASE_SCHEMA, SCHEMA
from workbench.paths import default_geoip_db

NON_PUBLIC = ["10.1.2.3", "100.64.0.9", "192.0.2.44", "127.0.0.1", "169.254.3.3", "2001:db8::7", "fe80::1",
              "::ffff:10.9.9.9"]


def _table(src_ips, log_countries=None, chunks=1):
    n = len(src_ips)
    cols = {"src_ip": pa.array(src_ips, pa.string()),
            "log_country": pa.array(log_countries or [None] * n, pa.string())}
    table = pa.table({name: cols.get(name, pa.nulls(n, field.type)) for name, field in
                      zip(BASE_SCHEMA.names, BASE_SCHEMA)}, schema=BASE_SCHEMA)
    if chunks > 1:
        size = -(-n // chunks)
        table = pa.concat_tables([table.slice(i, size) for i in range(0, n, size)])
    return table


def test_city_and_asn_fields_ipv4_and_ipv6(city_mmdb, asn_mmdb):
    with GeoIP([city_mmdb, asn_mmdb]) as geo:
        london, moscow, unknown = geo.lookup_many(["81.2.69.160", "2a02:6b8::1:2", "89.160.20.112"])
    assert (london.ip_class, london.country, london.city, london.lat, london.lon, london.accuracy_km,
            london.asn, london.as_org) == ("public", "GB", "London", 51.5142, -0.0931, 10, 20712,
                                           "Andrews & Arnold Ltd")
    assert london.sources == {"country": str(city_mmdb), "city": str(city_mmdb), "location": str(city_mmdb),
                              "asn": str(asn_mmdb)}
    assert (moscow.country, moscow.city, moscow.accuracy_km, moscow.asn) == ("RU", "Moscow", 100, 13238)
    assert unknown.ip_class == "public" and unknown.country is None and unknown.sources == {}


def test_ipv4_mapped_ipv6_is_looked_up_as_ipv4(city_mmdb):
    with GeoIP([city_mmdb]) as geo:
        assert geo.lookup("::ffff:81.2.69.160").city == "London"


@pytest.mark.parametrize("ip", NON_PUBLIC)
def test_non_public_addresses_are_never_geolocated(city_mmdb, ip):
    """The test database has entries for these ranges ("XX", "Nowhere"): they must not be used."""
    with GeoIP([city_mmdb]) as geo:
        result = geo.lookup(ip)
    assert result.ip_class not in (None, "public")
    assert (result.country, result.city, result.lat, result.asn, result.sources) == (None, None, None, None, {})


@pytest.mark.parametrize("record_size", [24, 28, 32])
def test_every_record_size_matches_the_maxminddb_reader(tmp_path, record_size):
    path = write_city(tmp_path / f"city{record_size}.mmdb", record_size=record_size)
    reader = maxminddb.open_database(str(path))
    assert reader.metadata().record_size == record_size
    ips = ["81.2.69.1", "81.2.70.1", "216.160.83.56", "2a02:6b8::9", "2001:480::1", "2001:481::1", "1.1.1.1"]
    with GeoIP([path]) as geo:
        results = geo.lookup_many(ips)
    for ip, result in zip(ips, results):
        expected = fields(reader.get(ip))
        assert {k: getattr(result, k) for k in expected} == expected, ip
        assert bool(expected) == bool(result.sources), ip


def test_an_ipv4_only_database(tmp_path):
    path = write_city(tmp_path / "v4.mmdb", ip_version=4)
    with GeoIP([path]) as geo:
        v4, v6 = geo.lookup_many(["216.160.83.56", "2a02:6b8::1"])
    assert v4.city == "Milton" and v6.ip_class == "public" and v6.country is None


def test_enrich_adds_the_geo_columns_and_looks_each_distinct_ip_up_once(city_mmdb, asn_mmdb, monkeypatch):
    seen = []
    original = GeoIP.answer_columns

    def spy(self, ips):
        seen.append(list(ips))
        return original(self, ips)

    monkeypatch.setattr(GeoIP, "answer_columns", spy)
    ips = ["81.2.69.160", "10.0.0.1", None, "2a02:6b8::1", "81.2.69.160", "bogus"] * 50
    with GeoIP([city_mmdb, asn_mmdb]) as geo:
        table = enrich(_table(ips, chunks=7), geo)
    assert len(seen) == 1 and sorted(seen[0]) == sorted({"81.2.69.160", "10.0.0.1", "2a02:6b8::1", "bogus"})
    assert table.schema == SCHEMA
    rows = table.select(["ip_class", "country", "city", "accuracy_km", "asn"]).slice(0, 6).to_pylist()
    assert rows == [
        {"ip_class": "public", "country": "GB", "city": "London", "accuracy_km": 10, "asn": 20712},
        {"ip_class": "private", "country": None, "city": None, "accuracy_km": None, "asn": None},
        {"ip_class": None, "country": None, "city": None, "accuracy_km": None, "asn": None},
        {"ip_class": "public", "country": "RU", "city": "Moscow", "accuracy_km": 100, "asn": 13238},
        {"ip_class": "public", "country": "GB", "city": "London", "accuracy_km": 10, "asn": 20712},
        {"ip_class": None, "country": None, "city": None, "accuracy_km": None, "asn": None},
    ]
    assert table.column("geo_mismatch").to_pylist() == [False] * len(ips)


def test_enrich_again_replaces_the_columns_and_works_without_geoip(city_mmdb):
    with GeoIP([city_mmdb]) as geo:
        once = enrich(_table(["81.2.69.160", "192.168.0.1"]), geo)
    plain = enrich(once, None)
    assert plain.schema == SCHEMA
    assert plain.column("ip_class").to_pylist() == ["public", "private"]
    assert plain.column("country").to_pylist() == [None, None]


def test_enrich_an_empty_table(city_mmdb):
    with GeoIP([city_mmdb]) as geo:
        assert enrich(BASE_SCHEMA.empty_table(), geo).schema == SCHEMA


def test_log_country_disagreement_is_flagged(city_mmdb):
    ips = ["81.2.69.160", "81.2.69.160", "81.2.69.160", "81.2.69.160", "81.2.69.160", "10.0.0.1", "89.160.20.1"]
    logged = ["GB", "gb ", "US", None, "United States", "US", "SE"]
    with GeoIP([city_mmdb]) as geo:
        table = enrich(_table(ips, logged), geo)
    assert table.column("log_country").to_pylist() == logged  # both kept
    assert table.column("country").to_pylist() == ["GB"] * 5 + [None, None]
    assert table.column("geo_mismatch").to_pylist() == [False, False, True, False, False, False, False]


def test_geo_mismatch_from_an_entra_export(tmp_path, city_mmdb):
    import json

    from workbench.pipeline import analyze

    def signin(i, ip, country):
        return {"id": f"id-{i}", "createdDateTime": f"2024-03-0{i + 1}T10:00:00Z", "userPrincipalName": "a@x.com",
                "appDisplayName": "Office 365", "ipAddress": ip, "clientAppUsed": "Browser",
                "correlationId": f"c-{i}", "status": {"errorCode": 0},
                "location": {"city": "", "state": "", "countryOrRegion": country, "geoCoordinates": {}}}

    path = tmp_path / "signins.json"
    path.write_text(json.dumps({"value": [signin(0, "81.2.69.160", "GB"), signin(1, "81.2.69.161", "NL")]}))
    table = analyze([path], geoip_dbs=[city_mmdb]).table
    assert table.column("log_country").to_pylist() == ["GB", "NL"]
    assert table.column("geo_mismatch").to_pylist() == [False, True]


def test_stale_after_is_a_year():
    assert geoip_module.STALE_AFTER.days == 365
