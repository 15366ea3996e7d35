"""Which findings are one story: linked by one person, a shared credential, a rare IP address or a machine,
within a time window.

Each kind of link is a *key* a finding holds (an entity id, a credential id, an address, a host). Findings
holding the same key are joined when they lie within ``window_hours`` of each other (a credential joins
across any gap: its creation and its later use are one story however far apart). Joins are transitive:
incidents are the connected components.

Over-linking is the danger, so keys are kept only where they point at one actor:
- a person links only through findings naming at most ``max_people`` accounts (a spray's twenty target
  names are targets, not one person);
- an address links only when at most ``ip_max_accounts`` accounts had a successful event from it in the
  whole of the loaded logs (a corporate NAT or VPN egress used by hundreds does not; an attacker's address
  used against two victims does);
- a host links only when it is a machine (not a cloud account or tenant, which everyone shares) on which at
  most ``host_max_accounts`` accounts succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import printable
from ..findings import Finding
from ..sources import HOST_SOURCES


@dataclass
class Usage:
    """What the whole event table says about the addresses and hosts the findings name."""

    ip_accounts: dict[str, int] = field(default_factory=dict)  # address -> accounts with a success from it
    ip_place: dict[str, str] = field(default_factory=dict)  # address -> "RU, Moscow"
    host_accounts: dict[str, int] = field(default_factory=dict)  # machine -> accounts with a success on it


def usage(table: pa.Table, findings: list[Finding]) -> Usage:
    """Accounts per address and per machine the findings name, in one filtered pass each over the table."""
    out = Usage()
    ips = sorted({ip for f in findings for ip in f.ips})
    hosts = sorted({h for f in findings for h in f.hosts})
    if not table.num_rows:
        return out
    ok = pc.equal(table.column("outcome"), "success")
    if ips:
        hit = table.filter(pc.fill_null(pc.is_in(table.column("src_ip"), value_set=pa.array(ips, pa.string())),
                                        False))
        ok_hit = hit.filter(pc.fill_null(pc.equal(hit.column("outcome"), "success"), False))
        for row in ok_hit.group_by("src_ip").aggregate([("user", "count_distinct")]).to_pylist():
            out.ip_accounts[row["src_ip"]] = int(row["user_count_distinct"])
        if "country" in hit.column_names:
            for row in hit.group_by("src_ip").aggregate([("country", "min"), ("city", "min")]).to_pylist():
                bits = [b for b in (row["country_min"], row["city_min"]) if b]
                if bits:
                    out.ip_place[row["src_ip"]] = ", ".join(bits)
    if hosts:
        machine = pc.is_in(table.column("source"), value_set=pa.array(sorted(HOST_SOURCES)))  # a machine's own log
        on = pc.and_kleene(machine, pc.is_in(table.column("host"), value_set=pa.array(hosts, pa.string())))
        hit = table.filter(pc.fill_null(pc.and_kleene(on, ok), False))
        for row in hit.group_by("host").aggregate([("user", "count_distinct")]).to_pylist():
            out.host_accounts[row["host"]] = int(row["user_count_distinct"])
        # a machine named in a finding whose logs show no success on it (a spray that never got in) is rare
        seen = table.filter(pc.fill_null(on, False)).column("host").unique().to_pylist()
        for h in seen:
            out.host_accounts.setdefault(h, 0)
    return out


@dataclass(frozen=True)
class Keys:
    """The keys one finding holds, by kind, with the words a link through each would say."""

    people: tuple[tuple[str, str], ...] = ()  # (entity id, label)
    credentials: tuple[tuple[str, str], ...] = ()  # (credential id, label)
    ips: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()


def finding_keys(findings: list[Finding], ids: list[str], identities: Any, credentials: Iterable[Any], use: Usage,
                 cfg: dict[str, Any]) -> list[Keys]:
    """The linking keys of each finding (same order as ``findings``; ``ids`` their ids)."""
    people: dict[str, list[tuple[str, str]]] = {}
    if identities is not None:
        for entity in identities.entities:
            for fid in entity.findings:
                people.setdefault(fid, []).append((entity.id, entity.label))
    by_ref: dict[tuple[str, str], list[str]] = {}
    for f, fid in zip(findings, ids):
        for e in f.evidence:
            by_ref.setdefault((e.file, e.ref), []).append(fid)
    creds: dict[str, list[tuple[str, str]]] = {}
    for c in credentials:
        label = f"{c.kind.replace('_', ' ')} {c.key_id or ''}".strip() + (f" for {c.owner}" if c.owner else "")
        refs = [c.created_ref, *c.use_refs] if c.created_ref is not None else list(c.use_refs)
        for fid in dict.fromkeys(fid for r in refs for fid in by_ref.get((r.file, r.ref), ())):
            creds.setdefault(fid, []).append((c.id, label))
    out = []
    for f, fid in zip(findings, ids):
        few = len(f.users) <= cfg["max_people"]
        out.append(Keys(
            people=tuple(dict.fromkeys(people.get(fid, ()))) if few else (),
            credentials=tuple(dict.fromkeys(creds.get(fid, ()))),
            ips=tuple(ip for ip in f.ips if use.ip_accounts.get(ip, 0) <= cfg["ip_max_accounts"]),
            hosts=tuple(h for h in f.hosts if h in use.host_accounts
                        and use.host_accounts[h] <= cfg["host_max_accounts"]),
        ))
    return out


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def group(findings: list[Finding], ids: list[str], keys: list[Keys], cfg: dict[str, Any],
          use: Usage) -> list[tuple[list[int], list[str]]]:
    """Findings (by index) joined into incidents, each with the reasons its findings were joined."""
    window = timedelta(hours=cfg["window_hours"])
    members: dict[tuple[str, str], list[int]] = {}
    words: dict[tuple[str, str], str] = {}
    for i, k in enumerate(keys):
        for eid, label in k.people:
            members.setdefault(("person", eid), []).append(i)
            words[("person", eid)] = f"the same person, {label}"
        for cid, label in k.credentials:
            members.setdefault(("credential", cid), []).append(i)
            words[("credential", cid)] = f"the same credential, {label}"
        for ip in k.ips:
            members.setdefault(("ip", ip), []).append(i)
            n = use.ip_accounts.get(ip, 0)
            words[("ip", ip)] = (f"the same address, {ip}, which {n} account{'s' * (n != 1)} of the organisation "
                                 "used successfully in the loaded logs" if n else
                                 f"the same address, {ip}, from which no account signed in successfully")
        for host in k.hosts:
            members.setdefault(("host", host), []).append(i)
            words[("host", host)] = f"the same machine, {host}, within {cfg['window_hours']} h"
    union = _Union(len(findings))
    joined: dict[int, list[tuple[str, str]]] = {}
    for key, idx in members.items():
        idx = sorted(set(idx), key=lambda i: (findings[i].first_seen, ids[i]))
        end = findings[idx[0]].last_seen
        for prev, cur in zip(idx, idx[1:]):
            f = findings[cur]
            if key[0] == "credential" or f.first_seen <= end + window:
                union.join(prev, cur)
                joined.setdefault(cur, []).append(key)
            end = max(end, f.last_seen)
    components: dict[int, list[int]] = {}
    for i in range(len(findings)):
        components.setdefault(union.find(i), []).append(i)
    out = []
    for idx in components.values():
        used = dict.fromkeys(key for i in idx for key in joined.get(i, ()))
        out.append((idx, [printable(words[key]) for key in used]))
    return out
