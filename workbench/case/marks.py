"""The analyst's marks on events and findings: tags, a star and a comment, kept in the case (one transaction
per edit, like the rest of the triage), shown as grid columns, queried (``tag:exfil``, ``starred:yes``,
``comment:*phish*``), exported and listed in the report.

An event is named by its ``file`` and ``ref`` (as bookmarks and evidence references name it); a finding by
its id (``file`` is ""). Tags are short words: trimmed, inner spaces kept, commas refused (a tag list is shown
and exported comma-separated), the same tag twice in any case kept once.

API (the storage half is mixed into :class:`workbench.case.folder.Case`)::

    case.set_mark("event", file, ref, tags=["exfil"], starred=True, comment="copied the bucket")  # None keeps
    case.marks("event") -> list[Mark]; case.mark("finding", "", finding_id) -> Mark (empty when never set)
    with_mark_columns(table, case.marks("event")) -> table with tags / starred / comment columns
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import WorkbenchError

KINDS = ("event", "finding")
MARK_COLUMNS = ("tags", "starred", "comment")  # the columns with_mark_columns adds to the event table
TAG_SEPARATOR = ", "
MARKS_SCHEMA = """
CREATE TABLE IF NOT EXISTS marks (kind TEXT NOT NULL, file TEXT NOT NULL, ref TEXT NOT NULL,
    tags TEXT NOT NULL, starred INTEGER NOT NULL, comment TEXT NOT NULL, who TEXT NOT NULL, updated TEXT NOT NULL,
    PRIMARY KEY (kind, file, ref));
"""


class MarkError(WorkbenchError):
    """A mark that cannot be kept (an unknown kind, a tag with a comma)."""


@dataclass(frozen=True)
class Mark:
    kind: str  # "event" or "finding"
    file: str  # the event's file; "" for a finding
    ref: str  # the event's ref, or the finding's id
    tags: tuple[str, ...] = ()
    starred: bool = False
    comment: str = ""
    who: str = ""
    updated: datetime | None = None

    @property
    def empty(self) -> bool:
        return not (self.tags or self.starred or self.comment)

    @property
    def tags_text(self) -> str:
        return TAG_SEPARATOR.join(self.tags)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file, "ref": self.ref, "tags": list(self.tags),
                "starred": self.starred, "comment": self.comment, "who": self.who,
                "updated": self.updated.isoformat() if self.updated else None}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Mark":
        return cls(d["kind"], d.get("file", ""), d["ref"], tuple(d.get("tags", ())), bool(d.get("starred")),
                   d.get("comment", ""), d.get("who", ""),
                   datetime.fromisoformat(d["updated"]) if d.get("updated") else None)


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Trimmed, blanks dropped, each tag once (ignoring case, first spelling kept); a comma is refused."""
    out: dict[str, str] = {}
    for tag in tags:
        text = " ".join(str(tag).split())
        if "," in text:
            raise MarkError(f"a tag cannot hold a comma: {text!r}")
        if text:
            out.setdefault(text.casefold(), text)
    return tuple(out.values())


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags typed as one line, separated by commas."""
    return clean_tags(text.split(","))


def _mark(row: tuple) -> Mark:
    kind, file, ref, tags, starred, comment, who, updated = row
    return Mark(kind, file, ref, tuple(t for t in tags.split("\n") if t), bool(starred), comment, who,
                datetime.fromisoformat(updated) if updated else None)


class CaseMarks:
    """The storage of marks, mixed into :class:`workbench.case.folder.Case` (uses its ``_tx``, ``_rows``, ``analyst``)."""

    def set_mark(self, kind: str, file: str, ref: str, *, tags: Iterable[str] | None = None,
                 starred: bool | None = None, comment: str | None = None, who: str | None = None) -> Mark:
        """Change what is given (None keeps what is stored); one transaction, committed on return. A mark left
        with no tag, no star and no comment is removed."""
        if kind not in KINDS:
            raise MarkError(f"unknown mark kind {kind!r} (known: {', '.join(KINDS)})")
        file, ref = ("" if kind == "finding" else str(file)), str(ref)
        new_tags = None if tags is None else clean_tags(tags)
        with self._tx() as db:
            row = db.execute("SELECT kind, file, ref, tags, starred, comment, who, updated FROM marks "
                             "WHERE kind = ? AND file = ? AND ref = ?", (kind, file, ref)).fetchone()
            old = _mark(row) if row else Mark(kind, file, ref)
            mark = Mark(kind, file, ref, old.tags if new_tags is None else new_tags,
                        old.starred if starred is None else bool(starred),
                        old.comment if comment is None else comment.strip(),
                        who or self.analyst, datetime.now(timezone.utc))
            if mark.empty:
                db.execute("DELETE FROM marks WHERE kind = ? AND file = ? AND ref = ?", (kind, file, ref))
            else:
                db.execute("INSERT OR REPLACE INTO marks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (kind, file, ref, "\n".join(mark.tags), int(mark.starred), mark.comment, mark.who,
                            mark.updated.isoformat(timespec="microseconds")))
        return mark

    def marks(self, kind: str | None = None) -> list[Mark]:
        sql = "SELECT kind, file, ref, tags, starred, comment, who, updated FROM marks"
        rows = self._rows(sql + " WHERE kind = ? ORDER BY updated", (kind,)) if kind else \
            self._rows(sql + " ORDER BY kind, updated")
        return [_mark(r) for r in rows]

    def mark(self, kind: str, file: str, ref: str) -> Mark:
        file = "" if kind == "finding" else str(file)
        rows = self._rows("SELECT kind, file, ref, tags, starred, comment, who, updated FROM marks "
                          "WHERE kind = ? AND file = ? AND ref = ?", (kind, file, str(ref)))
        return _mark(rows[0]) if rows else Mark(kind, file, str(ref))


def _dictionary_column(codes: np.ndarray, values: list[str]) -> pa.Array:
    """A dictionary-encoded string column from one code per row (-1: null): no Python object per row."""
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string())).cast(pa.string())


def mark_rows(table: pa.Table, marks: Iterable[Mark]) -> tuple[np.ndarray, list[Mark]]:
    """(the row of each marked event found in ``table``, its mark): events not in the table are left out."""
    by_key = {(m.file, m.ref): m for m in marks if m.kind == "event" and not m.empty}
    if not by_key or table.num_rows == 0:
        return np.empty(0, dtype=np.int64), []
    refs = pa.array(sorted({ref for _, ref in by_key}), pa.string())
    candidates = np.flatnonzero(pc.is_in(table.column("ref").cast(pa.string()), value_set=refs)
                                .to_numpy(zero_copy_only=False))
    if not len(candidates):
        return np.empty(0, dtype=np.int64), []
    taken = pa.array(candidates)
    files = table.column("file").take(taken).to_pylist()
    refs_at = table.column("ref").take(taken).to_pylist()
    rows, found = [], []
    for row, file, ref in zip(candidates.tolist(), files, refs_at):
        mark = by_key.get((file or "", str(ref)))
        if mark is not None:
            rows.append(row)
            found.append(mark)
    return np.asarray(rows, dtype=np.int64), found


def with_mark_columns(table: pa.Table, marks: Iterable[Mark]) -> pa.Table:
    """``table`` with the :data:`MARK_COLUMNS` filled from the event marks (replaced if present): ``tags`` the
    tags comma-separated, ``starred`` "yes" or "no", ``comment`` the comment (null when none)."""
    rows, found = mark_rows(table, marks)
    n = table.num_rows
    columns: dict[str, pa.Array] = {}
    for name, value_of in (("tags", lambda m: m.tags_text), ("comment", lambda m: m.comment)):
        codes = np.full(n, -1, dtype=np.int64)
        values: dict[str, int] = {}
        for row, mark in zip(rows.tolist(), found):
            text = value_of(mark)
            if text:
                codes[row] = values.setdefault(text, len(values))
        columns[name] = _dictionary_column(codes, list(values))
    starred = np.ones(n, dtype=np.int64)  # "no"
    starred[[r for r, m in zip(rows.tolist(), found) if m.starred]] = 0
    columns["starred"] = _dictionary_column(starred, ["yes", "no"])
    for name in MARK_COLUMNS:
        col = columns[name]
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), name, col)
        else:
            table = table.append_column(name, col)
    return table
