"""Speed of the login map on a large table: the demo case repeated to about N events; the map of the
busiest account and of each impossible-travel finding, the outline's first load, and one paint of the
GUI's map view offscreen.

Usage: python bench/worldmap.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

import pyarrow as pa

from workbench.paths import demo_dir
from workbench.pipeline import analyze
from workbench.explore.worldmap import load_outline, login_map


def _timed(label: str, fn):
    start = time.perf_counter()
    out = fn()
    print(f"| {label} | {time.perf_counter() - start:.3f} s |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args()
    analysis = analyze([demo_dir()])
    table = pa.concat_tables([analysis.table] * max(1, round(args.events / analysis.table.num_rows)))
    users = Counter(u for u in table.column("user").to_pylist() if u)
    busiest, logins = users.most_common(1)[0]
    print(f"{table.num_rows:,} events; busiest account {busiest} with {logins:,} events\n")
    print("| step | time |")
    print("|---|---:|")
    load_outline.cache_clear()
    _timed("world outline, first load", load_outline)
    m = _timed(f"login map of {busiest}", lambda: login_map(table, [busiest], findings=analysis.findings,
                                                             config=analysis.config))
    for f in [f for f in analysis.findings if f.check == "impossible_travel"]:
        _timed(f"login map of {f.users[0]}", lambda f=f: login_map(table, f.users, findings=analysis.findings,
                                                                     config=analysis.config))
    spray = next((f for f in analysis.findings if f.check == "password_spray"), None)
    if spray is not None:
        _timed(f"login map of {len(spray.users)} sprayed accounts",
               lambda: login_map(table, spray.users, findings=analysis.findings, config=analysis.config))

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from workbench.gui.app import _application
    from workbench.gui.widgets.map import LoginMapView

    _application()
    view = LoginMapView()
    view.resize(1200, 500)
    view.set_map(m)
    _timed("first paint of the map view (1200 × 500, outline paths built)", view.grab)
    _timed("next paint", view.grab)
    return 0


if __name__ == "__main__":
    sys.exit(main())
