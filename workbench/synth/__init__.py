"""Deterministic, labelled synthetic case: exported CloudTrail and auth.log with injected incidents.

``generate_case(out_dir, seed=7)`` writes ``cloudtrail.json``, ``auth.log`` and ``labels.json``.
Every random choice comes from ``random.Random`` instances seeded from ``seed`` (one per file, so
the files do not disturb each other), so one seed always gives byte-identical files.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from . import authlog, cloudtrail, entra
from .people import make_cast, parse_start

MIN_DAYS = 10  # the incidents sit at fixed places near the end and need a baseline before them

__all__ = ["generate_case"]


def generate_case(out_dir: str | Path, seed: int = 7, start: str | date = "2024-03-01", days: int = 21,
                  scale: float = 1.0) -> dict[str, Any]:
    """Write the case into ``out_dir`` and return the labels (also written as ``labels.json``)."""
    if days < MIN_DAYS:
        raise ValueError(f"days must be at least {MIN_DAYS} (got {days})")
    if scale <= 0:
        raise ValueError(f"scale must be positive (got {scale})")
    first = parse_start(start)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cast = make_cast(random.Random(f"{seed}:people"))
    ct_body, ct_count, ct_incidents, ct_benign = cloudtrail.generate(
        random.Random(f"{seed}:cloudtrail"), cast, first, days, scale)
    al_body, al_count, al_incidents, al_benign = authlog.generate(
        random.Random(f"{seed}:authlog"), first, days, scale)
    en_body, en_count, en_incidents, en_benign = entra.generate(
        random.Random(f"{seed}:entra"), cast, first, days, scale)
    (out / cloudtrail.FILE).write_bytes(ct_body)
    (out / authlog.FILE).write_bytes(al_body)
    (out / entra.FILE).write_bytes(en_body)
    labels: dict[str, Any] = {
        "seed": seed,
        "start": first.isoformat(),
        "days": days,
        "scale": scale,
        "files": {
            cloudtrail.FILE: {"format": "cloudtrail", "records": ct_count, "account": "111122223333"},
            authlog.FILE: {"format": "authlog", "lines": al_count, "host": authlog.HOST,
                           "year": first.year, "timezone": "UTC"},
            entra.FILE: {"format": "entra_signin", "records": en_count, "tenant": entra.TENANT},
        },
        "incidents": [*ct_incidents, *al_incidents, *en_incidents],
        "benign_expected": [*ct_benign, *al_benign, *en_benign],
        "cast": [{"user": p.name, "country": p.country, "ips": list(p.ips), "automation": p.automation}
                 for p in cast],
    }
    (out / "labels.json").write_bytes(orjson.dumps(labels, option=orjson.OPT_INDENT_2) + b"\n")
    return labels
