"""Check evaluation on the labelled generator: recall and precision per check over several seeds,
false findings per 100k benign events, and the time of all checks on a large table.

Usage: python bench/evaluate.py [--seeds 1,2,3,4,5] [--scale 1] [--speed-events 1000000] [--no-windows]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa

from workbench.checks import CHECKS
from workbench.config import load_config
from workbench.enrich.geoip import GeoIP, enrich
from workbench.events import GEO_FIELDS
from workbench.paths import default_geoip_db
from workbench.pipeline import analyze, run_checks
from workbench.synth import generate_case, write_indicators


def _matches(finding, label) -> bool:
    if finding.check != label["check"] or not set(finding.users) & set(label["users"]):
        return False
    cited = {e.ref for e in finding.evidence if Path(e.file).name == label["file"]}
    return bool(cited & {str(r) for r in label["refs"]})


def evaluate(seeds: list[int], scale: float, windows: bool = False) -> tuple[Counter, Counter, Counter, int]:
    tp, fn, fp = Counter(), Counter(), Counter()
    benign_events = 0
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            case = Path(tmp) / "case"
            labels = generate_case(case, seed=seed, scale=scale, windows=windows)
            (case / "labels.json").unlink()
            indicators = write_indicators(labels, Path(tmp) / "indicators.csv")  # outside the evidence
            analysis = analyze([case], indicator_files=[indicators])
        incidents = labels["incidents"]
        expected = [b for b in labels["benign_expected"] if b.get("expect_finding")]
        incident_refs = sum(len(i["refs"]) for i in incidents)
        benign_events += analysis.events_total - incident_refs
        for label in incidents:
            (tp if any(_matches(f, label) for f in analysis.findings) else fn)[label["check"]] += 1
        for f in analysis.findings:
            # a finding about the injected events under another check's name is related, not false
            related = {e.ref for e in f.evidence} & {str(r) for label in incidents for r in label["refs"]}
            if not related and not any(_matches(f, label) for label in expected):
                fp[f.check] += 1
    return tp, fn, fp, benign_events


def speed(n: int) -> tuple[int, float, float]:
    """All checks over an enriched table of about ``n`` events (the generator at a large scale,
    repeated): rows, wall-clock seconds and CPU seconds of this process (all its threads; on a
    shared machine the wall clock also counts other processes' turns)."""
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case"
        generate_case(case, seed=99, scale=20)
        (case / "labels.json").unlink()
        base = analyze([case], geoip_dbs=[]).table
    geo = GeoIP([p for p in [default_geoip_db()] if p])
    base = enrich(base.drop_columns([name for name, _ in GEO_FIELDS]), geo if geo.available else None)
    table = pa.concat_tables([base] * max(1, round(n / base.num_rows)))
    start, cpu = time.perf_counter(), time.process_time()
    run_checks(table, load_config(), geo.available)
    return table.num_rows, time.perf_counter() - start, time.process_time() - cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--speed-events", type=int, default=1_000_000)
    ap.add_argument("--no-windows", dest="windows", action="store_false",
                    help="leave out the generator's Windows Security logs")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    tp, fn, fp, benign = evaluate(seeds, args.scale, args.windows)
    print(f"Seeds {seeds}, scale {args.scale}{'' if args.windows else ', without Windows'}: {benign:,} benign events\n")
    print("| check | injected | found | recall | false findings | precision |")
    print("|---|---:|---:|---:|---:|---:|")
    for chk in CHECKS:
        n, found, false = tp[chk.id] + fn[chk.id], tp[chk.id], fp[chk.id]
        recall = f"{found / n:.2f}" if n else "–"
        precision = f"{found / (found + false):.2f}" if found + false else "–"
        print(f"| {chk.id} | {n} | {found} | {recall} | {false} | {precision} |")
    total_fp = sum(fp.values())
    print(f"\nFalse findings per 100k benign events: {100_000 * total_fp / max(benign, 1):.1f}")
    if args.speed_events:
        rows, seconds, cpu = speed(args.speed_events)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"All {len(CHECKS)} checks on {rows:,} enriched events: {seconds:.2f} s wall, {cpu:.2f} s CPU "
              f"(load average {load:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
