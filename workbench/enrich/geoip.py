"""Offline IP enrichment over MaxMind-format databases (City, Country, ASN; MaxMind's or ip-location-db's
record layout) and ASN range tables, plus the provider class (:mod:`.provider`).

Each distinct IP is looked up once; private, loopback, link-local, CGNAT, documentation and other
non-public ranges are labelled (``ip_class``) and never geolocated nor classified.

Which databases answer (:func:`open_geoip`):

* none given (``paths=None``): the bundled defaults that set-up installed (:func:`~workbench.paths.
  default_geoip_dbs`): DB-IP City Lite for IPv4 and IPv6, then the ip-location-db ASN table; none installed is
  a warning that says how to install them;
* an empty list (``--no-geoip``): none at all;
* the analyst's databases: those, in the order given; for each part of an answer (country, city,
  location, ASN) the first database that answers it wins. The bundled city databases are added after them
  only when every one of them opened and none of them can answer a part they can (country, city,
  location); the bundled ASN table likewise when none of them answers AS numbers: with only an ASN database
  given, countries and cities still come from the default; with a City database given, the default city
  databases are not used but the default ASN table is. ``use_default=False`` (``--no-default-geoip``) never
  adds them. A database that cannot be opened is an error, never silently replaced by the default.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

import maxminddb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..events import GEO_FIELDS
from ..paths import default_geoip_dbs
from .asntable import AsnTable, TableError
from .fetch import manifest_entry
from ..progress import gc_paused
from .ipclass import PUBLIC, classify, ip_class, parse
from .mmdb import PARTS, CorruptDatabase, Database, provides
from .provider import ProviderLists, open_provider_lists

__all__ = ["DatabaseInfo", "GeoIP", "GeoResult", "enrich", "ip_class", "open_geoip", "STALE_AFTER"]

STALE_AFTER = timedelta(days=365)
NOT_INSTALLED = ("no bundled GeoIP database is installed (countries, cities and AS numbers stay unknown): "
                 "run `workbench fetch-geoip` once on a connected machine, or give --geoip-db")
_GEO_NAMES = [name for name, _ in GEO_FIELDS]
_ANSWER_FIELDS = [f for part in PARTS.values() for f in part]
_PROVIDER_FIELDS = ["provider_class", "provider"]


DBIP_CREDIT = "IP Geolocation by DB-IP.com (CC BY 4.0)"  # its licence asks for it wherever its data is shown


def uses_dbip(databases: Iterable[Any]) -> bool:
    """Some database in use (:class:`DatabaseInfo`) carries DB-IP's data (its type or its recorded licence
    says so): the report and the login map then show :data:`DBIP_CREDIT`."""
    return any("DBIP" in d.database_type.upper() or "DB-IP" in d.licence for d in databases)


def licence_for(database_type: str, path: Path | None = None) -> str:
    """The licence and credit line a database needs: as set-up recorded it, else where the type tells it."""
    entry = manifest_entry(path) if path is not None else None
    if entry and entry.get("licence"):
        return f"{entry['licence']}; {entry.get('credit', '')}".rstrip("; ")
    kind = database_type.upper()
    if kind.startswith("DBIP"):
        return "CC BY 4.0; IP Geolocation by DB-IP.com (https://db-ip.com)"
    if kind.startswith("GEOLITE2"):
        return ("GeoLite2 End User License Agreement; includes GeoLite2 data created by MaxMind, "
                "available from https://www.maxmind.com")
    if kind.startswith("GEOIP2"):
        return "MaxMind GeoIP2 commercial licence (the analyst's subscription)"
    return ""


@dataclass(frozen=True)
class DatabaseInfo:
    """What the About box and the report say about a database in use."""

    path: str
    database_type: str
    built: datetime
    licence: str = ""  # licence and credit line; "" where the type does not tell
    bundled: bool = False  # the default installed with the workbench

    @property
    def description(self) -> str:
        return f"{self.database_type}, built {self.built:%Y-%m-%d} ({Path(self.path).name})"

    @property
    def parts(self) -> frozenset[str]:
        """What it can answer: some of country, city, location, asn."""
        return provides(self.database_type)

    def stale_at(self, when: datetime) -> bool:
        return when - self.built > STALE_AFTER

    @property
    def stale(self) -> bool:
        """Built more than a year ago (:data:`STALE_AFTER`), as of now."""
        return self.stale_at(datetime.now(timezone.utc))

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "type": self.database_type, "built": self.built.isoformat(),
                "licence": self.licence, "bundled": self.bundled, "stale": self.stale}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DatabaseInfo:
        return cls(d["path"], d["type"], datetime.fromisoformat(d["built"]), d.get("licence", ""),
                   d.get("bundled", False))


@dataclass(frozen=True)
class GeoResult:
    """What is known of one IP; ``sources`` names the database (path) that answered each part."""

    ip_class: str | None
    country: str | None = None
    city: str | None = None
    lat: float | None = None
    lon: float | None = None
    asn: int | None = None
    as_org: str | None = None
    accuracy_km: int | None = None
    provider_class: str | None = None
    provider: str | None = None
    ip: str = ""
    sources: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"ip": self.ip, "ip_class": self.ip_class, "country": self.country, "city": self.city,
                "lat": self.lat, "lon": self.lon, "accuracy_km": self.accuracy_km, "asn": self.asn,
                "as_org": self.as_org, "provider_class": self.provider_class, "provider": self.provider,
                "sources": dict(self.sources)}


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a database file"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    if isinstance(exc, CorruptDatabase):
        return f"damaged file ({exc})"
    return "not a valid MaxMind DB file (corrupt or truncated)"


class GeoIP:
    """Open databases, in order; for each part of an answer the first database that answers wins."""

    def __init__(self, paths: Iterable[Path], *, now: datetime | None = None,
                 bundled: Path | None = None, providers: ProviderLists | None = None) -> None:
        self._dbs: list[tuple[Database | AsnTable, DatabaseInfo]] = []
        self.providers = providers  # provider_class / provider, from the asn and the address
        self.errors: list[str] = []  # one line each, naming the file
        self.warnings: list[str] = []  # stale databases
        self.now = now or datetime.now(timezone.utc)
        self._closed = False
        for path in paths:
            self.add(Path(path), bundled=bundled is not None and Path(path) == Path(bundled))

    def add(self, path: Path, *, bundled: bool = False) -> bool:
        """Open one more database after the others; False (and a line in :attr:`errors`) if unusable."""
        try:
            db: Database | AsnTable = AsnTable(path) if path.suffix.lower() in (".npz", ".csv") else Database(path)
        except (OSError, ValueError, maxminddb.InvalidDatabaseError, CorruptDatabase, TableError) as exc:
            self.errors.append(f"{path}: cannot use this GeoIP database: {_one_line(exc)}")
            return False
        meta = db.metadata
        try:
            built = datetime.fromtimestamp(meta.build_epoch, tz=timezone.utc)
        except (OverflowError, OSError, ValueError, TypeError):
            db.close()
            self.errors.append(f"{path}: cannot use this GeoIP database: its build date is not a date")
            return False
        info = DatabaseInfo(str(path), meta.database_type, built, licence_for(meta.database_type, path), bundled)
        self._dbs.append((db, info))
        if info.stale_at(self.now):
            self.warnings.append(
                f"{path}: GeoIP database {info.database_type} was built {info.built:%Y-%m-%d}, "
                f"{(self.now - info.built).days} days before this analysis (more than a year): addresses may "
                "have moved since; use a current GeoLite2 or GeoIP2 database")
        return True

    @property
    def databases(self) -> list[DatabaseInfo]:
        return [info for _, info in self._dbs]

    @property
    def available(self) -> bool:
        """Some database is in use."""
        return bool(self._dbs)

    @property
    def credits(self) -> list[str]:
        """The licence and credit line of each database in use, once each."""
        return list(dict.fromkeys(info.licence for _, info in self._dbs if info.licence))

    @property
    def locates(self) -> bool:
        """Some database in use can answer countries (what the location checks need)."""
        return any("country" in info.parts for _, info in self._dbs)

    def answer_columns(self, ips: Sequence[str | None]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Every GEO field but ``geo_mismatch`` for each IP (object arrays, None: not known), and for
        each part (country, city, location, asn) the path of the database that answered it.

        A database found damaged during the lookup is reported in :attr:`errors` and dropped."""
        if self._closed:
            raise RuntimeError("GeoIP databases already closed")
        addrs = parse(ips)
        labels = classify(addrs)
        public = pc.fill_null(pc.equal(labels, PUBLIC), False).to_numpy(zero_copy_only=False)
        n = len(ips)
        cols = {name: np.full(n, None, dtype=object) for name in _ANSWER_FIELDS}
        cols["ip_class"] = np.array(labels.to_pylist(), dtype=object)
        sources = {part: np.full(n, None, dtype=object) for part in PARTS}
        working = []
        for db, info in self._dbs:
            try:
                with gc_paused():
                    answers = db.answers(addrs, public)
            except (maxminddb.InvalidDatabaseError, CorruptDatabase, IndexError, ValueError) as exc:
                self.errors.append(f"{info.path}: cannot use this GeoIP database: {_one_line(exc)}")
                db.close()
                continue
            working.append((db, info))
            for part, names in PARTS.items():
                if names[0] not in answers:
                    continue
                take = np.equal(sources[part], None) & np.not_equal(answers[names[0]], None)
                sources[part][take] = info.path
                for name in names:
                    cols[name][take] = answers[name][take]
        self._dbs = working
        if self.providers is not None:
            cols["provider_class"], cols["provider"] = self.providers.classify(addrs, public, cols["asn"],
                                                                               cols["as_org"])
        return cols, sources

    def lookup_many(self, ips: Sequence[str]) -> list[GeoResult]:
        cols, sources = self.answer_columns(ips)
        out = []
        for i, ip in enumerate(ips):
            values = {name: cols[name][i] for name in ["ip_class", *_ANSWER_FIELDS, *_PROVIDER_FIELDS]
                      if name in cols}
            src = {part: s[i] for part, s in sources.items() if s[i] is not None}
            out.append(GeoResult(ip=ip, sources=src, **values))  # type: ignore[arg-type]
        return out

    def lookup(self, ip: str) -> GeoResult:
        return self.lookup_many([ip])[0]

    def close(self) -> None:
        """Close the files; :attr:`databases`, :attr:`locates` and the messages stay as they were."""
        for db, _ in self._dbs:
            db.close()
        self._closed = True

    def __enter__(self) -> GeoIP:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_geoip(paths: Iterable[Path] | None, *, use_default: bool = True, now: datetime | None = None,
               default: Path | Sequence[Path] | None = None, providers: ProviderLists | None = None) -> GeoIP:
    """The databases an analysis uses, in the override order described in the module docstring.

    ``default`` overrides where the bundled databases are looked for (tests). ``providers``: the provider lists
    (:mod:`workbench.enrich.provider`); by default the bundled ones, whatever the GeoIP options."""
    if default is None:
        shipped = default_geoip_dbs() if use_default else []
    else:
        shipped = [Path(default)] if isinstance(default, (str, Path)) else [Path(p) for p in default]
        shipped = shipped if use_default else []
    providers = providers if providers is not None else open_provider_lists(now=now)
    if paths is None:
        geo = GeoIP([], now=now, providers=providers)
        for path in shipped:
            geo.add(path, bundled=True)
        if use_default and not shipped:
            geo.warnings.append(NOT_INSTALLED)
        return _with_list_messages(geo)
    given = [Path(p) for p in paths]
    geo = GeoIP(given, now=now, providers=providers)
    if given and not geo.errors:
        covered = set().union(*(info.parts for info in geo.databases))
        for path in shipped:  # each bundled database that can answer a part none of the given ones can
            kind = "asn" if path.suffix.lower() in (".npz", ".csv") else None
            parts = {kind} if kind else {"country", "city", "location"}
            if not parts <= covered:
                geo.add(path, bundled=True)
    return _with_list_messages(geo)


def ip_data_description(path: Path) -> str:
    """One line naming an ASN table or provider list and its build date; ValueError if it is not one (the update
    pack checks each member with this)."""
    try:
        if path.suffix.lower() == ".npz":
            table = AsnTable(path)
            built = datetime.fromtimestamp(table.metadata.build_epoch, timezone.utc)
            return f"ASN table {table.metadata.database_type} built {built:%Y-%m-%d}, {table.ranges:,} ranges"
        lists = ProviderLists([path] if path.suffix.lower() == ".bin" else [], [path] if path.suffix == ".csv" else [])
    except TableError as exc:
        raise ValueError(str(exc)) from None
    if lists.errors or not lists.lists:
        raise ValueError(lists.errors[0] if lists.errors else "not a provider list")
    return lists.lists[0].description


def _with_list_messages(geo: GeoIP) -> GeoIP:
    """The provider lists' errors and stale warnings among the GeoIP ones (one place the analyst reads)."""
    if geo.providers is not None:
        geo.errors += geo.providers.errors
        geo.warnings += geo.providers.warnings
    return geo


def _mismatch(table: pa.Table, country: pa.ChunkedArray) -> pa.ChunkedArray:
    """True where the log's own country (ISO alpha-2) and the GeoIP country are both known and differ."""
    if "log_country" not in table.column_names:
        return pa.chunked_array([pa.array(np.zeros(table.num_rows, dtype=bool))])
    logged = pc.utf8_upper(pc.utf8_trim_whitespace(table.column("log_country")))
    iso = pc.equal(pc.binary_length(logged), 2)
    differ = pc.and_(iso, pc.not_equal(logged, country))
    return pc.fill_null(differ, False)


def _distinct(ips: pa.ChunkedArray) -> tuple[pa.Array, list[pa.Array]]:
    """The distinct values of ``ips`` and, for each chunk, the index of each row's value (null stays null).

    Hashes chunk by chunk, then only the (small) chunk dictionaries together: no copy of the column."""
    encoded = [pc.dictionary_encode(chunk) for chunk in ips.chunks]
    if len(encoded) == 1:
        return encoded[0].dictionary, [encoded[0].indices]
    values = pc.unique(pa.concat_arrays([e.dictionary for e in encoded] or [pa.array([], pa.string())]))
    return values, [pc.take(pc.index_in(e.dictionary, value_set=values), e.indices) for e in encoded]


def _expand(per_ip: pa.Array, indices: list[pa.Array], num_rows: int) -> pa.ChunkedArray:
    """One value per distinct IP → one per row."""
    if per_ip.null_count == len(per_ip):
        return pa.chunked_array([pa.nulls(num_rows, per_ip.type)])
    return pa.chunked_array([pc.take(per_ip, idx) for idx in indices], type=per_ip.type)


def enrich(table: pa.Table, geo: GeoIP | None) -> pa.Table:
    """The table with the GEO columns (replacing any it has), looking each distinct ``src_ip`` up once.

    ``geo=None``: only ``ip_class`` is filled. The per-row columns are built in threads: Arrow's
    ``take`` releases the GIL."""
    table = table.drop_columns([n for n in _GEO_NAMES if n in table.column_names])
    values, indices = _distinct(table.column("src_ip").cast(pa.string()))
    distinct = values.to_pylist()
    if geo is not None:
        cols, _ = geo.answer_columns(distinct)
    else:
        cols = {"ip_class": classify(parse(distinct))}
    per_ip = {name: pa.array(cols[name], type=dtype) if name in cols else pa.nulls(len(distinct), dtype)
              for name, dtype in GEO_FIELDS if name != "geo_mismatch"}
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        columns = dict(zip(per_ip, pool.map(lambda a: _expand(a, indices, table.num_rows), per_ip.values())))
    columns["geo_mismatch"] = _mismatch(table, columns["country"])
    for name, dtype in GEO_FIELDS:
        table = table.append_column(pa.field(name, dtype), columns[name])
    return table
