"""Catalogue coverage: of the techniques listed (Stratus Red Team's and the project's own), how many the
workbench finds with default settings on their fixture (tests/checks/catalogue_fixtures), per provider.

    python bench/catalogue.py [--speed-events 200000] [--stratus CHECKOUT]

``--stratus CHECKOUT`` also scores the real detonation logs Stratus Red Team publishes in its documentation
(the "View raw detonation logs" block of each ``docs/attack-techniques/**/<id>.md`` of a checkout of
github.com/DataDog/stratus-red-team, Apache-2.0; read in place, never copied into this repository).

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


def found(entry, paths: list[Path] | None = None) -> bool:
    paths = paths if paths is not None else sorted((FIXTURES / entry.provider).glob(f"{entry.id}.*"))
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


def stratus_logs(checkout: Path) -> dict[str, list[dict]]:
    """Technique id -> the CloudTrail records of its published detonation log."""
    import json
    import re

    out = {}
    for doc in sorted((checkout / "docs" / "attack-techniques").rglob("*.md")):
        text = doc.read_text(encoding="utf-8")
        at = text.find("View raw detonation logs")
        block = re.search(r"```json[^\n]*\n(.*?)\n\s*```", text[at:], re.S) if at >= 0 else None
        if block:
            body = "\n".join(line[4:] if line.startswith("    ") else line for line in block.group(1).split("\n"))
            out[doc.stem] = json.loads(body)
    return out


def score_stratus(checkout: Path) -> None:
    import json
    import tempfile

    by_id = {e.id: e for e in ENTRIES}
    logs = stratus_logs(checkout)
    missed = []
    with tempfile.TemporaryDirectory() as tmp:
        for technique, records in logs.items():
            path = Path(tmp) / f"{technique}.json"
            path.write_text(json.dumps({"Records": records}))
            entry = by_id.get(technique)
            if entry is None or not found(entry, [path]):
                missed.append(technique)
    print(f"\nStratus Red Team's published detonation logs: {len(logs) - len(missed)} / {len(logs)} techniques found "
          f"by default" + (f"; not found: {', '.join(missed)}" if missed else ""))


def speed(n: int) -> tuple[int, int, float, float]:
    """The catalogue check alone over ``n`` CloudTrail events of which half are candidates whose original
    record must be read (GetSecretValue by 40 applications, PutBucketPolicy by 50 developers, all routine):
    events, candidates, wall and CPU seconds."""
    import json
    import tempfile
    from datetime import datetime, timedelta, timezone

    from workbench.checks.catalogue import CHECK
    from workbench.config import load_config
    from workbench.enrich.geoip import enrich
    from workbench.ingest import load
    from workbench.pipeline import run_checks

    t0 = datetime(2024, 3, 4, tzinfo=timezone.utc)
    policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*"}]}
    records = []
    for i in range(n):
        name, user, params = (("GetSecretValue", f"app{i % 40}", {"secretId": f"prod/s{i % 7}"}) if i % 4 == 0 else
                              ("PutBucketPolicy", f"dev{i % 50}", {"bucketName": "b", "bucketPolicy": policy})
                              if i % 4 == 1 else ("DescribeInstances", f"u{i % 300}", None))
        records.append({"eventVersion": "1.09", "eventTime": (t0 + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "userIdentity": {"type": "IAMUser", "userName": user, "accountId": "111122223333",
                                         "arn": f"arn:aws:iam::111122223333:user/{user}"},
                        "eventSource": "ec2.amazonaws.com", "eventName": name, "sourceIPAddress": "24.5.80.12",
                        "requestParameters": params, "eventID": f"e{i}", "recipientAccountId": "111122223333"})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trail.json"
        path.write_text(json.dumps({"Records": records}))
        table = enrich(load([path]).table, None)
        start, cpu = time.perf_counter(), time.process_time()
        run_checks(table, load_config(), False, checks=[CHECK])
        return table.num_rows, n // 2, time.perf_counter() - start, time.process_time() - cpu


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed-events", type=int, default=200_000)
    ap.add_argument("--stratus", type=Path, help="a checkout of github.com/DataDog/stratus-red-team")
    args = ap.parse_args()
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
    if args.stratus:
        score_stratus(args.stratus)
    if args.speed_events:
        rows, candidates, wall, used = speed(args.speed_events)
        print(f"catalogue check on {rows:,} CloudTrail events, {candidates:,} of them candidates read back: "
              f"{wall:.2f} s wall, {used:.2f} s CPU (shared machine: CPU is the figure to compare)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
