"""GeoIP enrichment benchmark: 1M events with 50k distinct public IPs over the bundled data (DB-IP City Lite
IPv4 + IPv6, the ip-location-db ASN table, the provider lists), or the databases given with --db.

Times ``workbench.enrich.geoip.enrich()`` (databases and lists freshly opened each run, so nothing is cached
between runs; opening is timed apart) with wall and CPU seconds and the process's peak RSS, and prints a
markdown table. Target: ≤ 1 s. Then, for comparison, the per-address ways (lookups only, no table). Usage:
python bench/geoip.py [--events 1000000] [--distinct 50000] [--ipv6 0.2] [--runs 3] [--no-baseline] [--db FILE]...
"""

from __future__ import annotations

import argparse
import ipaddress
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from workbench.enrich.geoip import GeoIP, enrich
from workbench.enrich.ipclass import classify, parse
from workbench.enrich.provider import open_provider_lists
from workbench.events import BASE_FIELDS
from workbench.paths import default_geoip_dbs


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


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _baselines(dbs: list[Path], ips: list[str]) -> list[tuple[str, float]]:
    """Seconds for the per-address ways, lookups only (no table): maxminddb's C reader over the .mmdb files
    (each address to the file of its family), and geoip2's models where the layout is MaxMind's."""
    import geoip2.database
    import geoip2.errors
    import maxminddb

    out = []
    readers = [maxminddb.open_database(str(db), maxminddb.MODE_MMAP_EXT) for db in dbs if db.suffix == ".mmdb"]
    if not readers:
        return out
    by_version = {r.metadata().ip_version: r for r in reversed(readers)}
    t = time.perf_counter()
    for ip in ips:
        by_version.get(4 if "." in ip else 6, readers[0]).get(ip)
    out.append(("baseline: maxminddb `reader.get` per distinct IP, lookups only", time.perf_counter() - t))
    layout = readers[0].get(next(ip for ip in ips if "." in ip))
    for reader in readers:
        reader.close()
    if isinstance(layout, dict) and "country_code" in layout:  # ip-location-db's layout: geoip2 cannot read it
        return out
    with geoip2.database.Reader(str(dbs[0])) as city:
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
    p.add_argument("--ipv6", type=float, default=0.2, help="share of IPv6 addresses among the distinct ones")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-baseline", action="store_true", help="skip the per-address baselines")
    p.add_argument("--db", type=Path, action="append", help="database(s) instead of the bundled data (repeatable)")
    args = p.parse_args(argv)
    dbs = args.db or default_geoip_dbs()
    if not dbs:
        print("no GeoIP database: run workbench fetch-geoip or give --db", file=sys.stderr)
        return 2
    rng = np.random.default_rng(1)
    ips = public_ips(args.distinct, args.ipv6, rng)
    table = event_table(args.events, ips, rng)
    pa.array(["warm up pyarrow's one-time initialisation"])
    size = sum(db.stat().st_size for db in dbs) / 1e6
    print(f"databases: {', '.join(db.name for db in dbs)} ({size:.0f} MB); {args.ipv6:.0%} of the distinct "
          f"addresses IPv6; peak RSS before the first run {_rss_mb():.0f} MB\n")
    print("| what | events | distinct IPs | wall s | CPU s | peak RSS MB | lookups/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for run in range(1, args.runs + 1):
        t, c = time.perf_counter(), time.process_time()
        geo = GeoIP(dbs, providers=open_provider_lists())
        opened, opened_cpu = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        out = enrich(table, geo)
        seconds, cpu = time.perf_counter() - t, time.process_time() - c
        geo.close()
        share = {name: 1 - out.column(name).null_count / args.events for name in ("country", "asn", "provider_class")}
        print(f"| open the databases and lists, run {run} | – | – | {opened:.2f} | {opened_cpu:.2f} | – | – |")
        print(f"| `enrich()` run {run} (located {share['country']:.0%}, AS {share['asn']:.0%}, provider class "
              f"{share['provider_class']:.0%} of events) | {args.events:,} | {args.distinct:,} | {seconds:.2f} | "
              f"{cpu:.2f} | {_rss_mb():.0f} | {args.distinct / seconds:,.0f} |")
    for what, seconds in [] if args.no_baseline else _baselines(dbs, ips):
        print(f"| {what} | – | {args.distinct:,} | {seconds:.2f} | – | – | {args.distinct / seconds:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
