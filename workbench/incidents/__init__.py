"""Incidents: findings that tell one story, joined by a person, a credential, a rare address or a machine
within a time window (see :mod:`.link`), placed on the ATT&CK kill chain and told in plain words (see
:mod:`.story`). Every finding belongs to exactly one incident; a lone finding is an incident of one.

:func:`build` is what the pipeline calls after the checks, and again on an analysis restored from disk.
"""

from __future__ import annotations

from typing import Any, Iterable

import pyarrow as pa

from ..findings import Finding
from ..progress import CancelToken, check
from . import link, story
from .model import CONFIDENCES, KILL_CHAIN, Incident, Person, Step, incident_id, sort_incidents

__all__ = ["CONFIDENCES", "KILL_CHAIN", "Incident", "Person", "Step", "build", "settings", "sort_incidents"]


def settings(config: dict[str, Any] | None) -> dict[str, Any]:
    """The ``incidents`` section of the configuration over the shipped one (resources/config.yaml, where the
    defaults are declared; an older case's saved configuration may lack the section)."""
    from ..config import load_config

    return {**load_config()["incidents"], **((config or {}).get("incidents") or {})}


def build(findings: Iterable[Finding], table: pa.Table, identities: Any = None, credentials: Iterable[Any] = (),
          config: dict[str, Any] | None = None, cancel: CancelToken | None = None) -> list[Incident]:
    """The incidents of ``findings``: most severe first. ``identities`` (workbench identity entities with their
    findings filled in) and ``credentials`` (the lineage) supply the person and credential links; without them
    findings link by address and machine only."""
    # a finding's id hashes its evidence: each is computed once here (per use, 1,000s of refs made it quadratic)
    pairs = sorted(((f.id, f) for f in findings), key=lambda p: (p[1].first_seen, p[0]))
    if not pairs:
        return []
    ids = [fid for fid, _ in pairs]
    findings = [f for _, f in pairs]
    cfg = settings(config)
    use = link.usage(table, findings)
    check(cancel)
    keys = link.finding_keys(findings, ids, identities, list(credentials or ()), use, cfg)
    out = []
    for idx, reasons in link.group(findings, ids, keys, cfg, use):
        check(cancel)
        idx = sorted(idx, key=lambda i: (findings[i].first_seen, story.rank(findings[i]), ids[i]))
        out.append(_incident([findings[i] for i in idx], [ids[i] for i in idx], [keys[i] for i in idx], reasons,
                             use))
    return sort_incidents(out)


def _incident(members: list[Finding], member_ids: list[str], keys: list[link.Keys], reasons: list[str],
              use: link.Usage) -> Incident:
    steps = story.steps(members, member_ids)
    tactics = tuple(t for t in KILL_CHAIN if t in {s.tactic for s in steps})
    people = tuple(Person(eid, label) for eid, label in dict.fromkeys(p for k in keys for p in k.people))
    accounts = tuple(story.first_of(u for f in members for u in f.users))
    creds = dict.fromkeys(c for k in keys for c in k.credentials)
    ips = tuple(story.first_of(ip for f in members for ip in f.ips))
    hosts = tuple(story.first_of(h for f in members for h in f.hosts))
    severity, severity_reasons = story.severity(members, tactics)
    confidence, confidence_reasons = story.confidence(members)
    labels = [p.label for p in people]
    return Incident(
        id=incident_id(member_ids), title=story.title(labels, accounts, tactics, members),
        findings=tuple(member_ids), steps=tuple(steps), tactics=tactics,
        severity=severity, severity_reasons=severity_reasons,
        confidence=confidence, confidence_reasons=confidence_reasons,
        people=people, accounts=accounts, credentials=tuple(cid for cid, _ in creds), ips=ips, hosts=hosts,
        sources=tuple(story.first_of(e.source for f in members for e in f.evidence)),
        checks=tuple(story.first_of(f.check for f in members)),
        first=min(f.first_seen for f in members), last=max(f.last_seen for f in members),
        links=tuple(reasons),
        narrative=story.narrative(steps, labels, accounts, ips, hosts, [label for _, label in creds],
                                  use.ip_place, reasons),
        places=tuple((ip, use.ip_place[ip]) for ip in ips if ip in use.ip_place),
    )
