"""The evaluation organisation: a realistic benign background (:mod:`.background`) with attack variants
(:mod:`.attacks`), in real export shapes (:mod:`.shapes`), written apart from the checks' code.

``generate_org(out)`` writes the full three weeks into ``out/full`` and the incident day alone into
``out/short`` (the export a responder is usually handed), and returns the labels with each variant's
evidence refs per export.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .attacks import INCIDENT_DAY, inject
from .background import machines, people, roster
from .shapes import Export

START = date(2024, 3, 4)  # a Monday
DAYS = 21

# Findings the background rightly raises: the traveller's first sign-ins abroad are new countries.
EXPECTED_BENIGN = (("new_country", "flyer"), ("new_country", "weekender"), ("new_country", "dublin"))


def generate_org(out: str | Path, seed: int = 1) -> dict[str, Any]:
    out = Path(out)
    ex = Export(random.Random(f"org:{seed}"))
    crew = roster(random.Random(f"roster:{seed}"))
    people(ex, crew, START, DAYS)
    machines(ex, START, DAYS)
    labels = inject(ex, crew, START)
    full = ex.write(out / "full")
    day0 = datetime(START.year, START.month, START.day, tzinfo=timezone.utc) + timedelta(days=INCIDENT_DAY)
    short = ex.write(out / "short", since=day0, until=day0 + timedelta(days=1))
    for lab in labels:
        lab["refs"] = full.get(lab["id"], {})
        lab["short_refs"] = short.get(lab["id"], {})
    allowed = [{"check": check, "users": [u for m in crew if m.role == role for u in (m.upn, m.sam)]}
               for check, role in EXPECTED_BENIGN]
    return {"labels": labels, "allowed": allowed, "crew": len(crew), "start": START.isoformat(), "days": DAYS,
            "short_day": day0.date().isoformat()}
