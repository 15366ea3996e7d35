"""Exports of events and findings: formula-safe CSV, Timesketch JSON Lines, clipboard text."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pyarrow as pa
import pytest

from workbench.errors import Cancelled
from workbench.events import SCHEMA
from workbench.export import (csv_safe, events_as_text, write_events_csv, write_events_jsonl, write_findings_csv,
                              write_findings_jsonl)
from workbench.findings import EvidenceRef, Finding
from workbench.progress import CancelToken

T0 = datetime(2024, 3, 5, 9, 0, 0, 123456, tzinfo=timezone.utc)
HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "plain", "a=b"]


def table() -> pa.Table:
    cols = {name: [] for name in SCHEMA.names}
    for i, user in enumerate(HOSTILE):
        row = dict(ts=T0 + timedelta(minutes=i), source="cloudtrail", file="/ev/ct.json", ref=f"r{i}",
                   action="auth.failure", outcome="failure", user=user, src_ip="203.0.113.7", country="RU",
                   event_name="ConsoleLogin", user_agent="line\nbreak" if i == 6 else None)
        for name in cols:
            cols[name].append(row.get(name))
    return pa.table(cols, schema=SCHEMA)


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("x=1", "x=1"), ("", ""), (None, ""), (42, "42"), (-5, "'-5"),
])
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected


def test_events_csv_in_view_order_and_safe(tmp_path):
    out = tmp_path / "events.csv"
    rows = np.array([7, 0, 1, 2, 3, 4, 5])
    seen = []
    write_events_csv(table(), rows, out, progress=lambda d, t, m: seen.append((d, t)))
    with out.open(newline="", encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    assert [r["ref"] for r in lines] == ["r7", "r0", "r1", "r2", "r3", "r4", "r5"]
    users = [r["user"] for r in lines]
    assert users[0] == "a=b"
    assert all(u.startswith("'") for u in users[1:])  # every formula prefix neutralised
    assert [u[1:] for u in users[1:]] == HOSTILE[:6]  # and nothing else changed
    assert lines[1]["ts"] == "2024-03-05T09:00:00.123456+00:00"
    assert "raw" not in lines[0]
    assert seen[-1] == (7, 7)
    assert oct(out.stat().st_mode & 0o777) != "0o600"  # the user's umask, not the temporary file's


def test_events_jsonl_is_timesketch_shaped(tmp_path):
    out = tmp_path / "events.jsonl"
    write_events_jsonl(table(), np.array([0, 6]), out, columns=["user", "src_ip", "user_agent"])
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 2
    first = lines[0]
    assert {"message", "datetime", "timestamp", "timestamp_desc"} <= set(first)
    assert first["datetime"] == "2024-03-05T09:00:00.123456+00:00"
    assert first["timestamp"] == int(T0.timestamp()) * 1_000_000 + 123456
    assert first["user"] == HOSTILE[0]  # JSON needs no neutralising: the value is kept as logged
    assert "user_agent" not in first  # null fields are left out
    assert lines[1]["user_agent"] == "line\nbreak"
    full = tmp_path / "full.jsonl"
    write_events_jsonl(table(), np.array([6]), full)
    line = json.loads(full.read_text())
    assert line["message"] == "auth.failure (failure) by plain from 203.0.113.7 [RU]: ConsoleLogin"
    assert line["ref"] == "r6" and line["file"] == "/ev/ct.json"


def test_cancel_leaves_no_file(tmp_path, monkeypatch):
    import workbench.export as export

    monkeypatch.setattr(export, "CHUNK", 2)
    token = CancelToken()
    out = tmp_path / "events.csv"

    def progress(done, total, message):
        token.cancel()

    with pytest.raises(Cancelled):
        write_events_csv(table(), np.arange(8), out, progress=progress, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_clipboard_text():
    text = events_as_text(table(), np.array([0, 6, 4]), ["ts", "user", "user_agent", "nope"],
                          ["Time", "User", "Agent", "Nope"])
    lines = text.splitlines()
    assert lines[0] == "Time\tUser\tAgent\tNope"
    assert len(lines) == 4 and all(line.count("\t") == 3 for line in lines)
    assert lines[1].split("\t")[1] == "'" + HOSTILE[0]
    assert lines[2].split("\t")[2] == "line break"
    assert lines[3].split("\t")[1] == "' cmd"  # the tab that made it a formula is marked, then flattened


def finding() -> Finding:
    return Finding(check="brute_force_success", title="=cmd|' /C calc'!A0", severity="high",
                   techniques=("T1110.001",), explanation="5 failures then a success", first_seen=T0,
                   last_seen=T0 + timedelta(minutes=5), users=("@alice",), ips=("203.0.113.7",),
                   evidence=(EvidenceRef("cloudtrail", "/ev/ct.json", "r0"),), playbook="T1110.001")


def test_findings_exports(tmp_path):
    out = tmp_path / "findings.csv"
    write_findings_csv([finding()], out)
    with out.open(newline="", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["title"] == "'=cmd|' /C calc'!A0" and row["users"] == "'@alice"
    assert row["evidence_events"] == "1" and row["first_seen"] == "2024-03-05 09:00:00 UTC"
    jl = tmp_path / "findings.jsonl"
    write_findings_jsonl([finding()], jl)
    line = json.loads(jl.read_text())
    assert line["message"] == "[high] =cmd|' /C calc'!A0"
    assert line["datetime"] == T0.isoformat() and line["timestamp_desc"] == "Finding first seen"
    assert line["check"] == "brute_force_success" and line["evidence"][0]["ref"] == "r0"
