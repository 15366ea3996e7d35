"""Incidents benchmark: for the bundled demo case, the evaluation organisation (``workbench.synth.org``: a
realistic benign background with VPN egress, travellers, admins and 29 attack variants, see bench/evaluate.py)
and a large synthetic case (the demo generator at ``--scale``; 140 is about 1M events), print findings,
incidents by severity, the largest incident, incidents naming two or more people, the report's pages and the
time to build the incidents (``workbench.incidents.build`` alone, after the analysis, the fastest of ``--runs``
runs: CPU seconds of this process, and wall seconds, which on a shared machine include waiting for a core).

Usage: python bench/incidents.py [--scale 140] [--runs 3] [--no-large] [--no-org]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from pypdf import PdfReader

from workbench import incidents
from workbench.findings import SEVERITIES
from workbench.paths import demo_dir, resources_dir
from workbench.pipeline import analyze
from workbench.report import write_report
from workbench.synth import generate_case


def measure(name: str, paths: list[Path], runs: int, out: Path, **kwargs) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    analysis = analyze(paths, **kwargs)
    analyzed = (time.perf_counter() - wall, time.process_time() - cpu)
    identities, credentials, _ = analysis.cross_source()
    times = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        built = incidents.build(analysis.findings, analysis.table, identities, credentials, analysis.config)
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    assert [i.id for i in built] == [i.id for i in analysis.stories()]  # the pipeline's own, again
    wall, cpu = time.perf_counter(), time.process_time()
    pdf = write_report(analysis, out / f"{name}.pdf")
    reported = (time.perf_counter() - wall, time.process_time() - cpu)
    by_severity = Counter(i.severity for i in built)
    return {
        "name": name, "events": analysis.events_total, "findings": len(analysis.findings), "incidents": len(built),
        "severity": ", ".join(f"{by_severity[s]} {s}" for s in reversed(SEVERITIES) if by_severity[s]),
        "largest": max((len(i.findings) for i in built), default=0),
        "alone": sum(1 for i in built if len(i.findings) == 1),
        "people": sum(1 for i in built if len(i.people) >= 2),
        "pages": len(PdfReader(pdf).pages), "build": min(times, key=lambda t: t[1]), "analyze": analyzed,
        "report": reported,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=140.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-large", action="store_true", help="leave out the large synthetic case")
    ap.add_argument("--no-org", action="store_true", help="leave out the evaluation organisation")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        rows.append(measure("demo", [demo_dir()], args.runs, out,
                            indicator_files=[resources_dir() / "demo-indicators.csv"]))
        if not args.no_org:
            from evaluate import org_geoip  # bench/evaluate.py: the organisation's own GeoIP databases
            from workbench.synth.org import generate_org

            generate_org(out / "org", seed=1)
            rows.append(measure("evaluation organisation (3 weeks)", [out / "org" / "full"], args.runs, out,
                                geoip_dbs=org_geoip(out), default_geoip=False))
        if not args.no_large:
            case = out / "case"
            generate_case(case, seed=99, scale=args.scale)
            (case / "labels.json").unlink()
            rows.append(measure(f"synthetic, scale {args.scale:g}", [case], args.runs, out))
    print("| case | events | findings | incidents (by severity) | largest | lone findings | with 2+ people | "
          "report pages | build incidents CPU s (wall s) | analyze CPU s (wall s) | report CPU s (wall s) |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['name']} | {r['events']:,} | {r['findings']:,} | {r['incidents']:,} ({r['severity']}) | "
              f"{r['largest']} | {r['alone']} | {r['people']} | {r['pages']} | {r['build'][1]:.2f} ({r['build'][0]:.2f}) | "
              f"{r['analyze'][1]:.1f} ({r['analyze'][0]:.1f}) | {r['report'][1]:.1f} ({r['report'][0]:.1f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
