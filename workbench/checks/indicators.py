"""The analyst's own indicator lists (IPs, CIDRs, user agents, accounts), plain text or CSV.

Plain text: one value per line, ``#`` starts a comment; an IP or CIDR is taken as such, a value
with a space or a ``/`` as a user-agent fragment, anything else as an account name. CSV: a header
with ``type`` and ``value`` columns (types ``ip``, ``cidr``, ``user_agent``, ``account``) and an
optional ``note``.
"""

from __future__ import annotations

import csv
import io
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WorkbenchError

KINDS = ("ip", "cidr", "user_agent", "account")


class IndicatorError(WorkbenchError):
    """An indicator file could not be read."""


@dataclass(frozen=True)
class Indicator:
    kind: str
    value: str
    note: str = ""
    source: str = ""  # file:line


@dataclass
class IndicatorSet:
    indicators: list[Indicator] = field(default_factory=list)

    def networks(self) -> list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Indicator]]:
        return [(ipaddress.ip_network(i.value, strict=False), i) for i in self.indicators if i.kind in ("ip", "cidr")]

    def of(self, kind: str) -> list[Indicator]:
        return [i for i in self.indicators if i.kind == kind]


def _guess(value: str) -> str:
    try:
        ipaddress.ip_address(value)
        return "ip"
    except ValueError:
        pass
    try:
        ipaddress.ip_network(value, strict=False)
        return "cidr"
    except ValueError:
        pass
    return "user_agent" if (" " in value or "/" in value) else "account"


def _check(kind: str, value: str, where: str) -> None:
    if kind not in KINDS:
        raise IndicatorError(f"unknown indicator type {kind!r} (use one of {', '.join(KINDS)})", where)
    if kind in ("ip", "cidr"):
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise IndicatorError(f"{value!r} is not an IP address or network", where) from None


def load_indicators(paths: list[Path]) -> IndicatorSet:
    out = IndicatorSet()
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise IndicatorError(f"cannot read: {exc}", path) from None
        first = text.lstrip().split("\n", 1)[0].lower()
        if "type" in first and "value" in first and "," in first:
            for n, row in enumerate(csv.DictReader(io.StringIO(text)), 2):
                kind = (row.get("type") or "").strip().lower()
                value = (row.get("value") or "").strip()
                if not value:
                    continue
                _check(kind, value, f"{path}:{n}")
                out.indicators.append(Indicator(kind, value, (row.get("note") or "").strip(), f"{path}:{n}"))
            continue
        for n, line in enumerate(text.splitlines(), 1):
            value = line.split("#", 1)[0].strip()
            if value:
                out.indicators.append(Indicator(_guess(value), value, "", f"{path}:{n}"))
    return out
