"""The life of every credential created in the loaded logs (T1098.001): backward to who made it, from
where and after what; forward to every later event that used it, from where, doing what.

Credentials come from the events whose normalized action is ``credential.create`` (their original
records are read, a few rows only) and from SSH public keys seen in sshd logs:

==================================  ==================================  =======================================
created by                          the credential's id                 later use found by
==================================  ==================================  =======================================
AWS ``CreateAccessKey``             ``responseElements.accessKey``      CloudTrail ``userIdentity.accessKeyId``
AWS ``CreateLoginProfile``          the IAM user                        that user's later ``ConsoleLogin``
AWS ``CreateKeyPair`` / ``Import``  ``keyName`` / ``keyFingerprint``    ``RunInstances`` naming the key; sshd
                                                                        logins with the same SHA256 fingerprint
Entra credentials on an app / SP    ``KeyIdentifier=`` of the change    service-principal sign-ins naming the
                                                                        key id (``servicePrincipalCredentialKeyId``)
GCP ``CreateServiceAccountKey``     ``response.name`` ``…/keys/ID``     ``serviceAccountKeyName`` of later calls
Workspace OAuth ``authorize``       the application                     the same user's later token use of it
sshd ``Accepted publickey``         the key's SHA256 fingerprint        every login with that key; backward,
                                                                        an edit of ``authorized_keys`` before
==================================  ==================================  =======================================
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import EvidenceRef, Finding
from ..events import raw_record
from ..sources import SSH_SOURCES

LOOKBACK = timedelta(hours=24)  # "after what": the creator's activity this long before
MAX_REFS = 200  # evidence refs of uses written to JSON per credential
_KEY_ID = re.compile(r"KeyIdentifier=([0-9a-fA-F-]{36})")
_GCP_KEY = re.compile(r"serviceAccounts/([^/\"\s]+)/keys/([0-9a-fA-F]{16,})")
_FINGERPRINT = re.compile(r"(SHA256:[A-Za-z0-9+/=]{20,})")
_SSH_KEY_LINE = re.compile(r"^Accepted publickey for ")
AWS_KINDS = {"CreateAccessKey": "aws_access_key", "CreateLoginProfile": "aws_login_profile",
             "CreateKeyPair": "aws_key_pair", "ImportKeyPair": "aws_key_pair",
             "UploadSSHPublicKey": "aws_ssh_public_key", "CreateServiceSpecificCredential": "aws_service_credential",
             "UploadSigningCertificate": "aws_signing_certificate"}


@dataclass(frozen=True)
class Credential:
    id: str
    kind: str
    key_id: str | None  # access key id, key name, key identifier, fingerprint, ...
    owner: str | None  # the account (or application) the credential is for
    created: datetime | None  # None for an SSH key whose creation is not in the logs
    creator: str | None
    creator_ip: str | None
    creator_country: str | None
    creator_user_agent: str | None
    source: str
    event_name: str | None
    created_ref: EvidenceRef | None
    before: dict[str, Any] = field(default_factory=dict)  # the creator's last login, failures, findings
    uses: dict[str, Any] = field(default_factory=dict)  # count, first/last, ips, countries, events, new IPs
    use_refs: tuple[EvidenceRef, ...] = ()
    use_rows: tuple[int, ...] = field(default=(), compare=False, repr=False)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "key_id": self.key_id, "owner": self.owner,
            "created": self.created.isoformat() if self.created else None, "creator": self.creator,
            "creator_ip": self.creator_ip, "creator_country": self.creator_country,
            "creator_user_agent": self.creator_user_agent, "source": self.source, "event_name": self.event_name,
            "created_ref": self.created_ref.to_dict() if self.created_ref else None, "before": self.before,
            "uses": self.uses, "use_refs": [r.to_dict() for r in self.use_refs[:MAX_REFS]],
            "use_refs_truncated": len(self.use_refs) > MAX_REFS, "note": self.note,
        }


def _json(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        rec = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    if isinstance(rec, dict) and isinstance(rec.get("CloudTrailEvent"), str):  # lookup-events wraps it
        try:
            inner = orjson.loads(rec["CloudTrailEvent"])
            return inner if isinstance(inner, dict) else rec
        except orjson.JSONDecodeError:
            return rec
    return rec if isinstance(rec, dict) else {}


def _get(rec: Any, *path: str) -> Any:
    for step in path:
        rec = rec.get(step) if isinstance(rec, dict) else None
    return rec


def _identify(row: pd.Series, raw: str | None) -> tuple[str, str | None, str | None, str]:
    """(kind, key id, owner, note) of one credential creation from its original record."""
    source, name = row["source"], row["event_name"]
    target = row["target_user"] if isinstance(row["target_user"], str) else None
    actor = row["user"] if isinstance(row["user"], str) else None
    if source.startswith("cloudtrail"):
        rec = _json(raw)
        req, resp = rec.get("requestParameters") or {}, rec.get("responseElements") or {}
        kind = AWS_KINDS.get(name, "aws_credential")
        if name == "CreateAccessKey":
            key = _get(resp, "accessKey", "accessKeyId")
            return kind, key, _get(resp, "accessKey", "userName") or target or actor, \
                "" if key else "the record holds no new access key id"
        if name == "CreateLoginProfile":
            return kind, None, _get(resp, "loginProfile", "userName") or target or actor, ""
        if name in ("CreateKeyPair", "ImportKeyPair"):
            key = _get(resp, "keyName") or _get(req, "keyName")
            return kind, key, actor, str(_get(resp, "keyFingerprint") or "")
        if name == "UploadSSHPublicKey":
            return kind, _get(resp, "sSHPublicKey", "sSHPublicKeyId"), target or actor, ""
        if name == "CreateServiceSpecificCredential":
            return kind, _get(resp, "serviceSpecificCredential", "serviceSpecificCredentialId"), target or actor, ""
        return kind, None, target or actor, ""
    if source in ("entra_audit", "m365_audit"):
        found = _KEY_ID.search(raw or "")
        if found:
            return "entra_app_credential", found.group(1).lower(), target, ""
        if "security info" in (name or "").lower():
            return "entra_auth_method", None, target or actor, "usage of an authentication method is not logged"
        return "entra_app_credential", None, target, "the record names no key identifier"
    if source == "gcp_audit":
        found = _GCP_KEY.search(raw or "")
        if found:
            return "gcp_service_account_key", found.group(2).lower(), found.group(1), ""
        return "gcp_service_account_key", None, target, "the record names no key id"
    if source == "workspace":
        app = row["client_app"] if isinstance(row["client_app"], str) else None
        return "workspace_oauth_grant", app, actor, ""
    return "credential", None, target or actor, ""


_COLUMNS = ["ts", "source", "file", "ref", "action", "outcome", "user", "target_user", "src_ip", "host",
            "user_agent", "event_name", "logon_type", "client_app", "session_id", "country"]


def _frame(table: pa.Table, mask: Any) -> pd.DataFrame:
    """The rows of ``mask`` as a frame whose index is the row number in ``table``."""
    rows = np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
    frame = table.select([c for c in _COLUMNS if c in table.column_names]).take(pa.array(rows)).to_pandas()
    frame.index = rows
    if "country" not in frame:
        frame["country"] = None
    return frame


def _relevant(table: pa.Table, creates: pd.DataFrame, found: list[tuple[str, str | None, str | None, str]]) -> Any:
    """The rows lineage can need: the creators' and owners' events, events naming a new key, console
    logins, RunInstances, service-principal and GCP key sign-ins, sshd key logins, authorized_keys edits."""
    col = table.column
    people = {p for p in [*creates["user"], *creates["target_user"], *(f[2] for f in found)] if isinstance(p, str)}
    keys = [f[1] for f in found if f[1]]
    source = col("source")
    mask = pc.or_kleene(pc.is_in(col("user"), value_set=pa.array(sorted(people), pa.string())),
                        pc.is_in(col("session_id"), value_set=pa.array(sorted(set(keys)), pa.string())))
    mask = pc.or_kleene(mask, pc.is_in(col("event_name"), value_set=pa.array(["ConsoleLogin", "RunInstances"])))
    mask = pc.or_kleene(mask, pc.and_kleene(pc.equal(source, "gcp_audit"), pc.is_valid(col("session_id"))))
    mask = pc.or_kleene(mask, pc.ends_with(col("event_name"), "accepted_publickey"))
    host_log = pc.is_in(source, value_set=pa.array(sorted(SSH_SOURCES)))
    edits = pc.match_substring(pc.fill_null(col("raw"), ""), "authorized_keys")
    return pc.or_kleene(mask, pc.and_kleene(host_log, edits))


def _forward(kind: str, key: str | None, owner: str | None, created: datetime | None, ev: pd.DataFrame,
             table: pa.Table, extra: str) -> pd.DataFrame:
    """The later events that used the credential (one selection from ``ev`` per credential)."""
    later = ev["ts"] > created if created is not None else pd.Series(True, index=ev.index)
    if kind == "aws_access_key" and key:
        return ev[(ev["session_id"] == key) & later]
    if kind == "aws_login_profile" and owner:
        return ev[(ev["event_name"] == "ConsoleLogin") & (ev["user"] == owner) & later
                  & ev["source"].str.startswith("cloudtrail")]
    if kind == "aws_key_pair" and key:
        runs = ev[(ev["event_name"] == "RunInstances") & later]
        hits = [i for i in runs.index if f'"keyName": "{key}"' in (raw_record(table, int(i)) or "").replace(
            '"keyName":"', '"keyName": "')]
        out = [runs.loc[hits]]
        fp = extra if extra.startswith("SHA256:") else (f"SHA256:{extra}" if extra and ":" not in extra else "")
        if fp:
            ssh = ev[ev["event_name"].fillna("").str.endswith("accepted_publickey") & later]
            out.append(ssh[np.array([fp in (raw_record(table, int(i)) or "") for i in ssh.index], dtype=bool)])
        return pd.concat(out).sort_values("ts", kind="stable")
    if kind == "entra_app_credential" and key:
        sps = ev[(ev["source"] == "entra_signin") & later & ((ev["user"] == owner) if owner else True)]
        return sps[np.array([key in (raw_record(table, int(i)) or "").lower() for i in sps.index], dtype=bool)]
    if kind == "gcp_service_account_key" and key:
        sess = ev["session_id"].fillna("")
        return ev[(ev["source"] == "gcp_audit") & later & sess.str.lower().str.endswith(f"/keys/{key}")]
    if kind == "workspace_oauth_grant" and key:
        return ev[(ev["source"] == "workspace") & (ev["client_app"] == key) & (ev["user"] == owner) & later
                  & (ev["action"] != "credential.create")]
    return ev.iloc[0:0]


def _counts(series: pd.Series, k: int = 10) -> list[dict[str, Any]]:
    return [{"value": str(v), "events": int(n)} for v, n in series.dropna().value_counts().head(k).items()]


def _summary(uses: pd.DataFrame, known_ips: set[str]) -> dict[str, Any]:
    if uses.empty:
        return {"events": 0}
    ips = [ip for ip in pd.unique(uses["src_ip"].dropna())]
    return {
        "events": int(len(uses)), "first": uses["ts"].min().isoformat(), "last": uses["ts"].max().isoformat(),
        "failures": int((uses["outcome"] == "failure").sum()), "sources": sorted(set(uses["source"])),
        "ips": _counts(uses["src_ip"]), "countries": _counts(uses["country"]) if "country" in uses else [],
        "event_names": _counts(uses["event_name"]), "user_agents": _counts(uses["user_agent"], 5),
        "new_ips": [str(ip) for ip in ips if ip not in known_ips],
    }


def _known_ips(by_user: dict[str, pd.DataFrame], people: Iterable[Any], until: Any) -> set[str]:
    """The IPs the people used up to ``until``."""
    out: set[str] = set()
    for p in people:
        mine = by_user.get(p) if isinstance(p, str) else None
        if mine is not None:
            out.update(str(ip) for ip in pd.unique(mine.loc[mine["ts"] <= until, "src_ip"].dropna()))
    return out


def _before(creator: str | None, created: datetime | None, by_user: dict[str, pd.DataFrame],
            findings: Iterable[Finding]) -> dict[str, Any]:
    """What the creator did in the day before: its last successful login, failures, findings."""
    if not creator or created is None:
        return {}
    mine = by_user.get(creator, pd.DataFrame(columns=["ts", "action"]))
    mine = mine[(mine["ts"] < created) & (mine["ts"] >= created - LOOKBACK)]
    logins = mine[mine["action"] == "auth.success"]
    out: dict[str, Any] = {"events": int(len(mine)), "failed_logins": int((mine["action"] == "auth.failure").sum())}
    if not logins.empty:
        last = logins.iloc[-1]
        out["last_login"] = {"ts": last["ts"].isoformat(), "ip": _str(last["src_ip"]),
                             "country": _str(last.get("country")), "source": _str(last["source"])}
    start = created - LOOKBACK
    out["findings"] = [f.id for f in findings if creator in f.users and start <= f.first_seen <= created]
    return out


def _ssh_keys(table: pa.Table, ev: pd.DataFrame, log_start: dict[str, Any]) -> list[dict[str, Any]]:
    """New SSH keys from sshd ``Accepted publickey`` lines, per (user, SHA256 fingerprint) over all hosts.

    A key counts as created in the loaded period when an ``authorized_keys`` edit on a host it logs
    in to precedes its first login there (that edit is the creation), or when its first login comes
    at least a day after that host's log starts (the key is new, its creation not logged). Keys in
    use from the start of the logs are not new and are left out."""
    accepted = ev[ev["event_name"].fillna("").str.endswith("accepted_publickey")]
    if accepted.empty:
        return []
    # sshd lines keep their text in the table: the fingerprints come out in one vectorized pass
    lines = table.column("raw").take(pa.array(accepted.index.to_numpy()))
    prints = pc.struct_field(pc.extract_regex(lines, _FINGERPRINT.pattern.replace("(SHA256", "(?P<fp>SHA256")), [0])
    accepted = accepted.assign(fp=prints.to_numpy(zero_copy_only=False)).dropna(subset=["fp"])
    keys = {(str(user), fp): [int(i) for i in rows.index] for (user, fp), rows in accepted.groupby(["user", "fp"])}
    if not keys:
        return []
    hosts = set(accepted["host"].dropna())
    edits = ev[ev["source"].isin(SSH_SOURCES) & ev["host"].isin(hosts)]
    edits = edits.loc[[i for i in edits.index if "authorized_keys" in (raw_record(table, int(i)) or "")]]
    out = []
    for (user, fp), rows in keys.items():
        uses = ev.loc[rows]
        made = None
        for host, first in uses.groupby("host")["ts"].min().items():
            before = edits[(edits["host"] == host) & (edits["ts"] <= first)]
            if not before.empty and (made is None or before["ts"].iloc[-1] > made["ts"]):
                made = before.iloc[-1]
        first_host = uses["host"].iloc[0]
        start = log_start.get(first_host)
        late = start is not None and uses["ts"].iloc[0] - pd.Timestamp(start) >= pd.Timedelta(days=1)
        if made is not None or late:
            out.append({"user": user, "fingerprint": fp, "rows": rows, "edit": made, "first": uses["ts"].iloc[0],
                        "hosts": sorted(set(uses["host"].dropna()))})
    return out


def trace(table: pa.Table, findings: Iterable[Finding] = ()) -> list[Credential]:
    """Every credential created in the loaded logs, with its backward and forward lineage."""
    findings = list(findings)
    if not table.num_rows:
        return []
    col = table.column
    is_create = pc.and_kleene(pc.equal(col("action"), "credential.create"), pc.equal(col("outcome"), "success"))
    creates = _frame(table, is_create)
    found = [_identify(row, raw_record(table, int(i))) for i, row in creates.iterrows()]
    ev = _frame(table, _relevant(table, creates, found))
    host_logs = table.filter(pc.and_kleene(pc.is_in(col("source"), value_set=pa.array(sorted(SSH_SOURCES))),
                                           pc.is_valid(col("host"))))
    by_user = {str(u): g for u, g in ev.groupby("user", sort=False)}
    log_start = {r["host"]: r["ts_min"] for r in host_logs.group_by("host").aggregate([("ts", "min")]).to_pylist()}
    out: list[Credential] = []
    for (i, row), (kind, key, owner, extra) in zip(creates.iterrows(), found):
        created = row["ts"].to_pydatetime()
        uses = _forward(kind, key, owner, row["ts"], ev, table, extra)
        known = _known_ips(by_user, [row["user"], owner], row["ts"])
        note = "" if extra.startswith("SHA256:") or kind == "aws_key_pair" else extra
        out.append(Credential(
            id=_cred_id(row["source"], row["file"], row["ref"]), kind=kind, key_id=key, owner=owner,
            created=created, creator=_str(row["user"]), creator_ip=_str(row["src_ip"]),
            creator_country=_str(row["country"]), creator_user_agent=_str(row["user_agent"]),
            source=row["source"], event_name=_str(row["event_name"]),
            created_ref=EvidenceRef(row["source"], row["file"], row["ref"]),
            before=_before(_str(row["user"]), created, by_user, findings), uses=_summary(uses, known),
            use_refs=tuple(EvidenceRef(s, f, r) for s, f, r in zip(uses["source"], uses["file"], uses["ref"])),
            use_rows=tuple(int(x) for x in uses.index), note=note,
        ))
    for key in _ssh_keys(table, ev, log_start):
        owner = str(key["user"])
        uses = ev.loc[key["rows"]]
        edit = key["edit"]
        first_ip = uses["src_ip"].iloc[0]
        if edit is not None:
            creator, created, ref = _str(edit["user"]), edit["ts"].to_pydatetime(), EvidenceRef(
                edit["source"], edit["file"], edit["ref"])
            note = ("created: the authorized_keys edit before its first use; logs in to "
                    + ", ".join(key["hosts"]))
            known = _known_ips(by_user, [key["user"]], edit["ts"] - pd.Timedelta(microseconds=1))
        else:
            creator, created, ref = None, None, None
            note = (f"its creation is not in the loaded logs; first seen {key['first'].isoformat()}; logs in to "
                    + ", ".join(key["hosts"]))
            known = {first_ip} if isinstance(first_ip, str) else set()
        out.append(Credential(
            id=_cred_id("ssh", key["user"], key["fingerprint"]), kind="ssh_key",
            key_id=key["fingerprint"], owner=owner, created=created, creator=creator,
            creator_ip=_str(edit["src_ip"]) if edit is not None else None,
            creator_country=_str(edit["country"]) if edit is not None else None, creator_user_agent=None,
            source=str(uses["source"].iloc[0]), event_name=_str(edit["event_name"]) if edit is not None else None,
            created_ref=ref, before=_before(creator, created, by_user, findings), uses=_summary(uses, known),
            use_refs=tuple(EvidenceRef(s, f, r) for s, f, r in zip(uses["source"], uses["file"], uses["ref"])),
            use_rows=tuple(int(x) for x in uses.index), note=note,
        ))
    out.sort(key=lambda c: (c.created is None, c.created.timestamp() if c.created else 0.0, c.id))
    return out


def _cred_id(*parts: str) -> str:
    return "cred-" + hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:12]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def use_rows(credential: Credential) -> np.ndarray:
    """Row numbers (in the analysis table) of the events that used the credential, in time order."""
    return np.asarray(credential.use_rows, dtype=np.int64)


def chain(credential: Credential) -> list[tuple[str, str]]:
    """The credential's life as (stage, text) steps for the GUI and the report, oldest first:
    ``before`` (the creator's last login, failures, findings), ``created``, ``used`` (where from, doing
    what; new IPs named), or ``unused``. Plain text: the GUI shows it in plain-text widgets and the
    report escapes it (log values are attacker-controlled)."""
    steps: list[tuple[str, str]] = []
    c = credential
    what = f"{c.kind.replace('_', ' ')}{' ' + c.key_id if c.key_id else ''}{' for ' + c.owner if c.owner else ''}"
    before = c.before
    if before.get("last_login"):
        last = before["last_login"]
        country = _str(last.get("country"))
        where = f"{_str(last.get('ip')) or 'an unknown address'}{' (' + country + ')' if country else ''}"
        steps.append(("before", f"{c.creator} last signed in at {last['ts']} from {where} ({last['source']})"))
    if before.get("failed_logins"):
        steps.append(("before", f"{before['failed_logins']} failed logins of {c.creator} in the day before"))
    if before.get("findings"):
        steps.append(("before", f"findings about {c.creator} in the day before: {', '.join(before['findings'])}"))
    if c.created is not None:
        origin = f" from {c.creator_ip}{' (' + c.creator_country + ')' if c.creator_country else ''}" \
            if c.creator_ip else ""
        steps.append(("created", f"{c.creator or 'unknown'} created {what} at {c.created.isoformat()}{origin} "
                                 f"({c.event_name or c.source})"))
    else:
        steps.append(("created", f"{what}: {c.note}"))
    uses = c.uses
    if uses.get("events"):
        ips = ", ".join(f"{i['value']} ({i['events']})" for i in uses.get("ips", [])[:5]) or "no IP logged"
        names = ", ".join(f"{e['value']} ({e['events']})" for e in uses.get("event_names", [])[:5])
        text = (f"used {uses['events']} times from {uses['first']} to {uses['last']} from {ips}: {names}")
        if uses.get("new_ips"):
            text += f"; never used by its creator or owner before: {', '.join(uses['new_ips'])}"
        steps.append(("used", text))
    else:
        steps.append(("unused", "no later use in the loaded logs"))
    return steps
