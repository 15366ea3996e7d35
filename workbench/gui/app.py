"""Starting the desktop app, and ``--selftest``: the whole GUI path once, offscreen, with a one-line verdict."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, TypeVar

from .. import __version__
from ..paths import demo_dir

T = TypeVar("T")


def _application():  # -> QApplication
    from .qt import QApplication, QGuiApplication, Qt

    app = QApplication.instance()
    if app is None:
        # high-DPI: Qt 6 scales by the screen's factor; keep fractional factors (125 %, 150 %) as they are
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "workbench"])
    app.setApplicationName("Workbench")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Workbench")
    return app


# -- palettes -------------------------------------------------------------------------------------

_LIGHT = {"Window": "#f3f3f3", "WindowText": "#1d232a", "Base": "#ffffff", "AlternateBase": "#f0f3f6",
          "ToolTipBase": "#ffffdc", "ToolTipText": "#1d232a", "PlaceholderText": "#7a828c", "Text": "#1d232a",
          "Button": "#e9e9e9", "ButtonText": "#1d232a", "BrightText": "#d0202a", "Highlight": "#2b6cb0",
          "HighlightedText": "#ffffff", "Link": "#1f5fbf", "LinkVisited": "#6b3fa0", "Mid": "#b8b8b8",
          "Dark": "#8a8a8a", "Midlight": "#d6d6d6", "Light": "#ffffff", "Shadow": "#5a5a5a"}
_DARK = {"Window": "#25292e", "WindowText": "#e6e9ed", "Base": "#1c1f23", "AlternateBase": "#24282d",
         "ToolTipBase": "#30353b", "ToolTipText": "#e6e9ed", "PlaceholderText": "#8a929c", "Text": "#e6e9ed",
         "Button": "#30353b", "ButtonText": "#e6e9ed", "BrightText": "#ff6b6b", "Highlight": "#3d7bd9",
         "HighlightedText": "#ffffff", "Link": "#7fb2ff", "LinkVisited": "#c3a6ff", "Mid": "#4a5058",
         "Dark": "#15181b", "Midlight": "#3a4047", "Light": "#4d545c", "Shadow": "#0b0c0e"}
_system_palette: list = []  # the palette the app started with, for "system"


def palette_for(theme: str):  # -> QPalette
    """The light or dark palette (the Fusion style draws them the same everywhere); ``system``: the original."""
    from .qt import QColor, QPalette

    if theme not in ("light", "dark"):
        return QPalette(_system_palette[0]) if _system_palette else QPalette()
    palette = QPalette()
    roles = _DARK if theme == "dark" else _LIGHT
    for name, colour in roles.items():
        role = getattr(QPalette.ColorRole, name)
        palette.setColor(role, QColor(colour))
        if name in ("WindowText", "Text", "ButtonText"):
            palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f767e" if theme == "dark" else "#9aa0a6"))
    return palette


def apply_theme(theme: str) -> None:
    """Switch the whole app to the ``light``, ``dark`` or ``system`` palette, at once."""
    from .qt import QApplication, QStyleFactory

    app = QApplication.instance()
    if app is None:
        return
    if not _system_palette:
        _system_palette.append(app.palette())
        _system_palette.append(app.style().name())
    if theme in ("light", "dark"):
        app.setStyle(QStyleFactory.create("Fusion"))
    elif _system_palette[1]:
        app.setStyle(QStyleFactory.create(_system_palette[1]))
    app.setPalette(palette_for(theme))


# -- the About box ------------------------------------------------------------------------------

def about_text(geoip: list | None = None) -> str:
    """Versions, the GeoIP databases with their build date and credit, ATT&CK and map credits (plain text).

    ``geoip``: the :class:`~workbench.enrich.geoip.DatabaseInfo` of the open analysis; without one, the
    databases the current settings would use are opened to read their dates."""
    import platform

    import pyarrow
    import reportlab

    from ..attack import read_reference
    from ..errors import WorkbenchError
    from .qt import qVersion

    try:
        from PySide6 import __version__ as pyside_version
    except ImportError:  # pragma: no cover
        pyside_version = "?"
    lines = [f"Workbench {__version__}: offline incident-response workbench", "",
             f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}, "
             f"pyarrow {pyarrow.__version__}, reportlab {reportlab.Version}", ""]
    databases = geoip if geoip is not None else _settings_databases()
    if databases:
        lines.append("GeoIP databases:")
        for db in databases:
            stale = " (over a year old)" if getattr(db, "stale", False) else ""
            lines.append(f"  {db.database_type}, built {db.built:%Y-%m-%d}{stale}: {Path(db.path).name}")
            if db.licence:
                lines.append(f"    {db.licence}")
    else:
        lines.append("GeoIP: no database (checks that need geography do not run).")
    lines.append("")
    try:
        ref = read_reference()
        lines.append(f"MITRE ATT&CK® Enterprise v{ref.attack_version}. © The MITRE Corporation. This work is "
                     "reproduced and distributed with the permission of The MITRE Corporation.")
    except (WorkbenchError, OSError, ValueError) as exc:
        lines.append(f"MITRE ATT&CK® reference not readable: {exc}")
    lines.append("World outline: Made with Natural Earth (public domain), via world-atlas (ISC).")
    return "\n".join(lines)


def _settings_databases() -> list:
    from ..enrich.geoip import open_geoip
    from ..errors import WorkbenchError
    from .settings import load_settings

    settings = load_settings()
    try:
        geo = open_geoip(settings.geoip_paths(), use_default=settings.use_default_geoip)
    except (WorkbenchError, OSError, ValueError):
        return []
    try:
        return list(geo.databases)
    finally:
        geo.close()


def main(argv: list[str]) -> int:
    """Open the main window, load the paths given (or the demo case with ``--demo``), run the event loop."""
    parser = argparse.ArgumentParser(prog="workbench gui")
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args(argv)
    paths = list(args.paths)
    if args.demo:
        paths.append(str(demo_dir()))

    app = _application()
    from .main_window import MainWindow
    from .qt import QTimer
    from .settings import load_settings

    apply_theme(load_settings().theme)
    window = MainWindow()
    window.show()
    if paths:
        QTimer.singleShot(0, lambda: window.open_paths(paths))  # after the window is on screen
    return app.exec()


def _step(name: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = fn()
    print(f"selftest: ok    {name} ({time.perf_counter() - start:.2f} s)", flush=True)
    return result


def _quiet_offscreen(mode, context, message: str) -> None:  # noqa: ANN001  (Qt signature)
    """Qt's messages on stderr, minus the offscreen plugin's harmless note on every shown window."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def selftest() -> int:
    """Analyze the demo case, show it offscreen, select a finding, screenshot it and write the PDF.

    Prints one line per step; returns 0 when all worked, 1 with a ``FAILED`` line naming the step."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .qt import qInstallMessageHandler

    previous = qInstallMessageHandler(_quiet_offscreen)
    try:
        return _selftest()
    finally:
        qInstallMessageHandler(previous)


def _selftest() -> int:
    step = "start"
    try:
        step = "create the application"
        app = _step(step, _application)
        from ..pipeline import analyze
        from ..report import write_report
        from .main_window import MainWindow

        demo = demo_dir()
        step = f"analyze the demo case {demo}"
        if not demo.is_dir():
            raise FileNotFoundError(f"no demo case at {demo}")
        analysis = _step(step, lambda: analyze([demo]))
        if not analysis.events_total:
            raise RuntimeError("the demo case produced no events")

        step = "show the main window"
        window = MainWindow()

        def show() -> None:
            window.set_analysis(analysis)
            window.show()
            app.processEvents()

        _step(step, show)

        step = "select the first finding"
        if not analysis.findings:
            raise RuntimeError("the demo case produced no findings")

        def select() -> None:
            window.select_finding(0)
            app.processEvents()
            want = len(analysis.evidence_rows(analysis.findings[0]))
            if window.events_model.rowCount() != want:
                raise RuntimeError(f"the grid shows {window.events_model.rowCount()} rows, the evidence is {want}")

        _step(step, select)

        with tempfile.TemporaryDirectory(prefix="workbench-selftest-") as tmp:
            shot, pdf = Path(tmp) / "window.png", Path(tmp) / "report.pdf"
            step = "grab the window to PNG"

            def grab() -> None:
                if not window.grab().save(str(shot)):
                    raise RuntimeError(f"could not save {shot}")

            _step(step, grab)
            step = "write the PDF report"
            _step(step, lambda: write_report(analysis, pdf))
            step = "check the files"
            for path in (shot, pdf):
                if not path.is_file() or path.stat().st_size == 0:
                    raise RuntimeError(f"{path.name} is missing or empty")
            print(f"selftest: ok    check the files (PNG {shot.stat().st_size:,} bytes, "
                  f"PDF {pdf.stat().st_size:,} bytes)", flush=True)
        window.close()
        window.deleteLater()
    except Exception as exc:  # the selftest reports every failure as its verdict, with the step
        print(f"selftest: FAILED {step}: {type(exc).__name__}: {exc}", flush=True)
        return 1
    print(f"selftest: passed (workbench {__version__})", flush=True)
    return 0
