"""Events per second of the checks on both engines, over the same Parquet event folder.

    python bench/spark.py [--scale 140] [--master local[2]]

Generates the synthetic case (scale 140 is about 1M events), exports it with ``workbench export-events``, then
times (1) the embedded engine: read the Parquet folder back and run every check, and (2) Spark at ``--master``:
start the session, read the folder, group by account and run the same checks. Prints a table.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from workbench.__main__ import main as workbench
from workbench.config import load_config
from workbench.spark.eventstore import read_events, read_meta
from workbench.events import SCHEMA
from workbench.pipeline import run_checks
from workbench.synth import generate_case


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=140.0)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()
    from workbench.spark.engine import run_checks_on_spark, session

    config = load_config()
    with tempfile.TemporaryDirectory() as tmp:
        case, parquet = Path(tmp) / "case", Path(tmp) / "events"
        generate_case(case, seed=99, scale=args.scale)
        start = time.perf_counter()
        workbench(["export-events", str(case), "--parquet", str(parquet), "-q"])
        export_s = time.perf_counter() - start
        meta = read_meta(parquet)
        n, geo = meta["events"], bool(meta.get("geo_locates"))

        start = time.perf_counter()
        table = read_events(parquet, SCHEMA)
        local, _ = run_checks(table, config, geo)
        local_s = time.perf_counter() - start

        start = time.perf_counter()
        spark = session(args.master)
        started_s = time.perf_counter() - start
        run = run_checks_on_spark(parquet, config, geo, spark=spark)
        spark_s = time.perf_counter() - start
        spark.stop()

    same = sorted(f.id for f in local) == sorted(f.id for f in run.findings)
    print(f"{n:,} events, {os.cpu_count()} cores; findings identical on both engines: {same}\n")
    print("| step | seconds | events/s |")
    print("|---|---:|---:|")
    print(f"| export-events (ingest, enrich, write Parquet) | {export_s:.1f} | {n / export_s:,.0f} |")
    print(f"| embedded: read Parquet + all checks | {local_s:.1f} | {n / local_s:,.0f} |")
    print(f"| Spark {args.master}: session start | {started_s:.1f} | |")
    print(f"| Spark {args.master}: start + read + all checks | {spark_s:.1f} | {n / spark_s:,.0f} |")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
