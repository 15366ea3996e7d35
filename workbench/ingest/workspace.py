"""Google Workspace login, user-account, admin and OAuth token audit → source ``workspace``.

Shapes read (sniffed by content):

- Admin SDK Reports API ``activities.list`` output: pages ``{"kind": "admin#reports#activities", "items":
  [...]}`` (one document, or JSON Lines of pages), or activities (``"kind": "admin#reports#activity"``) as a
  JSON array or JSON Lines. Each activity has ``id {time, uniqueQualifier, applicationName, customerId}``,
  ``actor {email, profileId, callerType, key}``, ``ipAddress``, ``networkInfo {regionCode}`` and ``events
  [{type, name, parameters [{name, value | boolValue | intValue | multiValue}]}]``.
- The Admin console export (CSV) of the Login audit log: ``Event Name``, ``Event Description``, ``User``,
  ``IP Address``, ``Login Type``, ``Date`` (the audit and investigation page's ``Event``, ``Description``,
  ``Actor``, ``IP address`` are read too). Event names are display names ("Failed Login"), mapped onto the
  API names by :data:`DISPLAY_NAMES`. The export has no record id: ``ref`` is the CSV line (``line 7``). Its
  ``Date`` is in the exporting browser's time zone: an offset is honoured; a date without one is taken as UTC
  and a note says so.

One activity can hold several events: each (activity, event) is one normalized event, ``ref`` =
``uniqueQualifier``, with ``#<n>`` (1-based) appended when the activity has more than one event.

Mapping: ``ts`` = ``id.time``; ``user`` = ``actor.email`` (lower case; else the actor's key or profile id);
``src_ip`` = ``ipAddress``; ``host`` = ``id.customerId``; ``event_name`` = the event name as logged;
``target_user`` = the ``USER_EMAIL`` / ``affected_email_address`` parameter; ``client_app`` = the token
events' ``app_name`` (else ``client_id``); ``log_country`` = ``networkInfo.regionCode`` (ISO 3166-1 alpha-2).

Actions (:data:`EVENT_ACTIONS`): ``login_success`` → auth.success, ``login_failure`` → auth.failure,
``logout`` → session.end. ``login_challenge`` and ``login_verification`` are the extra checks Google asks
for: they are ``auth.failure`` only when ``login_challenge_status`` says the check failed ("Challenge
Failed."), else ``other`` (outcome ``success`` when it passed, ``unknown`` without a status) — the
``login_success`` that follows is the sign-in itself. ``suspicious_login`` (a blocked sign-in Google
judged suspicious) and the other account warnings stay ``other`` with their name kept. Admin events:
``GRANT_ADMIN_PRIVILEGE`` / ``ASSIGN_ROLE`` → privilege.change, ``CREATE_USER`` → account.create,
``CHANGE_PASSWORD`` → credential.change. OAuth token ``authorize`` (a user grants an application access to
their data: a new standing credential for that app) → credential.create. No Reports API event for creating
an *app password* was found in the documentation, so none is mapped. Unlisted events of the login and
user-accounts audits are ``other``; of every other application ``api.call``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator

import orjson

from ..errors import Unreadable, words
from ..events import EventBatch
from . import csvio
from .entra import Item, country, json_records, place_raw, to_time, upn
from .jsonio import looks_like_json
from .fields import dig, ip_or_none, text
from ..evidence.files import HEAD_BYTES
from .registry import ParseContext, emit, register

SOURCE = "workspace"

# --- mapping tables -------------------------------------------------------------------------------------

# Event name → (action, outcome). Login challenges are decided by their status (see CHALLENGE_EVENTS).
EVENT_ACTIONS: dict[str, tuple[str, str]] = {
    # login audit (applicationName=login)
    "login_success": ("auth.success", "success"),
    "login_failure": ("auth.failure", "failure"),
    "logout": ("session.end", "success"),
    "password_edit": ("credential.change", "success"),
    "2sv_disable": ("credential.change", "success"),
    "2sv_enroll": ("credential.change", "success"),
    # admin audit (applicationName=admin)
    "GRANT_ADMIN_PRIVILEGE": ("privilege.change", "success"),
    "ASSIGN_ROLE": ("privilege.change", "success"),
    "GRANT_DELEGATED_ADMIN_PRIVILEGES": ("privilege.change", "success"),
    "CREATE_USER": ("account.create", "success"),
    "CHANGE_PASSWORD": ("credential.change", "success"),
    # OAuth token audit (applicationName=token)
    "authorize": ("credential.create", "success"),
}
CHALLENGE_EVENTS = frozenset({"login_challenge", "login_verification"})
# Applications whose unlisted events are kept as "other" (not API calls).
LOGIN_APPLICATIONS = frozenset({"login", "user_accounts"})
# The Admin console's display names → API event names (compared in lower case).
DISPLAY_NAMES: dict[str, str] = {
    "successful login": "login_success",
    "failed login": "login_failure",
    "logout": "logout",
    "login challenge": "login_challenge",
    "login verification": "login_verification",
    "suspicious login": "suspicious_login",
    "suspicious login blocked": "suspicious_login",
    "suspicious login from less secure app blocked": "suspicious_login_less_secure_app",
    "suspicious programmatic login blocked": "suspicious_programmatic_login",
    "leaked password": "account_disabled_password_leak",
    "government-backed attack": "gov_attack_warning",
}
# Parameters naming the account acted upon.
TARGET_PARAMETERS = ("USER_EMAIL", "affected_email_address")


def _param(params: Any, name: str) -> Any:
    """The value of parameter ``name`` (``value``, ``boolValue``, ``intValue`` or ``multiValue``)."""
    if isinstance(params, list):
        for p in params:
            if isinstance(p, dict) and p.get("name") == name:
                for key in ("value", "boolValue", "intValue", "multiValue", "multiIntValue"):
                    if key in p:
                        return p[key]
    return None


def event_action(name: str | None, application: str | None, challenge_status: Any = None) -> tuple[str, str]:
    """(action, outcome) of one Workspace event."""
    if name in CHALLENGE_EVENTS:
        status = (text(challenge_status) or "").lower()
        if "fail" in status:
            return "auth.failure", "failure"
        return "other", "success" if "pass" in status else "unknown"
    if name in EVENT_ACTIONS:
        return EVENT_ACTIONS[name]
    if application in LOGIN_APPLICATIONS or application is None:
        return "other", "unknown"
    return "api.call", "success"


# --- the Reports API ---------------------------------------------------------------------------------------


def _activities(ctx: ParseContext, items: Iterable[Item]) -> Iterator[Item]:
    """Pages (``{"items": [...]}``) give one item per activity, each kept as JSON text."""
    for where, rec, raw, offset, length in items:
        acts = rec.get("items")
        if isinstance(acts, list) and "id" not in rec:
            for i, act in enumerate(acts, 1):
                if isinstance(act, dict):
                    yield f"{where} item {i}", act, orjson.dumps(act).decode(), None, None
                else:
                    ctx.record_error(f"{where} item {i}", "not a JSON object")
        elif "id" in rec or "events" in rec:
            yield where, rec, raw, offset, length
        # an empty page (no "items") holds no activity


def _emit_api(ctx: ParseContext, items: Iterable[Item]) -> Iterator[EventBatch]:
    batch = EventBatch(SOURCE, ctx.display_path)
    for where, act, raw, offset, length in items:
        try:
            ts = to_time(dig(act, "id", "time"))
        except ValueError as exc:
            ctx.record_error(where, f"no usable id.time ({words(exc)})")
            continue
        events = act.get("events")
        events = [events] if isinstance(events, dict) else events if isinstance(events, list) else []
        events = [e for e in events if isinstance(e, dict)] or [{}]
        actor = act.get("actor") if isinstance(act.get("actor"), dict) else {}
        qualifier = text(dig(act, "id", "uniqueQualifier")) or where
        application = text(dig(act, "id", "applicationName"))
        common = dict(user=upn(actor.get("email")) or text(actor.get("key")) or text(actor.get("profileId")),
                      src_ip=ip_or_none(act.get("ipAddress")), host=text(dig(act, "id", "customerId")) or None,
                      log_country=country(dig(act, "networkInfo", "regionCode")))
        for n, event in enumerate(events, 1):
            params = event.get("parameters")
            name = text(event.get("name")) or None
            action, outcome = event_action(name, application, _param(params, "login_challenge_status"))
            target = next((upn(_param(params, p)) for p in TARGET_PARAMETERS if _param(params, p)), None)
            app = text(_param(params, "app_name")) or text(_param(params, "client_id")) or None
            batch.add(ts, qualifier if len(events) == 1 else f"{qualifier}#{n}", action, outcome, raw,
                      target_user=target, event_name=name, client_app=app, **common)
            place_raw(batch, offset, length)
        yield from emit(batch)
    yield from emit(batch, last=True)


# --- the Admin console CSV -----------------------------------------------------------------------------------

# Column aliases: legacy Login audit log export first, then the audit and investigation page's.
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "event": ("Event Name", "Event name", "Event"),
    "description": ("Event Description", "Event description", "Description"),
    "user": ("User", "Actor"),
    "date": ("Date",),
    "ip": ("IP Address", "IP address"),
}
_ZONED = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$")
_GMT = re.compile(r"^(?P<when>.+?)\s+(?:GMT|UTC)(?:(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?)?$")


def _columns(names: Iterable[str]) -> dict[str, str] | None:
    names = set(names)
    found = {key: next((a for a in aliases if a in names), None) for key, aliases in CSV_COLUMNS.items()}
    if found["event"] and found["user"] and found["date"] and found["ip"]:
        return found  # type: ignore[return-value]
    return None


def _csv_time(value: str) -> tuple[datetime, bool]:
    """(time as UTC, whether the value carried its zone)."""
    value = value.strip()
    m = _GMT.match(value)
    if m:  # "Mar 5, 2024, 10:11:12 AM GMT+1"
        when = m["when"].rstrip(",")
        for fmt in ("%b %d, %Y, %I:%M:%S %p", "%B %d, %Y, %I:%M:%S %p", "%b %d, %Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S"):
            try:
                local = datetime.strptime(when, fmt)
                break
            except ValueError:
                continue
        else:
            raise Unreadable(f"not a time: {value!r:.60}")
        offset = timedelta(hours=int(m["h"] or 0), minutes=int(m["m"] or 0)) * (-1 if m["sign"] == "-" else 1)
        return local.replace(tzinfo=timezone(offset)).astimezone(timezone.utc), True
    return to_time(value), _ZONED.search(value) is not None


def _emit_csv(ctx: ParseContext, cols: dict[str, str]) -> Iterator[EventBatch]:
    batch = EventBatch(SOURCE, ctx.display_path)
    naive = 0
    for where, row in csvio.iter_rows(ctx):
        try:
            ts, zoned = _csv_time(row.get(cols["date"]) or "")
        except ValueError as exc:
            ctx.record_error(where, f"no usable Date ({words(exc)})")
            continue
        naive += not zoned
        shown = (row.get(cols["event"]) or "").strip()
        name = DISPLAY_NAMES.get(shown.lower()) or shown.lower().replace(" ", "_") or None
        description = row.get(cols["description"]) if cols["description"] else ""
        action, outcome = event_action(name, "login", description if name in CHALLENGE_EVENTS else None)
        batch.add(ts, where, action, outcome, orjson.dumps(row).decode(), user=upn(row.get(cols["user"])),
                  src_ip=ip_or_none(row.get(cols["ip"])), event_name=name)
        yield from emit(batch)
    yield from emit(batch, last=True)
    if naive:
        ctx.notes.append(f"{naive} Date values carry no time zone (the exporting browser's zone): taken as UTC")


# --- sniffing and parsing ---------------------------------------------------------------------------------

_KIND = re.compile(rb'"kind"\s*:\s*"admin#reports#activit(?:y|ies)"')


def _sniff(head: bytes) -> bool:
    if looks_like_json(head):
        return _KIND.search(head) is not None
    names = csvio.header(head)
    return names is not None and _columns(names) is not None


@register(SOURCE, "Google Workspace audit (Reports API, Admin console)", _sniff, priority=55)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    with ctx.open_binary() as fh:
        head = fh.read(HEAD_BYTES)
    if looks_like_json(head):
        with ctx.open_binary() as fh:
            data = ctx.read_whole(fh)
        yield from _emit_api(ctx, _activities(ctx, json_records(ctx, data)))
        return
    cols = _columns(csvio.header(head) or [])
    if cols is not None:
        yield from _emit_csv(ctx, cols)
