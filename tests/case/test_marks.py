"""Tags, stars and comments on events and findings: kept in the case (surviving a killed process), migrated
into a case made before marks existed, turned into grid columns, queried, exported."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from workbench.case.folder import SCHEMA_VERSION, Case
from workbench.case.marks import Mark, MarkError, clean_tags, parse_tags, with_mark_columns
from workbench.explore.query import EventIndex

ROOT = Path(__file__).resolve().parents[2]


def _table() -> pa.Table:
    return pa.table({"ref": ["1", "2", "3", "1"], "file": ["/e/a.json", "/e/a.json", "/e/a.json", "/e/b.json"],
                     "user": ["alice", "bob", "alice", "carol"]})


def test_tags_are_trimmed_kept_once_and_refuse_commas():
    assert clean_tags([" exfil ", "Exfil", "", "lateral  move"]) == ("exfil", "lateral move")
    assert parse_tags("exfil, c2 ,,") == ("exfil", "c2")
    with pytest.raises(MarkError):
        clean_tags(["a,b"])


def test_marks_are_set_changed_in_part_and_removed_when_empty(tmp_path):
    with Case.create(tmp_path / "case", analyst="Ana") as case:
        case.set_mark("event", "/e/a.json", "2", tags=["exfil"], comment="copied the bucket")
        case.set_mark("event", "/e/a.json", "2", starred=True)  # the tags and comment stay
        case.set_mark("finding", "ignored", "f-1", tags=["c2"])
        event = case.mark("event", "/e/a.json", "2")
        assert (event.tags, event.starred, event.comment, event.who) == (("exfil",), True, "copied the bucket", "Ana")
        assert case.mark("finding", "", "f-1").tags == ("c2",)
        assert [m.kind for m in case.marks()] == ["event", "finding"]
        case.set_mark("finding", "", "f-1", tags=[])
        assert case.marks("finding") == [] and case.mark("finding", "", "f-1").empty
        with pytest.raises(MarkError):
            case.set_mark("host", "", "x", starred=True)
        view = case.report_view()
        assert view["marks"][0]["tags"] == ["exfil"] and Mark.from_dict(view["marks"][0]).starred


KILLED = """
import os, signal, sys
from workbench.case.folder import Case
case = Case.open(sys.argv[1])
case.set_mark("event", "/e/a.json", "3", tags=["exfil", "staging"], starred=True)
case.set_mark("finding", "", "f-9", comment="the key came from this phish")
os.kill(os.getpid(), signal.SIGKILL)  # no close, no commit at exit: the process dies here
"""


def test_marks_survive_a_killed_process(tmp_path):
    folder = tmp_path / "case"
    Case.create(folder).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", KILLED, str(folder)], env=env, capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    with Case.open(folder) as case:
        assert case.mark("event", "/e/a.json", "3").tags == ("exfil", "staging")
        assert case.mark("event", "/e/a.json", "3").starred
        assert case.mark("finding", "", "f-9").comment == "the key came from this phish"


def test_a_case_made_before_marks_is_migrated_and_keeps_its_triage(tmp_path):
    folder = tmp_path / "old"
    with Case.create(folder) as case:
        case.set_state("f-1", "confirmed")
    db = sqlite3.connect(folder / "case.sqlite")  # make it what schema 1 wrote: no marks table
    db.execute("DROP TABLE marks")
    db.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    db.commit()
    db.close()
    with Case.open(folder) as case:
        assert case.state("f-1") == "confirmed"
        case.set_mark("finding", "", "f-1", starred=True)
        assert case.mark("finding", "", "f-1").starred
    db = sqlite3.connect(folder / "case.sqlite")
    assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0] == str(SCHEMA_VERSION)
    db.close()


def test_mark_columns_name_the_right_events_and_the_query_finds_them():
    marks = [Mark("event", "/e/a.json", "1", ("exfil", "staging"), True, "bucket copied"),
             Mark("event", "/e/b.json", "1", ("c2",)),  # same ref, other file
             Mark("event", "/e/gone.json", "7", ("x",)),  # not in this table
             Mark("finding", "", "1", ("exfil",))]  # a finding, not an event
    table = with_mark_columns(_table(), marks)
    assert table.column("tags").to_pylist() == ["exfil, staging", None, None, "c2"]
    assert table.column("starred").to_pylist() == ["yes", "no", "no", "no"]
    assert table.column("comment").to_pylist() == ["bucket copied", None, None, None]
    index = EventIndex(table)
    assert index.select("tag:exfil").tolist() == [0]
    assert index.select("tag:staging").tolist() == [0]
    assert index.select("tag:stag*").tolist() == [0]
    assert index.select("tag:c2 tag:exfil").tolist() == [0, 3]
    assert index.select("starred:yes").tolist() == [0]
    assert index.select("-starred:yes").tolist() == [1, 2, 3]
    assert index.select('tag:""').tolist() == [1, 2]
    assert index.select("comment:*bucket*").tolist() == [0]
    again = with_mark_columns(table, [])  # marks removed: the columns are replaced, not added twice
    assert again.column_names.count("tags") == 1 and again.column("tags").null_count == 4


def test_exports_carry_the_marks(tmp_path):
    from workbench.export import write_events_csv, write_events_jsonl
    from datetime import datetime, timezone
    import numpy as np

    base = _table().append_column("ts", pa.array([datetime(2024, 3, 5, 12, i, tzinfo=timezone.utc)
                                                  for i in range(4)]))
    table = with_mark_columns(base, [Mark("event", "/e/a.json", "2", ("exfil", "c2"), True, "=cmd|' /C calc'!A0")])
    rows = np.arange(4)
    write_events_csv(table, rows, tmp_path / "e.csv", ["ts", "user", "tags", "starred", "comment"])
    with open(tmp_path / "e.csv", newline="", encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    assert lines[1]["tags"] == "exfil, c2" and lines[1]["starred"] == "yes"
    assert lines[1]["comment"].startswith("'=")  # a comment is typed text: never a formula
    write_events_jsonl(table, rows, tmp_path / "e.jsonl", ["ts", "user", "tags", "starred", "comment"])
    events = [json.loads(line) for line in (tmp_path / "e.jsonl").read_text(encoding="utf-8").splitlines()]
    assert events[1]["tag"] == ["exfil", "c2"] and events[1]["starred"] is True  # Timesketch's tag list
    assert "tag" not in events[0] and events[0]["starred"] is False


def test_the_report_lists_the_marks(tmp_path):
    from pypdf import PdfReader

    from workbench.pipeline import analyze
    from workbench.report import write_report

    analysis = analyze([ROOT / "tests" / "data" / "cloudtrail" / "records.json"], geoip_dbs=[])
    finding = analysis.findings[0]
    with Case.create(tmp_path / "case") as case:
        case.set_mark("finding", "", finding.id, tags=["MARK-TAG-7"], comment="MARK-COMMENT-3")
        case.set_mark("event", str(analysis.table.column("file")[0]), str(analysis.table.column("ref")[0]),
                      starred=True)
        out = write_report(analysis, tmp_path / "r.pdf", case=case)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out).pages)
    assert "Tags, stars and comments" in text and "MARK-TAG-7" in text and "MARK-COMMENT-3" in text
