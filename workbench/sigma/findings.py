"""Sigma matches as findings: one per rule and account (never one per event), with the rule's title,
level, author, references and false-positive notes, and its ATT&CK tags as techniques (which select
the playbook, as for the project's own checks)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa

from ..events import format_ts
from ..findings import EvidenceRef, Finding
from .rules import Rule

CHECK = "sigma"
NO_ACCOUNT = "(no account)"
_SHOWN = 5  # distinct values named in an explanation


def _distinct(values: list[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(v) for v in values if v is not None))


def _top(values: list[Any]) -> str:
    counts = Counter(str(v) for v in values if v is not None)
    shown = ", ".join(f"{v} ×{n}" if n > 1 else v for v, n in counts.most_common(_SHOWN))
    return shown + (f" and {len(counts) - _SHOWN} more" if len(counts) > _SHOWN else "")


def rule_findings(table: pa.Table, rule: Rule, rows: np.ndarray) -> list[Finding]:
    """The findings of one rule from the table rows it matched (ascending row numbers)."""
    if not len(rows):
        return []
    cols = table.select(["ts", "source", "file", "ref", "user", "src_ip", "host", "event_name"]).take(pa.array(rows))
    data = cols.to_pydict()
    groups: dict[str, list[int]] = {}
    for i, user in enumerate(data["user"]):
        groups.setdefault(user if user is not None else NO_ACCOUNT, []).append(i)
    findings = []
    for user, idx in sorted(groups.items()):
        pick = {k: [v[i] for i in idx] for k, v in data.items()}
        first, last = min(pick["ts"]), max(pick["ts"])
        n = len(idx)
        bits = [f"Sigma rule “{rule.title}” (level {rule.level}"
                + (f", by {rule.author}" if rule.author else "") + f"; {rule.file}) matched {n} event"
                + ("s" * (n != 1)) + f" of {user} between {format_ts(first)} and {format_ts(last)}"]
        if any(pick["event_name"]):
            bits.append(f"events: {_top(pick['event_name'])}")
        if any(pick["src_ip"]):
            bits.append(f"from {_top(pick['src_ip'])}")
        text = "; ".join(bits) + "."
        if rule.description:
            text += f" Rule: {rule.description}"
        if rule.falsepositives:
            text += f" Known false positives: {'; '.join(rule.falsepositives)}."
        if rule.references:
            text += f" References: {' '.join(rule.references)}"
        findings.append(Finding(
            check=CHECK, title=f"{rule.title}: {user}", severity=rule.severity, techniques=rule.techniques,
            explanation=text.strip(), first_seen=first, last_seen=last,
            users=() if user == NO_ACCOUNT else (user,), ips=_distinct(pick["src_ip"]), hosts=_distinct(pick["host"]),
            evidence=tuple(EvidenceRef(s, f, r) for s, f, r in zip(pick["source"], pick["file"], pick["ref"])),
            facts={"events": n, "rule": rule.key}, sigma=rule.to_dict(),
        ))
    return findings
