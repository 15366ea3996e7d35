"""setuptools build step (``[tool.setuptools] cmdclass`` in pyproject.toml): the wheel carries ``resources/`` and
``playbooks/`` as ``workbench/_data/``.

The folders stay at the repository's top level, where a source tree, an editable install and the PyInstaller
bundle read them; an installed wheel has no repository beside it, so it gets a copy inside the package, which
``workbench/paths.py`` looks for first. A GeoIP database dropped into ``resources/geoip/`` is left out: the default
data is installed by ``workbench fetch-geoip`` into the environment (``share/workbench/geoip``). Build wheels from the repository (``pip wheel . --no-deps``,
``python -m build --wheel``): the sdist does not carry this file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("resources", "playbooks")


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the repository's folders
            return
        target = Path(self.build_lib) / "workbench" / "_data"
        shutil.rmtree(target, ignore_errors=True)  # nothing stale from an earlier build
        for name in FOLDERS:
            source = ROOT / name
            if not source.is_dir():
                raise RuntimeError(f"{source} is missing: build the wheel from the repository, not from an sdist")
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mmdb", "*.npz"))
