"""Vector charts of the report (reportlab graphics): activity over time with findings marked, and a map of
login locations. Labels drawn here are plain strings (never parsed as markup); untrusted ones are cleaned."""

from __future__ import annotations

from datetime import timedelta
from typing import Sequence

import numpy as np
from reportlab.graphics.shapes import FILL_EVEN_ODD, Circle, Drawing, Group, Line, Path, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..explore.timeline import Histogram, Mark
from ..explore.worldmap import LoginMap, Outline, Projection, great_circle, outline_shifts, split_at_seam, wrap_lon
from .layout import fit
from .styles import MUTED, RULE, SEVERITY_COLOURS, fonts, runs

OUTCOME_COLOURS = {"failure": colors.HexColor("#c0392b"), "success": colors.HexColor("#2874a6"),
                   "unknown": colors.HexColor("#aab7b8")}
ACCOUNT_COLOURS = [colors.HexColor(c) for c in ("#1f618d", "#b9770e", "#7d3c98", "#117a65", "#a93226", "#2e4053",
                                                 "#7e5109", "#1e8449")]
LAND = colors.HexColor("#d5dbdb")
IMPOSSIBLE = colors.HexColor("#c0392b")


def activity_chart(hist: Histogram, marks: Sequence[Mark], width: float, height: float = 170) -> Drawing:
    """Stacked bars of events per bin (one colour per outcome), findings as numbered bands above them."""
    f = fonts()
    d = Drawing(width, height, initialFontName=f.regular)
    left, right, bottom = 34, 6, 30
    band_h = min(9 * max(_lanes(marks), 1), 54)
    top = height - band_h - 6
    plot_w, plot_h = width - left - right, top - bottom
    d.add(Rect(left, bottom, plot_w, plot_h, fillColor=None, strokeColor=RULE, strokeWidth=0.5))
    totals = hist.totals
    peak = int(totals.max()) if len(totals) else 0
    bar_w = plot_w / max(hist.bins, 1)
    order = sorted(range(len(hist.groups)), key=lambda g: ("failure", "success").index(hist.groups[g])
                   if hist.groups[g] in ("failure", "success") else 2)
    for i in range(hist.bins):
        y = bottom
        for g in order:
            n = int(hist.counts[g][i])
            if not n or not peak:
                continue
            h = plot_h * n / peak
            d.add(Rect(left + i * bar_w + bar_w * 0.08, y, max(bar_w * 0.84, 0.4), h, strokeColor=None,
                       fillColor=OUTCOME_COLOURS.get(hist.groups[g], OUTCOME_COLOURS["unknown"])))
            y += h
    for value, label in ((0, "0"), (peak, f"{peak:,}")):
        y = bottom + (plot_h * value / peak if peak else 0)
        d.add(String(left - 3, y - 2.5, label, fontName=f.regular, fontSize=6.5, textAnchor="end", fillColor=MUTED))
    _time_axis(d, hist, left, bottom, plot_w)
    lanes: list[int] = []  # last bin used in each lane
    for number, mark in enumerate(marks, 1):
        lane = next((k for k, end in enumerate(lanes) if end < mark.first_bin), None)
        if lane is None:
            lane = len(lanes)
            lanes.append(-1)
        lanes[lane] = mark.last_bin + 1
        y = top + 4 + lane * 9
        if y > height - 8:
            continue
        colour = SEVERITY_COLOURS.get(mark.severity, MUTED)
        x0 = left + mark.first_bin * bar_w
        x1 = left + (mark.last_bin + 1) * bar_w
        d.add(Rect(x0, y, max(x1 - x0, 2), 6, fillColor=colour, strokeColor=None))
        d.add(Line(x0, y, x0, bottom, strokeColor=colour, strokeWidth=0.3, strokeDashArray=(1, 2)))
        label = str(number)
        d.add(String(x1 + 1.5, y + 0.8, label, fontName=f.bold, fontSize=6, fillColor=colour))
        lanes[lane] = max(lanes[lane], mark.last_bin + 1 + int((len(label) * 4 + 3) / max(bar_w, 0.1)))
    _legend(d, hist, left, 4)
    return d


def _lanes(marks: Sequence[Mark]) -> int:
    ends: list[int] = []
    for m in marks:
        for k, end in enumerate(ends):
            if end < m.first_bin:
                ends[k] = m.last_bin + 2
                break
        else:
            ends.append(m.last_bin + 2)
    return len(ends)


def _time_axis(d: Drawing, hist: Histogram, left: float, bottom: float, plot_w: float) -> None:
    f = fonts()
    ticks = 6 if hist.bins >= 6 else hist.bins
    fmt = "%Y-%m-%d" if hist.step >= timedelta(days=1) else "%m-%d %H:%M"
    for k in range(ticks + 1):
        i = round(k * hist.bins / ticks) if ticks else 0
        x = left + plot_w * i / max(hist.bins, 1)
        d.add(Line(x, bottom, x, bottom - 3, strokeColor=MUTED, strokeWidth=0.5))
        anchor = "start" if k == 0 else "end" if k == ticks else "middle"
        label = hist.bin_start(i).strftime("%Y-%m-%d %H:%M" if k == 0 and fmt != "%Y-%m-%d" else fmt)
        d.add(String(x, bottom - 10, label, fontName=f.regular, fontSize=6.5,
                     textAnchor=anchor, fillColor=MUTED))


def _legend(d: Drawing, hist: Histogram, x: float, y: float) -> None:
    f = fonts()
    step = _step_text(hist.step)
    for name in ("failure", "success", "unknown"):
        if name not in hist.groups:
            continue
        d.add(Rect(x, y, 7, 6, fillColor=OUTCOME_COLOURS[name], strokeColor=None))
        d.add(String(x + 10, y + 0.5, name, fontName=f.regular, fontSize=6.5, fillColor=MUTED))
        x += 16 + len(name) * 3.6
    d.add(String(x + 6, y + 0.5, f"events per {step} (UTC); numbered bands: findings, first to last event",
                 fontName=f.regular, fontSize=6.5, fillColor=MUTED))


def _step_text(step: timedelta) -> str:
    seconds = int(step.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}s" if n > 1 else unit
    return f"{seconds} s"


_WORLD: dict[tuple, tuple[list, list]] = {}


def _world(outline: Outline, bounds, width: float, height: float) -> tuple[list, list]:
    """Land rings clipped to the map and country borders cut to it, in drawing units, with points closer than
    half a point dropped: the same map twice (several findings of one account) is computed once."""
    key = (id(outline), bounds, width, height)
    if key not in _WORLD:
        if len(_WORLD) > 32:
            _WORLD.clear()
        _WORLD[key] = _world_uncached(outline, bounds, width, height)
    return _WORLD[key]


def _world_uncached(outline: Outline, bounds, width: float, height: float) -> tuple[list, list]:
    proj = Projection(bounds, width, height)

    shifts = outline_shifts(bounds, outline.extent)  # the map may be centred past ±180 (the Pacific)

    def visible(rings) -> list[np.ndarray]:
        out = []
        for ring, shift in ((r, k) for k in shifts for r in rings):
            x, y = proj.project(ring[:, 0] + shift, ring[:, 1])
            if x.max() < 0 or x.min() > width or y.max() < 0 or y.min() > height:
                continue
            ring = np.round(np.column_stack([x, height - y]) * 2) / 2  # half a point is finer than print
            keep = np.ones(len(ring), dtype=bool)
            keep[1:] = np.any(ring[1:] != ring[:-1], axis=1)
            if keep.sum() >= 2:
                out.append(ring[keep])
        return out

    return visible(outline.land), visible(outline.borders)


def _path(rings: list[np.ndarray], base: float, closed: bool, **style) -> Path:
    """One graphics node for many rings or lines (one fill, one stroke): far faster than a node each."""
    points: list[float] = []
    operators: list[int] = []
    for ring in rings:
        shifted = ring + (0.0, base)
        points += shifted.ravel().tolist()
        operators += [0] + [1] * (len(ring) - 1) + ([3] if closed else [])  # moveTo, lineTo..., closePath
    path = Path(**style)
    # Set directly: reportlab would validate every number of these long lists on assignment.
    path.__dict__["points"], path.__dict__["operators"] = points, operators
    return path


def login_map(lmap: LoginMap, outline: Outline | None, width: float, max_labels: int = 12) -> Drawing:
    """The places of ``lmap`` framed by its bounds on the world ``outline`` (None: graticule only), one colour
    per account, travel legs as great-circle lines (impossible ones red and solid) and a legend below."""
    f = fonts()
    height = width / 2
    accounts = list(lmap.users)
    colour = {a: ACCOUNT_COLOURS[i % len(ACCOUNT_COLOURS)] for i, a in enumerate(accounts)}
    legend_rows = (min(len(accounts), 9) + 2) // 3 + (1 if lmap.legs else 0)
    legend_h = 11 * legend_rows + 2
    d = Drawing(width, height + legend_h, initialFontName=f.regular)
    base = legend_h
    proj = Projection(lmap.bounds(), width, height)

    def xy(lon, lat) -> tuple[float, float]:
        x, y = proj.project(lon, lat)
        return x, height - y  # the projection's y grows downwards, reportlab's upwards

    d.add(Rect(0, base, width, height, fillColor=colors.HexColor("#eef3f7"), strokeColor=None))
    if outline is not None:  # drawn whole and clipped to the map's box by the PDF viewer
        land, borders = _world(outline, proj.bounds, width, height)
        world = Group()
        world.add(Path(points=[0, base, width, base, width, base + height, 0, base + height], operators=[0, 1, 1, 1, 3],
                       isClipPath=1, strokeColor=None, fillColor=None))
        world.add(_path(land, base, closed=True, fillColor=LAND, strokeColor=None, fillMode=FILL_EVEN_ODD))
        world.add(_path(borders, base, closed=False, fillColor=None, strokeColor=colors.white, strokeWidth=0.4))
        d.add(world)
    west = (proj.bounds.west + proj.bounds.east) / 2 - 180.0  # the one copy of the world around the map's centre
    for leg in lmap.legs:
        line = great_circle(wrap_lon(leg.from_lon, west), leg.from_lat, leg.to_lon, leg.to_lat, 32)
        for piece in split_at_seam(line[:, 0], line[:, 1], west, 360.0):
            coords = []
            for lon, lat in piece.tolist():
                x, y = xy(lon, lat)
                coords += [min(max(x, 0), width), min(max(y, 0), height) + base]
            d.add(PolyLine(coords, strokeColor=IMPOSSIBLE if leg.impossible else colour.get(leg.user, MUTED),
                           strokeWidth=1.4 if leg.impossible else 0.8,
                           strokeDashArray=None if leg.impossible else (3, 1.5)))
    labelled: list[tuple[float, float]] = []
    for p in sorted(lmap.points, key=lambda p: -(p.successes + p.failures)):
        x, y = xy(wrap_lon(p.lon, west), p.lat)
        who = p.users[0] if p.users else ""
        d.add(Circle(x, y + base, 2.8, fillColor=colour.get(who, MUTED), strokeColor=colors.white, strokeWidth=0.6))
        place = ", ".join(v for v in (p.city, p.country) if v)
        if place and len(labelled) < max_labels and all(abs(x - lx) > 45 or abs(y - ly) > 9 for lx, ly in labelled):
            labelled.append((x, y))
            right = x < width - 80
            d.add(String(x + 4 if right else x - 4, y + base + 2.5, fit(place, f.regular, 6.5, 80),
                         fontName=f.regular, fontSize=6.5, textAnchor="start" if right else "end"))
    for i, a in enumerate(accounts[:9]):
        x, y = (i % 3) * width / 3, legend_h - 10 - (i // 3) * 11
        d.add(Circle(x + 3, y + 2.5, 2.8, fillColor=colour[a], strokeColor=None))
        x += 9
        for part, font in runs(fit(a, f.regular, 7, width / 3 - 24), f.regular):
            d.add(String(x, y, part, fontName=font, fontSize=7))
            x += stringWidth(part, font, 7)
    if lmap.legs:
        y = legend_h - 10 - ((min(len(accounts), 9) + 2) // 3) * 11
        d.add(Line(0, y + 2.5, 14, y + 2.5, strokeColor=MUTED, strokeWidth=0.8, strokeDashArray=(3, 1.5)))
        d.add(String(18, y, "change of place between consecutive successful logins", fontName=f.regular,
                     fontSize=7, fillColor=MUTED))
        if lmap.impossible_legs:
            x = width / 2
            d.add(Line(x, y + 2.5, x + 14, y + 2.5, strokeColor=IMPOSSIBLE, strokeWidth=1.4))
            d.add(String(x + 18, y, "impossible travel (the finding's evidence)", fontName=f.regular, fontSize=7,
                         fillColor=IMPOSSIBLE))
    return d
