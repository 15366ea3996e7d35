"""Fixtures of the GUI tests: the main window, and the generated case the demo is made of."""

from __future__ import annotations

from pathlib import Path

import pytest


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
def case_dir(tmp_path_factory) -> Path:
    """The synthetic case (seed 7) the demo is made of."""
    from workbench.synth import generate_case

    folder = tmp_path_factory.mktemp("case")
    generate_case(folder, seed=7)
    return folder
