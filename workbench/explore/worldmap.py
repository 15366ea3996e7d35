"""The login map: where an account signed in from, on an offline world outline, with the legs of
impossible travel drawn. No Qt and no drawing here: the GUI (``gui/widgets/map.py``) and the PDF
report draw the same data.

The outline is Natural Earth's 1:110m Admin 0 countries (public domain) in the TopoJSON form that
the ``world-atlas`` package distributes (``resources/world/``; see its README). It is read once and
decoded into rings of (lon, lat) degrees.

API (every coordinate is degrees, longitude first):

``load_outline() -> Outline``
    ``Outline.land`` and ``Outline.countries``: tuples of ``numpy`` arrays of shape (n, 2), each a
    closed ring; ``Outline.borders``: the shared country borders as open polylines (draw them thin).
    Lines that cross the antimeridian are continuous, so a few longitudes pass ±180 (Fiji, Chukotka
    reach 190): draw the outline again shifted by ∓360° when the view reaches past ±180, or clip.
    Antarctica's ring is closed along the south pole.
``Projection(bounds, width, height)``
    Equirectangular (plate carrée): ``project(lon, lat) -> (x, y)`` with y downwards, for a
    ``width`` × ``height`` box; works on scalars and arrays. ``Bounds.world()`` is the whole earth;
    ``LoginMap.bounds()`` frames the points of a map with a margin, at the projection's 2:1 aspect.
``login_map(table, users, *, findings=(), config=None) -> LoginMap``
    From the event table (``lat``, ``lon``, ``country``, ``city``, ``src_ip``, ``ts``, ``action``,
    ``user``): one :class:`LoginPoint` per place the accounts attempted a login from
    (``auth.success`` / ``auth.failure``), and one :class:`TravelLeg` per change of place between
    consecutive successful logins of one account, the same pairs ``checks/impossible_travel.py``
    examines. A leg is ``impossible`` when both its ends are evidence of an ``impossible_travel``
    finding among ``findings`` and it breaks that check's thresholds (``config``, default
    ``resources/config.yaml``), so the map marks the very legs the finding's explanation cites.
``finding_map(analysis, finding) -> LoginMap``
    The same for a finding's accounts, with the analysis' findings and configuration.
``great_circle(a_lon, a_lat, b_lon, b_lat, n) -> ndarray``
    (n, 2) points along the shorter great circle; longitudes are unwrapped (they may leave
    [-180, 180] when the leg crosses the antimeridian), so a renderer draws a continuous line and clips.

The world is drawn once, in the frame ``world_frame(centre)`` (360° wide around the view's centre
longitude, so a map of the Pacific is centred on it): ``outline_shifts`` says which ±360° copies of
the outline fall in the frame (draw them clipped to it: each land appears once), ``wrap_lon`` puts a
place in the frame and ``split_at_seam`` cuts a line where it leaves the frame's edge, each piece
moved into the frame. ``LoginMap.bounds()`` frames the places across the antimeridian when that is
the shorter way round (US West coast and Japan: west ≈ -220, east ≈ -122).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..paths import resources_dir

if TYPE_CHECKING:  # pragma: no cover
    from ..findings import Finding
    from ..analysis import Analysis

OUTLINE_FILE = "countries-110m.json"
LOGIN_ACTIONS = ("auth.success", "auth.failure")
CHECK_ID = "impossible_travel"
MAX_USERS = 25  # a password spray names hundreds of accounts: map the first ones only


def outline_path() -> Path:
    return resources_dir() / "world" / OUTLINE_FILE


# -- the outline -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outline:
    land: tuple[np.ndarray, ...]
    countries: tuple[np.ndarray, ...]
    borders: tuple[np.ndarray, ...]
    source: str
    extent: tuple[float, float] = (-180.0, 180.0)  # the rings' least and greatest longitude


def _decode_arcs(topo: dict[str, Any]) -> list[np.ndarray]:
    """TopoJSON arcs: delta-encoded integer positions, scaled and translated into degrees."""
    scale = np.asarray(topo["transform"]["scale"], dtype=float)
    shift = np.asarray(topo["transform"]["translate"], dtype=float)
    return [np.cumsum(np.asarray(arc, dtype=float), axis=0) * scale + shift for arc in topo["arcs"]]


def _ring(arcs: list[np.ndarray], indexes: Sequence[int]) -> np.ndarray:
    """Join arcs into one ring; a negative index ``~i`` is arc ``i`` reversed; shared ends are dropped."""
    parts = []
    for k, index in enumerate(indexes):
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(arc if k == 0 else arc[1:])
    return np.concatenate(parts) if parts else np.empty((0, 2))


def _unwrap(line: np.ndarray) -> np.ndarray:
    """Longitudes made continuous where the line crosses the antimeridian (they may pass ±180)."""
    if len(line) < 2 or not (np.abs(np.diff(line[:, 0])) > 180).any():
        return line
    lon = np.degrees(np.unwrap(np.radians(line[:, 0])))
    return np.column_stack([lon, line[:, 1]])


def _close(ring: np.ndarray) -> np.ndarray:
    """A ring around a pole (Antarctica) ends 360° from where it began once unwrapped: close it over the pole."""
    if len(ring) and abs(ring[-1, 0] - ring[0, 0]) > 180:
        pole = -90.0 if ring[:, 1].mean() < 0 else 90.0
        ring = np.vstack([ring, [[ring[-1, 0], pole], [ring[0, 0], pole]], ring[:1]])
    return ring


def _polygons(arcs: list[np.ndarray], geometry: dict[str, Any]) -> list[np.ndarray]:
    kind = geometry.get("type")
    polygons = [geometry["arcs"]] if kind == "Polygon" else geometry["arcs"] if kind == "MultiPolygon" else []
    return [_close(_unwrap(_ring(arcs, ring))) for polygon in polygons for ring in polygon]


@lru_cache(maxsize=2)
def load_outline(path: Path | None = None) -> Outline:
    """The bundled world outline (or the TopoJSON file at ``path`` with ``land`` and ``countries``)."""
    path = path or outline_path()
    topo = json.loads(Path(path).read_text(encoding="utf-8"))
    arcs = _decode_arcs(topo)
    objects = topo["objects"]
    land = [r for g in objects["land"]["geometries"] for r in _polygons(arcs, g)]
    countries = [r for g in objects["countries"]["geometries"] for r in _polygons(arcs, g)]
    used = _arc_use(objects["countries"]["geometries"])
    borders = [_unwrap(arcs[i]) for i, n in sorted(used.items()) if n > 1]  # an arc two countries share
    lons = [r[:, 0] for r in land + countries + borders if len(r)]
    extent = (float(min(x.min() for x in lons)), float(max(x.max() for x in lons))) if lons else (-180.0, 180.0)
    return Outline(tuple(land), tuple(countries), tuple(borders), str(path), extent)


def _arc_use(geometries: Iterable[dict[str, Any]]) -> dict[int, int]:
    """How many country rings use each arc."""
    counts: dict[int, int] = {}

    def walk(node: Any) -> None:
        if isinstance(node, int):
            i = node if node >= 0 else ~node
            counts[i] = counts.get(i, 0) + 1
        else:
            for child in node:
                walk(child)

    for geometry in geometries:
        walk(geometry.get("arcs", []))
    return counts


# -- projection --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    west: float
    south: float
    east: float
    north: float

    @classmethod
    def world(cls) -> "Bounds":
        return cls(-180.0, -90.0, 180.0, 90.0)

    @property
    def width(self) -> float:
        return self.east - self.west

    @property
    def height(self) -> float:
        return self.north - self.south

    def fit(self, aspect: float = 2.0, clamp: bool = True) -> "Bounds":
        """Grown around its centre to ``aspect`` (width / height in degrees); with ``clamp`` at most
        360 × 180 (the aspect may then be off) and kept between the poles, else free to reach past them.
        Longitudes are not clamped: a view may be centred anywhere (on the Pacific: past 180)."""
        width, height = self.width, self.height
        if width / max(height, 1e-9) < aspect:
            width = height * aspect
        else:
            height = width / aspect
        cx, cy = (self.west + self.east) / 2, (self.south + self.north) / 2
        if not clamp:
            return Bounds(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
        width, height = min(width, 360.0), min(height, 180.0)
        west = cx - width / 2
        south = min(max(cy - height / 2, -90.0), 90.0 - height)
        return Bounds(west, south, west + width, south + height)


@dataclass(frozen=True)
class Projection:
    """Equirectangular: ``bounds`` fill a ``width`` × ``height`` box, y grows downwards."""

    bounds: Bounds
    width: float
    height: float

    def project(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        b = self.bounds
        x = (np.asarray(lon, dtype=float) - b.west) / b.width * self.width
        y = (b.north - np.asarray(lat, dtype=float)) / b.height * self.height
        if np.ndim(x) == 0:
            return float(x), float(y)
        return x, y

    def project_ring(self, ring: np.ndarray) -> np.ndarray:
        x, y = self.project(ring[:, 0], ring[:, 1])
        return np.column_stack([x, y])

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        b = self.bounds
        return b.west + x / self.width * b.width, b.north - y / self.height * b.height


def great_circle(a_lon: float, a_lat: float, b_lon: float, b_lat: float, n: int = 48) -> np.ndarray:
    """``n`` points from a to b along the shorter great circle, longitudes unwrapped (continuous)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a_lon, a_lat, b_lon, b_lat))
    p1 = np.array([math.cos(lat1) * math.cos(lon1), math.cos(lat1) * math.sin(lon1), math.sin(lat1)])
    p2 = np.array([math.cos(lat2) * math.cos(lon2), math.cos(lat2) * math.sin(lon2), math.sin(lat2)])
    omega = math.acos(max(-1.0, min(1.0, float(p1 @ p2))))
    t = np.linspace(0.0, 1.0, max(n, 2))
    if omega < 1e-9 or abs(omega - math.pi) < 1e-9:  # same place, or antipodes (no single shorter path)
        return np.column_stack([a_lon + (b_lon - a_lon) * t, a_lat + (b_lat - a_lat) * t])
    pts = (np.sin((1 - t) * omega)[:, None] * p1 + np.sin(t * omega)[:, None] * p2) / math.sin(omega)
    lat = np.degrees(np.arcsin(np.clip(pts[:, 2], -1, 1)))
    lon = np.degrees(np.unwrap(np.arctan2(pts[:, 1], pts[:, 0])))
    lon += a_lon - lon[0]  # keep the start where it was given (unwrap may shift by 360)
    return np.column_stack([lon, lat])


def world_frame(centre_lon: float) -> Bounds:
    """The one copy of the world a view centred on ``centre_lon`` draws: 360° around it, pole to pole."""
    return Bounds(centre_lon - 180.0, -90.0, centre_lon + 180.0, 90.0)


def wrap_lon(lon: Any, west: float) -> Any:
    """Longitudes moved by a multiple of 360 into [west, west + 360)."""
    wrapped = west + np.mod(np.asarray(lon, dtype=float) - west, 360.0)
    return float(wrapped) if np.ndim(wrapped) == 0 else wrapped


def outline_shifts(frame: Bounds, extent: tuple[float, float]) -> list[float]:
    """The shifts (multiples of 360) of an outline spanning ``extent`` longitudes that reach into ``frame``;
    drawn clipped to a frame at most 360° wide, every land appears exactly once."""
    lo, hi = extent
    first, last = math.floor((frame.west - hi) / 360.0), math.ceil((frame.east - lo) / 360.0)
    return [360.0 * k for k in range(first, last + 1) if lo + 360.0 * k < frame.east and hi + 360.0 * k > frame.west]


def split_at_seam(x: np.ndarray, y: np.ndarray, left: float, period: float) -> list[np.ndarray]:
    """A polyline whose ``x`` is continuous (unwrapped), cut where it crosses a seam ``left + k·period``
    and each piece moved by a multiple of ``period`` into [left, left + period]: (n, 2) arrays, in order.
    Works in degrees (period 360) or in pixels (the frame's left edge and its width)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) == 0:
        return []
    cell = np.floor((x - left) / period)
    pieces: list[np.ndarray] = []
    current = [(x[0] - cell[0] * period, y[0])]
    for i in range(1, len(x)):
        a, b = cell[i - 1], cell[i]
        step = 1 if b > a else -1
        k = a
        while k != b:  # one seam after the other (a long segment may cross several)
            seam = left + (k + (1 if step > 0 else 0)) * period
            t = (seam - x[i - 1]) / (x[i] - x[i - 1])
            yc = y[i - 1] + t * (y[i] - y[i - 1])
            current.append((seam - k * period, yc))
            pieces.append(np.array(current))
            k += step
            current = [(seam - k * period, yc)]
        current.append((x[i] - b * period, y[i]))
    pieces.append(np.array(current))
    return [p for p in pieces if len(p) >= 2 and np.ptp(p[:, 0]) + np.ptp(p[:, 1]) > 0] or pieces[:1]


def lon_span(intervals: Iterable[tuple[float, float]]) -> tuple[float, float]:
    """The shortest run of longitudes (west, east), east - west ≤ 360, that covers every interval
    (start ≤ end, unwrapped); across the antimeridian when that is shorter, its centre within [-180, 180)."""
    pieces: list[tuple[float, float]] = []
    for start, end in intervals:
        if end - start >= 360.0:
            return -180.0, 180.0
        s0 = (start + 180.0) % 360.0 - 180.0
        e0 = s0 + (end - start)
        pieces += [(s0, 180.0), (-180.0, e0 - 360.0)] if e0 > 180.0 else [(s0, e0)]
    if not pieces:
        return -180.0, 180.0
    pieces.sort()
    merged = [list(pieces[0])]
    for s, e in pieces[1:]:
        if s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    gap, west, east = merged[0][0] + 360.0 - merged[-1][1], merged[0][0], merged[-1][1]  # ties: no crossing
    for a, b in zip(merged, merged[1:]):
        if b[0] - a[1] > gap:
            gap, west, east = b[0] - a[1], b[0], a[1] + 360.0
    if (west + east) / 2 >= 180.0:
        west, east = west - 360.0, east - 360.0
    return west, east


# -- login points and legs ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoginPoint:
    """One place (GeoIP location) where the accounts tried to log in."""

    lat: float
    lon: float
    country: str | None
    city: str | None
    users: tuple[str, ...]
    ips: tuple[str, ...]
    successes: int
    failures: int
    first: datetime
    last: datetime
    rows: tuple[int, ...]  # table rows of these logins (capped at 1,000)

    @property
    def place(self) -> str:
        return ", ".join(x for x in (self.city, self.country) if x) or f"{self.lat:.2f}, {self.lon:.2f}"


@dataclass(frozen=True)
class TravelLeg:
    """Two consecutive successful logins of one account from different IPs and places."""

    user: str
    from_row: int
    to_row: int
    from_lon: float
    from_lat: float
    to_lon: float
    to_lat: float
    from_place: str
    to_place: str
    from_ip: str
    to_ip: str
    start: datetime
    end: datetime
    distance_km: float  # great-circle distance between the two located places
    km: float  # "at least": the distance less both ends' location uncertainty, as the check's explanation
    kmh: float  # implied speed over ``km``; inf when both logins are at the same moment
    impossible: bool


@dataclass(frozen=True)
class LoginMap:
    users: tuple[str, ...]
    points: tuple[LoginPoint, ...]
    legs: tuple[TravelLeg, ...]
    unlocated: int  # logins of these accounts without a location (private IPs, no database, ...)
    truncated: bool = False  # more accounts than MAX_USERS

    @property
    def impossible_legs(self) -> tuple[TravelLeg, ...]:
        return tuple(leg for leg in self.legs if leg.impossible)

    def bounds(self, margin_deg: float = 8.0, aspect: float = 2.0) -> Bounds:
        """The points with a margin, at ``aspect``; the world when there are none."""
        if not self.points:
            return Bounds.world()
        spans = [(p.lon, p.lon) for p in self.points]
        lats = [p.lat for p in self.points]
        for leg in self.legs:
            line = great_circle(leg.from_lon, leg.from_lat, leg.to_lon, leg.to_lat, 16)
            spans.append((float(line[:, 0].min()), float(line[:, 0].max())))
        west, east = lon_span(spans)
        if east - west + 2 * margin_deg >= 360.0:
            west, east = (west + east) / 2 - 180.0, (west + east) / 2 + 180.0
        else:
            west, east = west - margin_deg, east + margin_deg
        box = Bounds(west, max(min(lats) - margin_deg, -90.0), east, min(max(lats) + margin_deg, 90.0))
        if box.width < 40:  # a single city: show its region, not a street plan
            box = Bounds(box.west - (40 - box.width) / 2, box.south, box.east + (40 - box.width) / 2, box.north)
        return box.fit(aspect)


def _place(city: Any, country: Any) -> str:
    return ", ".join(x for x in (city, country) if isinstance(x, str) and x)


def _evidence_keys(findings: Iterable["Finding"], users: set[str]) -> set[tuple[str, str]]:
    """(file, ref) of every piece of evidence of the impossible-travel findings about ``users``."""
    return {(e.file, e.ref) for f in findings if f.check == CHECK_ID and users & set(f.users) for e in f.evidence}


def login_map(table: pa.Table, users: Iterable[str], *, findings: Iterable["Finding"] = (),
              config: dict[str, Any] | None = None) -> LoginMap:
    """The login places of ``users`` and their travel legs (see the module doc)."""
    wanted = list(dict.fromkeys(u for u in users if u))
    truncated = len(wanted) > MAX_USERS
    wanted = wanted[:MAX_USERS]
    if not wanted or table.num_rows == 0:
        return LoginMap(tuple(wanted), (), (), 0, truncated)
    cfg = (config or {}).get(CHECK_ID)
    if cfg is None:  # no configuration given (or one without the check): the shipped thresholds
        from ..config import load_config

        cfg = load_config()[CHECK_ID]
    mask = pc.and_(pc.is_in(table.column("user"), value_set=pa.array(wanted, pa.string())),
                   pc.is_in(table.column("action"), value_set=pa.array(LOGIN_ACTIONS)))
    mask = pc.fill_null(mask, False)
    rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    columns = ["ts", "user", "action", "src_ip", "country", "city", "lat", "lon", "file", "ref"]
    frame = table.select(columns).filter(mask).to_pandas()  # a filter is much faster than a take here
    frame["row"] = rows
    frame = frame[frame["lat"].notna() & frame["lon"].notna()]
    unlocated = len(rows) - len(frame)
    frame = frame.assign(key_lat=frame["lat"].round(4), key_lon=frame["lon"].round(4),
                         ok=frame["action"] == "auth.success")
    return LoginMap(tuple(wanted), _points(frame), _legs(frame, cfg, _evidence_keys(findings, set(wanted))),
                    unlocated, truncated)


def _points(frame: pd.DataFrame) -> tuple[LoginPoint, ...]:
    """One point per location (GeoIP gives a city the same coordinates), in order of first login."""
    points = []
    for (lat, lon), g in frame.groupby(["key_lat", "key_lon"], sort=False):
        first = g.iloc[0]
        ok = int(g["ok"].sum())
        points.append(LoginPoint(float(lat), float(lon), _text(first["country"]), _text(first["city"]),
                                 tuple(dict.fromkeys(g["user"].tolist())),
                                 tuple(dict.fromkeys(ip for ip in g["src_ip"].tolist() if isinstance(ip, str) and ip)),
                                 ok, len(g) - ok, g["ts"].min().to_pydatetime(), g["ts"].max().to_pydatetime(),
                                 tuple(int(r) for r in g["row"].to_numpy()[:1000])))
    points.sort(key=lambda p: p.first)
    return tuple(points)


def _legs(frame: pd.DataFrame, cfg: dict[str, Any], keys: set[tuple[str, str]]) -> tuple[TravelLeg, ...]:
    """Consecutive located successes of one account from different IPs and places, as the check pairs them."""
    from ..checks.impossible_travel import haversine_km

    ok = frame[frame["ok"]].sort_values(["user", "ts"], kind="stable")  # equal times keep table order
    prev = ok.groupby("user", sort=False).shift(1)
    moved = (prev["row"].notna() & (prev["src_ip"] != ok["src_ip"])
             & ((prev["key_lat"] != ok["key_lat"]) | (prev["key_lon"] != ok["key_lon"])))
    a, b = prev[moved], ok[moved]
    if b.empty:
        return ()
    distance = haversine_km(a["lat"].to_numpy(float), a["lon"].to_numpy(float),
                            b["lat"].to_numpy(float), b["lon"].to_numpy(float))
    reduced = np.maximum(distance - 2 * cfg["location_uncertainty_km"], 0.0)
    hours = (b["ts"].to_numpy() - a["ts"].to_numpy()) / np.timedelta64(1, "h")
    with np.errstate(divide="ignore"):
        kmh = np.where(hours > 0, reduced / np.where(hours > 0, hours, 1.0), np.inf)
    evidence = np.array([(f, r) in keys for f, r in zip(b["file"], b["ref"])], dtype=bool) & \
        np.array([(f, r) in keys for f, r in zip(a["file"], a["ref"])], dtype=bool) if keys else np.zeros(len(b), bool)
    impossible = evidence & (reduced >= cfg["min_km"]) & (kmh > cfg["max_kmh"])
    legs = [TravelLeg(str(ub), int(ra), int(rb), float(loa), float(laa), float(lob), float(lab),
                      _place(ca, cna), _place(cb, cnb), ia if isinstance(ia, str) else "",
                      ib if isinstance(ib, str) else "", ta.to_pydatetime(), tb.to_pydatetime(),
                      float(d), float(km), float(v), bool(bad))
            for ub, ra, rb, loa, laa, lob, lab, ca, cna, cb, cnb, ia, ib, ta, tb, d, km, v, bad in zip(
                b["user"], a["row"], b["row"], a["lon"], a["lat"], b["lon"], b["lat"], a["city"], a["country"],
                b["city"], b["country"], a["src_ip"], b["src_ip"], a["ts"], b["ts"], distance, reduced, kmh,
                impossible)]
    legs.sort(key=lambda leg: leg.start)
    return tuple(legs)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def finding_map(analysis: "Analysis", finding: "Finding") -> LoginMap:
    """The login map of a finding's accounts, impossible legs from the analysis' own findings."""
    return login_map(analysis.table, finding.users, findings=analysis.findings, config=analysis.config)


def account_map(analysis: "Analysis", user: str) -> LoginMap:
    """The login map of one account."""
    return login_map(analysis.table, [user], findings=analysis.findings, config=analysis.config)
