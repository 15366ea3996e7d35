"""``workbench export-events``: the normalized, enriched event table as a Parquet folder
(:mod:`workbench.spark.eventstore`), for ``workbench analyze --engine spark``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from ..errors import WorkbenchError, printable
from ..evidence.outputs import check_outputs
from .common import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, geoip_databases, pack_overrides


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="log files or folders (read-only; searched recursively)")
    p.add_argument("--parquet", type=Path, required=True, metavar="DIR",
                   help="write the normalized, enriched events here (a new or empty folder)")
    p.add_argument("--year", type=int, help="year of the first line of syslog files that carry no year")
    p.add_argument("--geoip-db", type=Path, action="append", metavar="FILE", help="GeoIP database (repeatable)")
    p.add_argument("--no-geoip", action="store_true", help="use no GeoIP database at all")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def run_export(args: argparse.Namespace) -> int:
    from ..spark.eventstore import write_events
    from ..pipeline import analyze

    problem = check_outputs([args.parquet], args.paths)
    if problem:
        print(printable(f"workbench: {problem}"), file=sys.stderr)
        return EXIT_USAGE
    pack = pack_overrides()
    geoip = geoip_databases(args, pack)
    try:
        analysis = analyze(args.paths, year=args.year, geoip_dbs=geoip, ip_lists=pack.ip_lists)
        write_events(analysis.table, analysis.inputs, args.parquet, extra={
            "geo_locates": any(d.parts & {"country", "location"} for d in analysis.geoip),
            "geoip": [{**asdict(d), "built": d.built.isoformat()} for d in analysis.geoip],
            "geoip_warnings": analysis.geoip_warnings,
            "ip_lists": [x.to_dict() for x in analysis.ip_lists]})
    except WorkbenchError as exc:
        print(printable(f"workbench: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    partial = [i for i in analysis.inputs if not i.complete]
    for info in partial:
        print(printable(f"workbench: {info.summary()}"), file=sys.stderr)
    if not args.quiet:
        print(f"wrote {args.parquet}: {analysis.events_total} events from {len(analysis.inputs)} inputs")
    return EXIT_PARTIAL if partial else EXIT_OK
