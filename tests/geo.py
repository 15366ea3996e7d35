"""Tiny MaxMind-format City databases built by the tests themselves (mmdb-writer)."""

from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

# network → (ISO country, city, lat, lon)
PLACES = {
    "81.2.69.0/24": ("GB", "London", 51.51, -0.09),
    "73.162.0.0/16": ("US", "Sunnyvale", 37.37, -122.04),
    "24.5.0.0/16": ("US", "San Francisco", 37.77, -122.42),
    "45.155.205.0/24": ("RU", "St Petersburg", 59.88, 30.46),
    "62.76.41.0/24": ("RU", "St Petersburg", 60.02, 30.33),
    "177.37.0.0/16": ("BR", "Passos", -20.72, -46.61),
    "185.220.101.0/24": ("DE", "Hamburg", 53.57, 10.05),
    "2a02:6b8::/32": ("RU", "Moscow", 55.73, 37.58),
}


def write_city_db(path: Path, places: dict[str, tuple[str, str, float, float]] = PLACES) -> Path:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="Test-City-Lite",
                        languages=["en"], description="workbench test database")
    for network, (country, city, lat, lon) in places.items():
        writer.insert_network(IPSet([network]), {
            "country": {"iso_code": country, "names": {"en": country}},
            "city": {"names": {"en": city}},
            "location": {"latitude": lat, "longitude": lon, "accuracy_radius": 50},
        })
    writer.to_db_file(str(path))
    return path
