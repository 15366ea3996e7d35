"""``python -m workbench.synth OUT_DIR [--seed N] [--start DATE] [--days N] [--scale F] [--windows] [--indicators CSV]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import generate_case, write_indicators


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.synth",
                                     description="Write a deterministic, labelled synthetic case.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", default="2024-03-01", help="first day, YYYY-MM-DD (UTC)")
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the daily volume")
    parser.add_argument("--windows", action="store_true", help="add Windows Security logs (.evtx), one per host")
    parser.add_argument("--indicators", type=Path, metavar="CSV",
                        help="also write the case's indicator list here (for workbench analyze --indicators)")
    args = parser.parse_args(argv)
    try:
        labels = generate_case(args.out_dir, seed=args.seed, start=args.start, days=args.days, scale=args.scale,
                               windows=args.windows)
    except ValueError as exc:
        parser.error(str(exc))
    if args.indicators:
        print(f"{write_indicators(labels, args.indicators)}  ({len(labels['indicators'])} indicators)")
    for name, info in labels["files"].items():
        count = info.get("records", info.get("lines"))
        unit = "records" if "records" in info else "lines"
        print(f"{args.out_dir / name}  ({count} {unit})")
    print(f"{args.out_dir / 'labels.json'}  ({len(labels['incidents'])} incidents, "
          f"{len(labels['benign_expected'])} benign expected)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
