"""Small, shared conversions of untrusted log values: text, IPs, times, nested lookups."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson

from ..errors import Unreadable
from ..events import as_utc


def text(value: Any) -> str | None:
    """Log fields are untrusted: whatever their JSON type, store text (or null)."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def ip_or_none(value: Any) -> str | None:
    """The canonical form of an IP address, or None for anything else (service names, junk).

    Also accepts ``ip:port`` for IPv4 and ``[v6]:port``.
    """
    return _canonical_ip(value.strip()) if isinstance(value, str) else None


@lru_cache(maxsize=65536)
def _canonical_ip(value: str) -> str | None:
    for candidate in (value, value.rsplit(":", 1)[0] if value.count(":") == 1 else None,
                      value[1:].split("]", 1)[0] if value.startswith("[") else None):
        if not candidate:
            continue
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def parse_time(value: Any) -> datetime:
    """An ISO 8601 / RFC 3339 time as UTC; naive times are taken as UTC. Raises ValueError.

    Accepts 'Z', offsets, and more than 6 fractional digits (Windows and Azure write 7).
    """
    if not isinstance(value, str) or not value:
        raise Unreadable(f"not a time: {value!r:.60}")
    s = value.strip().replace(" ", "T", 1) if "T" not in value else value.strip()
    if "." in s:  # trim fractions beyond microseconds: 2024-03-05T10:11:12.1234567Z
        head, _, rest = s.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        s = f"{head}.{rest[:min(digits, 6)]}{rest[digits:]}" if digits else f"{head}{rest}"
    return as_utc(datetime.fromisoformat(s))


def dig(record: Any, *path: str) -> Any:
    """``record[a][b][c]`` or None when any step is missing or not a mapping."""
    for key in path:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record
