"""Where a Sigma field is found in each source: Sigma's log sources and field names (as SigmaHQ rules
write them) mapped onto our parser ids, our columns, and paths in the original record.

Data only; the evaluator (:mod:`.engine`) reads it. Field names and paths are compared in lower case
(Sigma field names are case-insensitive in practice: SigmaHQ writes both ``ResultDescription`` and
``Resultdescription``), and the original records' keys are lowered when they are decoded, so Graph's
camelCase, the Graph PowerShell PascalCase and Log Analytics' names all meet.

A field resolves, in this order, to:

1. an *exact column*: a column of the event table that holds, for this source, exactly what the
   original record holds (null exactly when the record has none). No record is decoded for it.
2. the first of its *paths* that is present in the original record (``a.b.c``; lists are walked, a
   JSON object or array written as text, as Log Analytics CSV exports do, is decoded on the way), each
   also tried under the source's *prefixes* (the diagnostic-settings shape nests records in
   ``properties``).

A field with no entry is looked up under its own name. So one rule written with Log Analytics names
(``ResultType``, ``AppDisplayName``, ``IPAddress``) matches a Graph export (``status.errorCode``,
``appDisplayName``, ``ipAddress``), a portal CSV (``Sign-in error code``, ``Application``, ``IP
address``) and the Log Analytics export itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from ..sources import SIGMA_LOGSOURCES

WINDOWS = "windows"  # the source of Windows event logs (.evtx, wevtutil XML, EvtxECmd CSV), every channel


@dataclass(frozen=True)
class FieldSpec:
    paths: tuple[str, ...] = ()  # in the original record, lower case, first present wins
    column: str | None = None  # an exact column of the event table (see the module docstring)
    derive: str | None = None  # name of a column derived in DERIVED (exact as well)
    # A column holding the canonical form of the field's IP address (null for anything else): it bounds
    # ``cidr`` tests (an address outside the network there is outside it in the record too).
    bound: str | None = None


# What a log source adds to every rule's condition: one Windows source holds every channel.
LOGSOURCE_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("windows", "security"): ("Channel", "Security"),
    ("windows", "system"): ("Channel", "System"),
    ("windows", "application"): ("Channel", "Application"),
}


def sources_for(product: str | None, service: str | None, category: str | None) -> tuple[str, ...] | None:
    """The parser ids a rule's log source covers, or None when the workbench loads no such log."""
    if category:
        return None  # categories (process_creation, ...) name Sysmon-style telemetry we do not read
    product, service = (product or "").lower(), (service or "").lower()
    return SIGMA_LOGSOURCES.get((product, service)) or SIGMA_LOGSOURCES.get((product, None))


def _signin_code(table: pa.Table) -> pa.Array:
    """``ResultType`` from ``event_name`` (``signin:50126`` → ``50126``); null for ``signin`` (no code)."""
    names = table.column("event_name")
    coded = pc.starts_with(names, "signin:")
    return pc.if_else(coded, pc.utf8_slice_codeunits(names, 7), pa.scalar(None, pa.string()))


def _signin_status(table: pa.Table) -> pa.Array:
    """``Status`` as the portal writes it: Success, Failure, or Interrupted (MFA and other prompts)."""
    words = pa.array(["Success", "Failure", "Interrupted"])
    index = pc.index_in(table.column("outcome"), value_set=pa.array(["success", "failure", "unknown"]))
    return pc.take(words, index)


# Columns computed from the table, exact by construction (the parser derives the same from the record).
DERIVED = {
    "signin_code": _signin_code,
    "signin_status": _signin_status,
}

_CLOUDTRAIL: dict[str, FieldSpec] = {
    "eventname": FieldSpec(("eventname", "event name"), column="event_name"),
    "eventsource": FieldSpec(("eventsource", "event source")),
    "useragent": FieldSpec(("useragent", "user agent"), column="user_agent"),
    "recipientaccountid": FieldSpec(("recipientaccountid",), column="host"),
    "useridentity.accesskeyid": FieldSpec(("useridentity.accesskeyid", "aws access key"), column="session_id"),
    "useridentity.username": FieldSpec(("useridentity.username", "user name")),
    "sourceipaddress": FieldSpec(("sourceipaddress", "source ip address"), bound="src_ip"),
}

# Entra sign-ins: Log Analytics names → Graph / Graph PowerShell / portal CSV / diagnostic-settings keys.
_SIGNIN: dict[str, FieldSpec] = {
    "resulttype": FieldSpec(("resulttype", "status.errorcode", "sign-in error code", "errorcode"),
                            derive="signin_code"),
    "status.errorcode": FieldSpec(("status.errorcode", "resulttype", "sign-in error code"), derive="signin_code"),
    "status": FieldSpec(derive="signin_status"),
    "resultdescription": FieldSpec(("resultdescription", "status.failurereason", "failure reason")),
    "status.failurereason": FieldSpec(("status.failurereason", "resultdescription", "failure reason")),
    "appdisplayname": FieldSpec(("appdisplayname", "application")),
    "appid": FieldSpec(("appid", "application id")),
    "userprincipalname": FieldSpec(("userprincipalname", "username")),
    "username": FieldSpec(("username", "userprincipalname")),
    "userdisplayname": FieldSpec(("userdisplayname", "user")),
    "ipaddress": FieldSpec(("ipaddress", "ip address")),
    "clientappused": FieldSpec(("clientappused", "client app")),
    "resourcedisplayname": FieldSpec(("resourcedisplayname", "resource")),
    "useragent": FieldSpec(("useragent", "user agent")),
    "authenticationrequirement": FieldSpec(("authenticationrequirement", "authentication requirement")),
    "conditionalaccessstatus": FieldSpec(("conditionalaccessstatus", "conditional access")),
    "location": FieldSpec(("location.countryorregion", "location")),
    "correlationid": FieldSpec(("correlationid", "correlation id")),
    "id": FieldSpec(("id", "request id")),
}
# Log Analytics column name → the Graph object it flattens (tried after the name itself).
_SIGNIN_PREFIXES = {"locationdetails.": "location."}

_AUDIT: dict[str, FieldSpec] = {
    "activitydisplayname": FieldSpec(("activitydisplayname", "activity", "operationname"), column="event_name"),
    "operationname": FieldSpec(("operationname", "activitydisplayname", "activity")),
    "properties.message": FieldSpec(("properties.message", "activitydisplayname", "activity")),
    "result": FieldSpec(("result", "status")),
    "loggedbyservice": FieldSpec(("loggedbyservice", "service")),
    "category": FieldSpec(("category",)),
    "correlationid": FieldSpec(("correlationid",)),
}

_ACTIVITY: dict[str, FieldSpec] = {
    "operationname": FieldSpec(("operationname.value", "operationnamevalue", "operationname")),
    "operationnamevalue": FieldSpec(("operationnamevalue", "operationname.value", "operationname")),
    "status": FieldSpec(("status.value", "activitystatusvalue", "status", "resulttype")),
    "activitystatusvalue": FieldSpec(("activitystatusvalue", "status.value", "status")),
    "category": FieldSpec(("category.value", "categoryvalue", "category")),
    "resourceid": FieldSpec(("resourceid", "_resourceid")),
    "caller": FieldSpec(("caller",)),
    "callipaddress": FieldSpec(("callipaddress", "calleripaddress", "httprequest.clientipaddress")),
}

_M365: dict[str, FieldSpec] = {
    "operation": FieldSpec(("operation",)),
    "eventname": FieldSpec(("operation",)),
    "eventsource": FieldSpec(("workload",)),
    "workload": FieldSpec(("workload",)),
    "status": FieldSpec(("resultstatus",)),
    "resultstatus": FieldSpec(("resultstatus",)),
    "userid": FieldSpec(("userid",)),
    "clientip": FieldSpec(("clientip", "clientipaddress", "actoripaddress")),
}

_GCP: dict[str, FieldSpec] = {
    "gcp.audit.method_name": FieldSpec(("protopayload.methodname",), column="event_name"),
    "gcp.audit.service_name": FieldSpec(("protopayload.servicename",)),
    "gcp.audit.resource_name": FieldSpec(("protopayload.resourcename",)),
    "gcp.audit.principal_email": FieldSpec(("protopayload.authenticationinfo.principalemail",)),
    "methodname": FieldSpec(("protopayload.methodname",), column="event_name"),
    "servicename": FieldSpec(("protopayload.servicename",)),
}
_GCP_PREFIXES = {"data.protopayload.": "protopayload."}

_WORKSPACE: dict[str, FieldSpec] = {
    "eventname": FieldSpec(("events.name", "protopayload.methodname", "event name", "event"), column="event_name"),
    "eventservice": FieldSpec(("protopayload.servicename", "id.applicationname")),
    "actor.email": FieldSpec(("actor.email", "user", "actor")),
    "ipaddress": FieldSpec(("ipaddress", "ip address"), bound="src_ip"),
}

# Syslog lines are not JSON: only keywords (full-text) and these columns reach them.
_AUTHLOG: dict[str, FieldSpec] = {
    "message": FieldSpec(("message",), column="raw"),
    "host": FieldSpec(column="host"),
}
_JOURNALD: dict[str, FieldSpec] = {
    "message": FieldSpec(("message",)),
    "host": FieldSpec(("_hostname",)),
}

# Windows event logs as the evtx parser writes them (``Event.System``, ``Event.EventData``, attributes under
# ``#attributes`` and an element's text beside them under ``#text``); XML exports are decoded to the same
# layout (:mod:`.records`); EvtxECmd CSV rows have only their columns (EventId, Channel, Provider, ...).
_WINDOWS: dict[str, FieldSpec] = {
    "eventid": FieldSpec(("event.system.eventid.#text", "event.system.eventid", "eventid"), column="event_name"),
    "channel": FieldSpec(("event.system.channel", "channel")),
    "computer": FieldSpec(("event.system.computer", "computer")),
    "provider_name": FieldSpec(("event.system.provider.#attributes.name", "provider")),
    "level": FieldSpec(("event.system.level", "level")),
}

FIELDS: dict[str, dict[str, FieldSpec]] = {
    "cloudtrail": _CLOUDTRAIL,
    "entra_signin": _SIGNIN,
    "entra_audit": _AUDIT,
    "azure_activity": _ACTIVITY,
    "m365_audit": _M365,
    "gcp_audit": _GCP,
    "workspace": _WORKSPACE,
    "authlog": _AUTHLOG,
    "journald": _JOURNALD,
    WINDOWS: _WINDOWS,
}

# Where a field without an entry is looked for ("{}": the field name); default: the name itself.
TEMPLATES: dict[str, tuple[str, ...]] = {
    WINDOWS: ("event.eventdata.{}", "event.userdata.*.{}", "event.system.{}", "{}"),
}

# Tried in front of every path of a source when the path itself is absent (diagnostic-settings shapes).
PREFIXES: dict[str, tuple[str, ...]] = {
    "entra_signin": ("properties.",),
    "entra_audit": ("properties.",),
    "azure_activity": ("properties.",),
}

# Rewrites of a field's leading part, tried after the field as written.
REWRITES: dict[str, dict[str, str]] = {
    "entra_signin": _SIGNIN_PREFIXES,
    "gcp_audit": _GCP_PREFIXES,
}

# Sources whose records wrap the real record in a JSON string (CloudTrail lookup-events: CloudTrailEvent).
WRAPPED: dict[str, str] = {"cloudtrail": "CloudTrailEvent"}


def field_spec(source: str, field: str) -> FieldSpec:
    """Where ``field`` (a Sigma field name) is found in ``source``."""
    name = field.lower()
    spec = FIELDS.get(source, {}).get(name)
    if spec is None:
        paths = [t.format(name) for t in TEMPLATES.get(source, ("{}",))]
    else:
        paths = list(spec.paths)
    for old, new in REWRITES.get(source, {}).items():
        for p in list(paths):
            if p.startswith(old):
                paths.append(new + p[len(old):])
    for prefix in PREFIXES.get(source, ()):
        paths.extend(prefix + p for p in list(paths) if not p.startswith(prefix))
    return FieldSpec(tuple(paths), spec.column if spec else None, spec.derive if spec else None,
                     spec.bound if spec else None)
