"""Speed of identity resolution, credential lineage, coverage and the cross-source checks on a large
table: the generator's case at a large scale, repeated to about N events (the evidence stays on disk
while it runs, so original records can be read back).

Usage: python bench/identity.py [--events 1000000] [--scale 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from workbench.config import load_config
from workbench.checks.coverage import assess
from workbench.people.identity import resolve
from workbench.checks.cross_source import CROSS_CHECKS, IdentityCheckInput
from workbench.people.lineage import trace
from workbench.pipeline import analyze
from workbench.synth import generate_case


def _timed(label: str, fn):
    start = time.perf_counter()
    out = fn()
    print(f"| {label} | {time.perf_counter() - start:.2f} s |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--scale", type=float, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case"
        generate_case(case, seed=99, scale=args.scale)
        (case / "labels.json").unlink()
        analysis = analyze([case])
        table = pa.concat_tables([analysis.table] * max(1, round(args.events / analysis.table.num_rows)))
        config = load_config()
        print(f"{table.num_rows:,} events\n\n| step | time |\n|---|---:|")
        ids = _timed("identity.resolve (names, links, entity profiles)", lambda: resolve(table, (), analysis.findings))
        _timed("lineage.trace (every credential, backward and forward)", lambda: trace(table, analysis.findings))
        _timed("coverage.assess (check coverage, per-source gaps)",
               lambda: assess(table, analysis.checks, config, True))
        frame = table.drop_columns(["raw"]).to_pandas()
        inp = IdentityCheckInput(frame, config, True, table, identities=ids)
        for chk in CROSS_CHECKS:
            _timed(f"check {chk.id}", lambda chk=chk: chk.run(inp))
        print(f"\n{len(ids.names):,} names, {len(ids.entities):,} entities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
