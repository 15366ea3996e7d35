"""Fixtures of the GUI tests: the main window, and the generated case the demo is made of."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def user_config(tmp_path_factory, monkeypatch):
    """Settings, window layouts and the per-user data folder (update packs, the demo case) go to fresh
    folders, never the tester's own."""
    from workbench.gui.qt import QSettings
    from workbench.gui.settings import set_display_zone

    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    folder = tmp_path_factory.mktemp("config")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder
    set_display_zone("UTC")


@pytest.fixture
def window(qtbot):
    from workbench.gui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    yield win
    if win.task is not None:
        win.task.cancel()
        qtbot.waitUntil(lambda: not win.busy, timeout=30_000)


@pytest.fixture(scope="session")
def case_dir() -> Path:
    """The bundled demo case (read-only evidence, as the app opens it)."""
    from workbench.paths import demo_dir

    return demo_dir()
