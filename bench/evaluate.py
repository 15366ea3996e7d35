"""Check evaluation on the realistic organisation (``workbench.synth.org``): recall per attack variant,
precision per check and overall over its benign background, the same on the short export (the incident
day alone), the labelled demo generator as before, and the time of all checks on a large table.

Usage: python bench/evaluate.py [--seed 1] [--legacy-seeds 1,2] [--speed-events 1000000] [--public DIR]

The organisation's GeoIP database is built from its network plan (``synth/org/network.py``: what a
commercial City and ASN database says of those real networks), so results do not move with the bundled
database's updates. ``--public DIR`` also scores the real public datasets fetched into DIR (see
``bench/public_data.py``).
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
from workbench.synth.org import generate_org
from workbench.synth.org.network import write_geoip


def org_geoip(folder: Path) -> list[Path]:
    """A City and an ASN database (MaxMind format) of the organisation's network plan."""
    return write_geoip(folder)


def _cites(finding, refs: dict[str, list[str]]) -> bool:
    return any(e.ref in refs.get(Path(e.file).name, ()) for e in finding.evidence)


def score(findings, labels: list[dict], allowed: list[dict], refs_key: str):
    """Per variant found or not; per check true / false findings (a finding citing any attack's evidence
    is true whatever its check: it is about the incident; one on an allowed benign pattern is neither)."""
    found = {}
    for lab in labels:
        refs = lab[refs_key]
        if not refs:
            continue
        found[lab["id"]] = any(f.check == lab["check"] and set(f.users) & set(lab["users"]) and _cites(f, refs)
                               for f in findings)
    true, false = Counter(), Counter()
    for f in findings:
        if any(_cites(f, lab[refs_key]) for lab in labels):
            true[f.check] += 1
        elif any(f.check == a["check"] and set(f.users) & set(a["users"]) for a in allowed):
            continue
        else:
            false[f.check] += 1
    return found, true, false


def evaluate_org(seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        truth = generate_org(tmp / "org", seed=seed)
        dbs = org_geoip(tmp)
        out = {"truth": truth}
        for name in ("full", "short"):
            cpu = time.process_time()
            analysis = analyze([tmp / "org" / name], geoip_dbs=dbs, default_geoip=False)
            out[name] = (analysis, time.process_time() - cpu)
    return out


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "–"


def print_org(result: dict) -> None:
    truth = result["truth"]
    labels, allowed = truth["labels"], truth["allowed"]
    full, full_cpu = result["full"]
    short, short_cpu = result["short"]
    f_found, f_true, f_false = score(full.findings, labels, allowed, "refs")
    s_found, s_true, s_false = score(short.findings, labels, allowed, "short_refs")
    status = {c.id: c for c in short.coverage.checks} if short.coverage else {}
    print(f"Organisation: {truth['crew']} people, {truth['days']} days from {truth['start']}: "
          f"{full.events_total:,} events ({full_cpu:.1f} s CPU); short export {truth['short_day']}: "
          f"{short.events_total:,} events\n")
    print("| attack variant | check | full export | short export |")
    print("|---|---|:-:|:-:|")
    for lab in labels:
        s = "–" if not lab["short_refs"] else ("found" if s_found.get(lab["id"]) else
                                               f"missed ({status[lab['check']].status})" if lab["check"] in status
                                               and status[lab["check"]].status != "ran" else "missed")
        print(f"| {lab['id']}: {lab['note']} | {lab['check']} | {'found' if f_found[lab['id']] else 'MISSED'} | {s} |")
    print()
    print("| check | variants | found | recall | true findings | false findings | precision |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    tot = Counter()
    for chk in CHECKS:
        ids = [lab["id"] for lab in labels if lab["check"] == chk.id]
        n, k = len(ids), sum(f_found[i] for i in ids)
        t, fa = f_true[chk.id], f_false[chk.id]
        tot.update(n=n, k=k, t=t, f=fa)
        if n or t or fa:
            print(f"| {chk.id} | {n} | {k} | {_ratio(k, n)} | {t} | {fa} | {_ratio(t, t + fa)} |")
    print(f"| **all** | {tot['n']} | {tot['k']} | {_ratio(tot['k'], tot['n'])} | {tot['t']} | {tot['f']} | "
          f"{_ratio(tot['t'], tot['t'] + tot['f'])} |")
    others = {c: n for c, n in f_false.items() if c not in {chk.id for chk in CHECKS}}
    if others:
        print(f"\nAlso false: {', '.join(f'{c} {n}' for c, n in sorted(others.items()))} (not in the table's checks)")
    n_short = [lab for lab in labels if lab["short_refs"] and lab["short"]]
    k_short = sum(s_found.get(lab["id"], False) for lab in n_short)
    st, sf = sum(s_true.values()), sum(s_false.values())
    limited = sorted(c.id for c in status.values() if c.status == "limited")
    print(f"\nShort export: {k_short} of {len(n_short)} variants that need no history found; "
          f"{st} true and {sf} false findings (precision {_ratio(st, st + sf)}"
          + (f": false ones by {', '.join(f'{c} {n}' for c, n in sorted(s_false.items()))}" if sf else "")
          + f"); limited: {', '.join(limited) or 'none'}")
    if sf or tot["f"]:
        print("\nFalse findings (full export), by check and account:")
        for f in full.findings:
            if not any(_cites(f, lab["refs"]) for lab in labels) and not any(
                    f.check == a["check"] and set(f.users) & set(a["users"]) for a in allowed):
                print(f"  {f.check}: {', '.join(f.users[:3])} – {f.explanation[:150]}")


def _matches(finding, label) -> bool:
    if finding.check != label["check"] or not set(finding.users) & set(label["users"]):
        return False
    cited = {e.ref for e in finding.evidence if Path(e.file).name == label["file"]}
    return bool(cited & {str(r) for r in label["refs"]})


def evaluate_legacy(seeds: list[int], scale: float, windows: bool = False) -> tuple[Counter, Counter, Counter, int]:
    """The demo generator (``workbench.synth``): its injected incidents and benign expectations."""
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
        benign_events += analysis.events_total - sum(len(i["refs"]) for i in incidents)
        for label in incidents:
            (tp if any(_matches(f, label) for f in analysis.findings) else fn)[label["check"]] += 1
        for f in analysis.findings:
            related = {e.ref for e in f.evidence} & {str(r) for label in incidents for r in label["refs"]}
            if not related and not any(_matches(f, label) for label in expected):
                fp[f.check] += 1
    return tp, fn, fp, benign_events


def print_legacy(seeds: list[int], windows: bool) -> None:
    tp, fn, fp, benign = evaluate_legacy(seeds, 1.0, windows)
    print(f"\nDemo generator, seeds {seeds}{'' if windows else ', without Windows'}: {benign:,} benign events\n")
    print("| check | injected | found | recall | false findings | precision |")
    print("|---|---:|---:|---:|---:|---:|")
    for chk in CHECKS:
        n, found, false = tp[chk.id] + fn[chk.id], tp[chk.id], fp[chk.id]
        if n or false:
            print(f"| {chk.id} | {n} | {found} | {_ratio(found, n)} | {false} | {_ratio(found, found + false)} |")


def speed(n: int) -> tuple[int, float, float]:
    """All checks over an enriched table of about ``n`` events (the demo generator at a large scale,
    repeated): rows, wall-clock seconds and CPU seconds of this process."""
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
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--legacy-seeds", default="1,2", help="seeds of the demo generator ('' to skip)")
    ap.add_argument("--speed-events", type=int, default=1_000_000)
    ap.add_argument("--public", type=Path, help="folder of fetched public datasets (bench/public_data.py)")
    ap.add_argument("--no-windows", dest="windows", action="store_false",
                    help="leave out the demo generator's Windows Security logs")
    args = ap.parse_args()
    print_org(evaluate_org(args.seed))
    if args.public:
        from public_data import print_public  # noqa: PLC0415 - bench/ is on the path when run as a script
        print_public(args.public)
    if args.legacy_seeds:
        print_legacy([int(s) for s in args.legacy_seeds.split(",")], args.windows)
    if args.speed_events:
        rows, seconds, cpu = speed(args.speed_events)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"\nAll {len(CHECKS)} checks on {rows:,} enriched events: {seconds:.2f} s wall, {cpu:.2f} s CPU "
              f"(load average {load:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
