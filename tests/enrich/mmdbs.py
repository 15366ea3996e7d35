"""Tiny City, Country and ASN databases in MaxMind's layouts, built with mmdb-writer (GeoLite2 record shapes)."""

from __future__ import annotations

import time
from pathlib import Path

from mmdb_writer import MMDBWriter, TreeWriter
from netaddr import IPSet

# network → (ISO country, city, lat, lon, accuracy radius km). The private, CGNAT, documentation,
# loopback and link-local entries are there to show that such addresses are never looked up.
CITY = {
    "81.2.69.0/24": ("GB", "London", 51.5142, -0.0931, 10),
    "216.160.83.0/24": ("US", "Milton", 47.2513, -122.3149, 22),
    "2a02:6b8::/32": ("RU", "Moscow", 55.7527, 37.6172, 100),
    "2001:480::/32": ("US", "San Diego", 32.7203, -117.1552, 50),
    "10.0.0.0/8": ("XX", "Nowhere", 0.0, 0.0, 1),
    "100.64.0.0/10": ("XX", "Nowhere", 0.0, 0.0, 1),
    "192.0.2.0/24": ("XX", "Nowhere", 0.0, 0.0, 1),
    "127.0.0.0/8": ("XX", "Nowhere", 0.0, 0.0, 1),
    "169.254.0.0/16": ("XX", "Nowhere", 0.0, 0.0, 1),
    "2001:db8::/32": ("XX", "Nowhere", 0.0, 0.0, 1),
    "fe80::/10": ("XX", "Nowhere", 0.0, 0.0, 1),
}
COUNTRY = {"81.2.69.0/24": "FR", "89.160.20.0/24": "SE"}  # FR: disagrees with the City database on purpose
ASN = {"81.2.69.0/24": (20712, "Andrews & Arnold Ltd"), "2a02:6b8::/32": (13238, "YANDEX LLC"),
       "1.128.0.0/11": (1221, "Telstra Pty Ltd")}
YEAR = 365 * 24 * 3600


class _SizedTreeWriter(TreeWriter):
    forced_record_size = 0

    def _adjust_record_size(self) -> None:
        super()._adjust_record_size()
        if self.forced_record_size:
            self.record_size = self.forced_record_size
            self.data_offset = self.record_size * 2 / 8 * self._node_counter


class Writer(MMDBWriter):
    """mmdb-writer with a chosen build epoch and, optionally, a forced record size (24, 28 or 32)."""

    def __init__(self, *, build_epoch: int | None = None, record_size: int = 0, **kw) -> None:
        super().__init__(**kw)
        self.build_epoch = build_epoch if build_epoch is not None else int(time.time())
        self.record_size = record_size

    def _build_meta(self) -> dict:
        return {**super()._build_meta(), "build_epoch": self.build_epoch}

    def to_db_file(self, filename: str) -> None:
        writer = type("W", (_SizedTreeWriter,), {"forced_record_size": self.record_size})
        writer(self.tree, self._build_meta(), self.int_type, self.float_type).write(filename)


def _writer(database_type: str, ip_version: int = 6, **kw) -> Writer:
    return Writer(ip_version=ip_version, ipv4_compatible=ip_version == 6, database_type=database_type,
                  languages=["en"], description=f"workbench test {database_type}", **kw)


def city_record(country: str, city: str, lat: float, lon: float, radius: int) -> dict:
    """The GeoLite2-City layout (the parts geoip2's City model reads)."""
    return {
        "continent": {"code": "EU", "geoname_id": 6255148, "names": {"en": "Europe", "de": "Europa"}},
        "country": {"iso_code": country, "geoname_id": 1, "names": {"en": country, "de": country}},
        "registered_country": {"iso_code": country, "geoname_id": 1, "names": {"en": country}},
        "city": {"geoname_id": 2, "names": {"en": city, "de": city}},
        "location": {"latitude": lat, "longitude": lon, "accuracy_radius": radius, "time_zone": "UTC"},
        "subdivisions": [{"iso_code": "X", "names": {"en": "Somewhere"}}],
    }


def write_city(path: Path, places: dict = CITY, *, database_type: str = "GeoLite2-City", ip_version: int = 6,
               **kw) -> Path:
    writer = _writer(database_type, ip_version, **kw)
    for network, place in places.items():
        if ip_version == 4 and ":" in network:
            continue
        writer.insert_network(IPSet([network]), city_record(*place))
    writer.to_db_file(str(path))
    return path


def write_country(path: Path, countries: dict = COUNTRY, **kw) -> Path:
    writer = _writer("GeoLite2-Country", **kw)
    for network, iso in countries.items():
        writer.insert_network(IPSet([network]), {
            "continent": {"code": "EU", "names": {"en": "Europe"}},
            "country": {"iso_code": iso, "geoname_id": 3, "names": {"en": iso}},
        })
    writer.to_db_file(str(path))
    return path


def write_asn(path: Path, networks: dict = ASN, **kw) -> Path:
    writer = _writer("GeoLite2-ASN", **kw)
    for network, (number, org) in networks.items():
        writer.insert_network(IPSet([network]), {"autonomous_system_number": number,
                                                 "autonomous_system_organization": org})
    writer.to_db_file(str(path))
    return path


def flat_city_record(country: str, city: str, lat: float, lon: float, _radius: int = 0) -> dict:
    """The ip-location-db layout (e.g. DB-IP City Lite as published on the npm registry): flat fields."""
    return {"city": city, "country_code": country, "latitude": lat, "longitude": lon, "postcode": "",
            "state1": "Somewhere", "state2": "", "timezone": ""}


def write_flat_city(path: Path, places: dict = CITY, *, database_type: str = "city ipv6", ip_version: int = 6,
                    **kw) -> Path:
    """A City database in ip-location-db's layout (its IPv4 file is ``ip_version=4``, its IPv6 one 6)."""
    writer = _writer(database_type, ip_version, **kw)
    for network, place in places.items():
        if (ip_version == 4) == (":" in network):
            continue
        writer.insert_network(IPSet([network]), flat_city_record(*place))
    writer.to_db_file(str(path))
    return path
