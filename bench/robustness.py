"""Robustness figures: the hostile-evidence cases, the malformed-input corpus and a seeded fuzz round per parser.

    python bench/robustness.py [--iterations N] [--timeout S] [--only hostile|corpus|fuzz]

Hostile cases (tests/robustness/hostile.py, light and heavy) run one subprocess each, beside a good CloudTrail
file, with a time bound (``--timeout``) and an address-space bound (8 GB, so a runaway cannot take the
machine): a case is *contained* when the child exits cleanly, the good file loads in full and no line shows a
traceback; *hung* when it runs out of time; *over 2 GB* when its peak RSS passes 2 GB. Then the corpus
(outcomes recorded in tests/robustness/expected.json) and the fuzzer (what escaped: crashes, must be 0).
Times are CPU seconds of the children where said (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.robustness.corpus import EXPECTED, cases, outcome, write  # noqa: E402
from tests.robustness.fuzz import fuzz, seeds_by_parser  # noqa: E402
from tests.robustness import hostile  # noqa: E402
from workbench.ingest.registry import PARSERS  # noqa: E402

RSS_LIMIT_MB = 2048


def run_hostile(timeout: float) -> int:
    print("| hostile case | outcome | peak RSS MB | child CPU s | what the line says |")
    print("|---|---|---:|---:|---|")
    tally = {"contained": 0, "hung": 0, "over 2 GB": 0, "crashed": 0, "good file lost": 0}
    all_cases = hostile.light() + hostile.heavy()
    for case in all_cases:
        with tempfile.TemporaryDirectory() as tmp:
            folder = hostile.write(case, Path(tmp) / "evidence")
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            try:
                done = subprocess.run([sys.executable, "-m", "tests.robustness.hostile", str(folder)], cwd=ROOT,
                                      capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                tally["hung"] += 1
                print(f"| {case.id} | **hung** (> {timeout:.0f} s) | | | |")
                continue
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        if done.returncode != 0 or "Traceback" in done.stderr:
            tally["crashed"] += 1
            last = (done.stderr.strip().splitlines() or ["?"])[-1][:90]
            print(f"| {case.id} | **crashed** | | {cpu:.1f} | {last} |")
            continue
        got = json.loads(done.stdout.splitlines()[-1])
        good = next((i for i in got["inputs"] if i["name"] == hostile.GOOD), None)
        said = "; ".join(s for i in got["inputs"] if i["name"] != hostile.GOOD for s in i["said"])[:110]
        if good is None or good["events"] != hostile.GOOD_EVENTS:
            tally["good file lost"] += 1
            verdict = "**good file lost**"
        elif got["max_rss_mb"] > RSS_LIMIT_MB:
            tally["over 2 GB"] += 1
            verdict = "**over 2 GB**"
        else:
            tally["contained"] += 1
            verdict = "contained"
        print(f"| {case.id} | {verdict} | {got['max_rss_mb']} | {cpu:.1f} | {said.replace('|', '/')} |")
    print(f"\nhostile cases tried {len(all_cases)}: " + ", ".join(f"{k} {v}" for k, v in tally.items()) + "\n")
    return len(all_cases) - tally["contained"]


def run_corpus() -> int:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    all_cases = cases()
    passed = 0
    start = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(all_cases):
            try:
                ok = outcome(case, write(case, Path(tmp) / f"c{i}")) == expected.get(case.id)
            except Exception:  # noqa: BLE001  (counted as a failure, not raised)
                ok = False
            passed += ok
    print("| what | tried | passed / crashes | CPU seconds |")
    print("|---|---:|---:|---:|")
    print(f"| malformed-input corpus (cases) | {len(all_cases)} | {passed} passed | {time.process_time() - start:.1f} |")
    return len(all_cases) - passed


def run_fuzz(iterations: int) -> int:
    seeds = seeds_by_parser()
    total_crashes = 0
    for pid in sorted(PARSERS):
        start = time.process_time()
        runs, crashes = fuzz(pid, seeds.get(pid, []), iterations, seed=1)
        total_crashes += len(crashes)
        print(f"| fuzz `{pid}` (iterations) | {runs} | {len(crashes)} crashes | {time.process_time() - start:.1f} |")
        for crash in crashes[:3]:
            print(f"|   escaped: {crash[:100]} | | | |")
    print(f"\nfuzz crashes in all: {total_crashes}")
    return total_crashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=2000, help="fuzz inputs per parser (default 2000)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per hostile case (default 120)")
    parser.add_argument("--only", choices=("hostile", "corpus", "fuzz"), help="run one part only")
    args = parser.parse_args()
    bad = 0
    if args.only in (None, "hostile"):
        bad += run_hostile(args.timeout)
    if args.only in (None, "corpus"):
        bad += run_corpus()
    if args.only in (None, "fuzz"):
        bad += run_fuzz(args.iterations)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
