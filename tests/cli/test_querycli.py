"""``workbench query``: the grid's query language from the command line, over the demo case."""

from __future__ import annotations

import csv
import json

import pyarrow.compute as pc
import pytest

from workbench.__main__ import main
from workbench.enrich.geoip import enrich
from workbench.ingest import load


@pytest.fixture(scope="module")
def table(case_dir):
    return enrich(load([case_dir]).table, None)


@pytest.fixture(scope="module")
def case_dir():
    from workbench.paths import demo_dir

    return demo_dir()


def test_prints_the_matches(case_dir, table, capsys):
    assert main(["query", str(case_dir), "--query", "user:root action:auth.failure", "--limit", "2",
                 "--no-geoip"]) == 0
    out = capsys.readouterr().out.splitlines()
    want = pc.sum(pc.and_(pc.equal(table.column("user"), "root"),
                          pc.equal(table.column("action"), "auth.failure"))).as_py()
    assert want > 2
    assert out[-1] == f"{want:,} of {table.num_rows:,} events match (first 2 shown)"
    assert len(out) == 3 and all("root" in line and "auth.failure" in line for line in out[:2])


def test_writes_every_match_sorted(case_dir, table, tmp_path, capsys):
    out = tmp_path / "root.csv"
    assert main(["query", str(case_dir), "--query", 'user:root -event:"CRON:session_opened"', "--out", str(out),
                 "--sort", "src_ip", "--descending", "--no-geoip"]) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    users = table.column("user").to_pylist()
    events = table.column("event_name").to_pylist()
    assert len(rows) == sum(u == "root" and e != "CRON:session_opened" for u, e in zip(users, events)) > 0
    ips = [r["src_ip"] for r in rows if r["src_ip"]]
    key = [tuple(int(p) for p in ip.split(".")) for ip in ips]
    assert key == sorted(key, reverse=True)
    assert all(r["src_ip"] == "" for r in rows[len(ips):])  # nulls last, descending too
    jl = tmp_path / "root.jsonl"
    assert main(["query", str(case_dir), "--query", "user:root", "--out", str(jl), "--no-geoip"]) == 0
    first = json.loads(jl.read_text().splitlines()[0])
    assert first["user"] == "root" and {"message", "datetime", "timestamp_desc"} <= set(first)


@pytest.mark.parametrize("argv, words", [
    (["--query", "usr:root"], "unknown field 'usr'"),
    (["--query", "after:soon"], "not a time"),
    (["--query", "user:root", "--sort", "nope"], "unknown column"),
])
def test_usage_errors(case_dir, capsys, argv, words):
    assert main(["query", str(case_dir), *argv]) == 2
    assert words in capsys.readouterr().err


def test_refuses_to_write_into_the_evidence(case_dir, capsys):
    assert main(["query", str(case_dir), "--query", "user:root", "--out", str(case_dir / "x.csv")]) == 2
    assert "refusing to write into the evidence" in capsys.readouterr().err
    assert not (case_dir / "x.csv").exists()
