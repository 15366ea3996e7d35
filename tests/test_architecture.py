"""The core stays Qt-free: every core module is under the import-linter contract, and it holds; the layers
contract keeps the GUI and the CLI apart and the core below them."""

import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import workbench
from workbench.paths import app_root


def test_every_core_module_is_in_the_qt_contract():
    config = tomllib.loads((app_root() / "pyproject.toml").read_text())
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["name"] == "Qt only in workbench.gui"]
    listed = set(contract["source_modules"])
    core = {f"workbench.{m.name}" for m in pkgutil.iter_modules(workbench.__path__)} - {"workbench.gui",
                                                                                      "workbench.__main__"}
    assert core - listed == set(), "add these to the contract in pyproject.toml"


def test_importing_the_engine_does_not_load_qt():
    code = ("import sys, workbench.pipeline, workbench.cli.parser, workbench.report; "
            "print(any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _lint(root):
    """import-linter over the ``workbench`` package under ``root`` with the project's contracts."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    lint = Path(sys.executable).parent / "lint-imports"
    return subprocess.run([str(lint), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True)


def test_the_layers_contract_fails_on_a_gui_to_cli_import(tmp_path):
    shutil.copytree(app_root() / "workbench", tmp_path / "workbench", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(app_root() / "pyproject.toml", tmp_path / "pyproject.toml")
    kept = _lint(tmp_path)
    assert kept.returncode == 0, kept.stdout[-2000:]
    tasks = tmp_path / "workbench" / "gui" / "tasks.py"
    tasks.write_text(tasks.read_text() + "\nfrom ..cli.common import EXIT_OK  # noqa: E402,F401\n")
    broken = _lint(tmp_path)
    assert broken.returncode != 0
    out = " ".join(broken.stdout.split())
    assert "Layers: __main__, then the GUI or the CLI, then the core, then its ground floor BROKEN" in out
    assert "workbench.gui.tasks -> workbench.cli.common" in out
