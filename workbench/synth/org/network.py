"""Where the evaluation organisation's addresses are: real networks as a commercial GeoIP/ASN database
describes them (country, city centre, accuracy radius, autonomous system and its owner).

The networks are real allocations of the named operators (Comcast, BT, Bharti Airtel, Reliance Jio,
Zscaler, Amazon, DigitalOcean, ...). What a database says about them is written here once, so the
benchmark builds its own GeoIP database from it (``bench/evaluate.py``) and the results do not move
with the bundled database's monthly update. Mobile carriers are what the issue describes: one
country, one AS, addresses that geolocate to a different city within the hour, a wide radius.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Net:
    cidr: str
    country: str
    city: str
    lat: float
    lon: float
    radius_km: int
    asn: int
    org: str
    kind: str  # residential, mobile, vpn, hosting, cloud, business (what an IP-intelligence feed says)

    def ip(self, rng: random.Random) -> str:
        net = ipaddress.ip_network(self.cidr)
        return str(net.network_address + rng.randint(1, net.num_addresses - 2))


def _mobile(prefix: str, asn: int, org: str, cities: tuple[tuple[str, float, float], ...]) -> list[Net]:
    return [Net(f"{prefix}.{16 * i}.0/20", "IN", c, la, lo, 200, asn, org, "mobile") for i, (c, la, lo) in
            enumerate(cities)]


_IN_CITIES = (("Chennai", 13.08, 80.27), ("New Delhi", 28.61, 77.21), ("Mumbai", 19.08, 72.88),
              ("Bengaluru", 12.97, 77.59), ("Hyderabad", 17.39, 78.49), ("Kolkata", 22.57, 88.36))

NETS: dict[str, list[Net]] = {
    # home broadband, per region (a person keeps one address for days, the city stays)
    "comcast_east": [Net("73.16.0.0/16", "US", "Boston", 42.36, -71.06, 20, 7922, "COMCAST-7922", "residential"),
                     Net("73.17.0.0/16", "US", "Philadelphia", 39.95, -75.17, 20, 7922, "COMCAST-7922", "residential")],
    "spectrum_west": [Net("76.167.0.0/16", "US", "Los Angeles", 34.05, -118.24, 20, 20001, "TWC-20001-PACWEST",
                          "residential"),
                      Net("76.168.0.0/16", "US", "San Diego", 32.72, -117.16, 20, 20001, "TWC-20001-PACWEST",
                          "residential")],
    "comcast_west": [Net("73.231.0.0/16", "US", "San Jose", 37.34, -121.89, 20, 7922, "COMCAST-7922", "residential"),
                     Net("73.225.0.0/16", "US", "Seattle", 47.61, -122.33, 20, 7922, "COMCAST-7922", "residential")],
    "bt_uk": [Net("86.128.0.0/16", "GB", "London", 51.51, -0.13, 50, 2856, "British Telecommunications PLC",
                  "residential"),
              Net("86.129.0.0/16", "GB", "Manchester", 53.48, -2.24, 50, 2856, "British Telecommunications PLC",
                  "residential")],
    "airtel_mobile": _mobile("106.192", 45609, "Bharti Airtel Ltd. AS for GPRS Service", _IN_CITIES),
    "jio_mobile": _mobile("49.36", 55836, "Reliance Jio Infocomm Limited", _IN_CITIES),
    # offices: one egress each, shared by everyone there
    "office_boston": [Net("64.125.20.0/24", "US", "Boston", 42.36, -71.06, 10, 6461, "ZAYO-6461", "business")],
    "office_pune": [Net("115.110.64.0/24", "IN", "Pune", 18.52, 73.86, 10, 4755, "TATA Communications", "business")],
    "office_london": [Net("81.145.40.0/24", "GB", "London", 51.51, -0.13, 10, 2856, "British Telecommunications PLC",
                          "business")],
    # the corporate VPN (Zscaler): egress nodes on three continents, the same few addresses for hundreds
    "zscaler": [Net("165.225.8.0/24", "US", "New York", 40.71, -74.01, 100, 53813, "ZSCALER-INC", "vpn"),
                Net("165.225.72.0/24", "DE", "Frankfurt am Main", 50.11, 8.68, 100, 53813, "ZSCALER-INC", "vpn"),
                Net("165.225.80.0/24", "GB", "London", 51.51, -0.13, 100, 53813, "ZSCALER-INC", "vpn"),
                Net("165.225.104.0/24", "IN", "Mumbai", 19.08, 72.88, 100, 53813, "ZSCALER-INC", "vpn"),
                Net("165.225.112.0/24", "SG", "Singapore", 1.29, 103.85, 100, 53813, "ZSCALER-INC", "vpn")],
    "aws_use1": [Net("52.94.76.0/24", "US", "Ashburn", 39.04, -77.49, 1000, 16509, "AMAZON-02", "cloud"),
                 Net("3.80.0.0/16", "US", "Ashburn", 39.04, -77.49, 1000, 14618, "AMAZON-AES", "cloud")],
    # travel
    "hotel_nyc": [Net("67.244.0.0/16", "US", "New York", 40.71, -74.01, 20, 12271, "TWC-12271-NYC", "residential")],
    "meo_lisbon": [Net("85.240.0.0/16", "PT", "Lisbon", 38.72, -9.14, 20, 3243, "MEO-RESIDENCIAL", "residential")],
    "eir_dublin": [Net("86.40.0.0/16", "IE", "Dublin", 53.35, -6.26, 20, 5466, "Eir Broadband", "residential")],
    "sfr_paris": [Net("92.184.0.0/16", "FR", "Paris", 48.86, 2.35, 50, 15557, "SFR SA", "residential")],
    # attackers
    "digitalocean": [Net("167.99.0.0/16", "NL", "Amsterdam", 52.37, 4.90, 1000, 14061, "DIGITALOCEAN-ASN", "hosting"),
                     Net("159.203.0.0/16", "CA", "Toronto", 43.65, -79.38, 1000, 14061, "DIGITALOCEAN-ASN",
                         "hosting")],
    "selectel": [Net("45.155.205.0/24", "RU", "Moscow", 55.76, 37.62, 200, 49505, "Selectel", "hosting")],
    "m247": [Net("185.156.172.0/22", "RO", "Bucharest", 44.43, 26.10, 100, 9009, "M247 Europe SRL", "hosting")],
    "vnpt": [Net("113.160.0.0/16", "VN", "Hanoi", 21.03, 105.85, 50, 45899, "VNPT Corp", "residential")],
    "mtn_ng": [Net("105.112.0.0/16", "NG", "Lagos", 6.52, 3.38, 100, 29465, "MTN NIGERIA", "mobile")],
    "claro_br": [Net("177.32.0.0/16", "BR", "Sao Paulo", -23.55, -46.63, 50, 28573, "Claro NXT", "residential")],
    # internet background: sshd scanners
    "chinanet": [Net("61.160.0.0/16", "CN", "Nanjing", 32.06, 118.78, 100, 4134, "Chinanet", "hosting")],
    "kt_kr": [Net("121.128.0.0/16", "KR", "Seoul", 37.57, 126.98, 50, 4766, "Korea Telecom", "residential")],
}


def net(name: str, rng: random.Random) -> Net:
    return rng.choice(NETS[name])


def all_nets() -> list[Net]:
    return [n for nets in NETS.values() for n in nets]


def write_geoip(folder: Path) -> list[Path]:
    """A City (with accuracy radius) and an ASN database, MaxMind format, of the organisation's network plan:
    the evaluation and the check tests locate its addresses with them, so neither moves when the bundled
    database is updated. ``mmdb_writer`` and ``netaddr`` are test dependencies (a development install)."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    city = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-City", languages=["en"],
                      description="evaluation organisation")
    asn = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-ASN", languages=["en"],
                     description="evaluation organisation")
    for n in all_nets():
        city.insert_network(IPSet([n.cidr]), {
            "country": {"iso_code": n.country, "names": {"en": n.country}}, "city": {"names": {"en": n.city}},
            "location": {"latitude": n.lat, "longitude": n.lon, "accuracy_radius": n.radius_km}})
        asn.insert_network(IPSet([n.cidr]), {"autonomous_system_number": n.asn,
                                             "autonomous_system_organization": n.org})
    paths = [folder / "org-city.mmdb", folder / "org-asn.mmdb"]
    city.to_db_file(str(paths[0]))
    asn.to_db_file(str(paths[1]))
    return paths
