"""The login map pane: an account's login places on the offline world outline, impossible-travel legs
in red. The data is :func:`workbench.explore.worldmap.login_map` (the PDF report draws the same); this module
only paints it. Everything drawn is plain text (``drawText``) or a tooltip through ``safe_tooltip``.

Wheel or ``+``/``-`` zoom about the pointer, dragging pans, ``0`` or a double click fits the places.
Clicking a place emits :attr:`LoginMapView.place_activated` with the table rows of its logins.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...analysis import Analysis
from ...enrich.geoip import DBIP_CREDIT, uses_dbip
from ...explore.worldmap import (
    LOGIN_ACTIONS, Bounds, LoginMap, LoginPoint, Projection, TravelLeg, account_map, great_circle, load_outline,
    outline_shifts, split_at_seam, world_frame, wrap_lon,
)
from ..qt import (
    QColor, QComboBox, QEvent, QFont, QHBoxLayout, QLabel, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen,
    QPointF, QRectF, QSizePolicy, QToolTip, QTransform, QVBoxLayout, QWheelEvent, QWidget, Qt, Signal, safe_tooltip,
)
from ..settings import format_ts
from .caption import Caption
from .common import plural

BOW_PX = 7.0  # how far a leg bows from its great circle at its middle
PICK_PX = 9  # how near the pointer must be to a place for its tooltip or a click
MIN_SPAN_DEG = 4.0  # the deepest zoom: a few degrees across


@lru_cache(maxsize=1)
def _outline_paths() -> tuple[QPainterPath, QPainterPath]:
    """Land and country borders as painter paths in degrees (x = lon, y = -lat), built once."""
    outline = load_outline()

    def path_of(rings: tuple[np.ndarray, ...], closed: bool) -> QPainterPath:
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        for ring in rings:
            if len(ring) < 2:
                continue
            path.moveTo(float(ring[0, 0]), -float(ring[0, 1]))
            for lon, lat in ring[1:].tolist():
                path.lineTo(lon, -lat)
            if closed:
                path.closeSubpath()
        return path

    return path_of(outline.land, True), path_of(outline.borders, False)


def _keep_near_world(b: Bounds) -> Bounds:
    """Its centre kept on the earth (latitude within ±90, longitude turned round into [-180, 180)), so a pan
    cannot lose the map and panning east or west turns the world without end."""
    cx = (((b.west + b.east) / 2) + 180.0) % 360.0 - 180.0
    cy = min(max((b.south + b.north) / 2, -90.0), 90.0)
    return Bounds(cx - b.width / 2, cy - b.height / 2, cx + b.width / 2, cy + b.height / 2)


class MapColours:
    """The map's colours for the current palette (light or dark)."""

    def __init__(self, dark: bool) -> None:
        self.dark = dark
        self.ocean = QColor("#1b2733" if dark else "#dbe7f1")
        self.beyond = QColor("#12181f" if dark else "#c3ccd6")  # outside the one copy of the world
        self.land = QColor("#3b4654" if dark else "#f5f2ea")
        self.border = QColor("#5b6676" if dark else "#bdb6a6")
        self.coast = QColor("#6d7a8a" if dark else "#9fa8b3")
        self.graticule = QColor(255, 255, 255, 22) if dark else QColor(0, 0, 0, 18)
        self.success = QColor("#4ea3ff" if dark else "#1f5fbf")
        self.failure = QColor("#ffb347" if dark else "#d46a00")
        self.impossible = QColor("#ff5c5c" if dark else "#d0202a")
        self.leg = QColor("#aab4c0" if dark else "#6b7480")
        self.text = QColor("#e8ecf0" if dark else "#1d232a")
        self.halo = QColor(0, 0, 0, 170) if dark else QColor(255, 255, 255, 200)


def is_dark(widget: QWidget) -> bool:
    return widget.palette().color(widget.backgroundRole()).lightness() < 128


class LoginMapView(QWidget):
    """Paints one :class:`~workbench.explore.worldmap.LoginMap`."""

    place_activated = Signal(object)  # tuple of table rows: the logins at the clicked place

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.login_map: LoginMap | None = None
        self.view: Bounds = Bounds.world()  # what is shown, before fitting to the widget's aspect
        self._drag_from: QPointF | None = None
        self._dragged = False
        self.labelled = 0  # places whose name the last paint could write without overlap
        self.credit = ""  # the GeoIP data's credit line, shown in a corner while places are drawn
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(240, 190)  # enough height for a region to be read
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Login map")

    # -- data -------------------------------------------------------------------------------

    def set_map(self, login_map: LoginMap | None) -> None:
        self.login_map = login_map
        self.fit()

    def fit(self) -> None:
        self.view = self.login_map.bounds() if self.login_map is not None else Bounds.world()
        self.update()

    def projection(self) -> Projection:
        """The current view grown to the widget's aspect (degrees stay square; ocean fills the rest)."""
        w, h = max(self.width(), 1), max(self.height(), 1)
        return Projection(self.view.fit(w / h, clamp=False), w, h)

    def place_positions(self) -> list[tuple[LoginPoint, QPointF]]:
        if self.login_map is None:
            return []
        proj = self.projection()
        west = self.frame().west
        return [(p, QPointF(*proj.project(wrap_lon(p.lon, west), p.lat))) for p in self.login_map.points]

    def frame(self) -> Bounds:
        """The one copy of the world drawn: 360° around the view's centre longitude."""
        b = self.projection().bounds
        return world_frame((b.west + b.east) / 2)

    def place_at(self, pos: QPointF) -> LoginPoint | None:
        best, best_d = None, float(PICK_PX)
        for point, where in self.place_positions():
            d = ((where.x() - pos.x()) ** 2 + (where.y() - pos.y()) ** 2) ** 0.5
            if d <= best_d:
                best, best_d = point, d
        return best

    # -- zoom and pan -----------------------------------------------------------------------

    def zoom(self, factor: float, about: QPointF | None = None) -> None:
        """``factor`` < 1 zooms in, about a widget position (the centre when None)."""
        proj = self.projection()
        about = about or QPointF(self.width() / 2, self.height() / 2)
        lon, lat = proj.unproject(about.x(), about.y())
        b = proj.bounds
        widest = max(360.0, 180.0 * b.width / b.height)  # the whole world, pole to pole, in a wide pane too
        width = min(max(b.width * factor, MIN_SPAN_DEG), widest)
        height = width * b.height / b.width
        fx, fy = (lon - b.west) / b.width, (b.north - lat) / b.height
        west, north = lon - fx * width, lat + fy * height
        self.view = _keep_near_world(Bounds(west, north - height, west + width, north))
        self.update()

    def pan(self, dx_px: float, dy_px: float) -> None:
        b = self.projection().bounds
        dlon, dlat = -dx_px / max(self.width(), 1) * b.width, dy_px / max(self.height(), 1) * b.height
        self.view = _keep_near_world(Bounds(b.west + dlon, b.south + dlat, b.east + dlon, b.north + dlat))
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(0.8 ** steps, event.position())
        event.accept()

    def keyPressEvent(self, event: Any) -> None:  # noqa: ANN401  (Qt signature)
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(0.8)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1.25)
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from, self._dragged = event.position(), False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None and event.buttons() & Qt.MouseButton.LeftButton:
            delta = event.position() - self._drag_from
            if self._dragged or abs(delta.x()) + abs(delta.y()) > 3:
                self._dragged = True
                self.pan(delta.x(), delta.y())
                self._drag_from = event.position()
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        self.setCursor(Qt.CursorShape.PointingHandCursor if self.place_at(event.position())
                       else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self._dragged:
            point = self.place_at(event.position())
            if point is not None:
                self.place_activated.emit(point.rows)
        self._drag_from, self._dragged = None, False
        self.unsetCursor()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.fit()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            point = self.place_at(QPointF(event.pos()))
            if point is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), safe_tooltip(place_text(point)), self)
            return True
        return super().event(event)

    # -- painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        colours = MapColours(is_dark(self))
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), colours.beyond)
        proj = self.projection()
        b = proj.bounds
        frame = world_frame((b.west + b.east) / 2)
        sx, sy = proj.width / b.width, proj.height / b.height
        to_widget = QTransform(sx, 0, 0, sy, -b.west * sx, b.north * sy)  # (lon, -lat) → widget pixels

        painter.save()
        painter.setTransform(to_widget)
        world = QRectF(frame.west, -90.0, 360.0, 180.0)
        painter.fillRect(world, colours.ocean)
        painter.setClipRect(world)  # the world once: what reaches past its edge is drawn at the other
        grid = QPen(colours.graticule, 0)
        grid.setCosmetic(True)
        painter.setPen(grid)
        for lon in range(int(frame.west // 30 + 1) * 30, int(frame.east) + 1, 30):
            painter.drawLine(QPointF(lon, -90), QPointF(lon, 90))
        for lat in range(-60, 61, 30):
            painter.drawLine(QPointF(frame.west, -lat), QPointF(frame.east, -lat))
        land, borders = _outline_paths()
        coast, border = QPen(colours.coast, 0.8), QPen(colours.border, 0.6)
        coast.setCosmetic(True), border.setCosmetic(True)
        for shift in outline_shifts(frame, load_outline().extent):  # its pieces past ±180 (Chukotka) come round
            painter.save()
            painter.translate(shift, 0)
            painter.setPen(coast)
            painter.setBrush(colours.land)
            painter.drawPath(land)
            painter.setPen(border)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(borders)
            painter.restore()
        painter.restore()

        if self.login_map is not None:
            for leg in sorted(self.login_map.legs, key=lambda leg: leg.impossible):  # impossible ones on top
                self._paint_leg(painter, proj, frame, leg, colours)
            self._paint_places(painter, proj, colours)
            self._paint_credit(painter, colours)
        self._paint_notice(painter, colours)
        painter.end()

    def _paint_credit(self, painter: QPainter, colours: MapColours) -> None:
        """The GeoIP data's credit (its licence asks for it where the data shows), plain text, bottom right."""
        if not self.credit or not self.login_map or not self.login_map.points:
            return
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.75, 6.5))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        text = metrics.elidedText(self.credit, Qt.TextElideMode.ElideLeft, max(self.width() - 8, 20))
        w, h = metrics.horizontalAdvance(text) + 6, metrics.height() + 2
        box = QRectF(self.width() - w - 2, self.height() - h - 2, w, h)
        painter.fillRect(box, QColor(colours.halo.red(), colours.halo.green(), colours.halo.blue(), 150))
        painter.setPen(colours.text)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)

    def _paint_leg(self, painter: QPainter, proj: Projection, frame: Bounds, leg: TravelLeg,
                   colours: MapColours) -> None:
        start = wrap_lon(leg.from_lon, frame.west)
        line = great_circle(start, leg.from_lat, leg.to_lon, leg.to_lat, 64)
        x, y = proj.project(line[:, 0], line[:, 1])
        # bow each leg a little to its right, so a trip there and back shows as two lines, not one
        dx, dy = x[-1] - x[0], y[-1] - y[0]
        length = float(np.hypot(dx, dy))
        if length > 1:
            bow = np.sin(np.linspace(0, np.pi, len(x))) * min(BOW_PX, length / 6)
            x, y = x - dy / length * bow, y + dx / length * bow
        left, period = proj.project(frame.west, 0.0)[0], 360.0 * proj.width / proj.bounds.width
        path = QPainterPath()
        for piece in split_at_seam(x, y, left, period):  # one arc unless the view has turned the leg to its edge
            path.moveTo(float(piece[0, 0]), float(piece[0, 1]))
            for px, py in piece[1:].tolist():
                path.lineTo(px, py)
        if leg.impossible:
            pen = QPen(colours.impossible, 2.6)
        else:
            pen = QPen(colours.leg, 1.3)
            pen.setStyle(Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        # an arrowhead two thirds along, pointing the way the account "travelled"
        k = int(len(x) * 2 / 3)
        shift = float(np.floor((x[k] - left) / period)) * period  # the arrowhead in the frame as well
        tip, back = np.array([x[k] - shift, y[k]]), np.array([x[k - 2] - shift, y[k - 2]])
        direction = tip - back
        norm = float(np.hypot(*direction))
        if norm < 1e-6:
            return
        direction /= norm
        normal = np.array([-direction[1], direction[0]])
        size = 9.0 if leg.impossible else 7.0
        left, right = tip - direction * size + normal * size * 0.5, tip - direction * size - normal * size * 0.5
        head = QPainterPath(QPointF(*tip))
        head.lineTo(QPointF(*left))
        head.lineTo(QPointF(*right))
        head.closeSubpath()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pen.color())
        painter.drawPath(head)

    def _paint_places(self, painter: QPainter, proj: Projection, colours: MapColours) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        places = self.place_positions()
        taken: list[QRectF] = []
        for point, where in places:
            radius = _radius(point)
            taken.append(QRectF(where.x() - radius, where.y() - radius, 2 * radius, 2 * radius))
        for point, where in places:
            radius = _radius(point)
            colour = colours.success if point.successes else colours.failure
            painter.setPen(QPen(colours.halo, 1.5))
            fill = QColor(colour)
            fill.setAlpha(210)
            painter.setBrush(fill)
            painter.drawEllipse(where, radius, radius)
        bounds = QRectF(self.rect())
        for point, where in places:  # labels where they overlap nothing already there, else none (tooltip)
            radius = _radius(point)
            label = metrics.elidedText(point.place, Qt.TextElideMode.ElideRight, 180)
            w, h = metrics.horizontalAdvance(label), metrics.height()
            candidates = [QRectF(where.x() + radius + 3, where.y() - h / 2, w, h),
                          QRectF(where.x() - radius - 3 - w, where.y() - h / 2, w, h),
                          QRectF(where.x() - w / 2, where.y() - radius - 2 - h, w, h),
                          QRectF(where.x() - w / 2, where.y() + radius + 2, w, h)]
            box = next((c for c in candidates if bounds.contains(c) and not any(c.intersects(t) for t in taken)),
                       None)
            if box is None:
                continue
            taken.append(box)
            at = QPointF(box.left(), box.top() + metrics.ascent())
            halo = QPainterPath()
            halo.addText(at, font, label)
            painter.setPen(QPen(colours.halo, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(halo)
            painter.setPen(colours.text)
            painter.drawText(at, label)
        self.labelled = len(taken) - len(places)

    def _paint_notice(self, painter: QPainter, colours: MapColours) -> None:
        m = self.login_map
        if m is None:
            text = "Select a finding or an account to see where it signed in from."
        elif not m.points:
            text = (f"No located logins: {m.unlocated:,} without a location (private addresses or no GeoIP "
                    f"database)." if m.unlocated else "No logins of this account.")
        else:
            return
        painter.setPen(colours.text)
        painter.drawText(QRectF(self.rect()).adjusted(12, 12, -12, -12),
                         int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)


def _radius(point: LoginPoint) -> float:
    return 4.0 + min(float(np.log2(point.successes + point.failures + 1)), 8.0)


def place_text(point: LoginPoint) -> str:
    """A place's tooltip, plain text (shown through ``safe_tooltip``)."""
    ips = ", ".join(point.ips[:5]) + (f" and {len(point.ips) - 5} more" if len(point.ips) > 5 else "")
    users = ", ".join(point.users[:5]) + (f" and {len(point.users) - 5} more" if len(point.users) > 5 else "")
    return (f"{point.place} ({point.lat:.2f}, {point.lon:.2f})\n"
            f"{point.successes:,} successful, {plural(point.failures, 'failed login')}\n"
            f"accounts: {users}\nIPs: {ips}\n"
            f"first {format_ts(point.first)}\nlast {format_ts(point.last)}\n"
            f"click: show these logins")


def leg_text(leg: TravelLeg) -> str:
    minutes = (leg.end - leg.start).total_seconds() / 60
    gap = f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"
    speed = "at the same time" if leg.kmh == float("inf") else f"{leg.kmh:,.0f} km/h"
    return (f"{leg.user}: {leg.from_place or leg.from_ip} → {leg.to_place or leg.to_ip}, {gap} later, "
            f"at least {leg.km:,.0f} km, {speed}")


class LoginMapPane(QWidget):
    """The map with a one-line summary above it and the impossible legs listed below (plain text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 2)
        layout.setSpacing(2)
        self.summary = Caption("")
        self.summary.setFont(self.font())
        self.account_box = QComboBox()
        self.account_box.setEditable(True)
        self.account_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.account_box.setMinimumContentsLength(24)
        self.account_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.account_box.setToolTip("Map another account (the accounts with located logins, busiest first)")
        self.account_box.lineEdit().setPlaceholderText("account…")
        self.account_box.activated.connect(self._on_account_box_activated)
        self.account_box.lineEdit().returnPressed.connect(self._on_account_box_activated)
        self.view = LoginMapView()
        self.legs_label = Caption("")
        self.legs_label.setFont(self.font())
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel("Account"))
        top.addWidget(self.account_box)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.legs_label)
        self.analysis: Analysis | None = None
        self.show_map(None)

    def set_analysis(self, analysis: Analysis | None) -> None:
        """The analysis whose accounts the chooser offers (busiest located first, at most MAX_ACCOUNTS)."""
        self.analysis = analysis
        self.view.credit = DBIP_CREDIT if analysis is not None and uses_dbip(analysis.geoip) else ""
        self.account_box.clear()
        if analysis is not None:
            self.account_box.addItems(located_accounts(analysis.table, MAX_ACCOUNTS))
        self.account_box.setCurrentIndex(-1)
        self.show_map(None)

    def show_account(self, user: str) -> None:
        """The map of one account of the analysis."""
        if self.analysis is None or not user:
            return
        self.show_map(account_map(self.analysis, user))
        self.account_box.setCurrentText(user)

    def _on_account_box_activated(self, *_: object) -> None:
        self.show_account(self.account_box.currentText().strip())

    @property
    def login_map(self) -> LoginMap | None:
        return self.view.login_map

    def show_map(self, login_map: LoginMap | None) -> None:
        self.account_box.setCurrentIndex(-1)  # a finding's map: no single account chosen
        self.view.set_map(login_map)
        self.summary.set_caption(summary_text(login_map))
        bad = login_map.impossible_legs if login_map is not None else ()
        self.legs_label.set_caption("; ".join(leg_text(leg) for leg in bad) if bad else "")
        self.legs_label.setToolTip(safe_tooltip("\n".join(leg_text(leg) for leg in bad)) if bad else "")
        self.legs_label.setVisible(bool(bad))


MAX_ACCOUNTS = 500


def located_accounts(table: pa.Table | None, limit: int) -> list[str]:
    """Accounts with located logins, most logins first (counted in Arrow, no per-row Python)."""
    if table is None or not table.num_rows:
        return []
    mask = pc.and_(pc.is_in(table.column("action"), value_set=pa.array(LOGIN_ACTIONS)),
                   pc.is_valid(table.column("lat")))
    counts = pc.value_counts(pc.drop_null(table.column("user").filter(pc.fill_null(mask, False))))
    ranked = sorted(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()),
                    key=lambda vn: (-vn[1], vn[0]))
    return [v for v, _ in ranked[:limit] if v]


def summary_text(m: LoginMap | None) -> str:
    if m is None:
        return "Login map"
    who = ", ".join(m.users[:3]) + (f" and {len(m.users) - 3} more" if len(m.users) > 3 else "")
    if m.truncated:
        who += " (first accounts only)"
    bad = len(m.impossible_legs)
    text = f"{who}: {plural(len(m.points), 'place')}, {plural(len(m.legs), 'move')}"
    text += f", {bad} impossible" if bad else ""
    return text + (f"; {plural(m.unlocated, 'login')} without location" if m.unlocated else "")
