"""Azure Activity log (subscription-level control-plane operations) → source ``azure_activity``.

Shapes read (sniffed by content):

- The REST / portal / CLI shape (``az monitor activity-log list``, the portal's "Download as JSON", a REST page
  ``{"value": [...]}``, JSON Lines):
  ``eventDataId``, ``eventTimestamp``, ``caller``, ``operationName {value, localizedValue}``,
  ``status {value}``, ``resourceId``, ``subscriptionId``, ``correlationId``, ``claims``, ``httpRequest``.
- The Log Analytics ``AzureActivity`` table exported as CSV ("Export to CSV", ``[UTC]`` time columns, nested
  columns as JSON text) or JSON (``az monitor log-analytics query``): ``TimeGenerated``, ``EventDataId``,
  ``OperationNameValue``, ``ActivityStatusValue``, ``Caller``, ``CallerIpAddress``, ``SubscriptionId``,
  ``_ResourceId`` / ``ResourceId``, ``CorrelationId``, ``Claims`` / ``Claims_d``, ``HTTPRequest``.

Mapping: ``ref`` = ``eventDataId``; ``ts`` = ``eventTimestamp`` (Log Analytics: ``TimeGenerated``); ``user`` =
``caller`` (UPNs in lower case; an application's caller is its id); ``src_ip`` = ``callerIpAddress``, else
``httpRequest.clientIpAddress``, else the ``ipaddr`` claim; ``host`` = ``subscriptionId`` (else read from the
resource id); ``event_name`` = the operation (``Microsoft.Authorization/roleAssignments/write``) as logged;
``session_id`` = ``correlationId`` (shared by the events of one operation); ``client_app`` = the ``appid``
claim. ``action`` comes from :data:`OPERATION_ACTIONS` (case-insensitive), else ``api.call``; ``outcome`` from
the status (:data:`STATUS_OUTCOMES`). One operation logs several events (Started, then Succeeded or Failed):
all are kept, each with its own ``eventDataId``; a Started event's outcome is ``unknown``.
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

SOURCE = "azure_activity"

# --- mapping tables -------------------------------------------------------------------------------------

# Operation name (case-insensitive) → action; every other operation is "api.call".
OPERATION_ACTIONS: dict[str, str] = {
    # rights granted on Azure resources (T1098.003)
    "Microsoft.Authorization/roleAssignments/write": "privilege.change",
    "Microsoft.Authorization/roleDefinitions/write": "privilege.change",
    "Microsoft.Authorization/elevateAccess/action": "privilege.change",  # Global Admin → User Access Administrator
    "Microsoft.Authorization/roleAssignmentScheduleRequests/write": "privilege.change",  # PIM
    "Microsoft.KeyVault/vaults/accessPolicies/write": "privilege.change",
    # keys regenerated: the old ones stop working, new ones exist
    "Microsoft.Storage/storageAccounts/regenerateKey/action": "credential.change",
    # kept as api.call on purpose (listed so the choice is visible): secrets read or code run, not rights changed;
    # checks find them by event_name
    "Microsoft.Compute/virtualMachines/runCommand/action": "api.call",
    "Microsoft.Storage/storageAccounts/listKeys/action": "api.call",
    "Microsoft.Web/sites/config/list/action": "api.call",
    "Microsoft.Web/sites/publishxml/action": "api.call",
}
# status.value / ActivityStatusValue (lower case) → outcome; anything else is "unknown".
STATUS_OUTCOMES: dict[str, str] = {
    "succeeded": "success", "success": "success", "resolved": "success",
    "failed": "failure", "failure": "failure", "canceled": "failure", "cancelled": "failure",
    "started": "unknown", "start": "unknown", "accepted": "unknown", "accept": "unknown",
    "in progress": "unknown", "active": "unknown", "updated": "unknown",
}

_ACTIONS = {name.lower(): action for name, action in OPERATION_ACTIONS.items()}
_SUBSCRIPTION = re.compile(r"/subscriptions/([0-9a-fA-F-]{36})", re.I)


def operation_action(name: str | None) -> str:
    return _ACTIONS.get(name.strip().lower(), "api.call") if name else "api.call"


def status_outcome(value: Any) -> str:
    return STATUS_OUTCOMES.get((text(value) or "").strip().lower(), "unknown")


# --- one event, whatever the shape ---------------------------------------------------------------------------


class _Event(NamedTuple):
    time: Any
    ref: Any
    operation: Any
    status: Any
    caller: Any
    ip: Any
    subscription: Any
    resource: Any
    correlation: Any
    claims: Any


def _value(node: Any) -> Any:
    """A LocalizableString's ``value`` (``{"value": ..., "localizedValue": ...}``), or the node itself."""
    return get(node, "value") if isinstance(node, dict) else node


def _rest(rec: dict[str, Any]) -> _Event:
    claims = as_obj(get(rec, "claims"))
    return _Event(
        get(rec, "eventTimestamp"), get(rec, "eventDataId"), _value(get(rec, "operationName")),
        _value(get(rec, "status")), get(rec, "caller"),
        get(rec, "callerIpAddress") or get(get(rec, "httpRequest"), "clientIpAddress") or get(claims, "ipaddr"),
        get(rec, "subscriptionId"), get(rec, "resourceId"), get(rec, "correlationId"), claims)


def _log_analytics(rec: dict[str, Any], time_column: str = "TimeGenerated") -> _Event:
    claims = as_obj(rec.get("Claims_d")) or as_obj(rec.get("Claims"))
    return _Event(
        rec.get(time_column), rec.get("EventDataId"), rec.get("OperationNameValue") or rec.get("OperationName"),
        rec.get("ActivityStatusValue") or rec.get("ActivityStatus"), rec.get("Caller"),
        rec.get("CallerIpAddress") or get(as_obj(rec.get("HTTPRequest")), "clientIpAddress")
        or get(claims, "ipaddr"),
        rec.get("SubscriptionId"), rec.get("_ResourceId") or rec.get("ResourceId"), rec.get("CorrelationId"), claims)


def _host(e: _Event) -> str | None:
    sub = text(e.subscription)
    if sub and sub.strip():
        return sub.strip()
    m = _SUBSCRIPTION.search(text(e.resource) or "")
    return m.group(1).lower() if m else None


def _add(batch: EventBatch, ts: datetime, where: str, e: _Event, raw: str) -> None:
    name = text(e.operation)
    name = name.strip() if name else None
    batch.add(ts, text(e.ref) or where, operation_action(name), status_outcome(e.status), raw,
              user=upn(e.caller), src_ip=ip_or_none(e.ip), host=_host(e), event_name=name or None,
              client_app=text(get(e.claims, "appid")) or None, session_id=text(e.correlation) or None)


def _emit(ctx: ParseContext, items: Iterable[Item],
          extract: Callable[[dict[str, Any]], _Event]) -> Iterator[EventBatch]:
    return emit_records(ctx, SOURCE, items, extract, "event time", _add)


# --- sniffing and parsing ---------------------------------------------------------------------------------

_REST_ID = re.compile(rb'"eventDataId"\s*:', re.I)
_REST_TIME = re.compile(rb'"eventTimestamp"\s*:', re.I)
_LA_OPERATION = re.compile(rb'"OperationNameValue"\s*:')
_LA_TIME = re.compile(rb'"TimeGenerated"\s*:')


def _is_log_analytics_csv(names: Iterable[str]) -> bool:
    plain = {n.removesuffix(" [UTC]") for n in names}
    return {"TimeGenerated", "OperationNameValue"} <= plain and bool({"ActivityStatusValue", "Caller"} & plain)


def _sniff(head: bytes) -> bool:
    if looks_like_json(head):
        return bool((_REST_ID.search(head) and _REST_TIME.search(head))
                    or (_LA_OPERATION.search(head) and _LA_TIME.search(head)))
    names = csvio.header(head)
    return names is not None and _is_log_analytics_csv(names)


def _json_extract(rec: dict[str, Any]) -> _Event:
    if "TimeGenerated" in rec or "OperationNameValue" in rec:
        return _log_analytics(rec)
    return _rest(rec)


@register(SOURCE, "Azure Activity log", _sniff, priority=55)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    with ctx.open_binary() as fh:
        head = fh.read(HEAD_BYTES)
    if looks_like_json(head):
        with ctx.open_binary() as fh:
            data = ctx.read_whole(fh)
        yield from _emit(ctx, json_records(ctx, data), _json_extract)
        return
    names = csvio.header(head) or []
    time_column = next((n for n in names if n.removesuffix(" [UTC]") == "TimeGenerated"), "TimeGenerated")
    rows = ((where, row, orjson.dumps(row).decode(), None, None) for where, row in csvio.iter_rows(ctx))
    yield from _emit(ctx, rows, lambda row: _log_analytics(row, time_column))
