"""Ingest benchmark: CloudTrail (and auth.log) at 100k and 1M events, Windows .evtx at 200k records.

Prints a markdown table: events/s, CPU seconds and peak RSS of ingest + normalize
(``workbench.ingest.load``), beside the bare parse floor measured in the same run (``orjson.loads`` of
the same file; for EVTX the ``evtx`` package iterating its records), each in a fresh process. CPU
seconds are given beside wall seconds because a shared machine's wall clock says little.
Usage: python bench/ingest.py [--sizes 100000,1000000] [--evtx 200000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import UTC
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
t, cpu = time.perf_counter(), time.process_time()
if kind == "workbench":
    n = load([path]).table.num_rows
elif kind == "evtx":
    import evtx
    n = sum(1 for _ in evtx.PyEvtxParser(path).records_json())
else:
    data = open(path, "rb").read()
    if kind == "orjson-lines":
        n = sum(1 for line in data.splitlines() if orjson.loads(line))
    else:
        doc = orjson.loads(data)
        n = len(doc["Records"]) if isinstance(doc, dict) else len(doc)
elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"n": n, "s": elapsed, "cpu": cpu, "rss_mb": hwm / 1024}))
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


def _write_evtx(n: int, path: Path) -> None:
    """``n`` Security records: logon failures and successes from many IPs to many hosts (the writer's
    default layout: templates, 64 KiB chunks)."""
    from datetime import datetime, timedelta

    from workbench.synth.evtx_writer import write_evtx

    t0 = datetime(2024, 3, 4, tzinfo=UTC)
    write_evtx(path, ({"EventID": 4625 if i % 5 else 4624, "time": t0 + timedelta(seconds=i),
                       "Computer": f"WS{i % 300:03d}.corp.example", "EventRecordID": i + 1,
                       "Data": {"SubjectUserSid": "S-1-5-18", "SubjectUserName": "-", "TargetUserName": f"user{i % 500}",
                                "TargetDomainName": "CORP", "TargetLogonId": 0x10000 + i, "LogonType": 3 if i % 3 else 10,
                                "AuthenticationPackageName": "NTLM", "WorkstationName": "KALI",
                                "SubStatus": "0xc000006a", "IpAddress": f"198.51.{i % 250}.{i % 200}",
                                "IpPort": "50000"}} for i in range(n)))


def _run(kind: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--evtx", default="200000", help="EVTX record counts (comma-separated; empty for none)")
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
                fh.writelines(auth_lines[i % len(auth_lines)] + b"\n" for i in range(n))
        rows.append(("auth.log (BSD syslog)", n, path.stat().st_size, _run("workbench", path), None))
    for n in (int(s) for s in args.evtx.split(",") if s):
        path = work / f"security-{n}.evtx"
        if not path.exists():
            _write_evtx(n, path)
        rows.append(("Windows Security .evtx", n, path.stat().st_size, _run("workbench", path), _run("evtx", path)))
    print("| source | events | file MB | ingest+normalize s (CPU s) | events/s | peak RSS MB | parse floor s (CPU s) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, n, size, ours, floor in rows:
        print(f"| {name} | {ours['n']:,} | {size / 1e6:,.0f} | {ours['s']:.2f} ({ours['cpu']:.2f}) | "
              f"{ours['n'] / ours['s']:,.0f} | {ours['rss_mb']:,.0f} | "
              + (f"{floor['s']:.2f} ({floor['cpu']:.2f}) |" if floor else "– |"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
