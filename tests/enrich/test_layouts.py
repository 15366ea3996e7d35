"""One reader for both record layouts (MaxMind's nested one, ip-location-db's flat one) and the ASN range table:
tiny databases of each written here, read through GeoIP, checked against geoip2 (MaxMind layout) and maxminddb
(the flat one); the bundled data answers 8.8.8.8 as Google, and IPv6 addresses are located."""

import ipaddress
import random

import geoip2.database
import maxminddb
import pytest
from mmdbs import CITY, write_city, write_flat_city

from workbench.enrich.asntable import AsnTable, TableError, build_arrays, write_table
from workbench.enrich.geoip import GeoIP, open_geoip
from workbench.paths import default_geoip_dbs


def test_both_layouts_give_the_same_answers(tmp_path):
    nested = write_city(tmp_path / "GeoLite2-City.mmdb")
    flat_v4 = write_flat_city(tmp_path / "dbip-city-ipv4.mmdb", database_type="city ipv4", ip_version=4)
    flat_v6 = write_flat_city(tmp_path / "dbip-city-ipv6.mmdb")
    ips = ["81.2.69.160", "216.160.83.56", "2a02:6b8::1:2", "2001:480::9", "89.160.20.112", "10.1.1.1", "2001:db8::1"]
    with GeoIP([nested]) as a, GeoIP([flat_v4, flat_v6]) as b:
        for x, y in zip(a.lookup_many(ips), b.lookup_many(ips)):
            assert (x.ip_class, x.country, x.city) == (y.ip_class, y.country, y.city), x.ip
            assert (x.lat, x.lon) == (pytest.approx(y.lat, abs=1e-4), pytest.approx(y.lon, abs=1e-4)) \
                if x.lat is not None else y.lat is None
            assert y.accuracy_km is None  # the flat layout has no radius
    with GeoIP([flat_v4, flat_v6]) as b:
        london, moscow = b.lookup_many(["81.2.69.160", "2a02:6b8::1"])
    assert (london.country, london.city, moscow.country, moscow.city) == ("GB", "London", "RU", "Moscow")
    assert london.sources["country"] == str(flat_v4) and moscow.sources["city"] == str(flat_v6)


def _random_places(rng, n):
    places = {}
    for i in range(n):
        if i % 3:
            net = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24"
        else:
            net = f"2{rng.randint(0, 0xfff):03x}:{rng.randint(0, 0xffff):x}:{rng.randint(0, 0xffff):x}::/48"
        if ipaddress.ip_network(net).is_global:
            places[net] = (rng.choice(["US", "DE", "BR", "JP"]), f"City {i}", round(rng.uniform(-80, 80), 4),
                           round(rng.uniform(-170, 170), 4), rng.randint(1, 500))
    return places


def _addresses_in(places, rng):
    ips = []
    for net in places:
        network = ipaddress.ip_network(net)
        ips.append(str(network[rng.randrange(network.num_addresses)]))
        ips.append(str(network.broadcast_address + 1) if network.version == 4 else str(network[-1] + 1))
    return ips


def test_vectorized_path_agrees_with_geoip2_on_the_maxmind_layout(tmp_path):
    rng = random.Random(23)
    places = _random_places(rng, 300)
    db = write_city(tmp_path / "GeoLite2-City.mmdb", places)
    ips = _addresses_in(places, rng)
    with GeoIP([db]) as geo, geoip2.database.Reader(str(db)) as reader:
        for ip, got in zip(ips, geo.lookup_many(ips)):
            try:
                want = reader.city(ip)
            except geoip2.errors.AddressNotFoundError:
                assert got.country is None, ip
                continue
            assert (got.country, got.city, got.accuracy_km) == (want.country.iso_code, want.city.name,
                                                                want.location.accuracy_radius), ip
            assert (got.lat, got.lon) == (want.location.latitude, want.location.longitude), ip


def test_vectorized_path_agrees_with_maxminddb_on_the_flat_layout(tmp_path):
    rng = random.Random(24)
    places = _random_places(rng, 300)
    dbs = [write_flat_city(tmp_path / "v4.mmdb", places, ip_version=4, database_type="city ipv4"),
           write_flat_city(tmp_path / "v6.mmdb", places)]
    _agree_with_maxminddb(dbs, _addresses_in(places, rng))


def _agree_with_maxminddb(dbs, ips):
    readers = {4: maxminddb.open_database(str(dbs[0])), 6: maxminddb.open_database(str(dbs[1]))}
    located = 0
    with GeoIP(dbs) as geo:
        for ip, got in zip(ips, geo.lookup_many(ips)):
            if got.ip_class != "public":
                continue
            raw = readers[ipaddress.ip_address(ip).version].get(ip)
            if raw is None:
                assert (got.country, got.city, got.lat) == (None, None, None), ip
                continue
            located += 1
            assert got.country == raw["country_code"] and got.city == (raw["city"] or None), ip
            assert (got.lat, got.lon) == (pytest.approx(raw["latitude"], abs=1e-4),
                                          pytest.approx(raw["longitude"], abs=1e-4)), ip
    for reader in readers.values():
        reader.close()
    assert located > len(ips) // 3


ASN_V4 = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n8.8.8.0,8.8.8.255,15169,Google LLC\n" \
         "73.0.0.0,73.255.255.255,7922,\"Comcast Cable Communications, LLC\"\n"
ASN_V6 = "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n" \
         "2a01:4f8::,2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff,24940,Hetzner Online GmbH\n"


def test_asn_table_from_the_published_csv_shape(tmp_path):
    from datetime import datetime, timezone

    built = datetime(2026, 6, 17, 19, tzinfo=timezone.utc)
    write_table(tmp_path / "asn.npz", build_arrays([ASN_V4, ASN_V6], built))
    (tmp_path / "asn.csv").write_text(ASN_V4 + ASN_V6)
    for path in (tmp_path / "asn.npz", tmp_path / "asn.csv"):
        with GeoIP([path]) as geo:
            a, b, c, d, e, f = geo.lookup_many(["8.8.8.8", "8.8.9.1", "2001:4860:4860::8888", "2a01:4f8::1",
                                                "73.162.1.1", "10.0.0.1"])
            (info,) = geo.databases
        assert (a.asn, a.as_org, b.asn, c.asn, d.as_org, e.asn) == (15169, "Google LLC", None, 15169,
                                                                    "Hetzner Online GmbH", 7922)
        assert f.asn is None and a.country is None and info.parts == {"asn"}
    assert info.database_type == "ip-location-db-ASN"
    with GeoIP([tmp_path / "asn.npz"]) as geo:
        assert geo.databases[0].built == built


def test_asn_table_overlaps_made_disjoint_and_bad_rows_refused(tmp_path):
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    # the published CSV has a few overlaps: the later, more specific start answers; the outer range keeps its tail
    arrays = build_arrays(["10.0.0.0,10.0.255.255,1,Outer\n10.0.1.0,10.0.1.255,2,Inner\n"], now)
    write_table(tmp_path / "t.npz", arrays)
    table = AsnTable(tmp_path / "t.npz")
    from workbench.enrich.ipclass import parse
    import numpy as np

    ips = ["10.0.0.9", "10.0.1.9", "10.0.2.9", "10.1.0.0"]
    got = table.answers(parse(ips), np.ones(len(ips), dtype=bool))
    assert list(got["asn"]) == [1, 2, 1, None] and list(got["as_org"]) == ["Outer", "Inner", "Outer", None]
    for bad in ("1.0.0.0,zzz,1,X\n", "1.0.0.0,1.0.0.9,AS1,X\n", "1.0.0.9,1.0.0.0,1,X\n", "1.0.0.0\n"):
        with pytest.raises(TableError):
            build_arrays([bad], now)
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really")
    geo = GeoIP([tmp_path / "junk.npz"])
    assert not geo.available and "cannot use this GeoIP database" in geo.errors[0]


DEFAULTS = default_geoip_dbs()
installed = pytest.mark.skipif(len(DEFAULTS) < 3, reason="set-up (workbench fetch-geoip) has not installed the data")


@installed
def test_the_bundled_data_answers_google_and_locates_ipv6():
    with open_geoip(None) as geo:
        google, v6, doc, private = geo.lookup_many(["8.8.8.8", "2a01:4f8::1", "192.0.2.1", "10.1.2.3"])
        credits = geo.credits
        assert not geo.warnings and not geo.errors
    assert (google.country, google.asn, google.as_org) == ("US", 15169, "Google LLC")
    assert google.provider_class in ("cloud", "hosting") and "Google" in google.provider
    assert v6.country == "DE" and v6.asn == 24940 and v6.lat is not None
    for other in (doc, private):
        assert (other.country, other.asn, other.provider_class) == (None, None, None)
    assert any("DB-IP" in c for c in credits)


@installed
def test_vectorized_path_agrees_with_maxminddb_on_the_bundled_databases():
    rng = random.Random(5)
    ips = [f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}"
           for _ in range(1500)]
    ips += [str(ipaddress.IPv6Address((0x2000 << 112) | rng.getrandbits(115))) for _ in range(500)]
    _agree_with_maxminddb(DEFAULTS[:2], ips)
