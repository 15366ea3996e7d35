"""``workbench query PATH... --query "user:alice after:2024-03-05" [--out events.csv|.jsonl]``.

The events grid's query bar from the command line: the same language (:mod:`workbench.explore.query`) over the
same normalized, enriched table (no checks run). Without ``--out`` the first ``--limit`` matching events
are printed, one per line; with it every match is written (CSV formula-safe, or Timesketch JSON Lines).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import WorkbenchError, printable
from ..evidence.outputs import check_outputs
from .common import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, add_geoip_arguments, open_geo, progress_printer

if TYPE_CHECKING:
    import numpy as np

PRINTED = ("ts", "source", "action", "outcome", "user", "src_ip", "country", "host", "event_name")


def add_query_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="log files or folders (read-only; searched recursively)")
    p.add_argument("--query", required=True, metavar="QUERY",
                   help="the events grid's query syntax, e.g. 'user:r.patel country:RU after:2024-03-14' (the demo case)")
    p.add_argument("--out", type=Path, metavar="FILE", help="write every matching event here (.csv or .jsonl)")
    p.add_argument("--format", choices=("csv", "jsonl"), help="format of --out (default: from its suffix)")
    p.add_argument("--sort", default="ts", metavar="COLUMN", help="order by this column (default: ts, the time)")
    p.add_argument("--descending", action="store_true", help="with --sort: largest first, nulls still last")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="without --out: print at most N events")
    p.add_argument("--year", type=int, help="year of the first line of syslog files that carry no year")
    add_geoip_arguments(p)


def run_query(args: argparse.Namespace) -> int:
    from ..explore.query import FIELDS, QueryError, parse

    try:
        query = parse(args.query)
    except QueryError as exc:
        print(printable(f"workbench: --query: {exc.message} (at character {exc.position + 1})"), file=sys.stderr)
        return EXIT_USAGE
    sort, descending = args.sort, args.descending
    known = {c for cols in FIELDS.values() for c in cols} | {"ts", "source", "file", "ref", "outcome", "action"}
    if sort not in known:
        print(f"workbench: --sort: unknown column {sort!r}", file=sys.stderr)
        return EXIT_USAGE
    fmt = args.format or ("jsonl" if args.out is not None and args.out.suffix.lower() in (".jsonl", ".json")
                          else "csv")
    if args.out is not None:
        problem = check_outputs([args.out], args.paths)
        if problem:
            print(printable(f"workbench: {problem}"), file=sys.stderr)
            return EXIT_USAGE
    from ..enrich.geoip import enrich
    from ..explore.query import EventIndex
    from ..export import write_events_csv, write_events_jsonl
    from ..ingest import load

    show_progress = sys.stderr.isatty()
    try:
        loaded = load(args.paths, year=args.year, progress=progress_printer(show_progress))
        geo = open_geo(args)  # the update pack's databases too, as analyze and lookup use them
        try:
            table = enrich(loaded.table, geo if geo.available else None)
        finally:
            geo.close()
        index = EventIndex(table)
        rows = index.sort(index.select(query), sort, descending)
    except WorkbenchError as exc:
        print(printable(f"workbench: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    if show_progress:
        print(file=sys.stderr)
    partial = [i for i in loaded.inputs if not i.complete]
    for info in partial:
        print(printable(f"workbench: {info.summary()}"), file=sys.stderr)
    if args.out is not None:
        (write_events_jsonl if fmt == "jsonl" else write_events_csv)(table, rows, args.out)
        print(f"{len(rows):,} of {table.num_rows:,} events match; wrote {args.out}")
    else:
        _print_rows(table, rows[:max(args.limit, 0)])
        more = f" (first {min(len(rows), args.limit):,} shown)" if len(rows) > args.limit else ""
        print(f"{len(rows):,} of {table.num_rows:,} events match{more}")
    return EXIT_PARTIAL if partial else EXIT_OK


def _print_rows(table, rows: np.ndarray) -> None:  # noqa: ANN001  (pa.Table)
    import pyarrow as pa

    from ..events import format_ts

    cols = [c for c in PRINTED if c in table.column_names]
    if not len(rows):
        return

    values = {c: table.column(c).take(pa.array(rows)).to_pylist() for c in cols}
    for i in range(len(rows)):
        cells = [format_ts(values[c][i]) if c == "ts" else ("-" if values[c][i] is None else str(values[c][i]))
                 for c in cols]
        print(printable("  ".join(cells)))
