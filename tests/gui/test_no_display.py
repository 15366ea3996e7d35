"""Without a display the app says so in one line and exits 2, before Qt can abort with misleading advice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.gui.app import display_missing


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11 / Wayland only")
@pytest.mark.parametrize("env, expected", [
    ({}, "neither DISPLAY nor WAYLAND_DISPLAY"),
    ({"DISPLAY": ":97531"}, "no X server is listening on DISPLAY=:97531"),
    ({"QT_QPA_PLATFORM": "xcb"}, "neither DISPLAY"),
    ({"QT_QPA_PLATFORM": "offscreen"}, None),
    ({"WAYLAND_DISPLAY": "wayland-0"}, None),
    ({"DISPLAY": "localhost:10.0"}, None),  # X forwarding: a remote display cannot be checked here, Qt tries it
])
def test_display_missing_names_the_reason(env, expected):
    got = display_missing(env)
    assert (got is None) if expected is None else (expected in got)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11 / Wayland only")
def test_gui_without_a_display_is_one_line_and_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])  # this checkout, started from another folder
    done = subprocess.run([sys.executable, "-m", "workbench", "gui", "--demo"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: no display") and "--selftest" in lines[0]
    assert "xcb" not in done.stderr and list(tmp_path.iterdir()) == []
