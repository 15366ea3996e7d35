"""Findings: what a check concluded about one account or source in one incident window,
with the events that make it. Never one finding per event."""

from __future__ import annotations

import hashlib
from functools import cached_property
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class EvidenceRef:
    """Points at one original record: the parser, the input file, and the record's native id."""

    source: str
    file: str
    ref: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "file": self.file, "ref": self.ref}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "EvidenceRef":
        return cls(str(d["source"]), str(d["file"]), str(d["ref"]))


@dataclass(frozen=True)
class Finding:
    check: str
    title: str
    severity: str
    techniques: tuple[str, ...]
    explanation: str
    first_seen: datetime
    last_seen: datetime
    users: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    evidence: tuple[EvidenceRef, ...] = ()
    playbook: str | None = None  # technique id of the matched playbook, set by the pipeline
    facts: dict[str, Any] = field(default_factory=dict, compare=False)  # numbers behind the explanation
    sigma: dict[str, Any] | None = field(default=None, compare=False)  # the Sigma rule, for Sigma findings

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    @cached_property
    def id(self) -> str:
        """Stable across runs on the same evidence: derived from the check and the evidence refs (computed
        once per finding: the fields it depends on are frozen)."""
        digest = hashlib.sha256(self.check.encode())
        for ev in sorted(self.evidence, key=lambda e: (e.file, e.ref)):
            digest.update(f"\0{ev.file}\0{ev.ref}".encode())
        return f"{self.check}-{digest.hexdigest()[:12]}"

    @property
    def severity_rank(self) -> int:
        return SEVERITIES.index(self.severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "check": self.check,
            "title": self.title,
            "severity": self.severity,
            "techniques": list(self.techniques),
            "playbook": self.playbook,
            "users": list(self.users),
            "ips": list(self.ips),
            "hosts": list(self.hosts),
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "explanation": self.explanation,
            "evidence": [e.to_dict() for e in self.evidence],
            "facts": self.facts,
            **({"sigma": self.sigma} if self.sigma is not None else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Finding":
        return cls(
            check=d["check"], title=d["title"], severity=d["severity"],
            techniques=tuple(d["techniques"]), explanation=d["explanation"],
            first_seen=datetime.fromisoformat(d["first_seen"]),
            last_seen=datetime.fromisoformat(d["last_seen"]),
            users=tuple(d.get("users", ())), ips=tuple(d.get("ips", ())), hosts=tuple(d.get("hosts", ())),
            evidence=tuple(EvidenceRef.from_dict(e) for e in d.get("evidence", ())),
            playbook=d.get("playbook"), facts=dict(d.get("facts", {})), sigma=d.get("sigma"),
        )


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then earliest."""
    return sorted(findings, key=lambda f: (-f.severity_rank, f.first_seen, f.id))


def evidence_mask(table: pa.Table, findings: Iterable[Finding]) -> np.ndarray:
    """Per row of ``table``: is it the evidence of one of ``findings``? (What every "usual" leaves out.)"""
    keys = sorted({f"{e.file}\0{e.ref}" for f in findings for e in f.evidence})
    if not keys or not table.num_rows:
        return np.zeros(table.num_rows, dtype=bool)
    joined = pc.binary_join_element_wise(table.column("file"), table.column("ref"), "\0")
    return pc.fill_null(pc.is_in(joined, value_set=pa.array(keys, pa.string())), False).to_numpy(zero_copy_only=False)
