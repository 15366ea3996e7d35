"""Playbooks in the SOC's markdown-table format, and matching a finding to one by ATT&CK id.

The format (as in the seed playbooks)::

    # Title - T1021007

    | Column Name | Value |
    |-------------|-------|
    | MITRE Tactic | Lateral Movement |
    | MITRE TTP | T1021.007 |
    ...

Rows are ``| key | value |``; ``<br>`` separates lines inside a cell. Lists (questions, steps)
are split on ``<br>`` or numbered items ("1. ... 2. ..."), else into sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from .errors import PlaybookError
from .findings import Finding

TECHNIQUE_RE = re.compile(r"^T\d{4}(?:\.\d{3})?$")
REQUIRED = ("MITRE TTP", "Name")
# The rows the workbench knows, in display order. Other rows are kept and shown after these.
KNOWN_ROWS = (
    "MITRE Tactic", "MITRE TTP", "MITRE Sub-TTP", "Name", "Log Sources to Investigate", "Key Indicators",
    "Questions for Analysis", "Decision for Escalation", "Additional Analysis Steps for L1",
    "T2 Analyst Actions", "Containment and Further Analysis",
)
LIST_ROWS = ("Questions for Analysis", "Decision for Escalation", "Additional Analysis Steps for L1",
             "T2 Analyst Actions", "Containment and Further Analysis")
PLAYBOOK_SUFFIXES = (".md", ".txt")


@dataclass(frozen=True)
class Playbook:
    technique: str  # the most specific id: Sub-TTP if given, else TTP
    name: str
    title: str
    rows: dict[str, str] = field(default_factory=dict)  # every row as written, <br> turned into newlines
    path: str = ""

    @property
    def tactics(self) -> list[str]:
        return [t.strip() for t in self.rows.get("MITRE Tactic", "").split(",") if t.strip()]

    def items(self, row: str) -> list[str]:
        """A list row split into its items (questions, criteria, steps)."""
        return split_items(self.rows.get(row, ""))

    @property
    def questions(self) -> list[str]:
        return self.items("Questions for Analysis")

    @property
    def escalation(self) -> list[str]:
        return self.items("Decision for Escalation")

    @property
    def l1_steps(self) -> list[str]:
        return self.items("Additional Analysis Steps for L1")

    @property
    def t2_actions(self) -> list[str]:
        return self.items("T2 Analyst Actions")

    @property
    def containment(self) -> list[str]:
        return self.items("Containment and Further Analysis")


_NUMBERED = re.compile(r"(?:^|\s)(\d{1,2})\.\s+")
_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")


def split_items(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    items: list[str] = []
    for part in parts:
        numbered = _NUMBERED.split(part)
        if len(numbered) > 2:  # ["lead", "1", "item", "2", "item", ...]
            lead = numbered[0].strip()
            if lead and not lead.endswith(":"):  # "Escalate to Tier 2 if:" introduces the list
                items.append(lead)
            items.extend(numbered[i].strip() for i in range(2, len(numbered), 2) if numbered[i].strip())
        else:
            items.extend(s.strip() for s in _SENTENCE.split(part) if s.strip())
    return items


def parse(text: str, path: str = "<text>") -> Playbook:
    title = ""
    rows: dict[str, str] = {}
    lines: dict[str, int] = {}
    in_table = False
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("#") and not title:
            title = stripped.lstrip("#").strip()
            continue
        if not stripped.startswith("|"):
            if in_table and stripped:
                raise PlaybookError("text inside the table that is not a | key | value | row", path, lineno)
            continue
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        if len(cells) < 2:
            raise PlaybookError("table row with fewer than two cells", path, lineno)
        key, value = cells[0], "|".join(cells[1:]).strip()
        if set(key) <= set("-: ") or key == "Column Name":
            in_table = True
            continue
        if key in rows:
            raise PlaybookError(f"row {key!r} appears twice", path, lineno)
        rows[key] = re.sub(r"<br\s*/?>", "\n", value, flags=re.IGNORECASE)
        lines[key] = lineno
        in_table = True
    for key in REQUIRED:
        if not rows.get(key):
            raise PlaybookError(f"missing the {key!r} row", path)
    row = "MITRE Sub-TTP" if rows.get("MITRE Sub-TTP") else "MITRE TTP"
    technique = rows[row].strip()
    if not TECHNIQUE_RE.match(technique):
        raise PlaybookError(f"row {row!r}: {technique!r} is not an ATT&CK technique id (like T1021 or T1021.007)",
                            path, lines[row])
    return Playbook(technique, rows["Name"], title or rows["Name"], rows, path)


def _files(folders: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        try:
            entries = sorted(folder.iterdir()) if folder.is_dir() else []
        except OSError:
            continue  # an unreadable folder holds no playbooks; the others still load
        found.extend(p for p in entries if p.suffix.lower() in PLAYBOOK_SUFFIXES and p.is_file())
    return found


def _stamp(paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """What tells a changed folder: every playbook file's path, modification time and size."""
    out = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(out)


@dataclass
class PlaybookLibrary:
    playbooks: dict[str, Playbook] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # one line per file that did not parse
    folders: tuple[Path, ...] = ()  # where load() looked, in order (reload() looks there again)
    stamp: tuple[tuple[str, int, int], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def load(cls, folders: Iterable[Path]) -> "PlaybookLibrary":
        """Every playbook in ``folders``; later folders override earlier ones for the same technique."""
        lib = cls(folders=tuple(Path(f) for f in folders))
        lib._read()
        return lib

    def _read(self) -> None:
        paths = _files(self.folders)
        playbooks: dict[str, Playbook] = {}
        errors: list[str] = []
        for path in paths:
            try:
                book = parse(path.read_text(encoding="utf-8-sig"), str(path))
            except (PlaybookError, UnicodeDecodeError, OSError) as exc:
                errors.append(str(exc) if isinstance(exc, PlaybookError) else f"{path}: {exc}")
                continue
            playbooks[book.technique] = book
        self.playbooks, self.errors, self.stamp = playbooks, errors, _stamp(paths)

    def changed(self) -> bool:
        """A playbook file in the folders was added, removed or modified since the last (re)load."""
        return _stamp(_files(self.folders)) != self.stamp

    def reload(self, force: bool = False) -> bool:
        """Read the folders again when a file changed (drop-in playbooks, no restart); returns whether it did.
        The library is updated in place, so every holder of it (an Analysis, the GUI) sees the new playbooks."""
        if not force and not self.changed():
            return False
        self._read()
        return True

    def add_folder(self, folder: Path) -> None:
        """Add the analyst's folder (it overrides the ones before it) and read everything again."""
        self.folders = (*self.folders, Path(folder))
        self._read()

    def get(self, technique: str) -> Playbook | None:
        return self.playbooks.get(technique)

    def match(self, techniques: Iterable[str]) -> Playbook | None:
        """The first technique with a playbook wins; a sub-technique falls back to its parent."""
        techniques = list(techniques)
        for tech in techniques:
            if tech in self.playbooks:
                return self.playbooks[tech]
        for tech in techniques:
            parent = tech.split(".")[0]
            if parent in self.playbooks:
                return self.playbooks[parent]
        return None


def assign(findings: Iterable[Finding], library: PlaybookLibrary) -> list[Finding]:
    """``findings`` with their ``playbook`` matched again in ``library`` (after the analyst added or edited
    playbooks); a finding whose match did not change is returned as it was."""
    out = []
    for finding in findings:
        book = library.match(finding.techniques)
        technique = book.technique if book else None
        out.append(finding if technique == finding.playbook else replace(finding, playbook=technique))
    return out
