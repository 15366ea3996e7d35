"""Google Cloud audit logs (Cloud Audit Logs ``LogEntry`` records) → source ``gcp_audit``.

Shapes read (sniffed by content): ``gcloud logging read --format=json`` (a JSON array), the Logs Explorer
"Download" as JSON (array) or JSON Lines, Cloud Storage sink files (JSON Lines), and ``entries.list``
pages (``{"entries": [...]}``). Admin Activity, Data Access, System Event and Policy Denied logs
(``logName`` ``.../logs/cloudaudit.googleapis.com%2Factivity`` ...) all carry an ``AuditLog`` in
``protoPayload``.

Mapping: ``ref`` = ``insertId``; ``ts`` = ``timestamp``; ``user`` = ``authenticationInfo.principalEmail`` (else
``principalSubject``); ``src_ip`` = ``requestMetadata.callerIp`` (the redacted values ``private`` and
``gce-internal-ip`` are not addresses and become null); ``user_agent`` = ``callerSuppliedUserAgent``;
``session_id`` = ``authenticationInfo.serviceAccountKeyName`` (which key a service account used);
``host`` = the project (``resource.labels.project_id``, else from ``logName``); ``event_name`` = ``methodName``.
``outcome``: a non-zero ``status.code`` (google.rpc.Code) is ``failure``, else ``success``. ``action`` from
:data:`METHOD_ACTIONS` and :data:`METHOD_SUFFIX_ACTIONS`, else ``api.call``. ``target_user``: the service
account of a key or account creation, or the first member a ``SetIamPolicy`` adds
(``serviceData.policyDelta.bindingDeltas``). An entry without an ``AuditLog`` payload is kept as ``other``.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

import orjson

from ..errors import words
from ..events import EventBatch
from .entra import Item, json_records, place_raw, to_time
from .fields import dig, ip_or_none, text
from .jsonio import looks_like_json
from .registry import ParseContext, emit, register

SOURCE = "gcp_audit"

# --- mapping tables -------------------------------------------------------------------------------------

# Full methodName → action.
METHOD_ACTIONS: dict[str, str] = {
    "google.iam.admin.v1.CreateServiceAccountKey": "credential.create",  # T1098.001
    "google.iam.admin.v1.UploadServiceAccountKey": "credential.create",
    "google.iam.admin.v1.CreateServiceAccount": "account.create",
    "google.iam.admin.v1.CreateRole": "privilege.change",
    "google.iam.admin.v1.UpdateRole": "privilege.change",
}
# Last segment of methodName (case-insensitive, any service) → action. IAM logs it "SetIAMPolicy",
# Resource Manager "SetIamPolicy", Storage "storage.setIamPermissions".
METHOD_SUFFIX_ACTIONS: dict[str, str] = {
    "setiampolicy": "privilege.change",
    "setiampermissions": "privilege.change",
}
# Redacted callerIp values (not addresses).
REDACTED_IPS = frozenset({"private", "gce-internal-ip"})

_SUFFIX = {k.lower(): v for k, v in METHOD_SUFFIX_ACTIONS.items()}
_PROJECT = re.compile(r"^(?:projects|organizations|folders|billingAccounts)/([^/]+)/")


def method_action(method: str | None) -> str:
    if not method:
        return "api.call"
    action = METHOD_ACTIONS.get(method)
    if action:
        return action
    return _SUFFIX.get(re.split(r"[./]", method)[-1].lower(), "api.call")


# --- the mapping logic -------------------------------------------------------------------------------------


def _account(*names: Any) -> str | None:
    """The service account in a resource name (``projects/-/serviceAccounts/<email or id>[/keys/...]``):
    the first that is an email, else the first id."""
    found = []
    for name in names:
        name = text(name) or ""
        if "serviceAccounts/" in name:
            found.append(name.split("serviceAccounts/", 1)[1].split("/", 1)[0])
    return next((f for f in found if "@" in f), found[0] if found else None)


def _member(value: Any) -> str | None:
    """``user:alice@example.com`` → ``alice@example.com`` (the kind prefix dropped)."""
    value = text(value)
    return value.split(":", 1)[1] if value and ":" in value else value


def _target(method: str | None, payload: dict[str, Any]) -> str | None:
    action = method_action(method)
    if action == "credential.create":
        return _account(payload.get("resourceName"), dig(payload, "request", "name"), dig(payload, "response", "name"))
    if action == "account.create":
        return text(dig(payload, "response", "email")) or _account(dig(payload, "response", "name"),
                                                                  payload.get("resourceName"))
    if action == "privilege.change":
        deltas = (dig(payload, "serviceData", "policyDelta", "bindingDeltas")
                  or dig(payload, "metadata", "datasetChange", "bindingDeltas"))
        for delta in deltas if isinstance(deltas, list) else ():
            if isinstance(delta, dict) and delta.get("action") == "ADD" and delta.get("member"):
                return _member(delta["member"])
    return None


def _host(entry: dict[str, Any]) -> str | None:
    project = text(dig(entry, "resource", "labels", "project_id"))
    if project:
        return project
    m = _PROJECT.match(text(entry.get("logName")) or "")
    return m.group(1) if m else None


def _caller_ip(value: Any) -> str | None:
    value = text(value)
    if not value or value.strip().lower() in REDACTED_IPS:
        return None
    return ip_or_none(value)


def _log_id(entry: dict[str, Any]) -> str | None:
    name = text(entry.get("logName")) or ""
    return name.rsplit("/logs/", 1)[-1].replace("%2F", "/") if "/logs/" in name else None


def _expand(ctx: ParseContext, items: Iterable[Item]) -> Iterator[Item]:
    """``entries.list`` pages (``{"entries": [...]}``) give one item per entry, each kept as JSON text."""
    for where, rec, raw, offset, length in items:
        entries = rec.get("entries")
        if isinstance(entries, list) and "insertId" not in rec:
            for i, entry in enumerate(entries, 1):
                if isinstance(entry, dict):
                    yield f"{where} entry {i}", entry, orjson.dumps(entry).decode(), None, None
                else:
                    ctx.record_error(f"{where} entry {i}", "not a JSON object")
        else:
            yield where, rec, raw, offset, length


def _emit(ctx: ParseContext, items: Iterable[Item]) -> Iterator[EventBatch]:
    batch = EventBatch(SOURCE, ctx.display_path)
    for where, entry, raw, offset, length in items:
        try:
            ts = to_time(entry.get("timestamp") or entry.get("receiveTimestamp"))
        except ValueError as exc:
            ctx.record_error(where, f"no usable timestamp ({words(exc)})")
            continue
        ref = text(entry.get("insertId")) or where
        payload = entry.get("protoPayload")
        if not isinstance(payload, dict):
            batch.add(ts, ref, "other", "unknown", raw, host=_host(entry), event_name=_log_id(entry))
        else:
            auth = payload.get("authenticationInfo") if isinstance(payload.get("authenticationInfo"), dict) else {}
            meta = payload.get("requestMetadata") if isinstance(payload.get("requestMetadata"), dict) else {}
            method = text(payload.get("methodName")) or None
            code = dig(payload, "status", "code")
            batch.add(ts, ref, method_action(method), "failure" if code not in (None, 0, "0", "OK") else "success",
                      raw, user=text(auth.get("principalEmail")) or text(auth.get("principalSubject")) or None,
                      target_user=_target(method, payload), src_ip=_caller_ip(meta.get("callerIp")),
                      host=_host(entry), user_agent=text(meta.get("callerSuppliedUserAgent")) or None,
                      event_name=method, session_id=text(auth.get("serviceAccountKeyName")) or None)
        place_raw(batch, offset, length)
        yield from emit(batch)
    yield from emit(batch, last=True)


# --- sniffing and parsing ---------------------------------------------------------------------------------

_PAYLOAD = re.compile(rb'"protoPayload"\s*:')
_AUDIT = re.compile(rb'type\.googleapis\.com/google\.cloud\.audit\.AuditLog|cloudaudit\.googleapis\.com')


def _sniff(head: bytes) -> bool:
    return looks_like_json(head) and bool(_PAYLOAD.search(head) and _AUDIT.search(head))


@register(SOURCE, "Google Cloud audit logs", _sniff, priority=55)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    with ctx.open_binary() as fh:
        data = ctx.read_whole(fh)
    yield from _emit(ctx, _expand(ctx, json_records(ctx, data)))
