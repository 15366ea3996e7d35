"""Size of a built bundle: total, GeoIP database, the rest; with ``--top N`` the N biggest parts.

    python packaging/bundle_size.py dist/workbench [--top 15]

Sizes are the files' own sizes (symbolic links not followed, not counted), in MB of 10^6 bytes.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path


def file_sizes(bundle: Path) -> dict[Path, int]:
    sizes = {}
    for folder, _dirs, files in os.walk(bundle):
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink():
                sizes[path.relative_to(bundle)] = path.stat().st_size
    return sizes


def part(rel: Path) -> str:
    """The bundle part a file belongs to: a package folder, Qt's lib/plugins, or a single library."""
    parts = rel.parts[1:] if rel.parts[0] == "_internal" else rel.parts
    if parts[:1] == ("PySide6",) and len(parts) > 3:
        return "/".join(parts[:3])
    if parts[:1] == ("resources",) and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0] if len(parts) > 1 else rel.name


def summary(bundle: Path) -> dict[str, float]:
    sizes = file_sizes(bundle)
    geoip = sum(s for rel, s in sizes.items() if "geoip" in rel.parts and rel.suffix in (".mmdb", ".npz"))
    total = sum(sizes.values())
    return {"total_mb": total / 1e6, "geoip_mb": geoip / 1e6, "without_geoip_mb": (total - geoip) / 1e6,
            "files": len(sizes)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--top", type=int, default=0, metavar="N", help="also list the N biggest parts")
    args = parser.parse_args()
    s = summary(args.bundle)
    print(f"bundle: {args.bundle}  {s['total_mb']:.0f} MB in {s['files']} files "
          f"(GeoIP/ASN databases {s['geoip_mb']:.0f} MB; without them {s['without_geoip_mb']:.0f} MB)")
    if args.top:
        parts: Counter[str] = Counter()
        for rel, size in file_sizes(args.bundle).items():
            parts[part(rel)] += size
        for name, size in parts.most_common(args.top):
            print(f"  {size / 1e6:7.1f} MB  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
