"""IP address strings as numbers, and the ranges that are labelled instead of geolocated.

An address is held as ``(version, hi, lo)``: version 4 or 6 (0: not an IP address), and the
address as two unsigned 64-bit halves (an IPv4 address is ``lo``, ``hi`` is 0). IPv4-mapped IPv6
addresses (``::ffff:a.b.c.d``) are taken as the IPv4 address they carry. 6to4 (``2002::/16``) and
Teredo (``2001::/32``) addresses are left as they are: they are looked up as IPv6 addresses, not
unwrapped to the IPv4 address inside them.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pyarrow as pa

PUBLIC = "public"

# Labelled ranges, first match wins. Every label but "public" means: never geolocated.
RANGES: list[tuple[str, str]] = [
    ("0.0.0.0/8", "reserved"),  # "this network"
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "cgnat"),  # RFC 6598 shared address space
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
    ("192.0.2.0/24", "documentation"),  # TEST-NET-1
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved"),  # benchmarking
    ("198.51.100.0/24", "documentation"),  # TEST-NET-2
    ("203.0.113.0/24", "documentation"),  # TEST-NET-3
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),  # future use and 255.255.255.255
    ("::/128", "reserved"),  # unspecified
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "private"),  # local-use NAT64
    ("100::/64", "reserved"),  # discard-only
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("fc00::/7", "private"),  # unique local
    ("fec0::/10", "private"),  # site-local (deprecated)
    ("fe80::/10", "link-local"),
    ("ff00::/8", "multicast"),
    ("2000::/3", PUBLIC),  # global unicast; any other IPv6 address is reserved
    ("::/0", "reserved"),
]

LABELS: list[str] = sorted({label for _, label in RANGES})
_NETS = [ipaddress.ip_network(n) for n, _ in RANGES]
_V6 = struct.Struct(">QQ")
_V4 = struct.Struct(">I")
_M64 = (1 << 64) - 1


@dataclass(frozen=True)
class Addresses:
    """Parsed addresses, one per input string (numpy arrays of equal length)."""

    version: np.ndarray  # int8: 4, 6, or 0 for "not an IP address" (and null)
    hi: np.ndarray  # uint64
    lo: np.ndarray  # uint64

    def __len__(self) -> int:
        return len(self.version)

    def ip(self, i: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        lo = int(self.lo[i])
        if self.version[i] == 4:
            return ipaddress.IPv4Address(lo)
        return ipaddress.IPv6Address((int(self.hi[i]) << 64) | lo)


def _slow_v6(text: str) -> bytes | None:
    """What ``inet_pton`` refuses but :mod:`ipaddress` takes: a scoped address such as ``fe80::1%eth0``."""
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    return addr.packed if addr.version == 6 else None


def parse(strings: Sequence[str | None]) -> Addresses:
    """Parse address strings (``inet_pton`` first: ~1 µs each; :mod:`ipaddress` only for scoped IPv6)."""
    n = len(strings)
    version = np.zeros(n, dtype=np.int8)
    hi = np.zeros(n, dtype=np.uint64)
    lo = np.zeros(n, dtype=np.uint64)
    pton, v4, v6 = socket.inet_pton, socket.AF_INET, socket.AF_INET6
    for i, text in enumerate(strings):
        if text is None:
            continue
        try:
            lo[i] = _V4.unpack(pton(v4, text))[0]
            version[i] = 4
            continue
        except (OSError, ValueError, TypeError):
            pass
        try:
            packed: bytes | None = pton(v6, text)
        except (OSError, ValueError, TypeError):
            packed = _slow_v6(text) if isinstance(text, str) and "%" in text else None
        if packed is None:
            continue
        h, low = _V6.unpack(packed)
        if h == 0 and low >> 32 == 0xFFFF:  # IPv4-mapped
            lo[i] = low & 0xFFFFFFFF
            version[i] = 4
        else:
            hi[i], lo[i], version[i] = h, low, 6
    return Addresses(version, hi, lo)


def _range_codes(addrs: Addresses) -> np.ndarray:
    """Index into :data:`RANGES` of the range each address is in; -1 for non-addresses."""
    codes = np.full(len(addrs), -1, dtype=np.int16)
    # Both versions as 128-bit numbers (hi, lo); an IPv4 address as the top 32 bits.
    halves = {4: (addrs.lo << np.uint64(32), np.zeros(len(addrs), dtype=np.uint64)), 6: (addrs.hi, addrs.lo)}
    for code, net in enumerate(_NETS):
        cand = (addrs.version == net.version) & (codes < 0)
        if not cand.any():
            continue
        hi, lo = halves[net.version]
        value = int(net.network_address) << (96 if net.version == 4 else 0)
        net_hi, net_lo, bits = value >> 64, value & _M64, net.prefixlen
        if bits == 0:
            match = cand
        elif bits <= 64:
            match = (hi >> np.uint64(64 - bits)) == np.uint64(net_hi >> (64 - bits))
        else:
            match = (hi == np.uint64(net_hi)) & ((lo >> np.uint64(128 - bits)) == np.uint64(net_lo >> (128 - bits)))
        codes[cand & match] = code
    return codes


def classify(addrs: Addresses) -> pa.Array:
    """``ip_class`` for each address: "public" or the label of its range; null for non-addresses."""
    codes = _range_codes(addrs)
    label_of_range = np.array([LABELS.index(label) for _, label in RANGES], dtype=np.int16)
    out = np.where(codes >= 0, label_of_range[np.maximum(codes, 0)], LABELS.index(PUBLIC))
    mask = addrs.version == 0
    return pa.array(LABELS).take(pa.array(out, mask=mask))


def ip_class(ip: str) -> str | None:
    """'public' or the label of the special range ``ip`` is in; None if it is not an IP address."""
    return classify(parse([ip]))[0].as_py()
