"""The events query language: its fields, terms and parser, and the query strings the GUI builds (pivots,
time windows). :mod:`.query` evaluates a parsed query over the event table.

Syntax (terms separated by spaces; case does not matter)::

    user:alice country:RU action:auth.failure after:2024-03-05 before:2024-03-06T12:00
    ip:203.0.113.0/24 host:web-1 -user:bob "free text" word

* ``key:value`` keeps events whose field equals ``value`` (ignoring case). ``*`` and ``?`` are wildcards
  (``user:adm*``); ``ip:`` also takes a network (``ip:10.0.0.0/8``); ``key:""`` keeps events where the field
  is empty. Quote values with spaces: ``user:"Alice Smith"``.
* The same key given more than once means any of them (``user:alice user:bob``); different keys must all
  match. ``-`` before a term excludes what it matches (``-user:bob``, ``-"scanner"``).
* ``after:T`` keeps events at or after ``T``, ``before:T`` events strictly before ``T``, ``on:DAY`` the
  events of that UTC day. ``T`` is ``2024-03-05``, ``2024-03-05T10:00`` or ``2024-03-05T10:00:00Z`` (UTC
  unless a zone is given).
* The analyst's marks, where the case holds any: ``tag:exfil`` (any one of an event's tags), ``starred:yes``,
  ``comment:*phish*``.
* A bare word or a quoted phrase is searched (substring, ignoring case) in every text field listed in
  :data:`TEXT_COLUMNS`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import WorkbenchError

# query key -> column(s) of the event table
FIELDS: dict[str, tuple[str, ...]] = {
    "user": ("user",), "target": ("target_user",), "target_user": ("target_user",),
    "account": ("user", "target_user"),
    "ip": ("src_ip",), "src_ip": ("src_ip",), "host": ("host",), "action": ("action",), "outcome": ("outcome",),
    "country": ("country",), "log_country": ("log_country",), "city": ("city",), "source": ("source",),
    "event": ("event_name",), "event_name": ("event_name",), "agent": ("user_agent",), "ua": ("user_agent",),
    "user_agent": ("user_agent",), "file": ("file",), "ref": ("ref",), "session": ("session_id",),
    "session_id": ("session_id",), "app": ("client_app",), "client_app": ("client_app",),
    "logon": ("logon_type",), "logon_type": ("logon_type",), "asn": ("asn",), "org": ("as_org",),
    "as_org": ("as_org",), "class": ("ip_class",), "ip_class": ("ip_class",),
    # the analyst's marks (workbench.case.marks: columns the GUI adds from the case)
    "tag": ("tags",), "tags": ("tags",), "starred": ("starred",), "comment": ("comment",),
}
LIST_KEYS = ("tag", "tags")  # fields holding a comma-separated list: a term matches any one item
TIME_KEYS = ("after", "before", "on")
# Searched by free text (bare words, quoted phrases, the quick search box).
TEXT_COLUMNS = ("user", "target_user", "src_ip", "host", "action", "outcome", "event_name", "user_agent",
                "country", "city", "source", "client_app", "logon_type", "as_org", "file", "tags", "comment")


class QueryError(WorkbenchError):
    """The query does not parse; ``position`` is the 0-based offset of the offending term."""

    def __init__(self, message: str, position: int = 0) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Term:
    key: str | None  # a FIELDS or TIME_KEYS key; None for free text
    value: str
    negate: bool = False
    position: int = 0


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.terms

    def __str__(self) -> str:
        return " ".join(format_term(t.key, t.value, t.negate) for t in self.terms)


def quote(value: str) -> str:
    """``value`` as one query token (quoted when it holds spaces, quotes or is empty)."""
    if value and not re.search(r'[\s"\\]', value) and not value.startswith("-"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_term(key: str | None, value: str, negate: bool = False) -> str:
    text = f"{key}:{quote(value)}" if key else quote(value)
    return ("-" + text) if negate else text


def format_time(value: datetime) -> str:
    """A time as the query language writes it (UTC, ``Z``; microseconds only when there are some)."""
    value = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text + "Z"


_KEY = re.compile(r"([A-Za-z_]+):")


def parse(text: str) -> Query:
    """Parse a query; raise :class:`QueryError` naming the term at fault."""
    terms: list[Term] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        if text[i] == "-" and (i + 1 == n or text[i + 1].isspace()):
            raise QueryError("nothing after '-'", start)
        negate = text[i] == "-"
        if negate:
            i += 1
        key = None
        m = _KEY.match(text, i)
        if m:
            key, i = m.group(1).lower(), m.end()
        if i < n and text[i] == '"':
            value, i = _quoted(text, i)
        else:
            end = i
            while end < n and not text[end].isspace():
                end += 1
            value, i = text[i:end], end
        if key is not None and key not in FIELDS and key not in TIME_KEYS:
            whole = text[m.start():i] if m else value
            if _is_ip(whole):  # an IPv6 address typed bare, e.g. fe80::1
                key, value = None, whole
            else:
                raise QueryError(f"unknown field {key!r} (known: {', '.join(sorted(FIELDS) + list(TIME_KEYS))})",
                                 start)
        if key is None and not value:
            continue
        if key in TIME_KEYS:
            parse_time(value, start)  # fail now, not at evaluation
        terms.append(Term(key, value, negate, start))
    return Query(tuple(terms))


def _quoted(text: str, i: int) -> tuple[str, int]:
    out, j = [], i + 1
    while j < len(text):
        c = text[j]
        if c == "\\" and j + 1 < len(text):
            out.append(text[j + 1])
            j += 2
            continue
        if c == '"':
            return "".join(out), j + 1
        out.append(c)
        j += 1
    raise QueryError("unclosed quote", i)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def parse_time(value: str, position: int = 0) -> datetime:
    """``2024-03-05``, ``2024-03-05T10:00[:00[.ffffff]]``, with ``Z`` or ``±HH:MM``, or a space for ``T``."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(f"not a time: {value!r} (write 2024-03-05 or 2024-03-05T10:00:00Z)", position) from None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def pivot_query(column: str, value: Any) -> str:
    """The query term that keeps events with this value in this column (for "only this ..." pivots)."""
    key = next((k for k, cols in FIELDS.items() if cols == (column,)), None)
    if key is None:
        raise QueryError(f"no query field for column {column!r}")
    return format_term(key, "" if value is None else str(value))


def with_term(query: str, key: str, value: str, negate: bool = False) -> str:
    """``query`` narrowed by ``key:value`` (or widened by nothing: a positive term replaces the other
    positive terms of the same key, which would otherwise mean "any of them"). Raises on a bad query."""
    kept = [t for t in parse(query).terms
            if not (t.key == key and (not t.negate or t.value.casefold() == value.casefold()))]
    kept.append(Term(key, value, negate))
    return str(Query(tuple(kept)))


def around_query(ts: datetime, minutes: float = 15) -> str:
    """``after:… before:…`` for the window of ``minutes`` either side of ``ts``."""
    delta = timedelta(minutes=minutes)
    return f"after:{format_time(ts - delta)} before:{format_time(ts + delta + timedelta(microseconds=1))}"
