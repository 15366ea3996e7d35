"""A hand-made analysis whose log fields carry markup, for the GUI tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pyarrow as pa

from workbench.events import SCHEMA
from workbench.findings import EvidenceRef, Finding
from workbench.ingest import InputInfo
from workbench.paths import playbooks_dir
from workbench.analysis import Analysis
from workbench.playbooks import PlaybookLibrary

EVIL = "<b>x</b><img src=a>"


def markup_analysis(n: int = 40) -> Analysis:
    """A brute force against a user whose name is HTML, in a table built directly."""
    t0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    for i in range(n):
        user = EVIL if i % 2 else "alice"
        rec = {"eventID": f"e{i}", "eventName": "ConsoleLogin", "userIdentity": {"userName": user}}
        row = dict(ts=t0 + timedelta(minutes=i), source="cloudtrail", file="/evidence/ct.json", ref=f"e{i}",
                   action="auth.success" if i == n - 1 else "auth.failure",
                   outcome="success" if i == n - 1 else "failure", user=user, src_ip="203.0.113.9",
                   host="123456789012", user_agent=f"agent {EVIL}", event_name="ConsoleLogin",
                   raw=json.dumps(rec), ip_class="public", country="RU")
        for name in cols:
            cols[name].append(row.get(name))
    table = pa.table(cols, schema=SCHEMA)
    evidence = tuple(EvidenceRef("cloudtrail", "/evidence/ct.json", f"e{i}") for i in range(1, n, 2))
    finding = Finding(check="brute_force_success", title=f"Brute force then success: {EVIL}", severity="high",
                      techniques=("T1586.003",), explanation=f"{len(evidence)} failed logins for {EVIL}.",
                      first_seen=t0, last_seen=t0 + timedelta(minutes=n), users=(EVIL,), ips=("203.0.113.9",),
                      evidence=evidence, playbook="T1586.003")
    inputs = [InputInfo("/evidence/ct.json", "ab" * 32, 1234, "cloudtrail", n),
              InputInfo(f"/evidence/{EVIL}.log", "cd" * 32, 10, None, 0, (f"not a recognised log format {EVIL}",))]
    return Analysis(inputs, table, [finding], PlaybookLibrary.load([playbooks_dir()]), {})
