"""Speed of triage for every finding (what the findings JSON computes): the generator's case at a large scale
(``--scale 140`` is about 1M events), every finding assessed against its matched playbook.

Usage: python bench/triage.py [--scale 140]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from workbench.pipeline import analyze
from workbench.synth import generate_case
from workbench.explore.triage import assess_all
from workbench.explore.triage_index import index_for


def _timed(label: str, fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    print(f"| {label} | {time.perf_counter() - wall:.2f} s | {time.process_time() - cpu:.2f} s |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=140)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case"
        generate_case(case, seed=99, scale=args.scale)
        (case / "labels.json").unlink()
        analysis = analyze([case])
        with_book = sum(1 for f in analysis.findings if f.playbook)
        print(f"{analysis.events_total:,} events, {len(analysis.findings):,} findings ({with_book:,} with a "
              f"playbook)\n\n| step | wall | CPU |\n|---|---:|---:|")
        _timed("index (flagged evidence, rows per account and IP)", lambda: index_for(analysis))
        views = _timed("assess_all (every finding, index reused)", lambda: assess_all(analysis))
        answers = sum(len(v.questions) + len(v.criteria) for v in views.values())
        print(f"\n{answers:,} answers and criteria")
    return 0


if __name__ == "__main__":
    sys.exit(main())
