"""Offline IP enrichment with geoip2 over MaxMind-format databases (City, Country, ASN).

Each distinct IP is looked up once; non-public ranges are labelled and never geolocated.
The default database is DB-IP City Lite (CC BY 4.0, "IP Geolocation by DB-IP.com").
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import geoip2.database
import geoip2.errors
import maxminddb
import pyarrow as pa
import pyarrow.compute as pc

from ..events import GEO_FIELDS

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_DOCUMENTATION = [ipaddress.ip_network(n) for n in
                  ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def ip_class(ip: str) -> str | None:
    """'public' or the label of the special range ``ip`` is in; None if it is not an IP."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local"
    if addr in _CGNAT:
        return "cgnat"
    if any(addr in net for net in _DOCUMENTATION):
        return "documentation"
    if addr.is_multicast:
        return "multicast"
    if addr.is_private:
        return "private"
    if addr.is_reserved or addr.is_unspecified:
        return "reserved"
    return "public"


@dataclass(frozen=True)
class DatabaseInfo:
    path: str
    database_type: str
    built: datetime

    @property
    def description(self) -> str:
        return f"{self.database_type}, built {self.built:%Y-%m-%d} ({Path(self.path).name})"


@dataclass(frozen=True)
class GeoResult:
    ip_class: str | None
    country: str | None = None
    city: str | None = None
    lat: float | None = None
    lon: float | None = None
    asn: int | None = None
    as_org: str | None = None


class GeoIP:
    """Readers over one or more databases; the first database that answers a field wins."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self._readers: list[tuple[str, geoip2.database.Reader]] = []
        self.databases: list[DatabaseInfo] = []
        self.errors: list[str] = []
        for path in paths:
            try:
                reader = geoip2.database.Reader(str(path))
            except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
                self.errors.append(f"{path}: not a usable MaxMind database ({exc})")
                continue
            meta = reader.metadata()
            self._readers.append((meta.database_type, reader))
            self.databases.append(DatabaseInfo(str(path), meta.database_type,
                                               datetime.fromtimestamp(meta.build_epoch, tz=timezone.utc)))

    @property
    def available(self) -> bool:
        return bool(self._readers)

    def lookup(self, ip: str) -> GeoResult:
        label = ip_class(ip)
        if label != "public":
            return GeoResult(label)
        out: dict[str, object] = {}
        for kind, reader in self._readers:
            try:
                if "ASN" in kind:
                    r = reader.asn(ip)
                    out.setdefault("asn", r.autonomous_system_number)
                    out.setdefault("as_org", r.autonomous_system_organization)
                elif "City" in kind:
                    r = reader.city(ip)
                    out.setdefault("country", r.country.iso_code)
                    out.setdefault("city", r.city.name)
                    out.setdefault("lat", r.location.latitude)
                    out.setdefault("lon", r.location.longitude)
                else:
                    r = reader.country(ip)
                    out.setdefault("country", r.country.iso_code)
            except (geoip2.errors.AddressNotFoundError, ValueError, TypeError):
                continue
        return GeoResult("public", **{k: v for k, v in out.items() if v is not None})  # type: ignore[arg-type]

    def close(self) -> None:
        for _, reader in self._readers:
            reader.close()


def enrich(table: pa.Table, geo: GeoIP | None) -> pa.Table:
    """Add the GEO columns to ``table``, looking each distinct ``src_ip`` up once."""
    ips = table.column("src_ip")
    distinct = pc.unique(ips).drop_null()
    results = [geo.lookup(ip) if geo else GeoResult(ip_class(ip)) for ip in distinct.to_pylist()]
    idx = pc.index_in(ips, value_set=distinct)
    for name, dtype in GEO_FIELDS:
        values = pa.array([getattr(r, name) for r in results], type=dtype)
        table = table.append_column(pa.field(name, dtype), pc.take(values, idx) if len(values) else
                                    pa.nulls(table.num_rows, dtype))
    return table
