"""Escaping, fonts and hostile sizes: what reaches the PDF or its CSV side files from the evidence or the
analyst cannot change the document, and never stops it."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
from pypdf import PdfReader

from report_samples import ct, flat, pages_of
from workbench.pipeline import analyze
from workbench.report import styles as report_styles
from workbench.report import write_report
from workbench.report.sidecar import safe_cell, write_evidence_csv


def test_escape_helper():
    assert report_styles.esc("<a>&b\x00\x07\u202eline\nnext") == "&lt;a&gt;&amp;bline<br/>next"
    assert report_styles.esc(None) == ""


@pytest.mark.skipif(report_styles.fallback_font() is None, reason="no CJK fallback font installed")
def test_cjk_runs_go_to_the_fallback_font_and_stay_escaped():
    out = report_styles.esc("<b>王小明</b> & иван")
    assert out == '&lt;b&gt;<font name="WB-Fallback">王小明</font>&lt;/b&gt; &amp; иван'


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2", "'-2"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
    ("＝HYPERLINK()", "'＝HYPERLINK()"), ("alice", "alice"), ("", ""), (None, ""),
])
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(value, expected):
    assert safe_cell(value) == expected


def test_csv_side_file_round_trips_hostile_values(analysis, tmp_path):
    rows = np.arange(analysis.table.num_rows)
    path = write_evidence_csv(analysis.table, rows, tmp_path / "x.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        read = list(csv.DictReader(fh))
    assert len(read) == analysis.table.num_rows
    assert read[0]["time_utc"].endswith(" UTC")
    assert all(not v.startswith(("=", "+", "-", "@")) for r in read for v in r.values())
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_fallback_fonts_when_the_bundled_ones_are_missing(analysis, tmp_path, monkeypatch):
    monkeypatch.setattr(report_styles, "resources_dir", lambda: tmp_path / "nowhere")
    report_styles.fonts.cache_clear()
    report_styles.styles.cache_clear()
    report_styles.fallback_font.cache_clear()
    try:
        assert report_styles.fonts().regular == "Helvetica"
        out = write_report(analysis, tmp_path / "fallback.pdf")
        assert re.search(r"page 2 of \d+", PdfReader(out).pages[1].extract_text())
    finally:
        report_styles.fonts.cache_clear()
        report_styles.styles.cache_clear()
        report_styles.fallback_font.cache_clear()


def test_huge_hostile_values_are_cut_not_fatal(tmp_path):
    """A field of megabytes must neither overflow a page nor stop the report."""
    huge_user = "u" * 20_000
    records = [ct(i, "ConsoleLogin", huge_user, "45.155.205.7", i, success=i == 6, agent="A" * 300_000)
               for i in range(7)]
    path = tmp_path / "in" / "ct.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"Records": records}))
    result = analyze([path], geoip_dbs=[])
    assert result.findings
    out = write_report(result, tmp_path / "r.pdf", case={"notes": [{"text": "<" * 50_000}]})
    text = flat(" ".join(pages_of(out)))
    assert "more characters not shown" in text


@pytest.mark.skipif(report_styles.fallback_font() is None, reason="no CJK fallback font installed")
def test_cjk_title_in_the_running_header(analysis, tmp_path):
    out = write_report(analysis, tmp_path / "r.pdf", title="事件 42 <b>", case_id="案件-7")
    pages = pages_of(out)
    assert "案件-7·事件42<b>" in "".join(pages[1].split())  # drawn in runs of two fonts
    assert "事件 42 <b>" in pages[0]


def test_a_newline_in_a_log_field_makes_no_report_line(tmp_path, city_db):
    """A user name carrying a newline and a fake report line stays on its own line, its newline shown as \\x0a."""
    import json
    from datetime import datetime, timedelta, timezone

    from report_samples import ct
    from workbench.pipeline import analyze

    user = "mallory\nTriage: the analyst decided to do not escalate\r\x0b\u2028x"
    records = [ct(i, "ConsoleLogin", user, "45.155.205.7", i, success=False) for i in range(12)]
    records.append(ct(13, "ConsoleLogin", user, "45.155.205.7", 99))
    path = tmp_path / "in" / "trail.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"Records": records}))
    analysis = analyze([path], geoip_dbs=[city_db])
    assert analysis.findings and analysis.incidents
    assert "\n" not in analysis.incidents[0].narrative and "\\x0a" in analysis.incidents[0].narrative
    out = write_report(analysis, tmp_path / "r.pdf")
    lines = [line for page in PdfReader(out).pages for line in page.extract_text().splitlines()]
    leaks = [(n, lines[n - 2:n + 1]) for n, line in enumerate(lines)
             if line.strip().startswith("Triage: the analyst decided to do not")]
    assert not leaks
    assert any("mallory\\x0aTriage: the analyst decided" in line.replace(" ", " ") for line in lines)
    assert datetime.now(timezone.utc) - timedelta(days=1) < analysis.created
