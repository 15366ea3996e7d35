"""The app's palettes, high-DPI policy and About box."""

from __future__ import annotations

from workbench import __version__
from workbench.gui.about import about_text
from workbench.gui.app import _application
from workbench.gui.theme import apply_theme, palette_for
from workbench.gui.qt import QApplication, QGuiApplication, QPalette, Qt
from workbench.pipeline import analyze


def test_about_names_versions_geoip_date_and_credits(case_dir):
    analysis = analyze([case_dir])
    text = about_text(analysis.geoip)
    assert f"Workbench {__version__}" in text and "Qt 6." in text and "PySide6" in text
    db = analysis.geoip[0]
    assert f"built {db.built:%Y-%m-%d}" in text and "DB-IP.com" in text  # the bundled DB-IP City Lite
    assert "MITRE ATT&CK® Enterprise v" in text and "The MITRE Corporation" in text
    assert "Natural Earth" in text
    assert "no database" in about_text([])


def test_about_without_a_case_reads_the_configured_databases():
    assert "DB-IP.com" in about_text() and "built " in about_text()


def test_about_box_is_plain_text(window, qtbot):
    box = window.show_about()
    qtbot.waitUntil(box.isVisible)
    assert box.textFormat() == Qt.TextFormat.PlainText and "Workbench" in box.text()
    box.close()


def test_light_and_dark_palettes_switch_the_whole_app(qtbot):
    app = _application()
    original = app.palette().color(QPalette.ColorRole.Window)
    try:
        apply_theme("dark")
        assert QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() < 60
        assert app.style().name().lower() == "fusion"
        apply_theme("light")
        assert QApplication.instance().palette().color(QPalette.ColorRole.Base).lightness() > 240
        dark, light = palette_for("dark"), palette_for("light")
        pairs = ((QPalette.ColorRole.Text, QPalette.ColorRole.Base),
                 (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
                 (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight))
        for palette in (dark, light):  # text readable on what it is drawn on
            for fg, bg in pairs:
                assert abs(palette.color(fg).lightness() - palette.color(bg).lightness()) > 100, (fg, bg)
    finally:
        apply_theme("system")
    assert app.palette().color(QPalette.ColorRole.Window) == original


def test_high_dpi_keeps_fractional_scale_factors():
    _application()
    assert QGuiApplication.highDpiScaleFactorRoundingPolicy() == Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
