"""The vectorized enrichment agrees with MaxMind's official reader, geoip2, address by address: on the bundled
DB-IP City Lite database and 3,000 random public addresses (IPv4 and IPv6), country, city and coordinates
are what ``geoip2.database.Reader.city`` gives."""

import ipaddress
import random

import geoip2.database
import geoip2.errors
import pyarrow as pa
import pytest

from workbench.enrich.geoip import GeoIP, enrich
from workbench.events import BASE_SCHEMA
from workbench.paths import default_geoip_db

DB = default_geoip_db()


def _public(rng, version):
    while True:
        ip = (ipaddress.IPv4Address(rng.getrandbits(32)) if version == 4
              else ipaddress.IPv6Address((0x2000 << 112) | rng.getrandbits(115)))  # 2000::/3, global unicast
        if ip.is_global:
            return str(ip)


@pytest.mark.skipif(DB is None, reason="the bundled DB-IP database is installed by the set-up")
def test_enrichment_matches_geoip2_address_by_address():
    rng = random.Random(20261123)
    ips = [_public(rng, 4) for _ in range(2500)] + [_public(rng, 6) for _ in range(500)]
    n = len(ips)
    table = pa.table({name: (pa.array(ips, pa.string()) if name == "src_ip" else pa.nulls(n, f.type))
                      for name, f in zip(BASE_SCHEMA.names, BASE_SCHEMA)}, schema=BASE_SCHEMA)
    with GeoIP([DB]) as geo:
        ours = enrich(table, geo).select(["country", "city", "lat", "lon"]).to_pylist()
    located = 0
    with geoip2.database.Reader(str(DB)) as reader:
        for ip, got in zip(ips, ours):
            try:
                want = reader.city(ip)
            except geoip2.errors.AddressNotFoundError:
                assert got == {"country": None, "city": None, "lat": None, "lon": None}, ip
                continue
            located += got["country"] is not None
            assert got["country"] == want.country.iso_code, ip
            assert got["city"] == want.city.name, ip
            assert got["lat"] == pytest.approx(want.location.latitude) if want.location.latitude is not None \
                else got["lat"] is None, ip
            assert got["lon"] == pytest.approx(want.location.longitude) if want.location.longitude is not None \
                else got["lon"] is None, ip
    assert located > 2000  # the comparison is over addresses the database places, not empty answers
