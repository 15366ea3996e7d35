"""Microsoft Entra ID (Azure AD) sign-in logs → source ``entra_signin``.

Shapes read (sniffed by content):

- Microsoft Graph ``auditLogs/signIns`` (v1.0 or beta): ``{"value": [...]}``, a bare array (the Entra admin
  center "Download JSON"), JSON Lines (of records or of whole pages); camelCase as Graph writes it or
  PascalCase as the Graph PowerShell SDK writes it; the diagnostic-settings archive
  ``{"records": [{"category": ..., "properties": {...}}]}``.
- The admin center "Download CSV" (``Date (UTC)``, ``Request ID``, ``Username``, ``IP address``, ``Status``,
  ``Sign-in error code``, ...) of the user, service principal and managed identity sign-ins.
- Log Analytics exports of ``SigninLogs``, ``AADNonInteractiveUserSignInLogs``, ``AADServicePrincipalSignInLogs``
  and ``AADManagedIdentitySignInLogs``, as CSV (nested columns as JSON text, ``[UTC]`` time columns) or JSON.

Mapping: ``ref`` = the sign-in ``id`` (CSV: ``Request ID``; Log Analytics: ``Id``); ``user`` = the UPN in lower
case, or the service principal / managed identity name; ``client_app`` = the application name (or id);
``session_id`` = ``correlationId``, else ``uniqueTokenIdentifier``; ``log_country`` = ``countryOrRegion``;
``host`` = the resource tenant id when the export carries one.

Outcome: the Entra error code (``status.errorCode``, ``ResultType``, ``Sign-in error code``) decides.
``0`` is ``auth.success``. Codes in :data:`INTERRUPT_CODES` are *interrupts*, not failed authentications:
Entra stopped the flow to ask for something more (MFA, "stay signed in?", registration) *after* the first
factor was accepted, and the next record of the same flow tells how it ended. They get the action
:data:`INTERRUPTED_ACTION` and outcome ``unknown`` so they inflate neither failure nor success counts.
``50034`` (no such user) is ``auth.invalid_user``. Every other code is ``auth.failure`` (``50126`` bad
password, ``50053`` locked, ``500121`` MFA failed or denied, ``53003`` blocked by Conditional Access, ...).

``event_name`` is ``signin:<code>`` (``signin:0``, ``signin:50126``, ``signin:500121``), or ``signin`` when the
record has no code; :func:`error_code` reads the code back, so a check can single out MFA denials (500121)
or "password right, MFA pending" interrupts (50074/50076) without parsing ``raw``.

Interactive and non-interactive user sign-ins downloaded as CSV from the admin center have the same columns
and nothing in a row tells them apart: ``logon_type`` is left null for them (a note says so). JSON and
Log Analytics exports carry ``signInEventTypes`` / ``isInteractive`` / ``Category``.

``raw``: JSON records are not copied into the table; ``raw_offset`` / ``raw_length`` say where their bytes
are (msgspec splits the document, :func:`workbench.events.raw_record` reads them back). CSV rows are kept in
``raw`` as a JSON object of column → value.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import msgspec
import orjson

from ..errors import words
from ..events import EventBatch
from . import csvio
from .jsonio import looks_like_json
from .fields import ip_or_none, parse_time, text
from ..evidence.files import HEAD_BYTES
from .salvage import looks_like_json_lines, salvage
from .registry import ParseContext, emit, register

SOURCE = "entra_signin"

# --- mapping tables -------------------------------------------------------------------------------------

# Error codes that interrupt a sign-in rather than fail it (AADSTS reference, "interrupt" codes).
INTERRUPT_CODES: frozenset[int] = frozenset({
    16000, 16001,  # choose an account among several SSO sessions
    50072, 50079,  # the user must register for MFA
    50074, 50076,  # strong authentication (MFA) required: the password was accepted
    50097, 50129,  # device authentication / workplace join required
    50125,  # password reset or registration entry
    50140,  # "keep me signed in" prompt
    50158,  # external security challenge (third-party MFA) pending
    50199,  # security confirmation (CmsiInterrupt)
})
# Codes with an action of their own; any other non-zero code is auth.failure.
CODE_ACTIONS: dict[int, str] = {
    50034: "auth.invalid_user",  # UserAccountNotFound
}
# Until the schema has an action for interrupts this is the closest honest one (see the module docstring).
INTERRUPTED_ACTION = "other"
# The words of the "Status" column / status text when no code is given.
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "success": ("auth.success", "success"),
    "failure": ("auth.failure", "failure"),
    "interrupted": (INTERRUPTED_ACTION, "unknown"),
}
# signInEventTypes (Graph beta), Category and Type (Log Analytics) → logon_type.
LOGON_TYPES: dict[str, str] = {
    "interactiveUser": "interactive",
    "nonInteractiveUser": "non_interactive",
    "servicePrincipal": "service_principal",
    "managedIdentity": "managed_identity",
    "SignInLogs": "interactive",
    "SigninLogs": "interactive",
    "NonInteractiveUserSignInLogs": "non_interactive",
    "AADNonInteractiveUserSignInLogs": "non_interactive",
    "ServicePrincipalSignInLogs": "service_principal",
    "AADServicePrincipalSignInLogs": "service_principal",
    "ManagedIdentitySignInLogs": "managed_identity",
    "AADManagedIdentitySignInLogs": "managed_identity",
}

# --- shared helpers (also used by entra_audit and m365) -----------------------------------------------------

_US_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))? ?([AP]M)$", re.I)


def to_time(value: Any) -> datetime:
    """ISO 8601 (naive = UTC), or the en-US form Log Analytics and PowerShell CSV exports write
    (``3/5/2024, 10:11:12.123 AM``), as UTC. Raises ValueError."""
    try:
        return parse_time(value)
    except ValueError:
        m = _US_TIME.match(value.strip()) if isinstance(value, str) else None
        if not m:
            raise
        month, day, year, hour, minute, second, frac, half = m.groups()
        hour = int(hour) % 12 + (12 if half.upper() == "PM" else 0)
        micro = int((frac or "0")[:6].ljust(6, "0"))
        return datetime(int(year), int(month), int(day), hour, int(minute), int(second), micro, timezone.utc)


def as_obj(value: Any) -> Any:
    """A nested value that exports write either as JSON or as JSON text (CSV, Log Analytics)."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
    return value


def get(d: Any, key: str) -> Any:
    """``d[key]`` in Graph's camelCase, else in PowerShell's PascalCase; None if ``d`` is no mapping."""
    if not isinstance(d, dict):
        return None
    value = d.get(key)
    if value is None:
        value = d.get(key[:1].upper() + key[1:])
        if value is None and key.endswith("ipAddress"):
            value = d.get(key[:-9] + "IPAddress")
    return value


def upn(value: Any) -> str | None:
    """A user name as the checks compare it: UPNs in lower case, anything else as written."""
    value = text(value)
    if not value:
        return None
    return value.lower() if "@" in value else value


def country(value: Any) -> str | None:
    """An ISO 3166 alpha-2 code, or None."""
    value = text(value)
    if value and len(value.strip()) == 2 and value.strip().isalpha():
        return value.strip().upper()
    return None


def error_code(event_name: str | None) -> int | None:
    """The Entra error code an event carries in its ``event_name`` (``signin:50126`` → 50126)."""
    if not event_name or ":" not in event_name:
        return None
    tail = event_name.rsplit(":", 1)[1]
    return int(tail) if tail.isdigit() else None


def _code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def classify(code: Any, status: Any = None) -> tuple[str, str, int | None]:
    """(action, outcome, numeric code) of one sign-in from its error code, else its status word."""
    number = _code(code)
    if number is None:
        word = (text(code) or text(status) or "").strip().lower()
        action, outcome = STATUS_WORDS.get(word, ("other", "unknown"))
        return action, outcome, None
    if number == 0:
        return "auth.success", "success", 0
    if number in INTERRUPT_CODES:
        return INTERRUPTED_ACTION, "unknown", number
    return CODE_ACTIONS.get(number, "auth.failure"), "failure", number


# --- one sign-in, whatever the shape -------------------------------------------------------------------------


class _SignIn(NamedTuple):
    time: Any
    ref: Any
    code: Any
    status: Any
    user: str | None
    ip: Any
    user_agent: Any
    app: Any
    session: Any
    country: str | None
    host: Any
    logon_type: str | None


def _graph(rec: dict[str, Any], category: Any = None, tenant: Any = None) -> _SignIn:
    """A Graph signIn (v1.0 or beta, camelCase or PascalCase)."""
    status = get(rec, "status")
    event_types = get(rec, "signInEventTypes")
    logon = None
    if isinstance(event_types, list) and event_types:
        logon = LOGON_TYPES.get(event_types[0])
    msi = text(get(get(rec, "managedServiceIdentity"), "msiType"))
    if logon is None and msi and msi.lower() != "none":
        logon = "managed_identity"
    if logon is None and isinstance(category, str):
        logon = LOGON_TYPES.get(category)
    if logon is None and isinstance(get(rec, "isInteractive"), bool):
        logon = "interactive" if get(rec, "isInteractive") else "non_interactive"
    return _SignIn(
        get(rec, "createdDateTime"), get(rec, "id"), get(status, "errorCode"), None,
        upn(get(rec, "userPrincipalName")) or text(get(rec, "servicePrincipalName"))
        or text(get(rec, "userDisplayName")) or text(get(rec, "userId")) or None,
        get(rec, "ipAddress"), get(rec, "userAgent"), get(rec, "appDisplayName") or get(rec, "appId"),
        get(rec, "correlationId") or get(rec, "uniqueTokenIdentifier"),
        country(get(get(rec, "location"), "countryOrRegion")),
        get(rec, "resourceTenantId") or get(rec, "homeTenantId") or tenant, logon)


def _log_analytics(rec: dict[str, Any], cols: dict[str, str]) -> _SignIn:
    """A Log Analytics row (JSON object, or CSV row with ``cols`` naming the time columns)."""
    logon = LOGON_TYPES.get(rec.get("Category")) or LOGON_TYPES.get(rec.get("Type"))
    if logon is None:
        interactive = text(rec.get("IsInteractive"))
        if interactive and interactive.lower() in ("true", "false"):
            logon = "interactive" if interactive.lower() == "true" else "non_interactive"
    place = as_obj(rec.get("LocationDetails"))
    return _SignIn(
        rec.get(cols["created"]) or rec.get(cols["generated"]), rec.get("Id"), rec.get("ResultType"), None,
        upn(rec.get("UserPrincipalName")) or text(rec.get("ServicePrincipalName")) or text(rec.get("Identity"))
        or None,
        rec.get("IPAddress"), rec.get("UserAgent"), rec.get("AppDisplayName") or rec.get("AppId"),
        rec.get("CorrelationId") or rec.get("UniqueTokenIdentifier"),
        country(get(place, "countryOrRegion")) or country(rec.get("Location")),
        rec.get("ResourceTenantId") or rec.get("AADTenantId") or rec.get("HomeTenantId"), logon)


def _portal_csv(row: dict[str, str]) -> _SignIn:
    """A row of the admin center's "Download CSV"."""
    msi = (row.get("Managed Identity type") or "").strip()
    if msi and msi.lower() != "none":
        logon = "managed_identity"
    elif (row.get("Service principal ID") or "").strip():
        logon = "service_principal"
    else:
        logon = None
    location = row.get("Location") or ""
    return _SignIn(
        row.get("Date (UTC)"), row.get("Request ID"), row.get("Sign-in error code"), row.get("Status"),
        upn(row.get("Username")) or text(row.get("Service principal name")) or text(row.get("User")) or None,
        row.get("IP address"), row.get("User agent"), row.get("Application") or row.get("Application ID"),
        row.get("Correlation ID") or row.get("Unique token identifier"),
        country(location.rsplit(",", 1)[-1]) if location else None,
        row.get("Resource tenant ID") or row.get("Home tenant ID"), logon)


Item = tuple[str, Any, "str | None", "int | None", "int | None"]  # where, record, raw text, offset, length


def place_raw(batch: EventBatch, offset: int | None, length: int | None) -> None:
    """Point the event just added at its original bytes in the file instead of holding a copy."""
    if offset is not None:
        batch.columns["raw_offset"][-1] = offset
        batch.columns["raw_length"][-1] = length


def emit_records(ctx: ParseContext, source: str, items: Iterable[Item], extract: Callable[[Any], Any], what: str,
                 add: Callable[[EventBatch, datetime, str, Any, str], None]) -> Iterator[EventBatch]:
    """The events of Microsoft-shaped records (Entra sign-ins and audit, Azure Activity): ``extract`` reads each
    record into a shape with a ``time``, ``add`` puts its event into the batch; a record without a usable time
    is recorded as bad (``no usable {what}``) and skipped."""
    batch = EventBatch(source, ctx.display_path)
    for where, rec, raw, offset, length in items:
        shape = extract(rec)
        try:
            ts = to_time(shape.time)
        except ValueError as exc:
            ctx.record_error(where, f"no usable {what} ({words(exc)})")
            continue
        add(batch, ts, where, shape, raw)
        place_raw(batch, offset, length)
        yield from emit(batch)
    yield from emit(batch, last=True)


def _add(batch: EventBatch, ts: datetime, where: str, s: _SignIn, raw: str) -> None:
    action, outcome, code = classify(s.code, s.status)
    batch.add(ts, text(s.ref) or where, action, outcome, raw,
              user=s.user, src_ip=ip_or_none(s.ip), host=text(s.host) or None,
              user_agent=text(s.user_agent) or None,
              event_name="signin" if code is None else f"signin:{code}", logon_type=s.logon_type,
              client_app=text(s.app) or None, session_id=text(s.session) or None, log_country=s.country)


def _emit(ctx: ParseContext, items: Iterable[Item], extract: Callable[[Any], _SignIn]) -> Iterator[EventBatch]:
    return emit_records(ctx, SOURCE, items, extract, "sign-in time", _add)


# --- sniffing --------------------------------------------------------------------------------------------

_GRAPH = re.compile(rb'"createdDateTime"\s*:', re.I)
_GRAPH_SIGNIN = re.compile(rb'"(?:userPrincipalName|servicePrincipalId|appDisplayName|clientAppUsed)"\s*:', re.I)
_LA_TIME = re.compile(rb'"TimeGenerated"\s*:')
_LA_RESULT = re.compile(rb'"ResultType"\s*:')
_LA_KEYS = re.compile(rb'"(?:AppDisplayName|ServicePrincipalName|LocationDetails)"\s*:')
_DIAG = re.compile(rb'"category"\s*:\s*"(?:SignInLogs|NonInteractiveUserSignInLogs|ServicePrincipalSignInLogs|'
                   rb'ManagedIdentitySignInLogs)"')
_AUDIT = re.compile(rb'"(?:initiatedBy|activityDisplayName|targetResources)"\s*:', re.I)


def _sniff(head: bytes) -> bool:
    if looks_like_json(head):
        if _AUDIT.search(head):
            return False
        return bool((_GRAPH.search(head) and _GRAPH_SIGNIN.search(head))
                    or (_LA_TIME.search(head) and _LA_RESULT.search(head) and _LA_KEYS.search(head))
                    or _DIAG.search(head))
    names = csvio.header(head)
    return names is not None and _csv_kind(set(names)) is not None


def _csv_kind(names: set[str]) -> str | None:
    if {"Date (UTC)", "Request ID", "IP address", "Status"} <= names:
        return "portal"
    plain = {n.removesuffix(" [UTC]") for n in names}
    if {"TimeGenerated", "ResultType"} <= plain and plain & {"AppDisplayName", "ServicePrincipalName",
                                                            "LocationDetails"} and "TargetResources" not in plain:
        return "log_analytics"
    return None


# --- parsing ---------------------------------------------------------------------------------------------

_LA_JSON_COLS = {"created": "CreatedDateTime", "generated": "TimeGenerated"}


def _json_extract(rec: dict[str, Any]) -> _SignIn:
    props = rec.get("properties")
    if isinstance(props, dict) and "category" in rec:  # diagnostic-settings archive
        return _graph(props, rec.get("category"), rec.get("tenantId"))
    if "TimeGenerated" in rec or "ResultType" in rec:
        return _log_analytics(rec, _LA_JSON_COLS)
    return _graph(rec)


class _Page(msgspec.Struct):
    """A Graph page (``value``) or a diagnostic-settings archive (``records``), records left undecoded."""
    value: list[msgspec.Raw] | None = None
    records: list[msgspec.Raw] | None = None


_DECODE_PAGE = msgspec.json.Decoder(_Page)
_DECODE_ARRAY = msgspec.json.Decoder(list[msgspec.Raw])
_BOM = b"\xef\xbb\xbf"


def _members(buf: bytes) -> list[tuple[int, memoryview]] | bool:
    """(offset, bytes) of each record if ``buf`` is a JSON array, a page or an archive; True if it is one
    lone JSON object; False if it is not one JSON document (JSON Lines, or broken)."""
    first = buf.lstrip(b" \t\r\n")[:1]
    try:
        if first == b"[":
            raws = _DECODE_ARRAY.decode(buf)
        elif first == b"{":
            page = _DECODE_PAGE.decode(buf)
            raws = page.value if page.value is not None else page.records
        else:
            return False
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    if raws is None:
        return True
    out, pos = [], 0
    for raw in raws:
        view = memoryview(raw)
        pos = buf.find(view, pos)  # the records follow one another: search on from the previous one
        out.append((pos, view))
        pos += len(view)
    return out


def _locate(data: bytes, ctx: ParseContext | None = None) -> Iterator[tuple[str, int, memoryview]]:
    """(where, offset, bytes) of every record of a JSON export (see :func:`json_records`). A document that
    does not parse as a whole (cut short, damaged, followed by more) gives the records it still holds, and
    its problems are recorded in ``ctx``."""
    body = data.removeprefix(_BOM)
    base = len(data) - len(body)
    members = _members(body)
    if members is True:
        yield "record 1", base + len(body) - len(body.lstrip()), memoryview(body.strip())
        return
    if members:
        for i, (offset, view) in enumerate(members, 1):
            yield f"record {i}", base + offset, view
        return
    if body.lstrip()[:1] in (b"[", b"{") and not looks_like_json_lines(body):
        found = salvage(body, ("value", "records", "items", "entries"))  # Graph, archives, Google pages
        if found.lone_object:
            offset, length = found.lone_object
            yield "record 1", base + offset, memoryview(body)[offset:offset + length]
        for i, (offset, length) in enumerate(found.spans, 1):
            yield f"record {i}", base + offset, memoryview(body)[offset:offset + length]
        for where, why in found.problems:
            if ctx is not None:
                ctx.record_error(where, why)
        return
    pos = base
    for lineno, line in enumerate(body.split(b"\n"), 1):
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            page = _members(stripped) if b'"value"' in stripped else False
            if isinstance(page, list):
                for i, (offset, view) in enumerate(page, 1):
                    yield f"line {lineno} record {i}", start + offset, view
            else:
                yield f"line {lineno}", start, memoryview(stripped)
        pos += len(line) + 1


def json_records(ctx: ParseContext, data: bytes) -> Iterator[Item]:
    """The records of a JSON export with where they are in ``data``: ``{"value": [...]}`` (Graph),
    ``{"records": [...]}`` (diagnostic settings), an array, one object, JSON Lines, or JSON Lines of whole
    Graph pages (one ``{"value": [...]}`` per line, as some collectors save them). A record that is not
    a JSON object is recorded in ``ctx`` and skipped."""
    for where, offset, view in _locate(data, ctx):
        try:
            rec = orjson.loads(view)
        except orjson.JSONDecodeError as exc:
            ctx.record_error(where, words(exc))
            continue
        if not isinstance(rec, dict):
            ctx.record_error(where, "not a JSON object")
            continue
        yield where, rec, None, offset, len(view)


def _csv_items(ctx: ParseContext) -> Iterator[Item]:
    for where, row in csvio.iter_rows(ctx):
        yield where, row, orjson.dumps(row).decode(), None, None


@register(SOURCE, "Microsoft Entra ID sign-in logs", _sniff, priority=55)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    with ctx.open_binary() as fh:
        head = fh.read(HEAD_BYTES)
    if looks_like_json(head):
        with ctx.open_binary() as fh:
            data = ctx.read_whole(fh)
        yield from _emit(ctx, json_records(ctx, data), _json_extract)
        return
    names = csvio.header(head) or []
    kind = _csv_kind(set(names))
    if kind == "portal":
        if "Username" in names:
            ctx.notes.append("admin center CSV of user sign-ins: interactive and non-interactive downloads "
                             "have the same columns, so the logon type is not known (left empty)")
        yield from _emit(ctx, _csv_items(ctx), _portal_csv)
        return
    cols = {key: next((n for n in names if n.removesuffix(" [UTC]") == col), col)
            for key, col in _LA_JSON_COLS.items()}
    yield from _emit(ctx, _csv_items(ctx), lambda row: _log_analytics(row, cols))
