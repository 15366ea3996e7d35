"""``workbench export-events`` (the enriched event table as Parquet) and ``workbench analyze --engine spark``
(the checks on Apache Spark over that Parquet folder; findings JSON and report as from a local run)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from .errors import WorkbenchError, printable

EXIT_OK, EXIT_USAGE, EXIT_PARTIAL = 0, 2, 3


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="log files or folders (read-only; searched recursively)")
    p.add_argument("--parquet", type=Path, required=True, metavar="DIR",
                   help="write the normalized, enriched events here (a new or empty folder)")
    p.add_argument("--year", type=int, help="year of the first line of syslog files that carry no year")
    p.add_argument("--geoip-db", type=Path, action="append", metavar="FILE", help="GeoIP database (repeatable)")
    p.add_argument("--no-geoip", action="store_true", help="use no GeoIP database at all")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def run_export(args: argparse.Namespace) -> int:
    from .cli import check_outputs, geoip_databases, pack_overrides
    from .eventstore import write_events
    from .pipeline import analyze

    problem = check_outputs([args.parquet], args.paths)
    if problem:
        print(printable(f"workbench: {problem}"), file=sys.stderr)
        return EXIT_USAGE
    pack = pack_overrides()
    geoip = geoip_databases(args, pack)
    try:
        analysis = analyze(args.paths, year=args.year, geoip_dbs=geoip)
        write_events(analysis.table, analysis.inputs, args.parquet, extra={
            "geo_locates": any(d.parts & {"country", "location"} for d in analysis.geoip),
            "geoip": [{**asdict(d), "built": d.built.isoformat()} for d in analysis.geoip],
            "geoip_warnings": analysis.geoip_warnings})
    except WorkbenchError as exc:
        print(printable(f"workbench: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    partial = [i for i in analysis.inputs if not i.complete]
    for info in partial:
        print(printable(f"workbench: {info.summary()}"), file=sys.stderr)
    if not args.quiet:
        print(f"wrote {args.parquet}: {analysis.events_total} events from {len(analysis.inputs)} inputs")
    return EXIT_PARTIAL if partial else EXIT_OK


def analysis_from_spark(folder: Path, *, master: str, config_files=(), extra_playbook_dirs=()):
    """An :class:`~workbench.pipeline.Analysis` whose findings Spark computed over ``folder``."""
    from .config import load_config
    from .enrich.geoip import DatabaseInfo
    from .eventstore import inputs_of, read_events, read_meta
    from .events import SCHEMA
    from .findings import Finding
    from .paths import playbooks_dir
    from .pipeline import Analysis, CheckStatus
    from .playbooks import PlaybookLibrary
    from .spark_engine import run_checks_on_spark

    meta = read_meta(folder)
    config = load_config(*config_files)
    geo = bool(meta.get("geo_locates"))
    run = run_checks_on_spark(folder, config, geo, master=master)
    playbooks = PlaybookLibrary.load([playbooks_dir(), *extra_playbook_dirs])
    findings = [Finding(**{**f.__dict__, "playbook": book.technique}) if (book := playbooks.match(f.techniques))
                else f for f in run.findings]
    from .checks import CHECKS

    statuses = [CheckStatus(c.id, c.title, c.id in run.ran, sum(f.check == c.id for f in findings),
                            run.skipped.get(c.id, "")) for c in CHECKS]
    databases = [DatabaseInfo(d["path"], d["database_type"], datetime.fromisoformat(d["built"]),
                              d.get("licence", ""), d.get("bundled", False)) for d in meta.get("geoip", [])]
    return Analysis(inputs_of(meta), read_events(folder, SCHEMA), findings, playbooks, config, databases, [],
                    statuses, geoip_warnings=list(meta.get("geoip_warnings", [])))


def run_spark_analyze(args: argparse.Namespace) -> int:
    from .cli import check_outputs, print_summary, write_json_atomic

    if args.parquet is None:
        print("workbench: --engine spark reads a Parquet event folder: give --parquet DIR "
              "(made by workbench export-events)", file=sys.stderr)
        return EXIT_USAGE
    outputs = [p for p in (args.report, args.findings_json) if p is not None]
    problem = check_outputs(outputs, [str(args.parquet)])
    if problem:
        print(printable(f"workbench: {problem}"), file=sys.stderr)
        return EXIT_USAGE
    try:
        analysis = analysis_from_spark(args.parquet, master=args.spark_master, config_files=args.config,
                                       extra_playbook_dirs=args.playbooks)
    except WorkbenchError as exc:
        print(printable(f"workbench: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    doc = analysis.to_json()
    doc["engine"] = {"name": "spark", "master": args.spark_master}
    if args.findings_json:
        write_json_atomic(doc, args.findings_json)
    if args.report:
        from .report import write_report

        write_report(analysis, args.report, title=args.title, analyst=args.analyst)
    if not args.quiet:
        print_summary(analysis)
        for out in outputs:
            print(f"wrote {out}")
    return EXIT_OK
