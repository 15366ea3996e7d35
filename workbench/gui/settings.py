"""The analyst's settings: GeoIP databases, thresholds files, office hours, indicator lists, the display
time zone and the palette. Kept with ``QSettings`` in the user's configuration folder (never beside the
evidence) and handed to the core as arguments: :meth:`Settings.analyze_kwargs` is what
:func:`workbench.pipeline.analyze` takes, the same as ``workbench analyze --geoip-db/--no-geoip
--config/--indicators``. Office hours become one more ``--config`` file, written next to the settings.

Times are UTC inside; :func:`format_ts` shows them in the display zone, always with the zone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from ..config import load_config
from ..errors import WorkbenchError
from ..events import as_utc
from ..events import format_ts as events_format_ts
from .qt import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
    QListWidget, QListWidgetItem, QPushButton, QSettings, QSpinBox, QTabWidget, QVBoxLayout, QWidget, Qt,
)

ORGANIZATION = APPLICATION = "Workbench"
SHIPPED_SIGMA = "shipped"  # the name workbench.sigma.load_rules gives the project's own rules (`--sigma shipped`)
OVERRIDE_NAME = "office-hours.yaml"
THEMES = ("system", "light", "dark")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_KEY = "settings/v1"


@dataclass(frozen=True)
class OfficeHours:
    timezone: str = "UTC"
    start: int = 7
    end: int = 19
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)

    def to_config(self) -> dict[str, Any]:
        return {"timezone": self.timezone, "start": self.start, "end": self.end, "weekdays": list(self.weekdays)}


@dataclass(frozen=True)
class Settings:
    geoip_dbs: tuple[str, ...] = ()  # the analyst's MaxMind-format databases, first wins
    use_default_geoip: bool = True  # the bundled DB-IP database fills what they lack (or is the only one)
    config_files: tuple[str, ...] = ()  # thresholds files (YAML overriding resources/config.yaml), in order
    indicator_files: tuple[str, ...] = ()
    sigma_dirs: tuple[str, ...] = ()  # the analyst's folders of Sigma rules (SigmaHQ layout), after the shipped ones
    shipped_sigma: bool = True  # run the project's own Sigma rules (resources/sigma), as `--sigma shipped`
    use_update_pack: bool = True  # the imported update pack's playbooks, thresholds, GeoIP, Sigma and ATT&CK
    office_hours: OfficeHours | None = None  # None: as the configuration says
    display_tz: str = "UTC"
    theme: str = "system"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Settings":
        office = d.get("office_hours")
        base = cls()
        return cls(
            geoip_dbs=tuple(str(p) for p in d.get("geoip_dbs", ())),
            use_default_geoip=bool(d.get("use_default_geoip", True)),
            config_files=tuple(str(p) for p in d.get("config_files", ())),
            indicator_files=tuple(str(p) for p in d.get("indicator_files", ())),
            sigma_dirs=tuple(str(p) for p in d.get("sigma_dirs", ())),
            shipped_sigma=bool(d.get("shipped_sigma", True)),
            use_update_pack=bool(d.get("use_update_pack", True)),
            office_hours=OfficeHours(str(office["timezone"]), int(office["start"]), int(office["end"]),
                                     tuple(int(x) for x in office["weekdays"])) if office else None,
            display_tz=str(d.get("display_tz", base.display_tz)) if valid_zone(d.get("display_tz")) else "UTC",
            theme=d.get("theme") if d.get("theme") in THEMES else base.theme,
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("geoip_dbs", "config_files", "indicator_files", "sigma_dirs"):
            d[key] = list(d[key])
        if d["office_hours"]:
            d["office_hours"]["weekdays"] = list(d["office_hours"]["weekdays"])
        return d

    def override_files(self, folder: Path) -> list[Path]:
        """The office-hours override as a config file in ``folder`` (the settings folder), if any."""
        if self.office_hours is None:
            return []
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / OVERRIDE_NAME
        text = ("# Written by the workbench's Settings dialog; usable with `workbench analyze --config`.\n"
                + yaml.safe_dump({"unusual_hours": {"office_hours": self.office_hours.to_config()}}, sort_keys=False))
        path.write_text(text, encoding="utf-8")
        return [path]

    def geoip_paths(self) -> list[Path] | None:
        """``geoip_dbs`` of :func:`~workbench.pipeline.analyze`: None is the bundled database, [] none at all."""
        if self.geoip_dbs:
            return [Path(p) for p in self.geoip_dbs]
        return None if self.use_default_geoip else []

    def analyze_kwargs(self, folder: Path | None = None) -> dict[str, Any]:
        """Keyword arguments of :func:`workbench.pipeline.analyze_with_pack` for these settings (the same call
        ``workbench analyze`` makes with the matching options)."""
        folder = folder or settings_dir()
        return {
            "geoip_dbs": self.geoip_paths(),
            "default_geoip": self.use_default_geoip,
            "config_files": [*map(Path, self.config_files), *self.override_files(folder)],
            "indicator_files": [Path(p) for p in self.indicator_files],
            "sigma_dirs": [*((SHIPPED_SIGMA,) if self.shipped_sigma else ()), *self.sigma_dirs],
            "shipped_rules": self.shipped_sigma,  # the core runs them by default; off only when unticked
            "use_pack": self.use_update_pack,
        }

    def analysis_part(self) -> tuple[Any, ...]:
        """What changes an analysis (the rest only changes how it is shown)."""
        return (self.geoip_dbs, self.use_default_geoip, self.config_files, self.indicator_files, self.office_hours,
                self.sigma_dirs, self.shipped_sigma, self.use_update_pack)

    def check(self) -> list[str]:
        """What is wrong with these settings, one line each (the core reads every file as a run would)."""
        from ..checks.indicators import load_indicators

        problems = []
        for path in self.geoip_dbs:
            if not Path(path).is_file():
                problems.append(f"GeoIP database {path}: no such file")
        try:
            load_config(*map(Path, self.config_files))
        except WorkbenchError as exc:
            problems.append(f"thresholds: {exc}")
        if self.indicator_files:
            try:
                load_indicators([Path(p) for p in self.indicator_files])
            except WorkbenchError as exc:
                problems.append(f"indicators: {exc}")
        for folder in self.sigma_dirs:
            if not Path(folder).is_dir():
                problems.append(f"Sigma rules {folder}: no such folder")
        office = self.office_hours
        if office is not None:
            if not valid_zone(office.timezone):
                problems.append(f"office hours: unknown time zone {office.timezone!r}")
            if not 0 <= office.start < office.end <= 24:
                problems.append(f"office hours: {office.start}–{office.end} is not a span within a day")
            if not office.weekdays:
                problems.append("office hours: no working day")
        if not valid_zone(self.display_tz):
            problems.append(f"display time zone: unknown {self.display_tz!r}")
        return problems


# -- where the settings live ------------------------------------------------------------------


def store() -> QSettings:
    """The INI file in the user's configuration folder (``~/.config/Workbench/Workbench.ini`` on Linux)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def settings_dir() -> Path:
    return Path(store().fileName()).parent


def load_settings(qs: QSettings | None = None) -> Settings:
    """The saved settings; defaults when none were saved or the saved ones cannot be read."""
    qs = qs or store()
    raw = qs.value(_KEY)
    if not raw:
        return Settings()
    try:
        return Settings.from_dict(json.loads(str(raw)))
    except (ValueError, KeyError, TypeError):
        return Settings()


def save_settings(settings: Settings, qs: QSettings | None = None) -> None:
    qs = qs or store()
    qs.setValue(_KEY, json.dumps(settings.to_dict()))
    qs.sync()


# -- showing times ------------------------------------------------------------------------------


def valid_zone(name: Any) -> bool:
    if not isinstance(name, str) or not name:
        return False
    if name == "UTC":
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    return ("UTC", *sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "posix/",
                                                                                             "right/"))))


_display: dict[str, Any] = {"name": "UTC", "zone": timezone.utc}
display_changed: list[Callable[[], None]] = []  # called after set_display_zone (the window refreshes its views)


def set_display_zone(name: str) -> None:
    name = name if valid_zone(name) else "UTC"
    _display["name"], _display["zone"] = name, timezone.utc if name == "UTC" else ZoneInfo(name)
    for callback in list(display_changed):
        callback()


def display_zone() -> str:
    return _display["name"]


def format_ts(value: datetime | None) -> str:
    """A time in the display zone, always with its zone: ``2024-03-05 14:02:11 UTC`` or, in another
    zone, ``2024-03-05 15:02:11 CET +01:00``."""
    if value is None:
        return ""
    value = as_utc(value)
    if _display["name"] == "UTC":
        return events_format_ts(value)
    try:
        local = value.astimezone(_display["zone"])
    except (OverflowError, ValueError):  # year 1 west of UTC, year 9999 east of it: shown in UTC instead
        return events_format_ts(value)
    offset = local.strftime("%z")
    return f"{local.year:04d}" + local.strftime("-%m-%d %H:%M:%S ") + f"{local.tzname()} {offset[:3]}:{offset[3:]}"


def time_header() -> str:
    return f"Time ({_display['name']})"


# -- the dialog ---------------------------------------------------------------------------------


class _FileList(QWidget):
    """A list of file paths with Add… and Remove (order matters: first wins / later overrides)."""

    def __init__(self, paths: tuple[str, ...], caption: str, filters: str, parent: QWidget | None = None,
                 folders: bool = False) -> None:
        super().__init__(parent)
        self._caption, self._filters, self._folders = caption, filters, folders
        self.list = QListWidget()
        self.list.setMaximumHeight(90)
        for p in paths:
            self.add_path(p)
        add, remove = QPushButton("Add…"), QPushButton("Remove")
        add.clicked.connect(self._on_add_clicked)
        remove.clicked.connect(self._on_remove_clicked)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def add_path(self, path: str) -> None:
        item = QListWidgetItem(path)
        item.setToolTip("")  # a path is shown as text only
        self.list.addItem(item)

    def paths(self) -> tuple[str, ...]:
        return tuple(self.list.item(i).text() for i in range(self.list.count()))

    def _on_add_clicked(self) -> None:
        if self._folders:
            folder = QFileDialog.getExistingDirectory(self, self._caption, str(Path.home()))
            files = [folder] if folder else []
        else:
            files, _ = QFileDialog.getOpenFileNames(self, self._caption, str(Path.home()), self._filters)
        for f in files:
            self.add_path(f)

    def _on_remove_clicked(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))


class SettingsDialog(QDialog):
    """Edits a :class:`Settings`; :meth:`settings` is the result. Files are checked on OK."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        tabs = QTabWidget()

        # analysis inputs
        data = QWidget()
        form = QFormLayout(data)
        self.geoip_list = _FileList(settings.geoip_dbs, "GeoIP databases", "MaxMind DB (*.mmdb);;All files (*)")
        self.default_geoip = QCheckBox("Use the bundled DB-IP City Lite database (fills what the above lack)")
        self.default_geoip.setChecked(settings.use_default_geoip)
        self.config_list = _FileList(settings.config_files, "Thresholds files", "YAML (*.yaml *.yml);;All files (*)")
        self.indicator_list = _FileList(settings.indicator_files, "Indicator lists",
                                        "Indicators (*.txt *.csv);;All files (*)")
        form.addRow("GeoIP databases", self.geoip_list)
        form.addRow("", self.default_geoip)
        form.addRow("Thresholds files", self.config_list)
        form.addRow("Indicator lists", self.indicator_list)
        self.shipped_sigma = QCheckBox("Run the shipped Sigma rules")
        self.shipped_sigma.setChecked(settings.shipped_sigma)
        self.sigma_list = _FileList(settings.sigma_dirs, "Folder of Sigma rules", "", folders=True)
        self.update_pack = QCheckBox("Use the imported update pack (playbooks, thresholds, GeoIP, Sigma, ATT&CK)")
        self.update_pack.setChecked(settings.use_update_pack)
        form.addRow("Sigma rules", self.shipped_sigma)
        form.addRow("Your Sigma folders", self.sigma_list)
        form.addRow("", self.update_pack)
        note = QLabel("These apply when a case is loaded (File ▸ Reload, F5), as the same options of "
                      "`workbench analyze` do. Thresholds files override resources/config.yaml key by key, in "
                      "order; see the README.")
        note.setWordWrap(True)
        form.addRow(note)
        tabs.addTab(data, "Analysis")

        # time
        times = QWidget()
        layout = QVBoxLayout(times)
        self.office_box = QGroupBox("Office hours for the unusual-hours check (else as the configuration says)")
        self.office_box.setCheckable(True)
        office = settings.office_hours or self._configured_office(settings)
        self.office_box.setChecked(settings.office_hours is not None)
        office_form = QFormLayout(self.office_box)
        self.office_start, self.office_end = QSpinBox(), QSpinBox()
        for spin, value in ((self.office_start, office.start), (self.office_end, office.end)):
            spin.setRange(0, 24)
            spin.setSuffix(":00")
            spin.setValue(value)
        span = QHBoxLayout()
        span.addWidget(self.office_start)
        span.addWidget(QLabel("to"))
        span.addWidget(self.office_end)
        span.addStretch(1)
        office_form.addRow("Hours", span)
        days = QHBoxLayout()
        self.weekday_boxes = []
        for i, name in enumerate(WEEKDAYS):
            box = QCheckBox(name)
            box.setChecked(i in office.weekdays)
            self.weekday_boxes.append(box)
            days.addWidget(box)
        days.addStretch(1)
        office_form.addRow("Working days", days)
        self.office_zone = self._zone_combo(office.timezone)
        office_form.addRow("Time zone", self.office_zone)
        layout.addWidget(self.office_box)
        shown = QFormLayout()
        self.display_zone = self._zone_combo(settings.display_tz)
        shown.addRow("Show times in", self.display_zone)
        layout.addLayout(shown)
        layout.addStretch(1)
        tabs.addTab(times, "Time")

        # appearance
        look = QWidget()
        look_form = QFormLayout(look)
        self.theme = QComboBox()
        for name in THEMES:
            self.theme.addItem(name.capitalize(), name)
        self.theme.setCurrentIndex(THEMES.index(settings.theme))
        look_form.addRow("Palette", self.theme)
        tabs.addTab(look, "Appearance")

        self.problems = QLabel()
        self.problems.setTextFormat(Qt.TextFormat.PlainText)  # paths and file contents are not markup
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c0392b")
        self.problems.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.addWidget(tabs)
        outer.addWidget(self.problems)
        outer.addWidget(buttons)
        self.tabs, self.buttons = tabs, buttons

    @staticmethod
    def _configured_office(settings: Settings) -> OfficeHours:
        try:
            office = load_config(*map(Path, settings.config_files))["unusual_hours"]["office_hours"]
        except WorkbenchError:
            office = load_config()["unusual_hours"]["office_hours"]
        return OfficeHours(office["timezone"], office["start"], office["end"], tuple(office["weekdays"]))

    @staticmethod
    def _zone_combo(current: str) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItems(list(zone_names()))
        combo.setCurrentText(current)
        return combo

    def settings(self) -> Settings:
        office = None
        if self.office_box.isChecked():
            office = OfficeHours(self.office_zone.currentText().strip(), self.office_start.value(),
                                 self.office_end.value(),
                                 tuple(i for i, box in enumerate(self.weekday_boxes) if box.isChecked()))
        return Settings(
            geoip_dbs=self.geoip_list.paths(), use_default_geoip=self.default_geoip.isChecked(),
            config_files=self.config_list.paths(), indicator_files=self.indicator_list.paths(),
            sigma_dirs=self.sigma_list.paths(), shipped_sigma=self.shipped_sigma.isChecked(),
            use_update_pack=self.update_pack.isChecked(),
            office_hours=office, display_tz=self.display_zone.currentText().strip(),
            theme=self.theme.currentData(),
        )

    def accept(self) -> None:
        problems = self.settings().check()
        if problems:
            self.problems.setText("\n".join(problems))
            self.problems.show()
            return
        super().accept()


def edit_settings(parent: QWidget | None, settings: Settings) -> Settings | None:
    """Run the dialog modally; the new settings (saved), or None when cancelled."""
    dialog = SettingsDialog(settings, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    new = dialog.settings()
    save_settings(new)
    return new


