"""The case file: how long an edit takes to be durable, how long a case takes to reopen against analyzing the
evidence again, and how long triage (the evidence behind each playbook question) takes per finding.

Usage: python bench/case.py [--scale 1] [--edits 300]

The evidence is the demo generator's case (CloudTrail, auth.log, Entra sign-ins) at ``--scale``, written to a
temporary folder; the case folder is another temporary folder on the same file system.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from workbench.case.folder import Case
from workbench.synth import generate_case
from workbench.explore.triage import assess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--edits", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        evidence, folder = Path(tmp) / "evidence", Path(tmp) / "case"
        generate_case(evidence, scale=args.scale)
        (evidence / "labels.json").unlink(missing_ok=True)
        size = sum(p.stat().st_size for p in evidence.iterdir())
        with Case.create(folder, [evidence], analyst="bench") as case:
            t0 = time.perf_counter()
            analysis, _ = case.open_analysis()  # analyze + store
            first = time.perf_counter() - t0
            stored = sum(p.stat().st_size for p in folder.iterdir())
            fid = analysis.findings[0].id
            times = []
            for i in range(args.edits):
                t = time.perf_counter()
                case.set_answer(fid, f"question {i % 7}", ("yes", "no", "unknown")[i % 3], f"note {i}")
                times.append(time.perf_counter() - t)
            per_finding = []
            for finding in analysis.findings:
                t = time.perf_counter()
                assess(analysis, finding)
                per_finding.append(time.perf_counter() - t)
        t0 = time.perf_counter()
        with Case.open(folder) as case:
            again, reused = case.open_analysis()
        reopen = time.perf_counter() - t0
        assert reused and len(again.findings) == len(analysis.findings)
    ms = sorted(x * 1000 for x in times)
    print(f"evidence: {size / 1e6:.1f} MB, {analysis.events_total:,} events, {len(analysis.findings)} findings")
    print(f"analyze and store: {first:.2f} s; case folder {stored / 1e6:.1f} MB")
    print(f"reopen (hash the evidence, read the stored events, no parsing): {reopen:.2f} s")
    print(f"one edit, committed with synchronous=FULL: median {statistics.median(ms):.2f} ms, "
          f"p99 {ms[int(len(ms) * 0.99) - 1]:.2f} ms ({len(ms)} edits)")
    print(f"triage per finding: median {statistics.median(per_finding) * 1000:.0f} ms, "
          f"max {max(per_finding) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
