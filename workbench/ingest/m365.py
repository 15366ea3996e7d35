"""Microsoft 365 unified audit log CSV exports → source ``m365_audit``.

Shapes read (sniffed by the CSV header): the classic export (``CreationDate``, ``UserIds``, ``Operations``,
``AuditData``), the Purview export (``RecordId``, ``CreationDate``, ``RecordType``, ``Operation``, ``UserId``,
``AuditData``, ...) and ``Search-UnifiedAuditLog | Export-Csv`` (with or without its ``#TYPE`` line).
``AuditData`` holds the record itself as JSON (Office 365 Management Activity API common schema); a row
whose ``AuditData`` is not a JSON object is reported and skipped. ``raw`` is the ``AuditData`` text.

Mapping: ``ts`` = ``AuditData.CreationTime`` (UTC, written without a zone), else the row's ``CreationDate``;
``ref`` = ``AuditData.Id``, else ``RecordId``; ``user`` = ``UserId`` (UPNs in lower case, so they meet the
Entra sources); ``src_ip`` = ``ClientIP`` / ``ClientIPAddress`` / ``ActorIpAddress`` (ports and IPv6
brackets stripped); ``host`` = ``OrganizationId`` (the tenant); ``user_agent`` = the ``UserAgent`` extended
property; ``client_app`` = ``ApplicationId`` / ``AppId``; ``session_id`` = ``AppAccessContext.AADSessionId``,
``SessionId`` or ``InterSystemsId``; ``target_user`` = the target's UPN (``Target`` type 5), else its name
(type 1), else an ``ObjectId`` that is a UPN; ``log_country`` is never set (the log has none).

Actions: :data:`OPERATION_ACTIONS`, then the Entra activity table of :mod:`.entra_audit` (``Add member to
role.`` → privilege.change, ``Add service principal credentials.`` → credential.create); the rest
``api.call`` (inbox rules too: a check looks for them by ``event_name``). ``UserLoggedIn`` /
``UserLoginFailed`` follow the Entra sign-in rule on ``ErrorNumber`` (:func:`.entra.classify`): the audit log
files MFA prompts (50074) and "stay signed in?" (50140) under ``UserLoginFailed``, and those are interrupts,
not failures. Their ``event_name`` is ``UserLoginFailed:50126`` so :func:`.entra.error_code` reads the code.
"""

from __future__ import annotations

from typing import Any, Iterator

import orjson

from ..errors import words
from ..events import EventBatch
from . import csvio
from .entra import classify, get, to_time, upn
from .entra_audit import activity_action
from .fields import ip_or_none, text
from .registry import ParseContext, emit, register

SOURCE = "m365_audit"

# --- mapping tables -------------------------------------------------------------------------------------

LOGIN_OPERATIONS = frozenset({"UserLoggedIn", "UserLoginFailed"})
OPERATION_ACTIONS: dict[str, str] = {
    # mailbox delegation (T1098.002)
    "Add-MailboxPermission": "privilege.change",
    "Add-RecipientPermission": "privilege.change",
    "Add-MailboxFolderPermission": "privilege.change",
}
RESULT_STATUS: dict[str, str] = {
    "succeeded": "success", "success": "success", "true": "success",
    "failed": "failure", "failure": "failure", "false": "failure",
}
# Target[].Type (IdentityType of the Management Activity API): the kinds of name taken, best first.
TARGET_TYPES = (5, 1)  # UPN, then display name

# --- mapping logic ---------------------------------------------------------------------------------------


def _property(items: Any, name: str) -> Any:
    """The ``Value`` of the ``{"Name": name, "Value": ...}`` entry of a name/value list."""
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and item.get("Name") == name:
                return item.get("Value")
    return None


def _target(audit: dict[str, Any]) -> str | None:
    """The target's UPN, else its display name (``Target`` entries), else an ``ObjectId`` that is a UPN."""
    targets = audit.get("Target")
    if isinstance(targets, list):
        for kind in TARGET_TYPES:
            for t in targets:
                if isinstance(t, dict) and t.get("Type") == kind and text(t.get("ID")):
                    return upn(t.get("ID"))
    obj = text(audit.get("ObjectId")) or ""
    return upn(obj) if "@" in obj and "\\" not in obj and "/" not in obj else None


def _action(op: str | None, audit: dict[str, Any]) -> tuple[str, str, str | None]:
    """(action, outcome, event_name) of one record."""
    if op in LOGIN_OPERATIONS:
        code = audit.get("ErrorNumber")
        if code in (None, ""):
            code = 0 if op == "UserLoggedIn" else None
        action, outcome, number = classify(code, "success" if op == "UserLoggedIn" else "failure")
        if op == "UserLoginFailed" and number == 0:  # a failure logged without its code
            action, outcome = "auth.failure", "failure"
        return action, outcome, op if number is None else f"{op}:{number}"
    props = audit.get("ModifiedProperties")
    pairs = [(p.get("Name"), p.get("NewValue")) for p in props if isinstance(p, dict)] \
        if isinstance(props, list) else []
    action = OPERATION_ACTIONS.get(op or "") or activity_action(op, pairs) or "api.call"
    outcome = RESULT_STATUS.get((text(audit.get("ResultStatus")) or "").strip().lower(), "unknown")
    return action, outcome, op


def _sniff(head: bytes) -> bool:
    names = csvio.header(head)
    return names is not None and "AuditData" in names and bool({"Operations", "Operation"} & set(names))


@register(SOURCE, "Microsoft 365 unified audit log", _sniff, priority=55)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    batch = EventBatch(SOURCE, ctx.display_path)
    for where, row in csvio.iter_rows(ctx):
        raw = row.get("AuditData") or ""
        try:
            audit = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            ctx.record_error(where, f"AuditData is not JSON ({words(exc)})")
            continue
        if not isinstance(audit, dict):
            ctx.record_error(where, "AuditData is not a JSON object")
            continue
        try:
            ts = to_time(audit.get("CreationTime") or row.get("CreationDate"))
        except ValueError as exc:
            ctx.record_error(where, f"no usable CreationTime ({words(exc)})")
            continue
        op = text(audit.get("Operation")) or row.get("Operation") or row.get("Operations") or None
        action, outcome, name = _action(op, audit)
        batch.add(
            ts, text(audit.get("Id")) or row.get("RecordId") or where, action, outcome, raw,
            user=upn(audit.get("UserId") or row.get("UserId") or row.get("UserIds")),
            target_user=_target(audit),
            src_ip=ip_or_none(audit.get("ClientIP") or audit.get("ClientIPAddress") or audit.get("ActorIpAddress")),
            host=text(audit.get("OrganizationId")) or None,
            user_agent=text(_property(audit.get("ExtendedProperties"), "UserAgent")) or None,
            event_name=name,
            client_app=text(audit.get("ApplicationId") or audit.get("AppId")) or None,
            session_id=text(get(audit.get("AppAccessContext"), "AADSessionId") or audit.get("SessionId")
                            or audit.get("InterSystemsId")) or None,
        )
        yield from emit(batch)
    yield from emit(batch, last=True)
