"""One person across every source: the names an identity goes by, resolved into entities.

A *name* is what one source calls an account: ``(source, user)``, and for sources whose accounts are
local to a machine (auth.log, journald) ``(source, host, user)``. Its key is ``source|scope|user``.
Each name carries identifiers: read from the name itself (an e-mail address, a ``DOMAIN\\sam``, an
assumed-role session ``Role/alice@corp.com``) and from one or two of its original records (Entra object
id, AWS ARN, Windows SID, Google profile id), and the AWS access keys its events used.

Links between names are of three kinds, kept apart:

- ``exact``: the two names share an identifier that names one account (the same e-mail address, Entra
  object id, AWS ARN or access key, Windows SID, Google profile id). An AWS SSO session whose name is
  an e-mail is that e-mail.
- ``suggested``: the same local part (``alice`` in ``alice@corp.com``, ``CORP\\alice``, Linux ``alice``
  on a host, IAM user ``alice``). Never applied unless the analyst confirms it.
- ``analyst``: a link the analyst added.

The analyst's decisions (:class:`LinkDecision`: confirm, reject or add a link between two name keys)
are an input, so the case file can persist them. Entities are the connected components of the
applied links (exact ones not rejected, confirmed suggestions, added links). Work is done per
distinct name, never per event; the per-entity profile is one grouped pass over the table.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Iterable

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import Finding, evidence_mask
from ..events import raw_record
from ..sources import HOST_ACCOUNTS, RAW_IDENTIFIERS, WINDOWS_SOURCES

# Local parts that name no one person: never suggested.
GENERIC = frozenset({"root", "admin", "administrator", "guest", "system", "local service", "network service",
                     "ubuntu", "ec2-user", "centos", "debian", "user", "test", "anonymous", "nobody", "daemon",
                     "www-data", "postgres", "oracle", "git", "support", "service", "backup", "-", "", "unknown",
                     "anonymous logon"})
EXACT_KINDS = {
    "email": "same e-mail address",
    "entra_object_id": "same Entra object id",
    "aws_arn": "same AWS ARN",
    "aws_access_key": "same AWS access key",
    "sid": "same Windows SID",
    "google_profile_id": "same Google profile id",
    "windows_account": "same Windows account name (case-insensitive)",
}
_EMAIL = re.compile(r"^[^@\s\\/|]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SID = re.compile(r"^S-1-\d+(?:-\d+)+$")
_ACCESS_KEY = re.compile(r"^(?:AKIA|ASIA)[A-Z0-9]{12,}$")
# "TargetUserSid": "S-1-…" (evtx JSON), <Data Name='TargetUserSid'>S-1-…</Data> (XML),
# {"@Name": "TargetUserSid", "#text": "S-1-…"} (EvtxECmd payload)
_SID_IN_RAW = re.compile(r'(Subject|Target)UserSid["\']?(?:,\s*"#text")?\s*[:>]\s*"?(S-1-\d+(?:-\d+)+)')
_NAME_IN_RAW = r'{}UserName["\']?(?:,\s*"#text")?\s*[:>]\s*"?([^"<,}}]+)'
_ACCOUNT_SIDS = ("S-1-5-21-", "S-1-12-1-")
MAX_SHARED = 50  # an identifier shared by more names than this links them as a star, not every pair


@dataclass(frozen=True)
class Name:
    """What one source calls an account, with what is known of it."""

    source: str
    user: str
    scope: str = ""  # the host, for sources whose accounts are local to a machine
    events: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    identifiers: tuple[tuple[str, str], ...] = ()  # (kind, value)

    @property
    def key(self) -> str:
        return name_key(self.source, self.user, self.scope)

    @property
    def label(self) -> str:
        return f"{self.user} on {self.scope} ({self.source})" if self.scope else f"{self.user} ({self.source})"

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "source": self.source, "user": self.user, "scope": self.scope or None,
                "label": self.label, "events": self.events,
                "first_seen": self.first_seen.isoformat() if self.first_seen else None,
                "last_seen": self.last_seen.isoformat() if self.last_seen else None,
                "identifiers": [{"kind": k, "value": v} for k, v in self.identifiers]}


def name_key(source: str, user: str, scope: str = "") -> str:
    return f"{source}|{scope}|{user}"


@dataclass(frozen=True)
class LinkDecision:
    """The analyst's word on a link between two name keys: ``confirm``, ``reject`` or ``add``.
    The case file persists a list of these; :func:`resolve` takes them as input."""

    a: str
    b: str
    decision: str
    note: str = ""
    analyst: str = ""
    at: str = ""  # ISO 8601, when decided

    def __post_init__(self) -> None:
        if self.decision not in ("confirm", "reject", "add"):
            raise ValueError(f"unknown link decision {self.decision!r}")

    @property
    def pair(self) -> tuple[str, str]:
        return (self.a, self.b) if self.a <= self.b else (self.b, self.a)

    def to_dict(self) -> dict[str, str]:
        return {"a": self.a, "b": self.b, "decision": self.decision, "note": self.note, "analyst": self.analyst,
                "at": self.at}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "LinkDecision":
        return cls(str(d["a"]), str(d["b"]), str(d["decision"]), str(d.get("note") or ""),
                   str(d.get("analyst") or ""), str(d.get("at") or ""))


@dataclass(frozen=True)
class Link:
    a: str
    b: str
    kind: str  # exact | suggested | analyst
    rule: str  # why: "same e-mail address", "same local part", "added by the analyst", ...
    value: str = ""  # the shared identifier
    decision: str = ""  # "", confirmed, rejected

    @property
    def applied(self) -> bool:
        if self.decision == "rejected":
            return False
        return self.kind in ("exact", "analyst") or self.decision == "confirmed"

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "kind": self.kind, "rule": self.rule, "value": self.value,
                "decision": self.decision or None, "applied": self.applied}


@dataclass(frozen=True)
class Entity:
    id: str
    label: str
    names: tuple[str, ...]  # name keys
    identifiers: dict[str, tuple[str, ...]]
    events: int
    first_seen: datetime | None
    last_seen: datetime | None
    sources: dict[str, int]
    countries: tuple[tuple[str, int], ...] = ()
    ips: tuple[tuple[str, int], ...] = ()
    user_agents: tuple[tuple[str, int], ...] = ()
    hosts: tuple[tuple[str, int], ...] = ()  # machines logged on to, cloud accounts / tenants acted in
    client_apps: tuple[tuple[str, int], ...] = ()
    hours: tuple[int, ...] = (0,) * 24  # events per hour of day (UTC)
    usual_hours: tuple[int, ...] = ()  # hours holding at least 5 % of the events
    findings: tuple[str, ...] = ()  # ids of findings involving any of the names
    # the events that are some finding's evidence: never part of the usual profile above, shown apart
    flagged_events: int = 0
    flagged_countries: tuple[tuple[str, int], ...] = ()
    flagged_ips: tuple[tuple[str, int], ...] = ()
    links: tuple[Link, ...] = ()  # links among the names, and suggestions towards other entities
    conflicts: tuple[tuple[str, str], ...] = ()  # rejected pairs still joined through other links

    def to_dict(self) -> dict[str, Any]:
        pairs = lambda items: [{"value": v, "events": n} for v, n in items]  # noqa: E731
        return {
            "id": self.id, "label": self.label, "names": list(self.names),
            "identifiers": {k: list(v) for k, v in self.identifiers.items()}, "events": self.events,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "sources": dict(self.sources), "countries": pairs(self.countries), "ips": pairs(self.ips),
            "user_agents": pairs(self.user_agents), "hosts": pairs(self.hosts),
            "client_apps": pairs(self.client_apps), "hours_utc": list(self.hours),
            "usual_hours_utc": list(self.usual_hours), "findings": list(self.findings),
            "flagged": {"events": self.flagged_events, "countries": pairs(self.flagged_countries),
                        "ips": pairs(self.flagged_ips)},
            "links": [link.to_dict() for link in self.links],
            "conflicts": [list(c) for c in self.conflicts],
        }


@dataclass
class Identities:
    names: dict[str, Name]
    links: list[Link]
    entities: list[Entity] = field(default_factory=list)
    entity_of: dict[str, str] = field(default_factory=dict)  # name key -> entity id
    decisions: list[LinkDecision] = field(default_factory=list)

    def entity(self, entity_id: str) -> Entity | None:
        return next((e for e in self.entities if e.id == entity_id), None)

    def entity_of_user(self, source: str, user: str, host: str | None = None) -> Entity | None:
        scope = (host or "") if source in HOST_ACCOUNTS else ""
        eid = self.entity_of.get(name_key(source, user, scope))
        return self.entity(eid) if eid else None

    def suggestions(self) -> list[Link]:
        """Suggested links the analyst has not decided on yet."""
        return [link for link in self.links if link.kind == "suggested" and not link.decision]

    def rows(self, table: pa.Table, entity_id: str) -> np.ndarray:
        """Row numbers of every event of the entity, across all sources, in time order (one timeline)."""
        keys = [k for k, e in self.entity_of.items() if e == entity_id]
        if not keys or not table.num_rows:
            return np.empty(0, dtype=np.int64)
        hit = pc.is_in(row_keys(table), value_set=pa.array(keys, pa.string()))
        return np.flatnonzero(pc.fill_null(hit, False).to_numpy(zero_copy_only=False))

    def to_dict(self) -> dict[str, Any]:
        return {"names": [n.to_dict() for n in self.names.values()],
                "entities": [e.to_dict() for e in self.entities],
                "suggestions": [s.to_dict() for s in self.suggestions()],
                "decisions": [d.to_dict() for d in self.decisions]}


# --- names and their identifiers ------------------------------------------------------------------------------


def row_keys(table: pa.Table) -> pa.ChunkedArray:
    """The name key of every row (null where the event names no account)."""
    source = table.column("source")
    scoped = pc.is_in(source, value_set=pa.array(sorted(HOST_ACCOUNTS)))
    scope = pc.if_else(scoped, pc.fill_null(table.column("host"), ""), "")
    return pc.binary_join_element_wise(source, scope, table.column("user"), "|")


def local_part(user: str) -> str:
    """``alice`` of alice@corp.com, CORP\\alice, Role/alice@corp.com, alice."""
    value = user.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return value.split("@", 1)[0].strip().lower()


def _from_name(source: str, user: str) -> list[tuple[str, str]]:
    """Identifiers the name itself carries."""
    found = []
    tail = user.rsplit("\\", 1)[-1] if source in WINDOWS_SOURCES or "\\" in user else user
    if source.startswith("cloudtrail") and "/" in user:  # an assumed-role session: Role/session
        tail = user.rsplit("/", 1)[1]
    if _EMAIL.match(tail):
        found.append(("email", tail.lower()))
    if _SID.match(user):
        found.append(("sid", user.upper()))
    elif source in WINDOWS_SOURCES and tail and not _EMAIL.match(tail):
        found.append(("windows_account", tail.lower()))  # Windows names are case-insensitive
    if source.startswith("entra") and _GUID.match(user):
        found.append(("entra_object_id", user.lower()))
    return found


def _dig(rec: Any, *path: str) -> Any:
    for step in path:
        if not isinstance(rec, dict):
            return None
        rec = rec.get(step, rec.get(step[:1].upper() + step[1:]))
    return rec


def _from_raw(source: str, user: str, raw: str | None) -> list[tuple[str, str]]:
    """Identifiers one original record gives for its acting account."""
    if not raw:
        return []
    found: list[tuple[str, str]] = []
    if source in WINDOWS_SOURCES:  # the SID written beside this account's name
        sam = user.rsplit("\\", 1)[-1].lower()
        for role, sid in _SID_IN_RAW.findall(raw):
            named = re.search(_NAME_IN_RAW.format(role), raw)
            # only account SIDs (domain or local S-1-5-21-…, Entra S-1-12-1-…): a failed logon's
            # S-1-0-0 or SYSTEM's S-1-5-18 name no one
            if named and named.group(1).strip().lower() == sam and sid.upper().startswith(_ACCOUNT_SIDS):
                found.append(("sid", sid.upper()))
        return found
    try:
        rec = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return []
    if not isinstance(rec, dict):
        return []
    if source.startswith("cloudtrail"):
        ident = rec.get("userIdentity") or (orjson.loads(rec["CloudTrailEvent"]).get("userIdentity")
                                            if isinstance(rec.get("CloudTrailEvent"), str) else None)
        arn = _dig(ident, "arn")
        if isinstance(arn, str) and arn.startswith("arn:aws"):
            found.append(("aws_arn", arn))
    elif source == "entra_signin":
        for value in (_dig(rec, "userId"), rec.get("User ID"), rec.get("UserId")):
            if isinstance(value, str) and _GUID.match(value):
                found.append(("entra_object_id", value.lower()))
    elif source == "entra_audit":
        value = _dig(rec, "initiatedBy", "user", "id")
        if isinstance(value, str) and _GUID.match(value):
            found.append(("entra_object_id", value.lower()))
    elif source == "workspace":
        value = _dig(rec, "actor", "profileId")
        if isinstance(value, str) and value.isdigit():
            found.append(("google_profile_id", value))
    elif source == "azure_activity":
        claims = rec.get("claims") or rec.get("Claims") or rec.get("Claims_d")
        if isinstance(claims, str):
            try:
                claims = orjson.loads(claims)
            except orjson.JSONDecodeError:
                claims = None
        value = _dig(claims, "http://schemas.microsoft.com/identity/claims/objectidentifier")
        if isinstance(value, str) and _GUID.match(value):
            found.append(("entra_object_id", value.lower()))
    return found


def collect_names(table: pa.Table, keys: pa.ChunkedArray | None = None) -> dict[str, Name]:
    """Every distinct name in the table with its counts and identifiers (one pass, grouped);
    ``keys`` is :func:`row_keys` of the table when already known."""
    if not table.num_rows:
        return {}
    keys = row_keys(table) if keys is None else keys
    frame = pa.table({"key": keys, "ts": table.column("ts"),
                      "row": pa.array(np.arange(table.num_rows, dtype=np.int64))})
    frame = frame.filter(pc.is_valid(frame.column("key")))
    groups = frame.group_by("key").aggregate([("ts", "min"), ("ts", "max"), ("row", "count"), ("row", "min"),
                                              ("row", "max")]).to_pydict()
    # access keys each name used (CloudTrail: the session_id column is userIdentity.accessKeyId)
    used = pa.table({"key": keys, "session": table.column("session_id")})
    used = used.filter(pc.and_(pc.is_valid(used.column("key")), pc.is_valid(used.column("session"))))
    used = used.filter(pc.starts_with(used.column("key"), "cloudtrail"))
    pairs = used.group_by(["key", "session"]).aggregate([]).to_pydict()
    keys_of: dict[str, list[str]] = {}
    for key, session in zip(pairs["key"], pairs["session"]):
        if _ACCESS_KEY.match(session):
            keys_of.setdefault(key, []).append(session)
    names = {}
    for key, first, last, count, row_a, row_b in zip(groups["key"], groups["ts_min"], groups["ts_max"],
                                                     groups["row_count"], groups["row_min"], groups["row_max"]):
        source, scope, user = key.split("|", 2)
        ids = _from_name(source, user)
        if source in RAW_IDENTIFIERS:
            for row in dict.fromkeys((row_a, row_b)):
                ids += _from_raw(source, user, raw_record(table, row))
        ids += [("aws_access_key", k) for k in sorted(keys_of.get(key, ()))]
        names[key] = Name(source, user, scope, count, first, last, tuple(dict.fromkeys(ids)))
    return names


# --- links and entities ------------------------------------------------------------------------------------


def exact_links(names: dict[str, Name]) -> list[Link]:
    """Links between names that share an identifier naming one account, each pair once."""
    by_id: dict[tuple[str, str], list[str]] = {}
    for key, name in names.items():
        for ident in name.identifiers:
            by_id.setdefault(ident, []).append(key)
    links: dict[tuple[str, str], Link] = {}
    for (kind, value), keys in sorted(by_id.items()):
        keys = sorted(set(keys))
        pairs = ([(keys[0], k) for k in keys[1:]] if len(keys) > MAX_SHARED
                 else [(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]])
        for a, b in pairs:
            links.setdefault((a, b), Link(a, b, "exact", EXACT_KINDS.get(kind, kind), value))
    return list(links.values())


def _suggestable(user: str) -> str | None:
    part = local_part(user)
    if part in GENERIC or part.endswith("$") or len(part) < 3 or _GUID.match(part):
        return None
    return part


def suggested_links(names: dict[str, Name], component: dict[str, str],
                    rejected: Iterable[tuple[str, str]] = ()) -> list[Link]:
    """One suggestion per pair of groups (already joined names) holding names with the same local
    part, between the first such name of each group (so a decision on it is stable across runs).
    Groups the analyst said are not the same (a rejected pair between them) get none."""
    apart = {frozenset((component[a], component[b])) for a, b in rejected if a in component and b in component}
    by_local: dict[str, dict[str, str]] = {}
    for key in sorted(names):
        part = _suggestable(names[key].user)
        if part:
            by_local.setdefault(part, {}).setdefault(component[key], key)
    links = []
    for part, reps in sorted(by_local.items()):
        keys = sorted(reps.values())
        if len(keys) > MAX_SHARED:
            continue
        links += [Link(a, b, "suggested", "same local part", part) for i, a in enumerate(keys) for b in keys[i + 1:]
                  if frozenset((component[a], component[b])) not in apart]
    return links


def _apply(links: list[Link], decisions: Iterable[LinkDecision], names: dict[str, Name]) -> list[Link]:
    """The links with the analyst's decisions applied (the last decision on a pair wins); a decided
    pair no rule found is a suggestion (same local part) or the analyst's own link."""
    latest = {d.pair: d for d in decisions}
    out = []
    for link in links:
        d = latest.pop((link.a, link.b), None)
        if d is None:
            out.append(link)
        else:
            out.append(Link(link.a, link.b, link.kind, link.rule, link.value,
                            "rejected" if d.decision == "reject" else "confirmed"))
    for (a, b), d in latest.items():
        if a not in names or b not in names:
            continue
        part = _suggestable(names[a].user)
        decision = "rejected" if d.decision == "reject" else "confirmed"
        if part and part == _suggestable(names[b].user):
            out.append(Link(a, b, "suggested", "same local part", part, decision))
        elif d.decision != "reject":
            out.append(Link(a, b, "analyst", "added by the analyst" + (f": {d.note}" if d.note else ""), "",
                            decision))
    return out


def _components(keys: Iterable[str], links: list[Link]) -> dict[str, str]:
    parent = {k: k for k in keys}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for link in links:
        if link.applied and link.a in parent and link.b in parent:
            ra, rb = root(link.a), root(link.b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {k: root(k) for k in parent}


def _label(members: list[Name]) -> str:
    emails = sorted({v for n in members for k, v in n.identifiers if k == "email"})
    if emails:
        return emails[0]
    return max(members, key=lambda n: (n.events, n.user)).label


def resolve(table: pa.Table, decisions: Iterable[LinkDecision | dict[str, Any]] = (),
            findings: Iterable[Finding] = ()) -> Identities:
    """Names → links → entities with their profiles and the findings involving them."""
    decisions = [d if isinstance(d, LinkDecision) else LinkDecision.from_dict(d) for d in decisions]
    key_column = row_keys(table) if table.num_rows else None
    names = collect_names(table, key_column)
    exact = exact_links(names)
    first = _components(names, _apply(exact, decisions, names))
    rejected = [d.pair for d in decisions if d.decision == "reject"]
    links = _apply(exact + suggested_links(names, first, rejected), decisions, names)
    roots = _components(names, links)
    # a suggestion between names that other links already joined says nothing new
    links = [link for link in links if link.kind != "suggested" or link.decision
             or roots[link.a] != roots[link.b]]
    groups: dict[str, list[str]] = {}
    for key, r in roots.items():
        groups.setdefault(r, []).append(key)
    entity_of: dict[str, str] = {}
    members_of: dict[str, list[str]] = {}
    for keys in groups.values():
        keys.sort()
        eid = "ent-" + hashlib.sha256("\0".join(keys).encode()).hexdigest()[:12]
        members_of[eid] = keys
        entity_of.update((k, eid) for k in keys)
    findings = list(findings)
    profiles = _profiles(table, entity_of, key_column, evidence_mask(table, findings))
    links_of: dict[str, list[Link]] = {}  # each entity's links, in the links' order (one pass, not one per entity)
    for link in links:
        for eid in dict.fromkeys((entity_of.get(link.a), entity_of.get(link.b))):
            if eid is not None:
                links_of.setdefault(eid, []).append(link)
    entities = []
    for eid, keys in members_of.items():
        members = [names[k] for k in keys]
        idents: dict[str, list[str]] = {}
        for n in members:
            for kind, value in n.identifiers:
                idents.setdefault(kind, [])
                if value not in idents[kind]:
                    idents[kind].append(value)
        own_links = tuple(links_of.get(eid, ()))
        conflicts = tuple((link.a, link.b) for link in own_links
                          if link.decision == "rejected" and entity_of[link.a] == entity_of[link.b])
        sources: dict[str, int] = {}
        for n in members:
            sources[n.source] = sources.get(n.source, 0) + n.events
        firsts = [n.first_seen for n in members if n.first_seen]
        lasts = [n.last_seen for n in members if n.last_seen]
        entities.append(Entity(
            id=eid, label=_label(members), names=tuple(keys),
            identifiers={k: tuple(v) for k, v in idents.items()}, events=sum(n.events for n in members),
            first_seen=min(firsts) if firsts else None, last_seen=max(lasts) if lasts else None,
            sources=sources, links=own_links, conflicts=conflicts, **profiles.get(eid, {}),
        ))
    entities.sort(key=lambda e: (-len(e.sources), -e.events, e.label))
    return with_findings(Identities(names, links, entities, entity_of, decisions), findings)


def with_findings(ids: Identities, findings: Iterable[Finding], table: pa.Table | None = None) -> Identities:
    """``ids`` with each entity's findings (ids of findings naming any of its names) filled in; with ``table``,
    its profile again without the findings' evidence (the attacker's activity is counted apart)."""
    findings = list(findings)
    involved = _findings_by_name(findings, ids.names)
    profiles = _profiles(table, ids.entity_of, None, evidence_mask(table, findings)) if table is not None else {}
    entities = [replace(e, findings=tuple(dict.fromkeys(f for k in e.names for f in involved.get(k, ()))),
                        **profiles.get(e.id, {}))
                for e in ids.entities]
    return Identities(ids.names, ids.links, entities, ids.entity_of, ids.decisions)


# --- the analyst's decisions in the case file --------------------------------------------------------------

CASE_SETTING = "identity_links"  # the case setting (workbench.case.folder.Case.setting) holding the decisions


def case_decisions(case: Any) -> list[LinkDecision]:
    """The link decisions saved in a :class:`workbench.case.folder.Case` (its JSON setting ``identity_links``)."""
    return [LinkDecision.from_dict(d) for d in case.setting(CASE_SETTING, []) or [] if isinstance(d, dict)]


def record_decision(case: Any, decision: LinkDecision) -> list[LinkDecision]:
    """Save one decision in the case (a later decision on the same pair replaces the earlier one)."""
    kept = [d for d in case_decisions(case) if d.pair != decision.pair] + [decision]
    case.set_setting(CASE_SETTING, [d.to_dict() for d in kept])
    return kept


def _findings_by_name(findings: Iterable[Finding], names: dict[str, Name]) -> dict[str, list[str]]:
    """Name key → ids of findings whose accounts include that name: the name's source must hold
    evidence of the finding, and a host-scoped name needs its host among the finding's hosts."""
    by_user: dict[str, list[Name]] = {}
    for n in names.values():
        by_user.setdefault(n.user, []).append(n)
    out: dict[str, list[str]] = {}
    for f in findings:
        sources = {e.source for e in f.evidence}
        for user in f.users:
            for n in by_user.get(user, ()):
                if n.scope and f.hosts and n.scope not in f.hosts:
                    continue
                if sources and n.source not in sources:
                    continue
                out.setdefault(n.key, []).append(f.id)
    return out


def _top(frame: pd.DataFrame, column: str, k: int) -> dict[int, tuple[tuple[str, int], ...]]:
    counts = frame.dropna(subset=[column]).groupby(["ent", column], observed=True).size()
    if counts.empty:
        return {}
    counts = counts.sort_values(ascending=False, kind="stable")
    out: dict[int, list[tuple[str, int]]] = {}
    for (ent, value), n in counts.items():
        got = out.setdefault(int(ent), [])
        if len(got) < k:
            got.append((str(value), int(n)))
    return {e: tuple(v) for e, v in out.items()}


_EMPTY: dict[str, Any] = {"countries": (), "ips": (), "user_agents": (), "hosts": (), "client_apps": (),
                          "hours": (0,) * 24, "usual_hours": ()}


def _profiles(table: pa.Table, entity_of: dict[str, str], row_key: Any = None,
              flagged: np.ndarray | None = None) -> dict[str, dict[str, Any]]:
    """Usual countries, IPs, user agents, hosts, client apps and hours of every entity, in one pass; rows
    ``flagged`` (findings' evidence) are left out of them and counted apart (countries and IPs)."""
    if not table.num_rows or not entity_of:
        return {}
    if flagged is not None and flagged.any():
        usual = _profiles(table.filter(pa.array(~flagged)), entity_of)
        apart = _profiles(table.filter(pa.array(flagged)), entity_of)
        return {eid: {**usual.get(eid, _EMPTY), "flagged_events": sum(apart[eid]["hours"]),
                      "flagged_countries": apart[eid]["countries"], "flagged_ips": apart[eid]["ips"]}
                if eid in apart else usual.get(eid, _EMPTY) for eid in set(usual) | set(apart)}
    ids = sorted(set(entity_of.values()))
    index = {e: i for i, e in enumerate(ids)}
    keys = list(entity_of)
    key_ent = np.array([index[entity_of[k]] for k in keys], dtype=np.int64)
    pos = pc.index_in(row_keys(table) if row_key is None else row_key, value_set=pa.array(keys, pa.string()))
    pos = pos.to_numpy(zero_copy_only=False)
    known = ~pd.isna(pos)
    ent = key_ent[pos[known].astype(np.int64)]
    cols = [c for c in ("country", "src_ip", "user_agent", "host", "client_app") if c in table.column_names]
    mask = pa.array(known)
    sub = table.select(cols).filter(mask).to_pandas(strings_to_categorical=True)
    sub["ent"] = ent
    hours = pc.hour(table.column("ts").filter(mask)).to_numpy(zero_copy_only=False)
    hist = np.zeros((len(ids), 24), dtype=np.int64)
    np.add.at(hist, (ent, hours.astype(np.int64)), 1)
    tops = {c: _top(sub, c, k) if c in sub else {} for c, k in (("country", 5), ("src_ip", 10), ("user_agent", 5),
                                                               ("host", 10), ("client_app", 5))}
    out = {}
    for i, eid in enumerate(ids):
        h = hist[i]
        total = int(h.sum())
        out[eid] = {
            "countries": tops["country"].get(i, ()), "ips": tops["src_ip"].get(i, ()),
            "user_agents": tops["user_agent"].get(i, ()), "hosts": tops["host"].get(i, ()),
            "client_apps": tops["client_app"].get(i, ()), "hours": tuple(int(x) for x in h),
            "usual_hours": tuple(int(x) for x in np.flatnonzero(h >= max(1, 0.05 * total))) if total else (),
        }
    return out
