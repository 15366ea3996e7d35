"""Offline update packs: playbooks, a check configuration, GeoIP databases, Sigma rules and the ATT&CK reference
carried to an air-gapped laptop in one zip, verified member by member before anything is written.

A pack is a zip holding ``manifest.json`` and the files it lists::

    playbooks/<name>.md|.txt   config/config.yaml   geoip/<name>.mmdb|.npz   sigma/**/<rule>.yml
    attack/techniques.json
    ipintel/<name>.bin|.csv    (provider lists: iporigin ranges, AS classes; workbench/enrich/provider.py)

The manifest names the pack, says when and by which version it was built, and gives each member's size and
SHA-256. Import refuses the whole pack when a member is missing from the manifest or from the zip, a size or
digest differs, a name is absolute, has ``..`` or a backslash, a member is a link or encrypted, or a file does
not parse (a playbook; the config against the shipped settings; a GeoIP database). An accepted pack goes to
``<data>/packs/<name>/``; ``<data>/packs/state.json`` names the active pack and the one before it, which is
kept (``rollback`` returns to it); older packs are removed. ``<data>`` is the per-user data folder
(``data_dir()``; ``WORKBENCH_DATA_DIR`` overrides it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Sequence

import maxminddb
import yaml

from .. import __version__
from ..config import load_config
from ..errors import ConfigError, PlaybookError, WorkbenchError
from ..evidence.outputs import atomic_open
from .signing import SIGNATURE, SigningError, Verdict, signature_for, trusted_keys, verify
from ..playbooks import PLAYBOOK_SUFFIXES, parse

FORMAT = "workbench-update-pack"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
RESERVED_NAMES = {"state.json", "trusted-keys"}  # names in the data folder that a pack must not take
ORIGIN = "origin.json"  # written beside an installed pack's manifest: who signed it
MAX_TOTAL = 4 << 30  # bytes a pack may unpack to
CHUNK = 1 << 20


class UpdatePackError(WorkbenchError):
    """An update pack that cannot be built or is refused on import."""


def data_dir() -> Path:
    """The per-user data folder: ``%APPDATA%\\workbench``, ``~/Library/Application Support/workbench``,
    ``$XDG_DATA_HOME/workbench`` (``~/.local/share/workbench``); ``WORKBENCH_DATA_DIR`` overrides it."""
    if os.environ.get("WORKBENCH_DATA_DIR"):
        return Path(os.environ["WORKBENCH_DATA_DIR"])
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "workbench"


def _kind(member: str) -> str:
    """``playbooks``, ``config`` or ``geoip``; an error for any other member name."""
    parts = PurePosixPath(member).parts
    if len(parts) == 2 and parts[0] == "playbooks" and PurePosixPath(member).suffix.lower() in PLAYBOOK_SUFFIXES:
        return "playbooks"
    if member == "config/config.yaml":
        return "config"
    if len(parts) == 2 and parts[0] == "geoip" and member.lower().endswith((".mmdb", ".npz")):
        return "geoip"
    if len(parts) == 2 and parts[0] == "ipintel" and member.lower().endswith((".bin", ".csv")):
        return "ipintel"
    if len(parts) >= 2 and parts[0] == "sigma" and member.lower().endswith((".yml", ".yaml")):
        return "sigma"
    if member == "attack/techniques.json":
        return "attack"
    raise UpdatePackError(f"{member!r} is not a playbook, config/config.yaml, a geoip/*.mmdb|*.npz database, a "
                          "sigma/**.yml rule, attack/techniques.json or an ipintel/*.bin|*.csv provider list")


def _validate(member: str, path: Path) -> str:
    """Check that a member's content parses; return a one-line description of it."""
    kind = _kind(member)
    try:
        if kind == "playbooks":
            book = parse(path.read_text(encoding="utf-8-sig"), member)
            return f"playbook {book.technique}"
        if kind == "config":
            load_config(path)
            return "check configuration"
        if kind == "sigma":
            docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8-sig")) if d is not None]
            if not docs or not all(isinstance(d, dict) for d in docs):
                raise ValueError("not a Sigma rule (YAML mappings expected)")
            titles = [str(d.get("title", "")) for d in docs if d.get("title")]
            return f"Sigma rule {titles[0][:60]!r}" if titles else "Sigma rule file"
        if kind == "attack":
            from ..attack import read_reference

            ref = read_reference(path)
            return f"ATT&CK reference v{ref.attack_version}, {len(ref.techniques)} techniques"
        if kind == "ipintel" or member.lower().endswith(".npz"):
            from ..enrich.geoip import ip_data_description

            return ip_data_description(path)
        with maxminddb.open_database(str(path)) as reader:
            meta = reader.metadata()
        built = datetime.fromtimestamp(meta.build_epoch, timezone.utc).date().isoformat()
        return f"GeoIP {meta.database_type} built {built}"
    except (PlaybookError, ConfigError) as exc:
        raise UpdatePackError(f"{member}: {exc.message}") from None
    except WorkbenchError as exc:  # the ATT&CK reference's own error
        raise UpdatePackError(f"{member}: {exc.message}") from None
    except (UnicodeDecodeError, ValueError, OSError, yaml.YAMLError) as exc:  # maxminddb's InvalidDatabaseError is a ValueError
        raise UpdatePackError(f"{member}: {exc}") from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def _check_pack_name(name: Any) -> None:
    if not NAME_RE.match(str(name)) or str(name).lower() in RESERVED_NAMES:
        raise UpdatePackError(f"pack name {str(name)[:80]!r}: letters, digits, '.', '_', '-' only, at most 64, "
                              f"and none of {sorted(RESERVED_NAMES)}")


def build_pack(out: Path, *, name: str, playbooks: Path | None = None, config: Path | None = None,
               geoip_dbs: Sequence[Path] = (), sigma: Path | None = None,
               attack: Path | None = None, ip_lists: Sequence[Path] = (), sign_key: Path | None = None) -> dict[str, Any]:
    """Write the pack ``out`` (atomically) from a playbook folder, a config file, GeoIP databases, a folder of
    Sigma rules (kept with its sub-folders) and an ATT&CK reference (``techniques.json``), signed with the
    organisation's private key ``sign_key`` (see :mod:`.pack_signing`)."""
    _check_pack_name(name)
    members: dict[str, Path] = {}
    if playbooks is not None:
        if not playbooks.is_dir():
            raise UpdatePackError("not a folder", playbooks)
        for path in sorted(playbooks.iterdir()):
            if path.is_file() and path.suffix.lower() in PLAYBOOK_SUFFIXES:
                members[f"playbooks/{path.name}"] = path
    if config is not None:
        members["config/config.yaml"] = config
    for db in geoip_dbs:
        if f"geoip/{db.name}" in members:
            raise UpdatePackError(f"two GeoIP databases named {db.name}", db)
        members[f"geoip/{db.name}"] = db
    if sigma is not None:
        if not sigma.is_dir():
            raise UpdatePackError("not a folder", sigma)
        for path in sorted(sigma.rglob("*")):
            if path.is_file() and path.suffix.lower() in (".yml", ".yaml"):
                members["sigma/" + path.relative_to(sigma).as_posix()] = path
    if attack is not None:
        members["attack/techniques.json"] = attack
    for lst in ip_lists:
        if f"ipintel/{lst.name}" in members:
            raise UpdatePackError(f"two provider lists named {lst.name}", lst)
        members[f"ipintel/{lst.name}"] = lst
    if not members:
        raise UpdatePackError("nothing to pack: give --playbooks, --config, --geoip-db, --sigma or --attack")
    files = {}
    for member, path in members.items():
        if not path.is_file():
            raise UpdatePackError("no such file", path)
        files[member] = {"size": path.stat().st_size, "sha256": _sha256(path), "content": _validate(member, path)}
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "name": name,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "tool": {"name": "workbench", "version": __version__}, "files": files}
    with atomic_open(out) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        manifest_bytes = json.dumps(manifest, indent=2).encode()
        zf.writestr(MANIFEST, manifest_bytes)
        if sign_key is not None:
            zf.writestr(SIGNATURE, signature_for(manifest_bytes, sign_key))
        for member, path in members.items():
            zf.write(path, member)
    return manifest


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name):
        raise UpdatePackError(f"{name!r}: absolute or Windows path name")
    if any(part in ("..", ".", "") for part in name.rstrip("/").split("/")):
        raise UpdatePackError(f"{name!r}: '..', '.' or empty path component")
    if info.flag_bits & 0x1:
        raise UpdatePackError(f"{name!r}: encrypted")
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        raise UpdatePackError(f"{name!r}: a symbolic link")


def _read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise UpdatePackError(f"no {MANIFEST}: not an update pack") from None
    except ValueError as exc:
        raise UpdatePackError(f"{MANIFEST}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UpdatePackError(f"{MANIFEST}: not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise UpdatePackError(f"{MANIFEST}: format version {manifest.get('format_version')!r}, this workbench "
                              f"reads {FORMAT_VERSION}")
    files = manifest.get("files")
    _check_pack_name(manifest.get("name", ""))
    if not isinstance(files, dict) or not files:
        raise UpdatePackError(f"{MANIFEST}: a valid name and a non-empty files table are required")
    for member, entry in files.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("size"), int) and entry["size"] >= 0
                and re.fullmatch(r"[0-9a-f]{64}", str(entry.get("sha256")))):
            raise UpdatePackError(f"{MANIFEST}: {member!r} needs a size and a SHA-256")
    return manifest


def _extract_verified(zf: zipfile.ZipFile, manifest: dict[str, Any], staging: Path) -> dict[str, str]:
    """Copy each member to ``staging`` while hashing it; return member -> description. Refuses on any mismatch."""
    infos = [i for i in zf.infolist() if not i.is_dir()]
    for info in zf.infolist():
        _check_name(info)
    names = [i.filename for i in infos]
    if len(names) != len(set(names)):
        raise UpdatePackError("a member name appears twice")
    files = manifest["files"]
    extra, missing = set(names) - set(files) - {MANIFEST, SIGNATURE}, set(files) - set(names)
    if extra or missing:
        raise UpdatePackError(f"members and manifest differ: not listed {sorted(extra)}, absent {sorted(missing)}")
    if sum(e["size"] for e in files.values()) > MAX_TOTAL:
        raise UpdatePackError(f"the pack would unpack to more than {MAX_TOTAL >> 30} GB")
    described = {}
    for member, entry in sorted(files.items()):
        _kind(member)
        target = staging / member
        target.parent.mkdir(parents=True, exist_ok=True)
        h, size = hashlib.sha256(), 0
        with zf.open(member) as src, open(target, "wb") as dst:
            while block := src.read(CHUNK):
                size += len(block)
                if size > entry["size"]:
                    break
                h.update(block)
                dst.write(block)
        if size != entry["size"] or h.hexdigest() != entry["sha256"]:
            raise UpdatePackError(f"{member}: size or SHA-256 does not match the manifest (damaged or altered)")
        described[member] = _validate(member, target)
    return described


@dataclass(frozen=True)
class Change:
    member: str
    status: str  # added, removed, changed, unchanged
    detail: str = ""


@dataclass(frozen=True)
class ImportReport:
    name: str
    path: Path
    previous: str | None
    changes: list[Change] = field(default_factory=list)
    origin: str = ""  # who signed it (Verdict.words)

    def lines(self) -> list[str]:
        head = f"update pack {self.name} is active ({self.path}); previous: {self.previous or 'none'}"
        head += f"; {self.origin}" if self.origin else ""
        return [head] + [f"  {c.status:<9} {c.member}{'  ' + c.detail if c.detail else ''}" for c in self.changes]


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        return {k: v for key, value in data.items() for k, v in _flatten(value, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): data}


def _config_diff(old: Path, new: Path) -> str:
    before, after = (_flatten(yaml.safe_load(p.read_text(encoding="utf-8")) or {}) for p in (old, new))
    keys = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    shown = ", ".join(f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in keys[:8])
    return shown + (f" (+{len(keys) - 8} more)" if len(keys) > 8 else "")


def _members(folder: Path | None) -> dict[str, Path]:
    if folder is None or not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*")
            if p.is_file() and p.name not in (MANIFEST, ORIGIN)}


def compare(old: Path | None, new: Path) -> list[Change]:
    """What differs between two installed packs (``old=None``: everything is added)."""
    before, after = _members(old), _members(new)
    changes = []
    for member in sorted(before.keys() | after.keys()):
        if member not in before:
            changes.append(Change(member, "added"))
        elif member not in after:
            changes.append(Change(member, "removed"))
        elif _sha256(before[member]) == _sha256(after[member]):
            changes.append(Change(member, "unchanged"))
        else:
            detail = _config_diff(before[member], after[member]) if member == "config/config.yaml" else ""
            changes.append(Change(member, "changed", detail))
    return changes


def _state_path(root: Path) -> Path:
    return root / "packs" / "state.json"


def read_state(root: Path | None = None) -> dict[str, str | None]:
    path = _state_path(root or data_dir())
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"active": None, "previous": None}
    except (OSError, ValueError):  # a folder in its place (a pack once named state.json), a torn write
        return _recover_state(path)
    if not isinstance(state, dict):
        return _recover_state(path)
    packs = path.parent
    names = {role: state.get(role) for role in ("active", "previous")}
    return {role: name if isinstance(name, str) and NAME_RE.match(name) and name.lower() not in RESERVED_NAMES
            and (packs / name).is_dir() else None for role, name in names.items()}


def _recover_state(path: Path) -> dict[str, str | None]:
    """A broken ``state.json`` is moved aside (``.broken-state-<time>``) and the data folder starts again with
    no active pack; the installed packs stay, so one can be imported again. Never fatal."""
    aside = path.with_name(f".broken-state-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}")
    try:
        os.replace(path, aside)
    except OSError:
        pass  # a read-only data folder: read as no pack, and an import will say why it cannot write
    return {"active": None, "previous": None}


def _write_state(root: Path, active: str | None, previous: str | None) -> None:
    path = _state_path(root)
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"active": active, "previous": previous}, indent=2))
    keep = {".incoming", active, previous}
    for folder in path.parent.iterdir():  # older packs go; the active one and the one before it stay
        if folder.is_dir() and folder.name not in keep and not folder.name.startswith((".incoming", ".broken")):
            shutil.rmtree(folder)


def _verify_origin(zf: zipfile.ZipFile, root: Path, allow_unsigned: bool) -> Verdict:
    """Refuse a pack not signed by a key this laptop trusts (unless ``allow_unsigned``), before any member
    is read (see :mod:`.pack_signing`)."""
    try:
        manifest = zf.read(MANIFEST)
    except KeyError:
        raise UpdatePackError(f"no {MANIFEST}: not an update pack") from None
    try:
        signature = zf.read(SIGNATURE)
    except KeyError:
        signature = None
    try:
        return verify(manifest, signature, root, allow_unsigned)
    except SigningError as exc:
        raise UpdatePackError(exc.message) from None


def import_pack(pack: Path, root: Path | None = None, allow_unsigned: bool = False) -> ImportReport:
    """Verify ``pack`` (its signature by a trusted key, then every member) and make it the active pack; the one
    active before stays as the previous one. ``allow_unsigned`` takes a pack without a signature (said so)."""
    root = root or data_dir()
    packs = root / "packs"
    packs.mkdir(parents=True, exist_ok=True)
    state = read_state(root)
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=packs))
    try:
        try:
            with zipfile.ZipFile(pack) as zf:
                origin = _verify_origin(zf, root, allow_unsigned)
                manifest = _read_manifest(zf)
                _extract_verified(zf, manifest, staging)
        except (zipfile.BadZipFile, OSError) as exc:
            raise UpdatePackError(f"cannot read: {exc}", pack) from None
        except UpdatePackError as exc:
            raise UpdatePackError(f"refused: {exc.message}", pack) from None
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        (staging / ORIGIN).write_text(json.dumps({"signed": origin.signed, "key_id": origin.key_id}), encoding="utf-8")
        name, target = manifest["name"], packs / manifest["name"]
        if target.exists():
            if any(c.status != "unchanged" for c in compare(target, staging)):
                raise UpdatePackError(f"refused: a different pack named {name} is already installed", pack)
            shutil.rmtree(staging)
        else:
            os.replace(staging, target)
        active = state["active"] if state["active"] and (packs / state["active"]).is_dir() else None
        changes = compare(packs / active if active else None, target)
        previous = active if active != name else state["previous"]
        _write_state(root, name, previous)
        return ImportReport(name, target, previous, changes, origin.words())
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def rollback(root: Path | None = None) -> ImportReport:
    """Make the previous pack the active one again (and the active one the previous)."""
    root = root or data_dir()
    state = read_state(root)
    packs = root / "packs"
    if not state["previous"] or not (packs / state["previous"]).is_dir():
        raise UpdatePackError("no previous update pack to return to", packs)
    changes = compare(packs / state["active"] if state["active"] else None, packs / state["previous"])
    _write_state(root, state["previous"], state["active"])
    return ImportReport(state["previous"], packs / state["previous"], state["active"], changes)


@dataclass(frozen=True)
class Overrides:
    """What the active pack adds to a run: ``analyze(config_files=..., geoip_dbs=..., extra_playbook_dirs=...)``."""
    config_files: list[Path]
    geoip_dbs: list[Path]
    playbook_dirs: list[Path]
    sigma_dirs: list[Path] = field(default_factory=list)
    attack_reference: Path | None = None
    name: str | None = None  # the active pack
    ip_lists: list[Path] = field(default_factory=list)  # provider lists, before the bundled ones


def active_overrides(root: Path | None = None) -> Overrides:
    root = root or data_dir()
    active = read_state(root)["active"]
    folder = root / "packs" / active if active else None
    if folder is None or not folder.is_dir():
        return Overrides([], [], [])
    config = folder / "config" / "config.yaml"
    attack = folder / "attack" / "techniques.json"
    geoip = [*sorted((folder / "geoip").glob("*.mmdb")), *sorted((folder / "geoip").glob("*.npz"))]
    return Overrides([config] if config.is_file() else [], geoip,
                     [folder / "playbooks"] if (folder / "playbooks").is_dir() else [],
                     [folder / "sigma"] if (folder / "sigma").is_dir() else [],
                     attack if attack.is_file() else None, active,
                     sorted(p for p in (folder / "ipintel").glob("*") if p.suffix in (".bin", ".csv")))


def in_use(ignore: bool = False, root: Path | None = None) -> Overrides:
    """What the active pack adds to a run (nothing when ``ignore``), with its ATT&CK reference put in use."""
    from .. import attack

    pack = Overrides([], [], []) if ignore else active_overrides(root)
    attack.use_reference(pack.attack_reference)
    return pack


def status_lines(root: Path | None = None) -> Iterable[str]:
    root = root or data_dir()
    state = read_state(root)
    yield f"data folder: {root}"
    keys = trusted_keys(root)
    yield "trusted pack keys: " + (", ".join(f"{k.id}{' (' + k.comment + ')' if k.comment else ''}"
                                             for k in keys.values()) or "none (update-pack trust KEY.pub)")
    for role in ("active", "previous"):
        name = state[role]
        yield f"{role}: {name or 'none'}"
        if name and (root / "packs" / name / MANIFEST).is_file():
            manifest = json.loads((root / "packs" / name / MANIFEST).read_text(encoding="utf-8"))
            for member, entry in sorted(manifest["files"].items()):
                yield f"  {member}  {entry.get('content', '')}"
