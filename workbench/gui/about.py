"""The About box's text: versions, the GeoIP databases in use with their build date and credit, ATT&CK and map
credits (plain text)."""

from __future__ import annotations

from pathlib import Path

from .. import __version__


def about_text(geoip: list | None = None) -> str:
    """Versions, the GeoIP databases with their build date and credit, ATT&CK and map credits (plain text).

    ``geoip``: the :class:`~workbench.enrich.geoip.DatabaseInfo` of the open analysis; without one, the
    databases the current settings would use are opened to read their dates."""
    import platform

    import pyarrow
    import reportlab

    from ..attack import read_reference
    from ..errors import WorkbenchError
    from .qt import qVersion

    try:
        from PySide6 import __version__ as pyside_version
    except ImportError:  # pragma: no cover
        pyside_version = "?"
    lines = [f"Workbench {__version__}: offline incident-response workbench", "",
             f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}, "
             f"pyarrow {pyarrow.__version__}, reportlab {reportlab.Version}", ""]
    databases = geoip if geoip is not None else _settings_databases()
    if databases:
        lines.append("GeoIP databases:")
        for db in databases:
            stale = " (over a year old)" if getattr(db, "stale", False) else ""
            lines.append(f"  {db.database_type}, built {db.built:%Y-%m-%d}{stale}: {Path(db.path).name}")
            if db.licence:
                lines.append(f"    {db.licence}")
    else:
        lines.append("GeoIP: no database (checks that need geography do not run).")
    from ..enrich.provider import open_provider_lists

    lists = open_provider_lists().lists
    if lists:
        lines.append("Provider lists (cloud, hosting, VPN, Tor, mobile, residential):")
        lines += [f"  {x.name}, built {x.built:%Y-%m-%d}: {x.licence}" for x in lists]
    lines.append("")
    try:
        ref = read_reference()
        lines.append(f"MITRE ATT&CK® Enterprise v{ref.attack_version}. © The MITRE Corporation. This work is "
                     "reproduced and distributed with the permission of The MITRE Corporation.")
    except (WorkbenchError, OSError, ValueError) as exc:
        lines.append(f"MITRE ATT&CK® reference not readable: {exc}")
    lines.append("World outline: Made with Natural Earth (public domain), via world-atlas (ISC).")
    return "\n".join(lines)


def _settings_databases() -> list:
    from ..enrich.geoip import open_geoip
    from ..errors import WorkbenchError
    from .settings import load_settings

    settings = load_settings()
    try:
        geo = open_geoip(settings.geoip_paths(), use_default=settings.use_default_geoip)
    except (WorkbenchError, OSError, ValueError):
        return []
    try:
        return list(geo.databases)
    finally:
        geo.close()
