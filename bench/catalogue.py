"""Catalogue coverage: of the techniques listed (Stratus Red Team's and the project's own), how many the
workbench finds with default settings on their fixture (tests/checks/catalogue_fixtures), per provider.

    python bench/catalogue.py

Each fixture is analysed alone through the same call as ``workbench analyze`` (defaults: every check and
the shipped Sigma rules; no GeoIP), and the technique counts as found when a finding of the check or rule
the catalogue names for it cites the technique. Also prints the benign counterparts' findings (want 0)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.checks.catalogue import ENTRIES, PROVIDERS  # noqa: E402
from workbench.pipeline import analyze  # noqa: E402

FIXTURES = ROOT / "tests" / "checks" / "catalogue_fixtures"


def found(entry) -> bool:
    paths = sorted((FIXTURES / entry.provider).glob(f"{entry.id}.*"))
    if entry.unsupported or not paths:
        return False
    for f in analyze(paths, geoip_dbs=[], default_geoip=False).findings:
        if entry.technique not in f.techniques:
            continue
        if entry.rule and f.facts.get("rule") == entry.rule:
            return True
        if entry.covered_by and f.check == entry.covered_by:
            return True
        if f.facts.get("catalogue") == entry.id:
            return True
    return False


def main() -> int:
    start, cpu = time.perf_counter(), time.process_time()
    listed, hit, stratus_listed, stratus_hit = Counter(), Counter(), Counter(), Counter()
    missed = []
    for entry in ENTRIES:
        ok = found(entry)
        listed[entry.provider] += 1
        hit[entry.provider] += ok
        if entry.stratus:
            stratus_listed[entry.provider] += 1
            stratus_hit[entry.provider] += ok
        if not ok:
            missed.append(f"{entry.id}: {entry.unsupported or 'NOT FOUND'}")
    print("| provider | Stratus Red Team techniques found / listed | all catalogue entries found / listed |")
    print("|---|---|---|")
    for p, name in PROVIDERS.items():
        s = f"{stratus_hit[p]} / {stratus_listed[p]}" if stratus_listed[p] else "—"
        print(f"| {name} | {s} | {hit[p]} / {listed[p]} |")
    print(f"| **all** | {sum(stratus_hit.values())} / {sum(stratus_listed.values())} | "
          f"{sum(hit.values())} / {sum(listed.values())} |")
    benign = sorted((FIXTURES / "benign").iterdir())
    noisy = [p.name for p in benign if any(f.check == "cloud_catalogue" for f in
                                          analyze([p], geoip_dbs=[], default_geoip=False).findings)]
    print(f"\nbenign counterparts: {len(benign)}, with a catalogue finding: {len(noisy)} {noisy or ''}")
    for line in missed:
        print(f"not found: {line}")
    print(f"\n{time.perf_counter() - start:.1f} s wall, {time.process_time() - cpu:.1f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
