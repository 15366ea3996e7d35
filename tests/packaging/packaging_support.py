"""Helpers of the packaging tests: the project's version, running a program offline, comparing findings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@cache
def offline_prefix() -> tuple[str, ...]:
    """``unshare -n``: a network namespace with no interface but loopback, where the machine allows it (root)."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return ()
    ok = subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    return ("unshare", "-n") if ok else ()


def clean_env() -> dict[str, str]:
    """The environment minus whatever would let a program find the source tree or the test venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run_offline(argv: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a program from ``cwd`` with no network (where the machine lets us cut it off)."""
    return subprocess.run([*offline_prefix(), *map(str, argv)], cwd=cwd, env=clean_env(), capture_output=True,
                          text=True, timeout=timeout)


def summary(findings_json: dict) -> list[tuple[str, str, str]]:
    """What must not change between the source tree and a packaged app: each finding's check, severity, title."""
    return sorted((f["check"], f["severity"], f["title"]) for f in findings_json["findings"])
