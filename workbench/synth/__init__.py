"""Deterministic, labelled synthetic case: exported CloudTrail, auth.log and Entra sign-ins with
injected incidents, and the analyst's indicator list for them.

``generate_case(out_dir, seed=7)`` writes ``cloudtrail.json``, ``auth.log``, ``entra_signins.json``
and ``labels.json`` (whose ``indicators`` :func:`write_indicators` turns into an indicator CSV, kept
out of the case folder so it is not read as evidence).
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
from . import windows as windows_log
from .people import make_cast, parse_start

MIN_DAYS = 10  # the incidents sit at fixed places near the end and need a baseline before them

__all__ = ["generate_case", "write_indicators"]

# The analyst's threat intelligence for the case: (type, value, note, labels whose events it matches)
INDICATORS = (
    ("cidr", "45.155.205.0/24", "brute-force and MFA-push infrastructure (shared intel)",
     ("ct-cli-jsmith", "entra-mfa-kobrien")),
    ("user_agent", "rclone/", "bulk-copy tool seen in exfiltration", ("ct-surge-rpatel",)),
    ("ip", "185.220.101.34", "Tor exit node", ("ssh-bruteforce-deploy",)),
)


def _indicators(incidents: list[dict[str, Any]]) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The indicator list and one indicator_match label per indicator and file it matches in."""
    by_id = {i["id"]: i for i in incidents}
    listed, labels = [], []
    for kind, value, note, ids in INDICATORS:
        listed.append({"type": kind, "value": value, "note": note})
        for label_id in ids:
            src = by_id[label_id]
            labels.append({"id": f"ioc-{label_id}", "check": "indicator_match", "users": src["users"],
                           "ips": src["ips"], "file": src["file"], "refs": src["refs"],
                           "first_seen": src["first_seen"], "last_seen": src["last_seen"], "indicator": value})
    return listed, labels


def write_indicators(labels: dict[str, Any], path: str | Path) -> Path:
    """The case's indicator list as the CSV an analyst would pass with ``--indicators``."""
    path = Path(path)
    rows = ["type,value,note", *(f"{i['type']},{i['value']},{i['note']}" for i in labels["indicators"])]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def generate_case(out_dir: str | Path, seed: int = 7, start: str | date = "2024-03-01", days: int = 21,
                  scale: float = 1.0, windows: bool = False) -> dict[str, Any]:
    """Write the case into ``out_dir`` and return the labels (also written as ``labels.json``);
    ``windows`` adds one Windows Security log (``.evtx``) per host of the domain."""
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
    incidents = [*ct_incidents, *al_incidents, *en_incidents]
    evtx_files: dict[str, int] = {}
    if windows:
        evtx_files, win_incidents = windows_log.generate(random.Random(f"{seed}:windows"), cast, first, days, out)
        incidents += win_incidents
    indicators, matched = _indicators(incidents)
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
            **{name: {"format": "evtx", "records": n, "domain": windows_log.REALM} for name, n in evtx_files.items()},
        },
        "incidents": [*incidents, *matched],
        "indicators": indicators,
        "benign_expected": [*ct_benign, *al_benign, *en_benign],
        "cast": [{"user": p.name, "country": p.country, "ips": list(p.ips), "automation": p.automation}
                 for p in cast],
    }
    (out / "labels.json").write_bytes(orjson.dumps(labels, option=orjson.OPT_INDENT_2) + b"\n")
    return labels
