"""Windows Security and Remote Desktop events → the normalized schema (field mapping only).

Shared by the three ways a Windows log reaches the analyst (binary ``.evtx``, the XML of
``wevtutil qe /f:xml`` or Event Viewer "Save as XML", EvtxECmd CSV): each parser turns a record
into ``(event id, channel, keywords, data fields)`` and :func:`interpret` says what it means.

The acting account (``user``) is the account that logs on for logon events (4624, 4625, 4634,
4768, 4771, 4776, RDP) and the ``Subject`` for administrative events (4720, 4728, ...), whose
object is ``target_user``. ``session_id`` is the logon id (``TargetLogonId``, or ``SubjectLogonId``
for 4672). ``src_ip`` is ``IpAddress`` (``-`` and empty are null; an IPv4-mapped IPv6 address such
as ``::ffff:10.0.0.5`` is written as IPv4; loopback ``127.0.0.1`` / ``::1`` is kept, the
enrichment marks it loopback).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .fields import ip_or_none

# Security event id → (action, event kind). Outcome comes from the status / keywords (below).
SECURITY_ACTIONS: dict[int, str] = {
    4624: "auth.success",       # an account was successfully logged on
    4625: "auth.failure",       # an account failed to log on
    4634: "session.end",        # an account was logged off
    4647: "session.end",        # user initiated logoff
    4648: "other",              # a logon was attempted using explicit credentials (runas, PsExec -u)
    4672: "privilege.use",      # special privileges assigned to new logon (an administrator logged on)
    4720: "account.create",     # a user account was created
    4722: "other",              # a user account was enabled
    4723: "credential.change",  # an attempt was made to change an account's password
    4724: "credential.change",  # an attempt was made to reset an account's password
    4725: "other",              # a user account was disabled
    4726: "other",              # a user account was deleted
    4728: "privilege.change",   # a member was added to a security-enabled global group
    4732: "privilege.change",   # a member was added to a security-enabled local group
    4738: "other",              # a user account was changed
    4740: "other",              # a user account was locked out
    4756: "privilege.change",   # a member was added to a security-enabled universal group
    4768: "auth.success",       # a Kerberos authentication ticket (TGT) was requested
    4769: "other",              # a Kerberos service ticket was requested
    4771: "auth.failure",       # Kerberos pre-authentication failed
    4776: "auth.success",       # the computer attempted to validate the credentials of an account (NTLM)
    1102: "other",              # the audit log was cleared
}

# Event id → its short description, shown beside the bare id (the grid, the report, the CLI). Declared once here,
# beside the mapping; the Security log ids first, then the Remote Desktop ones.
EVENT_DESCRIPTIONS: dict[int, str] = {
    4624: "An account was successfully logged on",
    4625: "An account failed to log on",
    4634: "An account was logged off",
    4647: "User initiated logoff",
    4648: "A logon was attempted using explicit credentials (runas, PsExec -u)",
    4672: "Special privileges assigned to new logon (an administrator logged on)",
    4720: "A user account was created",
    4722: "A user account was enabled",
    4723: "An attempt was made to change an account's password",
    4724: "An attempt was made to reset an account's password",
    4725: "A user account was disabled",
    4726: "A user account was deleted",
    4728: "A member was added to a security-enabled global group",
    4732: "A member was added to a security-enabled local group",
    4738: "A user account was changed",
    4740: "A user account was locked out",
    4756: "A member was added to a security-enabled universal group",
    4768: "A Kerberos authentication ticket (TGT) was requested",
    4769: "A Kerberos service ticket was requested",
    4771: "Kerberos pre-authentication failed",
    4776: "The computer attempted to validate the credentials of an account (NTLM)",
    1102: "The audit log was cleared",
    21: "Remote desktop session logon succeeded",
    22: "Remote desktop shell start",
    23: "Remote desktop session logoff succeeded",
    24: "Remote desktop session disconnected",
    25: "Remote desktop session reconnected",
    1149: "Remote desktop user authentication succeeded",
    140: "Remote desktop connection failed: user name or password not correct",
}

# Events whose acting account is the Subject and whose object is the Target.
_SUBJECT_ACTS = {4648, 4720, 4722, 4723, 4724, 4725, 4726, 4728, 4732, 4738, 4740, 4756, 1102}
_GROUP_ADDS = {4728, 4732, 4756}
# Events whose success or failure is in a status code (0 = success).
_STATUS_FIELD = {4768: "Status", 4769: "Status", 4771: "Status", 4776: "Status"}
# NTSTATUS / Kerberos codes meaning "no such account" (password spray against unknown names).
_UNKNOWN_ACCOUNT = {"0xc0000064", "0x6"}

LOGON_TYPES: dict[str, str] = {
    "0": "system", "2": "interactive", "3": "network", "4": "batch", "5": "service", "7": "unlock",
    "8": "network_cleartext", "9": "new_credentials", "10": "remote_interactive",
    "11": "cached_interactive", "12": "cached_remote_interactive", "13": "cached_unlock",
}

# Remote Desktop (TerminalServices) operational channels: event id → (action, outcome).
LSM_CHANNEL = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"
RCM_CHANNEL = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational"
# RdpCoreTS 140: a Network Level Authentication failure, logged with the client's address and no account name
# (what an RDP password spray or brute force against an exposed host leaves when 4625 is not audited).
RDPCORE_CHANNEL = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational"
RDP_ACTIONS: dict[tuple[str, int], tuple[str, str]] = {
    (LSM_CHANNEL, 21): ("session.start", "success"),  # session logon succeeded
    (LSM_CHANNEL, 22): ("other", "success"),          # shell start notification
    (LSM_CHANNEL, 23): ("session.end", "success"),    # session logoff succeeded
    (LSM_CHANNEL, 24): ("session.end", "success"),    # session has been disconnected
    (LSM_CHANNEL, 25): ("session.start", "success"),  # session reconnection succeeded
    (RCM_CHANNEL, 1149): ("auth.success", "success"),  # remote desktop user authentication succeeded
    (RDPCORE_CHANNEL, 140): ("auth.failure", "failure"),  # connection failed: user name or password not correct
}

AUDIT_SUCCESS = 0x8020000000000000
AUDIT_FAILURE = 0x8010000000000000


def describe_event(event_id: object) -> str | None:
    """The short description of a Windows event id (``4625``, ``"1149"``), or None when it is not one we map."""
    try:
        return EVENT_DESCRIPTIONS.get(int(str(event_id).strip()))
    except ValueError:
        return None


def event_label(event_name: object) -> str:
    """An event name as the grid and the report show it: a Windows event id we describe with its short
    description (``4625 · An account failed to log on``), anything else as it is (plain text, never markup)."""
    text = "" if event_name is None else str(event_name)
    described = describe_event(text) if text.isdigit() else None
    return f"{text} · {described}" if described else text


def _value(data: Mapping[str, object], name: str) -> str | None:
    """A field as text; Windows writes ``-`` (and the evtx parser null) for 'none'."""
    value = data.get(name)
    if value is None:
        return None
    text = (value if value.__class__ is str else str(value)).strip()
    return None if text == "-" or not text else text


def src_ip(value: str | None) -> str | None:
    """``IpAddress`` as logged: ``-`` is null, ``::ffff:a.b.c.d`` is IPv4, ports are dropped."""
    if value is None:
        return None
    if value.lower().startswith("::ffff:") and "." in value:
        value = value[7:]
    return ip_or_none(value)


def _member(data: Mapping[str, object]) -> str | None:
    """The member a group add names: the CN of ``MemberName`` (a DN), else ``MemberSid``."""
    name = _value(data, "MemberName")
    if name and name.upper().startswith("CN="):
        return re.split(r"(?<!\\),", name[3:], maxsplit=1)[0].replace("\\,", ",")  # "\," escapes a comma
    return name or _value(data, "MemberSid")


def _keywords(keywords: object) -> int | None:
    if isinstance(keywords, int):
        return keywords
    if isinstance(keywords, str):
        try:
            return int(keywords, 16) if keywords.lower().startswith("0x") else int(keywords)
        except ValueError:
            low = keywords.lower()
            return AUDIT_FAILURE if "failure" in low else AUDIT_SUCCESS if "success" in low else None
    return None


# The fields :func:`interpret` reads apart from the session id: events alike in these map alike.
KEY_FIELDS = ("TargetUserName", "SubjectUserName", "IpAddress", "LogonType", "Status", "SubStatus",
              "AuthenticationPackageName", "MemberName", "MemberSid", "Param1", "Param3", "User", "Address")


def session_field(event_id: int, channel: str | None) -> str | None:
    """The field holding the session (logon) id of an event, as :func:`interpret` reads it."""
    if channel in (LSM_CHANNEL, RCM_CHANNEL):
        return "SessionID" if (channel, event_id) in RDP_ACTIONS else None
    if event_id not in SECURITY_ACTIONS:
        return None
    return "SubjectLogonId" if event_id in _SUBJECT_ACTS or event_id == 4672 else "TargetLogonId"


def session_id(event_id: int, channel: str | None, data: Mapping[str, object]) -> str | None:
    name = session_field(event_id, channel)
    return _value(data, name) if name else None


def interpret(event_id: int, channel: str | None, keywords: object,
              data: Mapping[str, object]) -> dict[str, str | None] | None:
    """The normalized columns of one Windows event (``action``, ``outcome``, ``user``, ...), or None
    for an event the workbench does not interpret (kept as ``other`` by the caller)."""
    if channel in (LSM_CHANNEL, RCM_CHANNEL, RDPCORE_CHANNEL):
        return _rdp(event_id, channel, data)
    action = SECURITY_ACTIONS.get(event_id)
    if action is None:
        return None
    kw = _keywords(keywords)
    outcome = "failure" if kw is not None and kw & AUDIT_FAILURE == AUDIT_FAILURE else "success"
    status_field = _STATUS_FIELD.get(event_id)
    if event_id == 4625:
        status = (_value(data, "SubStatus") or "").lower()
        if status in ("0x0", "0x00000000", ""):
            status = (_value(data, "Status") or "").lower()
        outcome = "failure"
        if status in _UNKNOWN_ACCOUNT:
            action = "auth.invalid_user"
    elif status_field:
        status = (_value(data, status_field) or "0x0").lower()
        ok = status in ("0x0", "0", "0x00000000")
        outcome = "success" if ok else "failure"
        if event_id in (4768, 4776) and not ok:
            action = "auth.invalid_user" if status in _UNKNOWN_ACCOUNT else "auth.failure"
    elif event_id == 4771:
        outcome = "failure"
    if event_id in _SUBJECT_ACTS:
        user = _value(data, "SubjectUserName")
        target = _member(data) if event_id in _GROUP_ADDS else _value(data, "TargetUserName")
        session = _value(data, "SubjectLogonId")
    elif event_id == 4672:
        user, target, session = _value(data, "SubjectUserName"), None, _value(data, "SubjectLogonId")
    else:
        user, target, session = _value(data, "TargetUserName"), None, _value(data, "TargetLogonId")
        if event_id == 4769 and user and "@" in user:  # Kerberos writes user@REALM here, the bare name elsewhere
            user = user.split("@", 1)[0]
    logon = _value(data, "LogonType")
    return {
        "action": action,
        "outcome": outcome,
        "user": user,
        "target_user": target,
        "src_ip": src_ip(_value(data, "IpAddress")),
        "logon_type": LOGON_TYPES.get(logon, logon) if logon else None,
        "session_id": session,
        "client_app": _value(data, "AuthenticationPackageName") or (
            "Kerberos" if event_id in (4768, 4769, 4771) else None),
    }


def _rdp(event_id: int, channel: str, data: Mapping[str, object]) -> dict[str, str | None] | None:
    known = RDP_ACTIONS.get((channel, event_id))
    if known is None:
        return None
    if event_id == 1149:  # Param1 user, Param2 domain, Param3 source address
        user, address = _value(data, "Param1"), _value(data, "Param3")
    elif event_id == 140:  # IPString: the client's address; the log names no account
        user, address = None, _value(data, "IPString")
    else:  # User is DOMAIN\name
        user, address = _value(data, "User"), _value(data, "Address")
        if user and "\\" in user:
            user = user.rsplit("\\", 1)[1]
    return {
        "action": known[0],
        "outcome": known[1],
        "user": user,
        "target_user": None,
        "src_ip": src_ip(address),  # "LOCAL" for a console session: null
        "logon_type": "remote_interactive" if address and address.upper() != "LOCAL" else "interactive",
        "session_id": _value(data, "SessionID"),
        "client_app": None,
    }
