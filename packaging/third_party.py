"""Third-party notices shipped with the bundle and the wheelhouse: ``LICENSES/`` and ``THIRD-PARTY.md``.

    python packaging/third_party.py --wheelhouse dist/wheelhouse    (packaging/wheelhouse runs this)
    python packaging/third_party.py --installed DIST... --out DIR   (what packaging/workbench.spec does)

``THIRD-PARTY.md`` lists every distribution shipped (name, version, licence from its metadata) and
the data files that are not Python distributions (the GeoIP database, the world outline, the ATT&CK
extract, the fonts, the Python interpreter); ``LICENSES/<name>/`` holds each one's licence and notice
files as its authors shipped them (the dist-info ``License-File`` entries or ``licenses/`` folder,
read from the installed distribution or from the wheel; nothing is downloaded). Distributions whose
wheels carry no licence text get the one this folder keeps (``packaging/licenses/``: Qt's LGPL-3.0).
On Debian-like systems the bundle's system libraries (xcb, glib, fontconfig, ...) add their
``/usr/share/doc/<package>/copyright`` files.
"""

from __future__ import annotations

import argparse
import email.parser
import importlib.metadata
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
KEPT = ROOT / "packaging" / "licenses"
QT_TEXTS = ["Qt-LGPL-NOTICE.txt", "LGPL-3.0.txt", "GPL-3.0.txt"]
# Distributions whose wheels carry no licence text: the texts kept in packaging/licenses/ (normalized names).
FALLBACK = {"pyside6-essentials": QT_TEXTS, "pyside6": QT_TEXTS, "shiboken6": QT_TEXTS}
# Notices added to a distribution's own texts: how the bundle ships an LGPL library so that it can be replaced.
EXTRA = {"pysigma": ["pySigma-LGPL-NOTICE.txt"]}
_NOTICE_NAME = re.compile(r"^(licen[cs]e|copying|notice|authors|copyright)", re.IGNORECASE)


@dataclass
class Notice:
    name: str
    version: str
    licence: str
    files: dict[str, bytes] = field(default_factory=dict)  # relative name in LICENSES/<name>/ -> content
    note: str = ""
    kind: str = "Python distribution"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def licence_of(meta) -> str:
    """The licence a distribution declares: License-Expression, a short License field, or its classifiers."""
    if meta.get("License-Expression"):
        return meta["License-Expression"].strip()
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 100:
        return text
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return " / ".join(classifiers)
    return "see its licence files" if text else "not declared"


def _is_licence_file(rel: PurePosixPath, declared: set[str]) -> bool:
    """A dist-info member that is a licence or notice text (rel: the path inside the .dist-info folder)."""
    if rel.parts[0] == "licenses":
        return True
    return len(rel.parts) == 1 and (rel.name in declared or bool(_NOTICE_NAME.match(rel.name)))


def _fallback(notice: Notice) -> Notice:
    for name in EXTRA.get(normalize(notice.name), []):
        notice.files[name] = (KEPT / name).read_bytes()
    if not notice.files:
        for name in FALLBACK.get(normalize(notice.name), []):
            notice.files[name] = (KEPT / name).read_bytes()
        if notice.files:
            notice.note = "its wheel carries no licence text: the texts of the licence it declares"
        else:
            page = f"; project page: {notice.note}" if notice.note else ""
            notice.note = "its wheel carries no licence file" + page
    return notice


def installed_notice(dist: importlib.metadata.Distribution) -> Notice:
    meta = dist.metadata
    declared = set(meta.get_all("License-File") or [])
    files = {}
    for entry in dist.files or []:
        parts = PurePosixPath(entry.as_posix()).parts
        if parts[0].endswith(".dist-info") and len(parts) > 1 and _is_licence_file(PurePosixPath(*parts[1:]), declared):
            path = Path(dist.locate_file(entry))
            if path.is_file():
                files[PurePosixPath(*parts[1:]).as_posix().removeprefix("licenses/")] = path.read_bytes()
    home = meta.get("Home-page") or next((u.split(",", 1)[1].strip() for u in meta.get_all("Project-URL") or []), "")
    return _fallback(Notice(meta["Name"], meta["Version"], licence_of(meta), files, home))


def wheel_notice(wheel: Path) -> Notice:
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        (info,) = {PurePosixPath(n).parts[0] for n in names if PurePosixPath(n).parts[0].endswith(".dist-info")}
        meta = email.parser.BytesParser().parsebytes(z.read(f"{info}/METADATA"), headersonly=False)
        declared = set(meta.get_all("License-File") or [])
        files = {}
        for n in names:
            parts = PurePosixPath(n).parts
            if parts[0] == info and len(parts) > 1 and not n.endswith("/") \
                    and _is_licence_file(PurePosixPath(*parts[1:]), declared):
                files[PurePosixPath(*parts[1:]).as_posix().removeprefix("licenses/")] = z.read(n)
    home = meta.get("Home-page") or next((u.split(",", 1)[1].strip() for u in meta.get_all("Project-URL") or []), "")
    return _fallback(Notice(meta["Name"], meta["Version"], licence_of(meta), files, home))


def _iporigin_files() -> dict[str, bytes]:
    """iporigin's LICENSE and NOTICE (its dataset's sources), from the installed distribution."""
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution("iporigin")
    except importlib.metadata.PackageNotFoundError:
        return {}
    return {Path(str(f)).name: Path(str(dist.locate_file(f))).read_bytes() for f in dist.files or []
            if Path(str(f)).name in ("LICENSE", "NOTICE") and "dist-info" in str(f)}


def data_notices(geoip: bool = True) -> list[Notice]:
    """The shipped data and fonts that are not Python distributions (their credits live in the repository)."""
    res = ROOT / "resources"
    out = []
    if geoip:
        out.append(Notice("DB-IP City Lite and ip-location-db ASN (GeoIP data)", "2026-06", "CC-BY-4.0",
                          {"LICENSE-DB-IP.txt": (ROOT / "packaging" / "geoip" / "LICENSE-DB-IP.txt").read_bytes()},
                          "IP Geolocation by DB-IP.com; RouteViews; NRO; resources/geoip/", "data"))
    iporigin = _iporigin_files()
    if iporigin:
        out.append(Notice("iporigin provider ranges (data only)", "1.1.2", "MIT; data: providers' feeds and CC0",
                          iporigin, "https://github.com/Yuix-Networks/iporigin; resources/ipintel/ranges.bin",
                          "data"))
    out.append(Notice("Natural Earth 1:110m countries (world outline)", "4.1.0", "public domain; packaging ISC",
                      {"README.md": (res / "world" / "README.md").read_bytes(),
                       "LICENSE.world-atlas": (res / "world" / "LICENSE.world-atlas").read_bytes()},
                      "Made with Natural Earth; TopoJSON by world-atlas 2.0.2; resources/world/", "data"))
    import json

    attack = json.loads((res / "attack" / "techniques.json").read_text(encoding="utf-8"))
    out.append(Notice("MITRE ATT&CK (technique extract)", str(attack.get("attack_version", "")),
                      "MITRE ATT&CK Terms of Use",
                      {"TERMS.txt": (str(attack["licence"]) + "\n").encode(),
                       "README.md": (res / "attack" / "README.md").read_bytes()},
                      "resources/attack/techniques.json", "data"))
    for text in sorted((res / "fonts").glob("LICENSE-*")):  # one per font family: LICENSE-<family>[-<licence>].txt
        family, _, licence = text.stem.removeprefix("LICENSE-").partition("-")
        if family == "DejaVu":
            name, licence = "DejaVu fonts", "Bitstream Vera / DejaVu licence (free)"
        else:
            name, licence = f"{family} font", licence or "see its licence file"
        out.append(Notice(name, "", licence, {text.name: text.read_bytes()}, "resources/fonts/ (README.md there)",
                          "font"))
    return out


def python_notice() -> Notice:
    """The interpreter the bundle carries (PSF licence; the file also lists the licences of its components)."""
    base = Path(sys.base_prefix)
    for candidate in (base / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "LICENSE.txt",
                      base / "LICENSE.txt", base / "lib" / "LICENSE.txt"):
        if candidate.is_file():
            return Notice("Python", sys.version.split()[0], "PSF-2.0", {"LICENSE.txt": candidate.read_bytes()},
                          "the interpreter and its standard library", "interpreter")
    return Notice("Python", sys.version.split()[0], "PSF-2.0", {}, "https://docs.python.org/3/license.html",
                  "interpreter")


def system_library_notices(paths: list[str]) -> list[Notice]:
    """Debian-like systems: the copyright file of each package owning a bundled system library."""
    if shutil.which("dpkg-query") is None or not paths:
        return []
    # by name: dpkg records some libraries under /lib and others under /usr/lib (merged /usr)
    patterns = sorted({"*/" + Path(p).name for p in paths})
    done = subprocess.run(["dpkg-query", "-S", *patterns], check=False, capture_output=True, text=True)
    packages = {}
    for line in done.stdout.splitlines():
        if ": " in line:
            pkg = line.split(": ", 1)[0].split(":")[0].split(",")[0].strip()
            packages.setdefault(pkg, []).append(Path(line.split(": ", 1)[1]).name)
    out = []
    for pkg, libs in sorted(packages.items()):
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], check=False, capture_output=True,
                                 text=True).stdout
        copyright_file = Path("/usr/share/doc") / pkg / "copyright"
        files = {"copyright": copyright_file.read_bytes()} if copyright_file.is_file() else {}
        out.append(Notice(pkg, version, "see copyright", files, ", ".join(sorted(set(libs))), "system library"))
    return out


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("_")


def write(out: Path, notices: list[Notice], title: str) -> None:
    """out/LICENSES/<name>/... and out/THIRD-PARTY.md."""
    shutil.rmtree(out / "LICENSES", ignore_errors=True)
    lines = [f"# Third-party software and data in {title}", "",
             "Each item's licence and notice files are in `LICENSES/<name>/`. The workbench itself is under the MIT",
             "licence. Licences as the distributions declare them in their metadata.", "",
             "| name | version | licence | kind | files in LICENSES/ | note |", "|---|---|---|---|---|---|"]
    for n in sorted(notices, key=lambda n: (n.kind != "Python distribution", n.kind, n.name.lower())):
        folder = _safe(n.name)
        for rel, content in n.files.items():
            target = out / "LICENSES" / folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        cell = ", ".join(f"`{folder}/{rel}`" for rel in n.files) or "none"
        row = [n.name, n.version, n.licence, n.kind, cell, n.note]
        lines.append("| " + " | ".join(str(c).replace("|", "/").replace("\n", " ") for c in row) + " |")
    (out / "THIRD-PARTY.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def bundled_distributions(sources: list[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions that own at least one of these files (the bundle's collected sources)."""
    wanted = {str(Path(s).resolve()) for s in sources if s}
    found = {}
    for dist in importlib.metadata.distributions():
        name = normalize(dist.metadata["Name"] or "")
        if not name or name == "workbench" or name in found:
            continue
        if any(str(Path(dist.locate_file(f)).resolve()) in wanted for f in dist.files or []):
            found[name] = dist
    return list(found.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--wheelhouse", type=Path, help="write LICENSES/ and THIRD-PARTY.md into this wheelhouse")
    group.add_argument("--installed", nargs="+", metavar="DIST", help="these installed distributions")
    parser.add_argument("--out", type=Path, help="with --installed: the folder to write to")
    args = parser.parse_args()
    if args.wheelhouse:
        notices = [wheel_notice(w) for w in sorted(args.wheelhouse.glob("*.whl"))
                   if not w.name.lower().startswith("workbench-")]
        write(args.wheelhouse, notices + data_notices(), "the wheelhouse")
        print(f"third_party: {len(notices)} wheels listed in {args.wheelhouse / 'THIRD-PARTY.md'}")
    else:
        if args.out is None:
            parser.error("--installed needs --out")
        notices = [installed_notice(importlib.metadata.distribution(d)) for d in args.installed]
        args.out.mkdir(parents=True, exist_ok=True)
        write(args.out, notices + data_notices(), "this installation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
