"""Who runs a public address: cloud, hosting, VPN, Tor exit, mobile carrier or residential access, offline.

Two kinds of list answer, the first that knows wins:

* **published ranges** (:class:`RangeList`): the iporigin dataset (``ranges.bin``): cloud providers' own
  published feeds (AWS ``ip-ranges.json``, Google ``goog.json``/``cloud.json``, Azure service tags, Oracle,
  DigitalOcean, Linode, Vultr, GitHub, Cloudflare, Fastly) and CC0 community lists (Hetzner, OVHcloud, …,
  Mullvad, ProtonVPN, Apple Private Relay exits, a Tor exit snapshot, declared crawlers), merged into disjoint
  sorted ranges. Providers that iporigin includes only on a maintainer's unrecorded permission are dropped
  (:data:`NOT_OPENLY_LICENSED`): the licence has to be on the page, not relayed;
* **AS classes** (:class:`AsnClasses`): ``resources/ipintel/asn-classes.csv``, the class of well-known
  autonomous systems (clouds, hosting, VPN operators, mobile carriers, residential broadband), by the ``asn``
  the ASN database gave. An AS not in it whose name says mobile, cellular or móvil is ``mobile`` (not
  "wireless": mostly fixed-wireless ISPs); one whose name says hosting, host, data center, colocation, VPS or
  server(s) is ``hosting``.

Everything else stays null: unknown is not "residential". Non-public addresses are never classified.
Lookups are vectorized: sorted integer ranges (IPv6 as 16-byte big-endian keys) and ``numpy.searchsorted``.
"""

from __future__ import annotations

import csv
import re
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .ipclass import Addresses

CLASSES = ("cloud", "hosting", "vpn", "tor", "mobile", "residential")
STALE_AFTER = timedelta(days=365)

# iporigin 1.1.2's NOTICE: these come from repositories without a licence, "used with the maintainer's
# permission" whose written record is "to be added". Left out; the AS classes cover the larger ones.
NOT_OPENLY_LICENSED = frozenset({"Cogent", "DataCamp", "Contabo", "Vercel", "CDN77", "GleSYS", "Scalaxy", "GTHost",
                                 "Melbicom", "BuyVM", "BunnyCDN", "Akamai"})
# iporigin's "hosting" providers that are hyperscale clouds.
_CLOUDS = frozenset({"Amazon AWS", "Google", "Google Cloud", "Microsoft Azure", "Oracle Cloud", "IBM Cloud",
                     "Alibaba Cloud", "Tencent Cloud", "Huawei Cloud"})
_KIND_CLASS = {"hosting": "hosting", "cdn": "hosting", "bot": "hosting", "vpn": "vpn", "tor": "tor"}
# not "Mobil" (Exxon), "Mobility" (car firms), "Wireless" (mostly fixed-wireless broadband ISPs)
_MOBILE_NAME = re.compile(r"\b(mobile|cellular|m[oó]vil)\b", re.IGNORECASE)
# ~970 of the 91,000 ASes in the bundled table; sampled: hosting and data-centre companies
_HOSTING_NAME = re.compile(r"\b(hosting|host|data ?cent(?:er|re)s?|datacenters?|colocation|colo|vps|"
                           r"dedicated servers?|servers?)\b", re.IGNORECASE)

RANGES_LICENCE = ("iporigin 1.1.2 dataset (MIT code): providers' own published ranges; CC0-1.0 lists "
                  "rezmoss/cloud-provider-ip-addresses and lord-alfred/ipranges")
ASN_CLASSES_LICENCE = "MIT (workbench); AS numbers checked against RouteViews/NRO/DB-IP (CC BY 4.0)"


class ListError(Exception):
    """A provider list that cannot be read."""


@dataclass(frozen=True)
class ListInfo:
    """What the report and the findings JSON say about a provider list in use."""

    name: str
    path: str
    built: datetime
    entries: int
    licence: str
    bundled: bool = False

    def stale_at(self, when: datetime) -> bool:
        return when - self.built > STALE_AFTER

    @property
    def stale(self) -> bool:
        return self.stale_at(datetime.now(timezone.utc))

    @property
    def description(self) -> str:
        return f"{self.name}, built {self.built:%Y-%m-%d}, {self.entries:,} entries ({Path(self.path).name})"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "built": self.built.isoformat(), "entries": self.entries,
                "licence": self.licence, "bundled": self.bundled, "stale": self.stale}


def v6_keys(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """128-bit addresses as 16-byte big-endian keys: their byte order is their numeric order."""
    out = np.empty((len(hi), 2), dtype=">u8")
    out[:, 0], out[:, 1] = hi, lo
    return out.view("S16").ravel()


def _find(starts: np.ndarray, ends: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Index of the (disjoint, sorted) range holding each value; -1 where none does."""
    idx = np.searchsorted(starts, values, side="right") - 1
    ok = idx >= 0
    ok[ok] = values[ok] <= ends[idx[ok]]
    return np.where(ok, idx, -1)


class RangeList:
    """An iporigin ``ranges.bin``: labels, then disjoint IPv4 and IPv6 ranges sorted by start."""

    _HEADER = struct.Struct("<8sHQHII")
    _V4 = np.dtype([("s", "<u4"), ("e", "<u4"), ("l", "<u2")])
    _V6 = np.dtype([("s", "S16"), ("e", "S16"), ("l", "<u2")])

    def __init__(self, path: Path) -> None:
        self.path = path
        blob = path.read_bytes()
        if len(blob) < self._HEADER.size:
            raise ListError("too short for a provider range list")
        magic, version, built, n_labels, n_v4, n_v6 = self._HEADER.unpack_from(blob, 0)
        if magic != b"IPORIGIN" or version != 1:
            raise ListError("not an iporigin range list (format 1)")
        self.built = datetime.fromtimestamp(built, tz=timezone.utc)
        offset = self._HEADER.size
        classes, providers = [], []
        for _ in range(n_labels):
            (length,) = struct.unpack_from("<H", blob, offset)
            provider, _, kind = blob[offset + 2:offset + 2 + length].decode("utf-8").partition("\t")
            offset += 2 + length
            cls = "cloud" if provider in _CLOUDS else _KIND_CLASS.get(kind)
            if provider in NOT_OPENLY_LICENSED:
                cls = None
            classes.append(cls)
            providers.append("Tor exit" if kind == "tor" else provider)
        self.classes = np.array(classes + [None], dtype=object)  # index -1: not listed
        self.providers = np.array([p if c else None for p, c in zip(providers, classes)] + [None], dtype=object)
        try:
            v4 = np.frombuffer(blob, self._V4, n_v4, offset)
            v6 = np.frombuffer(blob, self._V6, n_v6, offset + n_v4 * self._V4.itemsize)
        except ValueError as exc:
            raise ListError(f"truncated ({exc})") from exc
        if (v4["l"] >= n_labels).any() or (v6["l"] >= n_labels).any():
            raise ListError("a range points at no label")
        self.v4 = (v4["s"].astype(np.uint64), v4["e"].astype(np.uint64), v4["l"].astype(np.int64))
        self.v6 = (v6["s"].copy(), v6["e"].copy(), v6["l"].astype(np.int64))
        self.entries = int(n_v4 + n_v6)
        if (np.diff(self.v4[0].astype(np.int64)) < 0).any() or (self.v6[0][1:] < self.v6[0][:-1]).any():
            raise ListError("ranges are not sorted")

    def labels(self, addrs: Addresses, wanted: np.ndarray) -> np.ndarray:
        """Label index of each address (-1: not in the list)."""
        out = np.full(len(addrs), -1, dtype=np.int64)
        for version, (starts, ends, labels) in ((4, self.v4), (6, self.v6)):
            idx = np.flatnonzero(wanted & (addrs.version == version))
            if not len(idx) or not len(starts):
                continue
            values = addrs.lo[idx] if version == 4 else v6_keys(addrs.hi[idx], addrs.lo[idx])
            where = _find(starts, ends, values)
            out[idx] = np.where(where >= 0, labels[np.maximum(where, 0)], -1)
        return out


class AsnClasses:
    """``asn,class,provider`` rows; ``# built: YYYY-MM-DD`` in the leading comments dates the list."""

    def __init__(self, path: Path) -> None:
        self.path = path
        built = None
        rows: list[str] = []
        with open(path, encoding="utf-8", newline="") as fh:
            for line in fh:
                if line.startswith("#"):
                    m = re.match(r"#\s*built:\s*(\d{4}-\d{2}-\d{2})", line)
                    built = built or (m and datetime.fromisoformat(m.group(1)).replace(tzinfo=timezone.utc))
                else:
                    rows.append(line)
        if built is None:
            raise ListError("no '# built: YYYY-MM-DD' line")
        self.built = built
        self.table: dict[int, tuple[str, str]] = {}
        for n, row in enumerate(csv.DictReader(rows), start=1):
            try:
                asn, cls, provider = int(row["asn"]), row["class"].strip(), row["provider"].strip()
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ListError(f"row {n} is not asn,class,provider") from exc
            if cls not in CLASSES:
                raise ListError(f"row {n}: class {cls!r} is not one of {', '.join(CLASSES)}")
            self.table[asn] = (cls, provider)
        self.entries = len(self.table)


class ProviderLists:
    """Lists in the order given (an update pack's before the bundled ones); the first that knows wins."""

    def __init__(self, ranges: Iterable[Path] = (), asn_classes: Iterable[Path] = (), *,
                 bundled: Iterable[Path] = (), now: datetime | None = None) -> None:
        self.now = now or datetime.now(timezone.utc)
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.lists: list[ListInfo] = []
        self._ranges: list[RangeList] = []
        self._asn: list[AsnClasses] = []
        shipped = {Path(p) for p in bundled}
        for kind, paths in (("ranges", ranges), ("asn", asn_classes)):
            for path in paths:
                self._add(kind, Path(path), Path(path) in shipped)

    def _add(self, kind: str, path: Path, bundled: bool) -> None:
        try:
            if kind == "ranges":
                lst: RangeList | AsnClasses = RangeList(path)
                self._ranges.append(lst)  # type: ignore[arg-type]
                name, licence = "provider ranges (iporigin)", RANGES_LICENCE
            else:
                lst = AsnClasses(path)
                self._asn.append(lst)
                name, licence = "AS classes", ASN_CLASSES_LICENCE
        except (OSError, ListError, UnicodeDecodeError) as exc:
            self.errors.append(f"{path}: cannot use this provider list: {exc}")
            return
        info = ListInfo(name, str(path), lst.built, lst.entries, licence, bundled)
        self.lists.append(info)
        if info.stale_at(self.now):
            self.warnings.append(f"{path}: provider list {name} was built {info.built:%Y-%m-%d}, "
                                 f"{(self.now - info.built).days} days before this analysis (more than a year)")

    @property
    def available(self) -> bool:
        return bool(self.lists)

    def classify(self, addrs: Addresses, public: np.ndarray, asn: Sequence[Any] | np.ndarray,
                 as_org: Sequence[Any] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``provider_class`` and ``provider`` for each address (object arrays; None: not known)."""
        n = len(addrs)
        classes = np.full(n, None, dtype=object)
        providers = np.full(n, None, dtype=object)
        for lst in self._ranges:
            todo = public & np.equal(classes, None)
            codes = lst.labels(addrs, todo)
            hit = todo & (codes >= 0)
            classes[hit] = lst.classes[codes[hit]]
            providers[hit] = lst.providers[codes[hit]]
        asn = np.asarray(asn, dtype=object)
        as_org = np.asarray(as_org, dtype=object)
        todo = np.flatnonzero(public & np.equal(classes, None) & np.not_equal(asn, None))
        if len(todo):
            numbers, inverse = np.unique(asn[todo].astype(np.int64), return_inverse=True)
            found_c = np.full(len(numbers), None, dtype=object)
            found_p = np.full(len(numbers), None, dtype=object)
            for j, number in enumerate(numbers.tolist()):
                for lst in self._asn:
                    if number in lst.table:
                        found_c[j], found_p[j] = lst.table[number]
                        break
            classes[todo], providers[todo] = found_c[inverse], found_p[inverse]
        if self._asn:  # mobile carriers, then hosting companies, by name, where no list knows the AS
            by_name: dict[str, str | None] = {}  # each AS name judged once
            for i in np.flatnonzero(public & np.equal(classes, None) & np.not_equal(as_org, None)).tolist():
                name = str(as_org[i])
                if name not in by_name:
                    by_name[name] = ("mobile" if _MOBILE_NAME.search(name) else
                                     "hosting" if _HOSTING_NAME.search(name) else None)
                if by_name[name]:
                    classes[i], providers[i] = by_name[name], as_org[i]
        return classes, providers


def open_provider_lists(ranges: Sequence[Path] = (), asn_classes: Sequence[Path] = (), *, use_default: bool = True,
                        now: datetime | None = None) -> ProviderLists:
    """The given lists (an update pack's), then the bundled ones unless ``use_default=False``."""
    from ..paths import default_provider_lists

    shipped_ranges, shipped_asn = default_provider_lists() if use_default else ([], [])
    return ProviderLists([*ranges, *shipped_ranges], [*asn_classes, *shipped_asn],
                         bundled=[*shipped_ranges, *shipped_asn], now=now)
