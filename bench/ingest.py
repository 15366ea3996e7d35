"""Ingest benchmark: CloudTrail (and auth.log) at 100k and 1M events.

Prints a markdown table: events/s and peak RSS of ingest + normalize (``workbench.ingest.load``),
beside the bare parse floor (``orjson.loads`` of the same file) measured in the same run, each
in a fresh process. Usage: python bench/ingest.py [--sizes 100000,1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from workbench.synth import generate_case

CHILD = r"""
import json, sys, time
import orjson
import pyarrow as pa
from workbench.ingest import load
pa.array(["warm up pyarrow's one-time initialisation"])
kind, path = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if kind == "workbench":
    n = load([path]).table.num_rows
else:
    data = open(path, "rb").read()
    if kind == "orjson-lines":
        n = sum(1 for line in data.splitlines() if orjson.loads(line))
    else:
        doc = orjson.loads(data)
        n = len(doc["Records"]) if isinstance(doc, dict) else len(doc)
elapsed = time.perf_counter() - t
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"n": n, "s": elapsed, "rss_mb": hwm / 1024}))
"""


def _seed_records(work: Path) -> tuple[list[dict], list[bytes]]:
    generate_case(work / "seed", seed=11, days=21, scale=20)
    records = orjson.loads((work / "seed" / "cloudtrail.json").read_bytes())["Records"]
    lines = (work / "seed" / "auth.log").read_bytes().splitlines()
    return records, lines


def _write_cloudtrail(records: list[dict], n: int, path: Path, lines: bool) -> None:
    """``n`` records: the seed records repeated with fresh eventIDs."""
    with open(path, "wb") as fh:
        fh.write(b"" if lines else b'{"Records":[\n')
        for i in range(n):
            rec = dict(records[i % len(records)], eventID=f"{i:08d}-0000-4000-8000-000000000000")
            fh.write(orjson.dumps(rec) + (b"\n" if lines else (b",\n" if i < n - 1 else b"\n")))
        fh.write(b"" if lines else b"]}\n")


def _run(kind: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--keep", type=Path, help="keep the generated files here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="wb-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    records, auth_lines = _seed_records(work)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        for shape, lines in (('{"Records": [...]}', False), ("JSON Lines", True)):
            path = work / f"cloudtrail-{n}.{'jsonl' if lines else 'json'}"
            if not path.exists():
                _write_cloudtrail(records, n, path, lines)
            floor = _run("orjson-lines" if lines else "orjson", path)
            ours = _run("workbench", path)
            rows.append((f"CloudTrail {shape}", n, path.stat().st_size, ours, floor))
        path = work / f"auth-{n}.log"
        if not path.exists():
            with open(path, "wb") as fh:
                for i in range(n):
                    fh.write(auth_lines[i % len(auth_lines)] + b"\n")
        rows.append(("auth.log (BSD syslog)", n, path.stat().st_size, _run("workbench", path), None))
    print("| source | events | file MB | ingest+normalize s | events/s | peak RSS MB | orjson floor s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, n, size, ours, floor in rows:
        print(f"| {name} | {ours['n']:,} | {size / 1e6:,.0f} | {ours['s']:.2f} | {ours['n'] / ours['s']:,.0f} | "
              f"{ours['rss_mb']:,.0f} | {floor['s']:.2f} |" if floor else
              f"| {name} | {ours['n']:,} | {size / 1e6:,.0f} | {ours['s']:.2f} | {ours['n'] / ours['s']:,.0f} | "
              f"{ours['rss_mb']:,.0f} | – |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
