"""Speed of triage for every finding (what the findings JSON computes): the generator's case at a large scale
(``--scale 140`` is about 1M events), every finding assessed against its matched playbook. ``--extra N``
adds N findings on random accounts (five consecutive events each, the generator's first finding's playbook)
so that the run has hundreds of findings, as a busy case does.

Usage: python bench/triage.py [--scale 140] [--extra 300]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from workbench.explore.triage import assess_all
from workbench.explore.triage_index import index_for
from workbench.findings import EvidenceRef
from workbench.pipeline import analyze
from workbench.synth import generate_case


def _timed(label: str, fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    print(f"| {label} | {time.perf_counter() - wall:.2f} s | {time.process_time() - cpu:.2f} s |")
    return out


def _extra(analysis, n: int) -> list:
    from dataclasses import replace

    frame = analysis.table.select(["ts", "source", "file", "ref", "user", "src_ip"]).to_pandas()
    frame = frame[frame["user"].notna()]
    groups = {u: g for u, g in frame.groupby("user", sort=True)}
    rng = random.Random(1)
    out = []
    for i in range(n):
        rows = groups[rng.choice(sorted(groups))]
        k = rng.randrange(max(1, len(rows) - 5))
        ev = rows.iloc[k:k + 5]
        out.append(replace(analysis.findings[0], check=f"bench{i % 7}", users=(ev["user"].iloc[0],),
                           ips=tuple(ev["src_ip"].dropna().unique()), first_seen=ev["ts"].min().to_pydatetime(),
                           last_seen=ev["ts"].max().to_pydatetime(),
                           evidence=tuple(EvidenceRef(r.source, r.file, str(r.ref)) for r in ev.itertuples())))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=140)
    ap.add_argument("--extra", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case"
        generate_case(case, seed=99, scale=args.scale)
        (case / "labels.json").unlink()
        analysis = analyze([case])
        analysis.findings = [*analysis.findings, *_extra(analysis, args.extra)]
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
