"""Tiny MaxMind-format City databases built by the tests themselves (mmdb-writer)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

from workbench.explore.worldmap import LoginMap, LoginPoint, TravelLeg

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


def pacific_map() -> LoginMap:
    """San Francisco and Tokyo, with a leg there and one back (real cities' coordinates)."""
    t = datetime(2024, 5, 1, 12, 0)
    sf = LoginPoint(37.75, -122.5, "US", "San Francisco", ("eve",), ("73.162.10.20",), 2, 0, t, t, (0, 2))
    tokyo = LoginPoint(35.75, 139.75, "JP", "Tokyo", ("eve",), ("126.1.1.1",), 1, 0, t, t, (1,))

    def leg(a, b, rows):
        return TravelLeg("eve", rows[0], rows[1], a.lon, a.lat, b.lon, b.lat, a.place, b.place, a.ips[0], b.ips[0],
                         t, t + timedelta(hours=1), 8000.0, 7900.0, 7900.0, True)

    return LoginMap(("eve",), (sf, tokyo), (leg(sf, tokyo, (0, 1)), leg(tokyo, sf, (1, 2))), 0)
