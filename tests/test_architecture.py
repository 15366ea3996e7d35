"""The core stays Qt-free: every core module is under the import-linter contract, and it holds."""

import pkgutil
import subprocess
import sys
import tomllib

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
