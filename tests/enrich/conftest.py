"""Session databases for the enrichment tests (the builders are in mmdbs.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from mmdbs import YEAR, write_asn, write_city, write_country


@pytest.fixture(scope="session")
def geo_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("enrich-geo")


@pytest.fixture(scope="session")
def city_mmdb(geo_dir) -> Path:
    return write_city(geo_dir / "GeoLite2-City.mmdb")


@pytest.fixture(scope="session")
def country_mmdb(geo_dir) -> Path:
    return write_country(geo_dir / "GeoLite2-Country.mmdb")


@pytest.fixture(scope="session")
def asn_mmdb(geo_dir) -> Path:
    return write_asn(geo_dir / "GeoLite2-ASN.mmdb")


@pytest.fixture(scope="session")
def stale_mmdb(geo_dir) -> Path:
    """A City database built two years ago."""
    return write_city(geo_dir / "old-GeoLite2-City.mmdb", build_epoch=int(time.time()) - 2 * YEAR)


@pytest.fixture(scope="session")
def default_mmdb(geo_dir) -> Path:
    """Stands in for the bundled DB-IP City Lite database: places 81.2.69.0/24 in Germany."""
    return write_city(geo_dir / "dbip-city-lite-test.mmdb", {"81.2.69.0/24": ("DE", "Berlin", 52.52, 13.40, 5),
                                                              "1.128.0.0/11": ("AU", "Sydney", -33.86, 151.2, 5)},
                      database_type="DBIP-City-Lite")
