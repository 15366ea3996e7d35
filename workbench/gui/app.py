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
from .theme import apply_theme

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


NO_DISPLAY_HELP = ("headless, `./run` writes the demo report, `workbench analyze PATH --report out/report.pdf` "
                   "analyzes your logs and `workbench --selftest` checks the install; for a window, log in with "
                   "X forwarding (ssh -X) or run it on the desktop")


def display_missing(env: dict[str, str] | None = None) -> str | None:
    """Why no window can open here, in words, or None. Qt aborts (with advice about libxcb-cursor0 that sends the
    user after the wrong fix) when it finds no display, so this is asked before Qt is started. Windows and macOS
    always have one; a non-window Qt platform (offscreen, vnc, ...) needs none."""
    env = os.environ if env is None else env
    if sys.platform in ("win32", "darwin"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if wayland:
        return None
    if not display:
        return "no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    local = display.split(".")[0]
    if local.startswith(":") and local[1:].isdigit() and not Path(f"/tmp/.X11-unix/X{local[1:]}").exists():
        return f"no X server is listening on DISPLAY={display}"
    return None


def main(argv: list[str]) -> int:
    """Open the main window, load the paths given (or the demo case with ``--demo``), run the event loop."""
    parser = argparse.ArgumentParser(prog="workbench gui")
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args(argv)
    missing = display_missing()
    if missing:
        print(f"workbench: {missing}; {NO_DISPLAY_HELP}", file=sys.stderr)
        return 2
    paths = list(args.paths)
    demo_case = args.demo and not paths  # the demo alone opens in its own case (per-user data folder)
    if args.demo and paths:
        paths.append(str(demo_dir()))

    app = _application()
    from .main_window import MainWindow
    from .qt import QTimer
    from .settings import load_settings

    apply_theme(load_settings().theme)
    window = MainWindow()
    window.show()
    if demo_case:
        QTimer.singleShot(0, window.open_demo)  # after the window is on screen
    elif paths:
        QTimer.singleShot(0, lambda: window.open_paths(paths))
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


def _collation() -> None:
    """German sorts ä with a, Swedish after z: proves the collation data is there (the bundle trims Qt's ICU data)."""
    from .qt import QCollator, QLocale

    def order(locale: str) -> list[str]:
        return sorted(["z", "ä", "a"], key=QCollator(QLocale(locale)).sortKey)

    got = order("de_DE"), order("sv_SE")
    if got != (["a", "ä", "z"], ["a", "z", "ä"]):
        raise RuntimeError(f"collation is missing: de_DE {got[0]}, sv_SE {got[1]}")


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

        step = "sort words by the user's language (Qt's ICU collation data)"
        _step(step, _collation)

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
