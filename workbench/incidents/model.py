"""What an incident is: the findings of one story, with its people, credentials, addresses and hosts, its
place on the ATT&CK kill chain, and a severity and a confidence that say why."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from ..findings import SEVERITIES

# The kill chain an incident is read along: ATT&CK Enterprise tactics in the matrix's order, without the
# pre-compromise ones (Reconnaissance, Resource Development) and Command and Control, which no log here shows.
KILL_CHAIN = ("Initial Access", "Execution", "Persistence", "Privilege Escalation", "Defense Evasion",
              "Credential Access", "Discovery", "Lateral Movement", "Collection", "Exfiltration", "Impact")
CONFIDENCES = ("low", "medium", "high")


def incident_id(finding_ids: Iterable[str]) -> str:
    """Stable across runs on the same evidence: derived from the member findings' ids (themselves derived from
    the evidence), whatever their order."""
    digest = hashlib.sha256("\0".join(sorted(finding_ids)).encode())
    return f"inc-{digest.hexdigest()[:12]}"


@dataclass(frozen=True)
class Step:
    """One finding in the incident's storyline: when, where on the kill chain, and in a few words what."""

    finding: str  # Finding.id
    at: datetime  # the finding's first event
    until: datetime  # its last event
    tactic: str | None  # its place on the kill chain (None: its techniques name no tactic of the chain)
    tactics: tuple[str, ...]  # every kill-chain tactic its leading technique belongs to, per ATT&CK
    technique: str | None  # the technique the place comes from
    severity: str
    text: str  # plain text (log-derived values inside: escape before any markup)

    def to_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "at": self.at.isoformat(), "until": self.until.isoformat(),
                "tactic": self.tactic, "tactics": list(self.tactics), "technique": self.technique,
                "severity": self.severity, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Step":
        return cls(str(d["finding"]), datetime.fromisoformat(d["at"]), datetime.fromisoformat(d["until"]),
                   d.get("tactic"), tuple(d.get("tactics", ())), d.get("technique"), str(d["severity"]),
                   str(d.get("text", "")))


@dataclass(frozen=True)
class Person:
    """An entity of the identity layer (``id`` an entity id) or, where the layer has none, an account name
    (``id`` empty)."""

    id: str
    label: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "label": self.label}


@dataclass(frozen=True)
class Incident:
    id: str
    title: str  # "j.smith: Credential Access → Persistence → Collection" (plain text)
    findings: tuple[str, ...]  # Finding ids in time order
    steps: tuple[Step, ...]  # the same findings placed on the kill chain, in time order
    tactics: tuple[str, ...]  # the kill-chain tactics the steps reach, in the chain's order
    severity: str  # one of workbench.findings.SEVERITIES
    severity_reasons: tuple[str, ...]
    confidence: str  # one of CONFIDENCES
    confidence_reasons: tuple[str, ...]
    people: tuple[Person, ...]
    accounts: tuple[str, ...]  # every account name the findings name (targets of a spray too)
    credentials: tuple[str, ...]  # lineage Credential ids
    ips: tuple[str, ...]
    hosts: tuple[str, ...]  # machines, cloud accounts and tenants
    sources: tuple[str, ...]  # log sources holding its evidence
    checks: tuple[str, ...]
    first: datetime
    last: datetime
    links: tuple[str, ...]  # why its findings are one incident, in plain words
    narrative: str  # one plain-text paragraph
    places: tuple[tuple[str, str], ...] = ()  # (address, "RU, St Petersburg") where the GeoIP data knows

    def place(self, ip: str) -> str:
        """'45.155.205.99 (RU, St Petersburg)', or the bare address."""
        where = dict(self.places).get(ip)
        return f"{ip} ({where})" if where else ip

    @property
    def severity_rank(self) -> int:
        return SEVERITIES.index(self.severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "findings": list(self.findings),
            "steps": [s.to_dict() for s in self.steps], "tactics": list(self.tactics),
            "severity": self.severity, "severity_reasons": list(self.severity_reasons),
            "confidence": self.confidence, "confidence_reasons": list(self.confidence_reasons),
            "entities": {"people": [p.to_dict() for p in self.people], "accounts": list(self.accounts),
                         "credentials": list(self.credentials), "ips": list(self.ips), "hosts": list(self.hosts),
                         "ip_places": dict(self.places)},
            "sources": list(self.sources), "checks": list(self.checks),
            "first": self.first.isoformat(), "last": self.last.isoformat(),
            "links": list(self.links), "narrative": self.narrative,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Incident":
        ent = d.get("entities", {})
        return cls(
            id=str(d["id"]), title=str(d.get("title", "")), findings=tuple(d["findings"]),
            steps=tuple(Step.from_dict(s) for s in d.get("steps", ())), tactics=tuple(d.get("tactics", ())),
            severity=str(d["severity"]), severity_reasons=tuple(d.get("severity_reasons", ())),
            confidence=str(d["confidence"]), confidence_reasons=tuple(d.get("confidence_reasons", ())),
            people=tuple(Person(str(p["id"]), str(p["label"])) for p in ent.get("people", ())),
            accounts=tuple(ent.get("accounts", ())), credentials=tuple(ent.get("credentials", ())),
            ips=tuple(ent.get("ips", ())), hosts=tuple(ent.get("hosts", ())),
            sources=tuple(d.get("sources", ())), checks=tuple(d.get("checks", ())),
            first=datetime.fromisoformat(d["first"]), last=datetime.fromisoformat(d["last"]),
            links=tuple(d.get("links", ())), narrative=str(d.get("narrative", "")),
            places=tuple((str(k), str(v)) for k, v in (ent.get("ip_places") or {}).items()),
        )


def sort_incidents(incidents: Iterable[Incident]) -> list[Incident]:
    """Most severe first, then the most confident, then the earliest."""
    return sorted(incidents, key=lambda i: (-i.severity_rank, -CONFIDENCES.index(i.confidence), i.first, i.id))
