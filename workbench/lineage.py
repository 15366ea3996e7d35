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

from .findings import EvidenceRef, Finding
from .store import raw_record

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


def _frame(table: pa.Table) -> pd.DataFrame:
    cols = ["ts", "source", "file", "ref", "action", "outcome", "user", "target_user", "src_ip", "host",
            "user_agent", "event_name", "logon_type", "client_app", "session_id", "country"]
    return table.select([c for c in cols if c in table.column_names]).to_pandas()


def _forward(kind: str, key: str | None, owner: str | None, created: datetime | None, ev: pd.DataFrame,
             table: pa.Table, extra: str) -> pd.DataFrame:
    """The later events that used the credential."""
    after = ev[ev["ts"] > created] if created is not None else ev
    if kind == "aws_access_key" and key:
        return after[after["session_id"] == key]
    if kind == "aws_login_profile" and owner:
        return after[after["source"].str.startswith("cloudtrail") & (after["event_name"] == "ConsoleLogin")
                     & (after["user"] == owner)]
    if kind == "aws_key_pair" and key:
        runs = after[after["event_name"] == "RunInstances"]
        hits = [i for i in runs.index if f'"keyName": "{key}"' in (raw_record(table, int(i)) or "").replace(
            '"keyName":"', '"keyName": "')]
        out = [runs.loc[hits]]
        fp = extra if extra.startswith("SHA256:") else (f"SHA256:{extra}" if extra and ":" not in extra else "")
        if fp:
            ssh = after[after["event_name"].fillna("").str.endswith("accepted_publickey")]
            out.append(ssh[[fp in (raw_record(table, int(i)) or "") for i in ssh.index]])
        return pd.concat(out).sort_values("ts", kind="stable")
    if kind == "entra_app_credential" and key:
        sps = after[(after["source"] == "entra_signin") & (after["user"] == owner if owner else True)]
        return sps[[key in (raw_record(table, int(i)) or "").lower() for i in sps.index]]
    if kind == "gcp_service_account_key" and key:
        sess = after["session_id"].fillna("")
        return after[(after["source"] == "gcp_audit") & sess.str.lower().str.endswith(f"/keys/{key}")]
    if kind == "workspace_oauth_grant" and key:
        return after[(after["source"] == "workspace") & (after["client_app"] == key) & (after["user"] == owner)
                     & (after["action"] != "credential.create")]
    return after.iloc[0:0]


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


def _before(creator: str | None, created: datetime | None, ev: pd.DataFrame,
            findings: Iterable[Finding]) -> dict[str, Any]:
    """What the creator did in the day before: its last successful login, failures, findings."""
    if not creator or created is None:
        return {}
    mine = ev[(ev["user"] == creator) & (ev["ts"] < created) & (ev["ts"] >= created - LOOKBACK)]
    logins = mine[mine["action"] == "auth.success"]
    out: dict[str, Any] = {"events": int(len(mine)), "failed_logins": int((mine["action"] == "auth.failure").sum())}
    if not logins.empty:
        last = logins.iloc[-1]
        out["last_login"] = {"ts": last["ts"].isoformat(), "ip": last["src_ip"],
                             "country": last.get("country"), "source": last["source"]}
    start = created - LOOKBACK
    out["findings"] = [f.id for f in findings if creator in f.users and start <= f.first_seen <= created]
    return out


def _ssh_keys(table: pa.Table, ev: pd.DataFrame) -> list[dict[str, Any]]:
    """New SSH keys from sshd ``Accepted publickey`` lines, per (user, SHA256 fingerprint) over all hosts.

    A key counts as created in the loaded period when an ``authorized_keys`` edit on a host it logs
    in to precedes its first login there (that edit is the creation), or when its first login comes
    at least a day after that host's log starts (the key is new, its creation not logged). Keys in
    use from the start of the logs are not new and are left out."""
    accepted = ev[ev["event_name"].fillna("").str.endswith("accepted_publickey")]
    keys: dict[tuple[str, str], list[int]] = {}
    for i in accepted.index:
        found = _FINGERPRINT.search(raw_record(table, int(i)) or "")
        if found:
            keys.setdefault((str(accepted.at[i, "user"]), found.group(1)), []).append(int(i))
    if not keys:
        return []
    host_logs = ev[ev["source"].isin(["authlog", "journald"]) & ev["host"].notna()]
    log_start = host_logs.groupby("host")["ts"].min()
    hosts = set(accepted["host"].dropna())
    edits = host_logs[host_logs["host"].isin(hosts)]
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
        late = uses["ts"].iloc[0] - log_start.get(first_host, uses["ts"].iloc[0]) >= pd.Timedelta(days=1)
        if made is not None or late:
            out.append({"user": user, "fingerprint": fp, "rows": rows, "edit": made, "first": uses["ts"].iloc[0],
                        "hosts": sorted(set(uses["host"].dropna()))})
    return out


def trace(table: pa.Table, findings: Iterable[Finding] = ()) -> list[Credential]:
    """Every credential created in the loaded logs, with its backward and forward lineage."""
    findings = list(findings)
    if not table.num_rows:
        return []
    ev = _frame(table)
    if "country" not in ev:
        ev["country"] = None
    out: list[Credential] = []
    creates = ev[(ev["action"] == "credential.create") & (ev["outcome"] == "success")]
    for i, row in creates.iterrows():
        raw = raw_record(table, int(i))
        kind, key, owner, extra = _identify(row, raw)
        created = row["ts"].to_pydatetime()
        uses = _forward(kind, key, owner, row["ts"], ev, table, extra)
        people = {p for p in (row["user"], owner) if isinstance(p, str)}
        known = set(ev.loc[ev["user"].isin(people) & (ev["ts"] <= row["ts"]), "src_ip"].dropna())
        note = "" if extra.startswith("SHA256:") or kind == "aws_key_pair" else extra
        out.append(Credential(
            id=_cred_id(row["source"], row["file"], row["ref"]), kind=kind, key_id=key, owner=owner,
            created=created, creator=_str(row["user"]), creator_ip=_str(row["src_ip"]),
            creator_country=_str(row["country"]), creator_user_agent=_str(row["user_agent"]),
            source=row["source"], event_name=_str(row["event_name"]),
            created_ref=EvidenceRef(row["source"], row["file"], row["ref"]),
            before=_before(_str(row["user"]), created, ev, findings), uses=_summary(uses, known),
            use_refs=tuple(EvidenceRef(s, f, r) for s, f, r in zip(uses["source"], uses["file"], uses["ref"])),
            use_rows=tuple(int(x) for x in uses.index), note=note,
        ))
    for key in _ssh_keys(table, ev):
        owner = str(key["user"])
        uses = ev.loc[key["rows"]]
        edit = key["edit"]
        first_ip = uses["src_ip"].iloc[0]
        if edit is not None:
            creator, created, ref = _str(edit["user"]), edit["ts"].to_pydatetime(), EvidenceRef(
                edit["source"], edit["file"], edit["ref"])
            note = ("created: the authorized_keys edit before its first use; logs in to "
                    + ", ".join(key["hosts"]))
            known = set(ev.loc[(ev["user"] == key["user"]) & (ev["ts"] < edit["ts"]), "src_ip"].dropna())
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
            created_ref=ref, before=_before(creator, created, ev, findings), uses=_summary(uses, known),
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
