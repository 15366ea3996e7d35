"""The offline MITRE ATT&CK reference: name, tactics, platforms, parent and sub-techniques of each technique in scope.

Read from ``resources/attack/techniques.json``, a small extract of MITRE's Enterprise ATT&CK STIX data made by
``resources/attack/extract.py`` (see ``resources/attack/README.md``). Nothing here touches the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import WorkbenchError
from .paths import resources_dir
from .playbooks import TECHNIQUE_RE


class AttackReferenceError(WorkbenchError):
    """The ATT&CK reference file is missing or malformed."""


@dataclass(frozen=True)
class Technique:
    id: str  # T1021 or T1021.007
    name: str  # as ATT&CK titles it: "Remote Services: Cloud Services" for a sub-technique
    tactics: tuple[str, ...] = ()  # in the Enterprise matrix's order
    platforms: tuple[str, ...] = ()
    parent: str | None = None  # the parent technique's id, for a sub-technique
    subtechniques: tuple[tuple[str, str], ...] = ()  # (id, name) of a parent's sub-techniques
    url: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Technique":
        return cls(
            id=data["id"], name=data["name"], tactics=tuple(data.get("tactics", ())),
            platforms=tuple(data.get("platforms", ())), parent=data.get("parent"),
            subtechniques=tuple((s["id"], s["name"]) for s in data.get("subtechniques", ())),
            url=data.get("url", ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "tactics": list(self.tactics), "platforms": list(self.platforms),
                "parent": self.parent, "subtechniques": [{"id": i, "name": n} for i, n in self.subtechniques],
                "url": self.url}


@dataclass(frozen=True)
class Lookup:
    """What the reference says about ``requested``: the technique itself, or its parent when only that is known."""

    requested: str
    technique: Technique
    exact: bool = True

    @property
    def note(self) -> str:
        if self.exact:
            return ""
        return f"{self.requested} is not in the offline ATT&CK reference; showing its parent {self.technique.id}"


@dataclass(frozen=True)
class Reference:
    techniques: dict[str, Technique] = field(default_factory=dict)
    attack_version: str = ""
    path: str = ""


def default_path() -> Path:
    return resources_dir() / "attack" / "techniques.json"


def read_reference(path: str | Path | None = None) -> Reference:
    """The whole reference file: its techniques and the ATT&CK version they reflect."""
    path = Path(path) if path is not None else default_path()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AttackReferenceError(f"cannot read the ATT&CK reference ({exc.strerror or exc})", path) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AttackReferenceError(f"the ATT&CK reference is not valid JSON ({exc})", path) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("techniques"), list):
        raise AttackReferenceError("the ATT&CK reference has no 'techniques' list", path)
    techniques: dict[str, Technique] = {}
    for number, entry in enumerate(doc["techniques"], 1):
        problem = _problem(entry)
        if problem:
            raise AttackReferenceError(f"technique entry {number}: {problem}", path)
        tech = Technique.from_dict(entry)
        if tech.id in techniques:
            raise AttackReferenceError(f"technique entry {number}: {tech.id} appears twice", path)
        techniques[tech.id] = tech
    return Reference(techniques, str(doc.get("attack_version", "")), str(path))


def _problem(entry: Any) -> str:
    """What is wrong with one technique entry of the reference file, or ''."""
    if not isinstance(entry, dict):
        return "not an object"
    for key in ("id", "name"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            return f"no {key!r} string"
    if not TECHNIQUE_RE.match(entry["id"]):
        return f"{entry['id']!r} is not an ATT&CK technique id"
    for key in ("tactics", "platforms"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"{entry['id']}: {key!r} is not a list of strings"
    subs = entry.get("subtechniques", [])
    if not isinstance(subs, list) or not all(isinstance(s, dict) and isinstance(s.get("id"), str)
                                             and isinstance(s.get("name"), str) for s in subs):
        return f"{entry['id']}: 'subtechniques' is not a list of {{id, name}} objects"
    if entry.get("parent") is not None and not isinstance(entry["parent"], str):
        return f"{entry['id']}: 'parent' is not a string"
    if not isinstance(entry.get("url", ""), str):
        return f"{entry['id']}: 'url' is not a string"
    return ""


def load_reference(path: str | Path | None = None) -> dict[str, Technique]:
    """The techniques of the reference file (default: the shipped one), by id."""
    return read_reference(path).techniques


_IN_USE: list[Path] = []  # a newer reference from an update pack, when one is imported


def use_reference(path: str | Path | None) -> None:
    """Make ``path`` the reference :func:`lookup` reads by default (None: the shipped one again)."""
    _IN_USE[:] = [Path(path)] if path is not None else []
    _shipped.cache_clear()


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Technique]:
    return load_reference(_IN_USE[0] if _IN_USE else None)


def lookup(technique_id: str, reference: dict[str, Technique] | None = None) -> Lookup | None:
    """``technique_id`` in the reference (default: the shipped one); a sub-technique it lacks falls back to its
    parent (``exact`` false). None when neither is known."""
    techniques = _shipped() if reference is None else reference
    tid = technique_id.strip().upper()
    if tid in techniques:
        return Lookup(technique_id, techniques[tid])
    parent = tid.split(".")[0]
    if parent != tid and parent in techniques:
        return Lookup(technique_id, techniques[parent], exact=False)
    return None
