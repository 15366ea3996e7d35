"""Sigma correlation rules (``event_count``, ``value_count``, ``temporal``, ``temporal_ordered``) evaluated
over the rows their base rules matched.

The matched rows are grouped by the ``group-by`` fields (read from the columns where a field maps to one,
else from the decoded records of those rows only) and scanned in time order with a window of the rule's
``timespan`` ending at each event: ``event_count`` counts the events in it, ``value_count`` the distinct values
of the condition's ``field``, ``temporal`` needs every referenced rule in it (``temporal_ordered``: in the
order listed). Windows that satisfy the condition are merged into one finding per group.
"""

from __future__ import annotations

import operator
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ..events import format_ts
from ..findings import EvidenceRef, Finding
from .mappings import WRAPPED, field_spec
from .records import decode, raw_texts, values_at

TYPES = ("event_count", "value_count", "temporal", "temporal_ordered")
OPERATORS = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le, "eq": operator.eq,
             "neq": operator.ne}
_SYMBOL = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "eq": "=", "neq": "≠"}


@dataclass(frozen=True)
class Correlation:
    """A correlation rule ready to run over its base rules' matches (``rules``: indexes into the rule list)."""

    title: str
    file: str
    type: str
    rules: tuple[int, ...]
    timespan: int  # seconds
    op: str
    count: int
    group_by: tuple[str, ...] = ()
    value_field: str | None = None  # value_count: the field whose distinct values are counted
    rule_id: str | None = None
    level: str = "medium"
    description: str = ""
    author: str | None = None
    references: tuple[str, ...] = ()
    falsepositives: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.rule_id or f"{self.file}:{self.title}"

    def condition_text(self) -> str:
        what = {"event_count": "events", "value_count": f"distinct {self.value_field}",
                "temporal": f"all {len(self.rules)} rules", "temporal_ordered": f"all {len(self.rules)} rules in order"}
        if self.type.startswith("temporal"):
            return f"{what[self.type]} within {self.timespan} s"
        return f"{what[self.type]} {_SYMBOL[self.op]} {self.count} within {self.timespan} s"


def _field_values(table: pa.Table, rows: np.ndarray, name: str) -> list[str | None]:
    """One text per row for Sigma field ``name`` (the first value where the record has several)."""
    sources = table.column("source").take(pa.array(rows)).to_pylist()
    out: list[str | None] = [None] * len(rows)
    need: list[int] = []
    for i, source in enumerate(sources):
        spec = field_spec(source or "", name)
        if spec.column and spec.column != "raw":
            value = table.column(spec.column)[int(rows[i])].as_py()
            out[i] = None if value is None else str(value)
        else:
            need.append(i)
    if need:
        texts = raw_texts(table, rows[need])
        for i, text in zip(need, texts):
            found = values_at(decode(text, WRAPPED.get(sources[i] or "")), field_spec(sources[i] or "", name).paths)
            out[i] = found[0] if found else None
    return out


def _windows(ts: np.ndarray, which: np.ndarray, values: list[Any], corr: Correlation) -> np.ndarray:
    """Positions (into this group's time-ordered events) inside a window that satisfies the condition."""
    hit = np.zeros(len(ts), bool)
    span = np.timedelta64(corr.timespan, "s")
    start = 0
    test = OPERATORS.get(corr.op, operator.ge)
    for end in range(len(ts)):
        while ts[end] - ts[start] > span:
            start += 1
        window = range(start, end + 1)
        if corr.type == "event_count":
            ok = test(len(window), corr.count)
        elif corr.type == "value_count":
            ok = test(len({values[i] for i in window if values[i] is not None}), corr.count)
        elif corr.type == "temporal":
            ok = len({int(which[i]) for i in window}) == len(corr.rules)
        else:  # temporal_ordered: the rules' events appear in the listed order
            want = 0
            for i in window:
                if want < len(corr.rules) and which[i] == corr.rules[want]:
                    want += 1
            ok = want == len(corr.rules)
        if ok:
            hit[start:end + 1] = True
    return hit


def correlate(table: pa.Table, corr: Correlation, hits: list[np.ndarray]) -> list[Finding]:
    """The findings of one correlation from the rows each rule matched."""
    parts = [(hits[i], np.full(len(hits[i]), i)) for i in corr.rules if len(hits[i])]
    if not parts:
        return []
    rows = np.concatenate([p[0] for p in parts])
    which = np.concatenate([p[1] for p in parts])
    rows, first = np.unique(rows, return_index=True)  # a row two base rules matched counts once
    which = which[first]
    cols = table.select(["ts", "source", "file", "ref", "user", "src_ip", "host", "event_name"]).take(pa.array(rows))
    data = cols.to_pydict()
    keys = list(zip(*[_field_values(table, rows, f) for f in corr.group_by])) if corr.group_by else [()] * len(rows)
    values = _field_values(table, rows, corr.value_field) if corr.value_field else [None] * len(rows)
    ts = cols.column("ts").to_numpy().astype("datetime64[us]")
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    findings = []
    for key, idx in sorted(groups.items(), key=lambda kv: str(kv[0])):
        idx = sorted(idx, key=lambda i: (ts[i], rows[i]))
        inside = _windows(ts[idx], which[idx], [values[i] for i in idx], corr)
        picked = [idx[j] for j in np.flatnonzero(inside)]
        if not picked:
            continue
        findings.append(_finding(corr, key, picked, data, values))
    return findings


def _finding(corr: Correlation, key: tuple, picked: list[int], data: dict[str, list], values: list) -> Finding:
    who = ", ".join(f"{f}={v}" for f, v in zip(corr.group_by, key)) or "all events"
    first, last = min(data["ts"][i] for i in picked), max(data["ts"][i] for i in picked)
    names = Counter(str(data["event_name"][i]) for i in picked if data["event_name"][i])
    text = (f"Sigma correlation “{corr.title}” ({corr.type}: {corr.condition_text()}"
            + (f", by {corr.author}" if corr.author else "") + f"; {corr.file}) held for {who}: {len(picked)} events "
            f"between {format_ts(first)} and {format_ts(last)}")
    if corr.value_field:
        text += f", {len({values[i] for i in picked if values[i] is not None})} distinct {corr.value_field}"
    if names:
        text += "; events: " + ", ".join(f"{n} ×{c}" if c > 1 else n for n, c in names.most_common(5))
    text += "."
    if corr.description:
        text += f" Rule: {corr.description}"
    if corr.falsepositives:
        text += f" Known false positives: {'; '.join(corr.falsepositives)}."
    users = tuple(dict.fromkeys(str(data["user"][i]) for i in picked if data["user"][i]))
    from .rules import LEVELS, techniques_of
    return Finding(
        check="sigma", title=f"{corr.title}: {who}", severity=LEVELS.get(corr.level, "medium"),
        techniques=techniques_of(corr.tags), explanation=text, first_seen=first, last_seen=last, users=users,
        ips=tuple(dict.fromkeys(str(data["src_ip"][i]) for i in picked if data["src_ip"][i])),
        hosts=tuple(dict.fromkeys(str(data["host"][i]) for i in picked if data["host"][i])),
        evidence=tuple(EvidenceRef(data["source"][i], data["file"][i], data["ref"][i]) for i in picked),
        facts={"events": len(picked), "rule": corr.key, "correlation": corr.type, "group": dict(zip(corr.group_by, key))},
        sigma={"rule_id": corr.rule_id, "title": corr.title, "file": corr.file, "level": corr.level,
               "description": corr.description, "author": corr.author, "references": list(corr.references),
               "falsepositives": list(corr.falsepositives), "tags": list(corr.tags), "status": None, "logsource": {},
               "correlation": corr.type},
    )
