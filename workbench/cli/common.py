"""What the sub-commands share: exit codes, the GeoIP options, the progress line, the summary and the
update pack's share of a run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import printable

if TYPE_CHECKING:
    from ..analysis import Analysis

EXIT_OK, EXIT_USAGE, EXIT_PARTIAL = 0, 2, 3


def add_geoip_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--geoip-db", type=Path, action="append", metavar="FILE",
                   help="MaxMind-format database (City, Country or ASN; repeatable), used in the order given "
                        "(the first that answers a part wins); the bundled one only fills parts none can answer")
    p.add_argument("--no-default-geoip", action="store_true",
                   help="with --geoip-db: never add the bundled database")
    p.add_argument("--no-geoip", action="store_true", help="use no GeoIP database at all")
    p.add_argument("--no-update-pack", action="store_true",
                   help="ignore the imported update pack (its playbooks, config, GeoIP, Sigma rules, ATT&CK)")


def progress_printer(enabled: bool):
    last = [""]

    def progress(done: int, total: int, message: str) -> None:
        if enabled and message != last[0]:
            last[0] = message
            pct = 100 * done // total if total else 0
            print(f"\r[{pct:3d}%] {message[:70]:<70}", end="", file=sys.stderr, flush=True)

    return progress


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def print_summary(analysis: Analysis) -> None:
    from ..events import format_ts

    first, last = analysis.time_range()
    incidents = list(getattr(analysis, "incidents", None) or ())
    print(f"{_count(len(analysis.inputs), 'input')}, {_count(analysis.events_total, 'event')}, "
          f"{format_ts(first)} .. {format_ts(last)}, {_count(len(analysis.findings), 'finding')}, "
          f"{_count(len(incidents), 'incident')}")
    for i in incidents:  # the story first: what a receiver reads before the findings
        print(printable(f"  incident [{i.severity:>8}, {i.confidence} confidence] {i.title}  "
                        f"({format_ts(i.first)} .. {format_ts(i.last)}; {_count(len(i.findings), 'finding')})"))
    for f in analysis.findings:
        print(printable(f"  [{f.severity:>8}] {f.title}  ({', '.join(f.techniques)}; playbook {f.playbook or '-'})"))


def pack_overrides(ignore: bool = False):
    """What the imported update pack adds to a run (nothing when ``ignore``); its ATT&CK reference is put in
    use. The analyst's own options come after the pack's files, so they win."""
    from ..update.pack import in_use

    return in_use(ignore)


def geoip_databases(args: argparse.Namespace, pack) -> list[Path] | None:
    """``analyze``'s ``geoip_dbs`` from the options and the update pack: none with ``--no-geoip``; the analyst's
    databases before the pack's; None (the bundled default) when neither gives one."""
    if args.no_geoip:
        return []
    return [*(args.geoip_db or ()), *pack.geoip_dbs] or None


def open_geo(args: argparse.Namespace):
    """The GeoIP reader ``lookup`` and ``query`` use, as ``analyze`` does: the analyst's databases, then the active
    update pack's databases and provider lists (none with ``--no-update-pack``), then the bundled ones."""
    from ..enrich.geoip import open_geoip
    from ..enrich.provider import open_provider_lists
    from ..update.pack import active_overrides

    pack = active_overrides() if not args.no_update_pack else None
    dbs = [] if args.no_geoip else ([*(args.geoip_db or ()), *(pack.geoip_dbs if pack else ())] or None)
    lists = pack.ip_lists if pack else []
    return open_geoip(dbs, use_default=not args.no_default_geoip,
                      providers=open_provider_lists([p for p in lists if p.suffix == ".bin"],
                                                    [p for p in lists if p.suffix == ".csv"]) if lists else None)
