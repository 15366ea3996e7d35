"""Whole-run benchmark: ``workbench analyze`` on an sshd auth.log full of internet scanner traffic.

The file (generated, deterministic) has ``--lines`` sshd lines over a week: scanners from random public
addresses (a few attempts each) trying ~3,000 distinct invalid user names, plus a bastion's public-key
logins. Every run is a fresh process; the table gives wall seconds, CPU seconds (user+sys of the child: the
firmer figure on a shared machine) and peak RSS.
Usage: python bench/analyze_scan.py [--lines 100000] [--rounds 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _names(rng: random.Random, n: int) -> list[str]:
    stems = ["admin", "user", "test", "oracle", "postgres", "git", "ftp", "guest", "dev", "web", "sql", "backup",
             "support", "deploy", "jenkins", "ubuntu", "pi", "hadoop", "tomcat", "minecraft"]
    out: set[str] = set(stems)
    while len(out) < n:
        out.add(rng.choice(stems) + rng.choice(["", "_", "-", "."]) + str(rng.randrange(1, 2000)))
    return sorted(out)


def write_authlog(path: Path, lines: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    names = _names(rng, 3000)
    t = datetime(2026, 3, 2, 0, 0, 0)
    pid = 2000
    out: list[str] = []

    def emit(msg: str, prog: str = "sshd") -> None:
        out.append(f"{MONTHS[t.month - 1]} {t.day:>2} {t:%H:%M:%S} web-01 {prog}[{pid}]: {msg}")

    while len(out) < lines:
        t += timedelta(seconds=rng.randrange(1, 12))
        pid += 1
        if rng.random() < 0.03:
            port = rng.randrange(30000, 65000)
            emit(f"Accepted publickey for deploy from 10.0.4.12 port {port} ssh2: ED25519 SHA256:abc")
            emit("pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)")
            continue
        ip = f"{rng.randrange(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for _ in range(rng.randrange(1, 4)):
            user, port = rng.choice(names), rng.randrange(30000, 65000)
            emit(f"Invalid user {user} from {ip} port {port}")
            emit(f"Failed password for invalid user {user} from {ip} port {port} ssh2")
            emit(f"Connection closed by invalid user {user} {ip} port {port} [preauth]")
    path.write_text("\n".join(out[:lines]) + "\n")


def run_once(path: Path, out_dir: Path) -> tuple[float, float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "workbench", "analyze", str(path), "--year", "2026",
                    "--findings-json", str(out_dir / "out.json"), "-q"], check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="keep the generated file here")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="wb-scan-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"auth-scan-{args.lines}.log"
    if not path.exists():
        write_authlog(path, args.lines)
    out_dir = Path(tempfile.mkdtemp(prefix="wb-scan-out-"))  # never beside the evidence: analyze refuses that
    print("| case | lines | wall s | CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for _ in range(args.rounds):
        wall, cpu, rss = run_once(path, out_dir)
        print(f"| analyze auth.log (scanners, ~3k invalid names) | {args.lines:,} | {wall:.1f} | {cpu:.1f} | {rss:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
