"""Robustness figures: the malformed-input corpus and a seeded fuzz round per parser.

    python bench/robustness.py [--iterations N]

Prints: corpus cases tried and passed (the outcome recorded in tests/robustness/expected.json), fuzz
iterations per parser, what escaped (crashes; must be 0) and the time taken.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.robustness.corpus import EXPECTED, cases, outcome, write  # noqa: E402
from tests.robustness.fuzz import fuzz, seeds_by_parser  # noqa: E402
from workbench.ingest.registry import PARSERS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=2000, help="fuzz inputs per parser (default 2000)")
    args = parser.parse_args()

    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    all_cases = cases()
    passed = 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(all_cases):
            try:
                ok = outcome(case, write(case, Path(tmp) / f"c{i}")) == expected.get(case.id)
            except Exception:  # noqa: BLE001  (counted as a failure, not raised)
                ok = False
            passed += ok
    corpus_s = time.perf_counter() - start

    print("| what | tried | passed / crashes | seconds |")
    print("|---|---:|---:|---:|")
    print(f"| malformed-input corpus (cases) | {len(all_cases)} | {passed} passed | {corpus_s:.1f} |")
    seeds = seeds_by_parser()
    total_crashes = 0
    for pid in sorted(PARSERS):
        start = time.perf_counter()
        runs, crashes = fuzz(pid, seeds.get(pid, []), args.iterations, seed=1)
        total_crashes += len(crashes)
        print(f"| fuzz `{pid}` (iterations) | {runs} | {len(crashes)} crashes | {time.perf_counter() - start:.1f} |")
        for crash in crashes[:3]:
            print(f"|   escaped: {crash[:100]} | | | |")
    print(f"\ncrashes in all: {total_crashes}")
    return 1 if total_crashes or passed != len(all_cases) else 0


if __name__ == "__main__":
    sys.exit(main())
