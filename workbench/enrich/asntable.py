"""An IP-to-ASN table as sorted integer ranges: ip-location-db's ASN CSVs, read for many addresses at once.

``@ip-location-db/asn`` publishes ``start,end,asn,org`` rows (inclusive ranges, one file per family). Set-up
(:mod:`workbench.enrich.fetch`) turns them into one ``.npz`` of numpy arrays: IPv4 bounds as integers, IPv6
bounds as 16-byte big-endian keys, and per range an index into the organisation names. A lookup is one
``numpy.searchsorted`` per family. :class:`AsnTable` answers like a MaxMind database (:class:`~.mmdb.Database`:
``metadata``, ``answers``, ``close``), so :class:`~.geoip.GeoIP` takes it in its list like any other; a ``.csv``
pair given directly is read the same way (slower: parsed at each start).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import numpy as np

from .ipclass import Addresses, parse
from .provider import v6_keys

TYPE = "ip-location-db-ASN"
FORMAT = 1


class TableError(ValueError):
    """Not a usable ASN table."""


@dataclass(frozen=True)
class Metadata:
    """What :class:`~.geoip.GeoIP` reads of a database: its type and build time (epoch seconds)."""

    database_type: str
    build_epoch: int
    description: str = ""


def _rows(text: str) -> tuple[list[str], list[str], list[int], list[str]]:
    starts, ends, asns, orgs = [], [], [], []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row:
            continue
        if len(row) < 3:
            raise TableError(f"row {n} is not start,end,asn,org")
        starts.append(row[0])
        ends.append(row[1])
        try:
            asns.append(int(row[2]))
        except ValueError as exc:
            raise TableError(f"row {n}: AS number {row[2]!r} is not a number") from exc
        orgs.append(row[3] if len(row) > 3 else "")
    return starts, ends, asns, orgs


def _disjoint(starts: np.ndarray, ends: np.ndarray, rows: np.ndarray, version: int):
    """Overlapping ranges (the published CSV has a few) made disjoint: where two overlap, the one that starts
    later (the more specific) answers; the earlier one keeps what lies before it and after it."""
    def num(key):
        return int(key) if version == 4 else int.from_bytes(key.ljust(16, b"\0"), "big")

    def key(value):
        return value if version == 4 else value.to_bytes(16, "big")

    out: list[tuple[int, int, int]] = []
    for s, e, r in zip(starts.tolist(), ends.tolist(), rows.tolist()):
        s, e = num(s), num(e)
        while out and out[-1][1] >= s:  # the previous range overlaps this one: cut it at this start
            ps, pe, pr = out.pop()
            if ps < s:
                out.append((ps, s - 1, pr))
            if pe > e:  # it went on past this one: its tail comes back after this one
                out.append((s, e, r))
                s, e, r = e + 1, pe, pr
        out.append((s, e, r))
    out.sort()
    dtype = starts.dtype
    return (np.array([key(a) for a, _, _ in out], dtype=dtype), np.array([key(b) for _, b, _ in out], dtype=dtype),
            np.array([r for _, _, r in out], dtype=rows.dtype))


def build_arrays(csv_texts: Iterable[str], built: datetime, description: str = "") -> dict[str, np.ndarray]:
    """The ``.npz`` arrays from ip-location-db ASN CSV texts (IPv4 and IPv6 rows, any mix)."""
    starts, ends, asns, orgs = [], [], [], []
    for text in csv_texts:
        s, e, a, o = _rows(text)
        starts += s
        ends += e
        asns += a
        orgs += o
    lo, hi = parse(starts), parse(ends)
    if (lo.version == 0).any() or (lo.version != hi.version).any():
        bad = int(np.flatnonzero((lo.version == 0) | (lo.version != hi.version))[0])
        raise TableError(f"row {bad + 1}: {starts[bad]!r}..{ends[bad]!r} is not an address range")
    names, org_index = np.unique(np.array(orgs, dtype=object).astype(str), return_inverse=True)
    out: dict[str, np.ndarray] = {}
    for version in (4, 6):
        idx = np.flatnonzero(lo.version == version)
        if version == 4:
            s_key, e_key = lo.lo[idx], hi.lo[idx]
        else:
            s_key, e_key = v6_keys(lo.hi[idx], lo.lo[idx]), v6_keys(hi.hi[idx], hi.lo[idx])
        order = np.argsort(s_key, kind="stable")
        s_key, e_key, idx = s_key[order], e_key[order], idx[order]
        if (e_key < s_key).any():
            raise TableError(f"an IPv{version} range runs backwards")
        if (s_key[1:] <= e_key[:-1]).any():
            s_key, e_key, idx = _disjoint(s_key, e_key, idx, version)
        out[f"v{version}_start"], out[f"v{version}_end"] = s_key, e_key
        out[f"v{version}_asn"] = np.array(asns, dtype=np.uint32)[idx]
        out[f"v{version}_org"] = org_index[idx].astype(np.uint32)
    encoded = [n.encode("utf-8") for n in names.tolist()]
    out["org_offsets"] = np.cumsum([0] + [len(b) for b in encoded]).astype(np.int64)
    out["org_text"] = np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8)
    out["meta"] = np.array(json.dumps({"format": FORMAT, "type": TYPE, "built": int(built.timestamp()),
                                       "description": description}))
    return out


def write_table(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


class AsnTable:
    """An open ASN table (``.npz`` from set-up, or ``.csv`` rows read at open); dated by its ``meta``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder", str(path))
        if path.suffix.lower() == ".csv":
            built = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
            arrays = build_arrays([path.read_text(encoding="utf-8")], built, f"{path.name} (dated by the file)")
        else:
            try:
                with np.load(path, allow_pickle=False) as npz:
                    arrays = {k: npz[k] for k in npz.files}
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
                raise TableError(f"not an ASN table ({exc})") from exc
        try:
            meta = json.loads(str(arrays["meta"]))
            if meta.get("format") != FORMAT:
                raise TableError(f"ASN table format {meta.get('format')!r}, this workbench reads {FORMAT}")
            self.metadata = Metadata(meta["type"], int(meta["built"]), meta.get("description", ""))
            self._v4 = (arrays["v4_start"].astype(np.uint64), arrays["v4_end"].astype(np.uint64),
                        arrays["v4_asn"], arrays["v4_org"])
            self._v6 = (arrays["v6_start"], arrays["v6_end"], arrays["v6_asn"], arrays["v6_org"])
            offsets, text = arrays["org_offsets"], arrays["org_text"].tobytes()
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise TableError(f"not an ASN table (missing {exc})") from exc
        self._orgs = np.array([text[a:b].decode("utf-8", "replace") or None
                               for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())] + [None], dtype=object)

    @property
    def ranges(self) -> int:
        return len(self._v4[0]) + len(self._v6[0])

    def answers(self, addrs: Addresses, wanted: np.ndarray) -> dict[str, np.ndarray]:
        """``asn`` and ``as_org`` for each address (None where no range holds it); no other part."""
        n = len(addrs)
        asn = np.full(n, None, dtype=object)
        org_idx = np.full(n, len(self._orgs) - 1, dtype=np.int64)
        for version, (starts, ends, numbers, orgs) in ((4, self._v4), (6, self._v6)):
            idx = np.flatnonzero(wanted & (addrs.version == version))
            if not len(idx) or not len(starts):
                continue
            values = addrs.lo[idx] if version == 4 else v6_keys(addrs.hi[idx], addrs.lo[idx])
            where = np.searchsorted(starts, values, side="right") - 1
            inside = where >= 0
            inside[inside] = values[inside] <= ends[where[inside]]
            hit, at = idx[inside], where[inside]
            asn[hit] = numbers[at].astype(np.int64).astype(object)
            org_idx[hit] = orgs[at]
        return {"asn": asn, "as_org": self._orgs[org_idx]}

    def close(self) -> None:
        self._v4 = self._v6 = (np.empty(0), np.empty(0), np.empty(0), np.empty(0))
