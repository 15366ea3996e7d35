"""The findings list as the analyst reads it (Qt-free, shared by the app and its tests): near-duplicates folded
into one row, a filter over severity, check, person, state and text, and a grouping key (incident, check,
person). Hundreds of findings at most: plain Python over the findings, never over events.

Near-duplicates: findings of the same check that name the same addresses, or the same person, and start within
``FOLD_WINDOW`` of the previous one in the row (nine "Impossible travel" findings over the same two IPs are one
row of nine)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Mapping

from ..findings import SEVERITIES, Finding

FOLD_WINDOW = timedelta(days=1)
GROUPS = ("none", "incident", "check", "person")
_EARLY = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class FindingRow:
    """One row of the list: its findings (one, or near-duplicates folded), the first the most severe."""
    findings: tuple[Finding, ...]

    @property
    def lead(self) -> Finding:
        return self.findings[0]

    @property
    def count(self) -> int:
        return len(self.findings)


def _start(f: Finding) -> datetime:
    return f.first_seen or _EARLY


def fold(findings: Iterable[Finding], window: timedelta = FOLD_WINDOW) -> list[FindingRow]:
    """Rows of near-duplicates in the order of their first member (the order given: most severe first)."""
    rows: list[list[Finding]] = []
    open_rows: dict[tuple, list[Finding]] = {}  # (check, "ips"|"users", the set) → the row to extend
    for f in findings:
        keys = [(f.check, "ips", frozenset(f.ips))] if f.ips else []
        keys += [(f.check, "users", frozenset(f.users))] if f.users else []
        row = next((open_rows[k] for k in keys if k in open_rows
                    and abs(_start(f) - _start(open_rows[k][-1])) <= window), None)
        if row is None:
            row = [f]
            rows.append(row)
        else:
            row.append(f)
        for k in keys:
            open_rows[k] = row
    return [FindingRow(tuple(sorted(r, key=lambda f: (-_rank(f), _start(f))))) for r in rows]


def _rank(f: Finding) -> int:
    return SEVERITIES.index(f.severity) if f.severity in SEVERITIES else -1


def matches(f: Finding, *, text: str = "", min_severity: str = "", state: str = "",
            states: Mapping[str, str] | None = None) -> bool:
    """Whether a finding passes the filter: ``text`` in its title, check, people, addresses or hosts (any case);
    at least ``min_severity``; triage ``state`` (``states`` by finding id, "new" when absent)."""
    if min_severity and _rank(f) < SEVERITIES.index(min_severity):
        return False
    if state and (states or {}).get(f.id, "new") != state:
        return False
    if text:
        needle = text.casefold()
        hay = " ".join((f.title, f.check, *f.users, *f.ips, *f.hosts)).casefold()
        return all(word in hay for word in needle.split())
    return True


def group_key(row: FindingRow, by: str, incident_of: Mapping[str, str] | None = None) -> str:
    """The group a row belongs to: its incident's title, its check, or its first person ("" when none)."""
    f = row.lead
    if by == "incident":
        return (incident_of or {}).get(f.id, "")
    if by == "check":
        return f.check
    if by == "person":
        return f.users[0] if f.users else "(no person)"
    return ""
