"""Microsoft Entra ID (Azure AD) audit logs → source ``entra_audit``.

Shapes read (sniffed by content):

- Microsoft Graph ``auditLogs/directoryAudits``: ``{"value": [...]}``, a bare array (the admin center
  "Download JSON"), JSON Lines, camelCase or PascalCase; the diagnostic-settings archive shape
  ``{"records": [{"category": "AuditLogs", "properties": {...}}]}``.
- The admin center "Download CSV" (``Date (UTC)``, ``CorrelationId``, ``Activity``, ``Result``, ``ActorType``,
  ``ActorUserPrincipalName``, ``IPAddress``, ``Target1Type``, ``Target1UserPrincipalName``,
  ``Target1ModifiedProperty1Name`` ..., ``AdditionalDetail1Key`` ...). It has no record id: ``ref`` is the
  CSV line (``line 7``).
- Log Analytics ``AuditLogs`` exports (CSV with ``InitiatedBy`` / ``TargetResources`` as JSON text, or JSON).

Mapping: ``ref`` = ``id``; ``event_name`` = the activity name as logged; ``user`` = the initiating user's UPN
(lower case) or the initiating application's name; ``target_user`` = the first target's UPN, else its display
name; ``src_ip`` = the initiator's ``ipAddress``; ``session_id`` = ``correlationId``; ``user_agent`` from the
``User-Agent`` additional detail; ``outcome`` from ``result`` (``timeout`` counts as failure). The activity →
action table is :data:`ACTIVITY_ACTIONS`, with :data:`ACTIVITY_IF_PROPERTIES` for activities whose meaning
depends on the properties they change (an application update that adds a secret is a new credential).
The M365 unified audit log reuses these tables for its Entra operations (``Add member to role.``).
"""

from __future__ import annotations

from datetime import datetime
import re
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import orjson

from ..events import EventBatch
from . import csvio
from .entra import Item, as_obj, emit_records, get, json_records, upn
from .jsonio import looks_like_json
from .fields import ip_or_none, text
from ..evidence.files import HEAD_BYTES
from .registry import ParseContext, register

SOURCE = "entra_audit"

# --- mapping tables -------------------------------------------------------------------------------------

ACTIVITY_ACTIONS: dict[str, str] = {
    # new credentials on applications and service principals (T1098.001)
    "Add service principal credentials": "credential.create",
    "Update application – Certificates and secrets management": "credential.create",
    # new authentication methods (T1098.005)
    "User registered security info": "credential.create",
    "Admin registered security info": "credential.create",
    "User registered all required security info": "credential.create",
    # changed credentials
    "Reset user password": "credential.change",
    "Change user password": "credential.change",
    "Reset password (by admin)": "credential.change",
    "Reset password (self-service)": "credential.change",
    "Change password (self-service)": "credential.change",
    "Set force change user password": "credential.change",
    "Remove service principal credentials": "credential.change",
    "User deleted security info": "credential.change",
    "Admin deleted security info": "credential.change",
    # accounts and identities
    "Add user": "account.create",
    "Invite external user": "account.create",
    "Add service principal": "account.create",
    # privilege changes (T1098, T1098.003)
    "Add member to role": "privilege.change",
    "Add eligible member to role": "privilege.change",
    "Add scoped member to role": "privilege.change",
    "Add member to role completed (PIM activation)": "privilege.change",
    "Add eligible member to role in PIM completed (permanent)": "privilege.change",
    "Add member to role in PIM completed (permanent)": "privilege.change",
    "Add app role assignment to service principal": "privilege.change",
    "Add app role assignment grant to user": "privilege.change",
    "Add owner to application": "privilege.change",
    "Add owner to service principal": "privilege.change",
    "Add delegated permission grant": "privilege.change",
    "Consent to application": "privilege.change",
    "Add member to group": "privilege.change",
    "Add owner to group": "privilege.change",
}

# Properties whose change makes an application / service principal update a new credential.
CREDENTIAL_PROPERTIES = frozenset({"KeyDescription", "KeyCredentials", "PasswordCredentials",
                                   "FederatedIdentityCredentials"})
# Properties whose change makes "Update user" a credential change (password, MFA methods).
PASSWORD_PROPERTIES = frozenset({"PasswordProfile", "PasswordPolicies", "StrongAuthenticationMethod",
                                 "StrongAuthenticationUserDetails", "StrongAuthenticationPhoneAppDetail"})
ACTIVITY_IF_PROPERTIES: dict[str, tuple[frozenset[str], str]] = {
    "Add application": (CREDENTIAL_PROPERTIES, "credential.create"),
    "Update application": (CREDENTIAL_PROPERTIES, "credential.create"),
    "Update service principal": (CREDENTIAL_PROPERTIES, "credential.create"),
    "Update user": (PASSWORD_PROPERTIES, "credential.change"),
}

RESULTS: dict[str, str] = {"success": "success", "failure": "failure", "timeout": "failure"}

# --- the mapping logic ---------------------------------------------------------------------------------------


def _norm(name: str) -> str:
    """Activity names as logged vary in dashes, spacing and a trailing period (the M365 audit log)."""
    return " ".join(name.replace("\u2013", "-").replace("\u2014", "-").split()).rstrip(".").casefold()


_ACTIONS = {_norm(k): v for k, v in ACTIVITY_ACTIONS.items()}
_IF_PROPERTIES = {_norm(k): v for k, v in ACTIVITY_IF_PROPERTIES.items()}
_EMPTY = frozenset({"", "[]", '""', "null", "{}"})


def _changed(properties: Iterable[tuple[Any, Any]]) -> set[str]:
    """The names of the properties given a non-empty new value, including those listed in the
    ``Included Updated Properties`` pseudo-property."""
    names: set[str] = set()
    for name, new in properties:
        if not isinstance(name, str):
            continue
        new = text(new) or ""
        if name == "Included Updated Properties":
            names.update(p.strip().strip('"') for p in new.strip('"').split(","))
        elif new.strip() not in _EMPTY:
            names.add(name)
    return names


def activity_action(name: Any, properties: Iterable[tuple[Any, Any]] = ()) -> str | None:
    """The normalized action of an Entra activity, or None when it is not in the tables."""
    if not isinstance(name, str):
        return None
    key = _norm(name)
    action = _ACTIONS.get(key)
    if action is None and key in _IF_PROPERTIES:
        wanted, conditional = _IF_PROPERTIES[key]
        action = conditional if _changed(properties) & wanted else None
    return action


def result_outcome(value: Any) -> str:
    return RESULTS.get((text(value) or "").strip().lower(), "unknown")


# --- one audit record, whatever the shape ------------------------------------------------------------------


class _Audit(NamedTuple):
    time: Any
    ref: Any
    activity: Any
    result: Any
    user: str | None
    ip: Any
    target: str | None
    properties: list[tuple[Any, Any]]
    user_agent: Any
    session: Any
    host: Any


def _detail(details: Any, key: str) -> Any:
    if isinstance(details, list):
        for d in details:
            if isinstance(d, dict) and (get(d, "key") == key):
                return get(d, "value")
    return None


def _graph(rec: dict[str, Any], tenant: Any = None, *, activity_key: str = "activityDisplayName",
           time_key: str = "activityDateTime") -> _Audit:
    initiated = as_obj(get(rec, "initiatedBy"))
    by_user, by_app = get(initiated, "user"), get(initiated, "app")
    targets = as_obj(get(rec, "targetResources"))
    first = targets[0] if isinstance(targets, list) and targets and isinstance(targets[0], dict) else {}
    props = [(get(p, "displayName"), get(p, "newValue"))
             for t in (targets if isinstance(targets, list) else ()) if isinstance(t, dict)
             for p in (get(t, "modifiedProperties") or ()) if isinstance(p, dict)]
    return _Audit(
        get(rec, time_key), get(rec, "id"), get(rec, activity_key), get(rec, "result"),
        upn(get(by_user, "userPrincipalName")) or text(get(by_app, "displayName"))
        or text(get(by_user, "displayName")) or text(get(by_app, "servicePrincipalId")) or None,
        get(by_user, "ipAddress"),
        upn(get(first, "userPrincipalName")) or text(get(first, "displayName")) or None,
        props, _detail(as_obj(get(rec, "additionalDetails")), "User-Agent"), get(rec, "correlationId"), tenant)


def _log_analytics(rec: dict[str, Any], cols: dict[str, str]) -> _Audit:
    audit = _graph(rec, rec.get("AADTenantId"), activity_key="OperationName", time_key=cols["generated"])
    if not audit.activity:  # older rows: ActivityDisplayName only
        audit = audit._replace(activity=rec.get("ActivityDisplayName"))
    if rec.get(cols["activity_time"]):
        audit = audit._replace(time=rec.get(cols["activity_time"]))
    return audit


def _portal_csv(row: dict[str, str], cols: dict[str, Any]) -> _Audit:
    props = [(row.get(name), row.get(new)) for name, new in cols["properties"]]
    agent = row.get("User Agent") or row.get("UserAgent") or next(
        (row.get(value) for key, value in cols["details"] if row.get(key) == "User-Agent"), None)
    return _Audit(
        row.get("Date (UTC)"), None, row.get("Activity"), row.get("Result"),
        upn(row.get("ActorUserPrincipalName")) or text(row.get("ActorServicePrincipalName"))
        or text(row.get("ActorDisplayName")) or None,
        row.get("IPAddress"),
        upn(row.get("Target1UserPrincipalName")) or text(row.get("Target1DisplayName")) or None,
        props, agent, row.get("CorrelationId"), None)


def _add(batch: EventBatch, ts: datetime, where: str, a: _Audit, raw: str) -> None:
    name = text(a.activity)
    name = name.strip() if name else None
    batch.add(ts, text(a.ref) or where, activity_action(name, a.properties) or "api.call",
              result_outcome(a.result), raw, user=a.user, target_user=a.target, src_ip=ip_or_none(a.ip),
              host=text(a.host) or None, user_agent=text(a.user_agent) or None, event_name=name,
              session_id=text(a.session) or None)


def _emit(ctx: ParseContext, items: Iterable[Item], extract: Callable[[Any], _Audit]) -> Iterator[EventBatch]:
    return emit_records(ctx, SOURCE, items, extract, "activity time", _add)


# --- sniffing and parsing ---------------------------------------------------------------------------------

_GRAPH = re.compile(rb'"activityDisplayName"\s*:', re.I)
_GRAPH_TIME = re.compile(rb'"activityDateTime"\s*:', re.I)
_LA = re.compile(rb'"InitiatedBy"\s*:')
_LA_TARGETS = re.compile(rb'"TargetResources"\s*:')
_LA_NAME = re.compile(rb'"OperationName"\s*:')
_DIAG = re.compile(rb'"category"\s*:\s*"AuditLogs"')


def _csv_kind(names: set[str]) -> str | None:
    if {"Date (UTC)", "Activity", "ActorType", "Target1Type"} <= names:
        return "portal"
    plain = {n.removesuffix(" [UTC]") for n in names}
    if {"TimeGenerated", "OperationName", "InitiatedBy", "TargetResources"} <= plain:
        return "log_analytics"
    return None


def _sniff(head: bytes) -> bool:
    if looks_like_json(head):
        return bool((_GRAPH.search(head) and _GRAPH_TIME.search(head))
                    or (_LA.search(head) and _LA_TARGETS.search(head) and _LA_NAME.search(head))
                    or _DIAG.search(head))
    names = csvio.header(head)
    return names is not None and _csv_kind(set(names)) is not None


_LA_JSON_COLS = {"generated": "TimeGenerated", "activity_time": "ActivityDateTime"}


def _json_extract(rec: dict[str, Any]) -> _Audit:
    props = rec.get("properties")
    if isinstance(props, dict) and "category" in rec:  # diagnostic-settings archive
        return _graph(props, rec.get("tenantId"))
    if "TimeGenerated" in rec or "OperationName" in rec:
        return _log_analytics(rec, _LA_JSON_COLS)
    return _graph(rec)


def _pairs(names: list[str], key: str, value_suffix: str) -> list[tuple[str, str]]:
    """Column pairs of the portal CSV's numbered groups, e.g. (Target1ModifiedProperty1Name, ...NewValue)."""
    regex = re.compile(key)
    pairs = []
    for name in names:
        m = regex.fullmatch(name)
        if m and m.group(1) + value_suffix in names:
            pairs.append((name, m.group(1) + value_suffix))
    return pairs


@register(SOURCE, "Microsoft Entra ID audit logs", _sniff, priority=55)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    with ctx.open_binary() as fh:
        head = fh.read(HEAD_BYTES)
    if looks_like_json(head):
        with ctx.open_binary() as fh:
            data = ctx.read_whole(fh)
        yield from _emit(ctx, json_records(ctx, data), _json_extract)
        return
    names = csvio.header(head) or []
    rows = ((where, row, orjson.dumps(row).decode(), None, None) for where, row in csvio.iter_rows(ctx))
    if _csv_kind(set(names)) == "portal":
        cols = {"properties": _pairs(names, r"(Target\d+ModifiedProperty\d+)Name", "NewValue"),
                "details": _pairs(names, r"(AdditionalDetail\d+)Key", "Value")}
        yield from _emit(ctx, rows, lambda row: _portal_csv(row, cols))
        return
    cols = {key: next((n for n in names if n.removesuffix(" [UTC]") == col), col)
            for key, col in _LA_JSON_COLS.items()}
    yield from _emit(ctx, rows, lambda row: _log_analytics(row, cols))
