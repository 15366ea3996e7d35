"""The Settings dialog: persisted in the user's configuration folder, handed to the core as arguments."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import yaml

from workbench.config import load_config
from workbench.gui.qt import QDialog, QDialogButtonBox, QSettings, Qt
from workbench.gui.settings import (
    OfficeHours, Settings, SettingsDialog, format_ts, load_settings, save_settings, set_display_zone, settings_dir,
    store, time_header,
)
from workbench.gui.models.findings import KEYS
from workbench.pipeline import analyze, analyze_with_pack

T = datetime(2024, 3, 5, 14, 2, 11, tzinfo=timezone.utc)


def test_defaults_mean_what_the_cli_does_without_options(user_config):
    s = load_settings()
    assert s == Settings()
    kwargs = s.analyze_kwargs()
    # as `workbench analyze`: the shipped rules and the active update pack
    assert kwargs == {"geoip_dbs": None, "default_geoip": True, "config_files": [], "indicator_files": [],
                      "sigma_dirs": ["shipped"], "shipped_rules": True, "use_pack": True}
    assert Settings(shipped_sigma=False).analyze_kwargs()["shipped_rules"] is False
    assert not list(user_config.rglob("*.yaml"))  # no office-hours override written for defaults


def test_saved_in_the_user_config_folder_and_read_back(user_config, tmp_path):
    s = Settings(geoip_dbs=(str(tmp_path / "a.mmdb"),), use_default_geoip=False, config_files=("/x/t.yaml",),
                 indicator_files=("/x/ioc.txt",), office_hours=OfficeHours("Europe/Berlin", 8, 17, (0, 1, 2, 3)),
                 display_tz="Asia/Tokyo", theme="dark")
    save_settings(s)
    assert Path(store().fileName()).is_relative_to(user_config)
    assert settings_dir() == Path(store().fileName()).parent
    assert load_settings() == s
    assert load_settings(QSettings(store().fileName(), QSettings.Format.IniFormat)) == s  # the file itself


def test_unreadable_or_odd_saved_values_fall_back_to_defaults(user_config):
    qs = store()
    qs.setValue("settings/v1", "{not json")
    qs.sync()
    assert load_settings() == Settings()
    qs.setValue("settings/v1", '{"display_tz": "Mars/Olympus", "theme": "neon"}')
    qs.sync()
    assert load_settings() == Settings()


def test_office_hours_become_a_config_file_beside_the_settings(user_config):
    office = OfficeHours("America/New_York", 9, 17, (0, 1, 2, 3, 4))
    kwargs = Settings(office_hours=office, config_files=()).analyze_kwargs()
    (override,) = kwargs["config_files"]
    assert override.parent == settings_dir() and override.is_relative_to(user_config)
    assert yaml.safe_load(override.read_text())["unusual_hours"]["office_hours"] == office.to_config()
    config = load_config(*kwargs["config_files"])  # the core accepts it, key for key
    assert config["unusual_hours"]["office_hours"] == {"timezone": "America/New_York", "start": 9, "end": 17,
                                                        "weekdays": [0, 1, 2, 3, 4]}


def test_no_geoip_and_thresholds_reach_the_analysis(user_config, tmp_path, case_dir):
    thresholds = tmp_path / "strict.yaml"
    thresholds.write_text("impossible_travel:\n  max_kmh: 100000\n")
    s = Settings(use_default_geoip=False, config_files=(str(thresholds),))
    assert s.check() == []
    analysis = analyze_with_pack([case_dir], **s.analyze_kwargs())
    assert analysis.geoip == [] and analysis.config["impossible_travel"]["max_kmh"] == 100000
    travel = next(c for c in analysis.checks if c.id == "impossible_travel")
    assert not travel.ran and "GeoIP" in travel.reason


def test_check_names_each_bad_file(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("impossible_travel:\n  max_kmh: fast\n")
    problems = Settings(geoip_dbs=(str(tmp_path / "none.mmdb"),), config_files=(str(bad_yaml),),
                        office_hours=OfficeHours("Nowhere/Land", 18, 9, ()), display_tz="UTC").check()
    text = "\n".join(problems)
    assert "none.mmdb: no such file" in text and "bad.yaml" in text and "max_kmh" in text
    assert "Nowhere/Land" in text and "18–9" in text and "no working day" in text


def test_display_zone_shows_times_with_their_zone():
    assert format_ts(T) == "2024-03-05 14:02:11 UTC" and time_header() == "Time (UTC)"
    set_display_zone("Europe/Berlin")
    assert format_ts(T) == "2024-03-05 15:02:11 CET +01:00" and time_header() == "Time (Europe/Berlin)"
    assert format_ts(datetime(2024, 7, 1, 12, tzinfo=timezone.utc)) == "2024-07-01 14:00:00 CEST +02:00"
    set_display_zone("America/St_Johns")
    assert format_ts(T) == "2024-03-05 10:32:11 NST -03:30"
    set_display_zone("not a zone")
    assert format_ts(T).endswith(" UTC") and format_ts(None) == ""


def test_dialog_round_trip_and_refuses_bad_files(qtbot, tmp_path):
    start = Settings(config_files=(str(tmp_path / "missing.yaml"),))
    dialog = SettingsDialog(start)
    qtbot.addWidget(dialog)
    assert dialog.settings() == start
    assert not dialog.office_box.isChecked()
    assert dialog.office_start.value() == 7 and dialog.office_end.value() == 19  # shown as configured
    dialog.office_box.setChecked(True)
    dialog.office_start.setValue(9)
    dialog.weekday_boxes[4].setChecked(False)
    dialog.office_zone.setCurrentText("Europe/Paris")
    dialog.display_zone.setCurrentText("Asia/Tokyo")
    dialog.theme.setCurrentIndex(2)
    got = dialog.settings()
    assert got.office_hours == OfficeHours("Europe/Paris", 9, 19, (0, 1, 2, 3))
    assert (got.display_tz, got.theme) == ("Asia/Tokyo", "dark")
    dialog.show()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # missing.yaml: refused, stays open
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "missing.yaml" in dialog.problems.text() and dialog.problems.isVisible()
    dialog.config_list.list.clear()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_markup_in_a_path_is_shown_as_text(qtbot, tmp_path):
    evil = tmp_path / "<b>x</b><img src=a>.yaml"
    dialog = SettingsDialog(Settings(config_files=(str(evil),)))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.accept()
    assert dialog.problems.textFormat() == Qt.TextFormat.PlainText and "<b>x</b>" in dialog.problems.text()


def test_window_applies_the_display_zone_and_passes_settings_to_the_loader(window, qtbot, case_dir, monkeypatch):
    analysis = analyze([case_dir])
    window.set_analysis(analysis)
    first = window.events_model.index(0, 0).data()
    assert first.endswith(" UTC") and window.events_model.headerData(0, Qt.Orientation.Horizontal) == "Time (UTC)"
    window.apply_settings(Settings(display_tz="Asia/Tokyo"))
    assert window.events_model.index(0, 0).data().endswith("JST +09:00")
    assert window.events_model.headerData(0, Qt.Orientation.Horizontal) == "Time (Asia/Tokyo)"
    assert window.findings_model.index(0, KEYS.index("first_seen")).data().endswith("JST +09:00")

    seen = {}
    import workbench.gui.window.loading as mw

    def fake_analyze(paths, **kwargs):
        seen.update(kwargs)
        return analysis

    monkeypatch.setattr(mw, "analyze_with_pack", fake_analyze)
    window.settings = Settings(use_default_geoip=False)
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        window.reload_action.trigger()
    assert seen["geoip_dbs"] == [] and seen["default_geoip"] is False


def test_settings_action_saves_and_applies(window, qtbot, monkeypatch):
    import workbench.gui.main_window as mw

    monkeypatch.setattr(mw, "edit_settings", lambda parent, s: Settings(display_tz="Europe/Berlin"))
    window.settings_action.trigger()
    assert window.settings.display_tz == "Europe/Berlin" and format_ts(T).endswith("+01:00")
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
