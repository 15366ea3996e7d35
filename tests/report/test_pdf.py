"""The PDF report, built from a real analysis of files the tests write, read back with pypdf."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from workbench.enrich.geoip import DatabaseInfo
from workbench.pipeline import analyze
from workbench.report import write_report
from workbench.report import styles as report_styles

EVIL_USER = "<b>evil</b><font size=40>"
EVIL_AGENT = "Mozilla/5.0 &amp; <script>alert(1)</script> \x1b[31m"
CYRILLIC_USER = "иван.петров"
LONG_AGENT = "x" * 40 + "/" + "A1b2C3d4" * 30  # one unbreakable word far wider than the page
T0 = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)


def _ct(minute: int, name: str, user: str, ip: str, n: int, *, success: bool = True, agent: str = "aws-cli/2.15",
        params: dict | None = None) -> dict:
    rec = {
        "eventVersion": "1.08", "eventTime": (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "signin.amazonaws.com" if name == "ConsoleLogin" else "iam.amazonaws.com",
        "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": ip, "userAgent": agent,
        "userIdentity": {"type": "IAMUser", "userName": user, "accountId": "111122223333",
                         "arn": f"arn:aws:iam::111122223333:user/{user}"},
        "requestParameters": params, "eventID": f"evt-{n:04d}", "recipientAccountId": "111122223333",
    }
    if name == "ConsoleLogin":
        rec["responseElements"] = {"ConsoleLogin": "Success" if success else "Failure"}
        if not success:
            rec["errorMessage"] = "Failed authentication"
    return rec


@pytest.fixture(scope="module")
def evidence(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("evidence")
    records = []
    # Brute force against an account whose name is markup, with a hostile user agent.
    for i in range(8):
        records.append(_ct(i, "ConsoleLogin", EVIL_USER, "45.155.205.7", len(records), success=False,
                           agent=EVIL_AGENT))
    records.append(_ct(9, "ConsoleLogin", EVIL_USER, "45.155.205.7", len(records), agent=EVIL_AGENT))
    # A Cyrillic account creates an access key for another account, with a very long user agent.
    records.append(_ct(60, "CreateAccessKey", CYRILLIC_USER, "81.2.69.10", len(records), agent=LONG_AGENT,
                       params={"userName": "svc-backup"}))
    cloudtrail = folder / "cloudtrail.json"
    cloudtrail.write_text(json.dumps({"Records": records}, ensure_ascii=False), encoding="utf-8")
    lines = [f"Mar  4 16:{m:02d}:0{m % 10} bastion sshd[{4100 + m}]: Failed password for root from "
             f"185.220.101.34 port {40000 + m} ssh2" for m in range(30)]
    lines.append("Mar  4 16:31:00 bastion sshd[4200]: Accepted password for root from 185.220.101.34 port 40200 ssh2")
    lines.append("this line is not syslog")
    authlog = folder / "auth.log"
    authlog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [cloudtrail, authlog]


@pytest.fixture(scope="module")
def analysis(evidence, city_db):
    return analyze(evidence, geoip_dbs=[city_db])


@pytest.fixture(scope="module")
def report(analysis, tmp_path_factory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("report") / "report.pdf"
    path = write_report(analysis, out, title="Case 42: <i>Acme</i> & co", analyst="Ана Analyst",
                        max_evidence_rows=20)
    return path, [p.extract_text() for p in PdfReader(path).pages]


def flat(text: str) -> str:
    """Extracted text with every run of whitespace made one space (lines wrap anywhere)."""
    return " ".join(text.split())


def test_analysis_has_the_findings_the_report_needs(analysis):
    titles = [f.title for f in analysis.findings]
    assert any(EVIL_USER in t for t in titles)
    assert any(CYRILLIC_USER in t for t in titles)
    assert any("root" in t for t in titles)


def test_write_report_returns_the_path_and_leaves_no_temp_file(report):
    path, _ = report
    assert path.name == "report.pdf" and path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ["report.pdf"]


def test_every_input_hash_is_in_one_piece(report, analysis):
    text = "\n".join(report[1])
    for info in analysis.inputs:
        assert len(info.sha256) == 64
        assert info.sha256 in text


def test_titles_explanations_and_playbook_questions(report, analysis):
    text = flat("\n".join(report[1]))
    for f in analysis.findings:
        assert flat(f.title) in text
        assert flat(f.explanation) in text
    matched = [f for f in analysis.findings if analysis.playbook_for(f)]
    assert matched
    for f in matched:
        book = analysis.playbook_for(f)
        assert book.name in text
        for question in book.questions:
            assert flat(question) in text


def test_page_n_of_m_on_every_page_but_the_title_page(report):
    pages = report[1]
    total = len(pages)
    assert total >= 4
    assert "page 1 of" not in pages[0]
    for n, text in enumerate(pages[1:], 2):
        assert f"page {n} of {total}" in text
        assert "Case 42: <i>Acme</i> & co" in text  # the running header


def test_markup_in_log_fields_shows_literally(report):
    text = "\n".join(report[1])
    assert "<b>evil</b>" in text
    assert "<font size=40>" in text
    assert "&amp; <script>alert(1)</script>" in text
    assert "\x1b" not in text


def test_non_latin_names_render(report):
    text = "\n".join(report[1])
    assert CYRILLIC_USER in text
    assert "Ана Analyst" in text


def test_long_unbreakable_values_wrap_inside_the_page(report):
    path, pages = report
    joined = "".join("".join(p.split()) for p in pages)
    assert LONG_AGENT in joined  # all of it is there, broken over lines
    reader = PdfReader(path)
    width = float(reader.pages[0].mediabox.width)
    for page in reader.pages:
        xs: list[float] = []
        page.extract_text(visitor_text=lambda t, cm, tm, fd, fs: xs.append(cm[4] + tm[4]) if t.strip() else None)
        assert max(xs) < width - 30


def test_evidence_rows_beyond_the_limit_are_counted(report, analysis):
    text = flat("\n".join(report[1]))
    sizes = sorted(len(analysis.evidence_rows(f)) for f in analysis.findings)
    assert sizes[-1] > 20 >= sizes[0]
    for n in sizes:
        assert f"Evidence ({n} event{'s' * (n != 1)})" in text
        if n > 20:
            assert f"The first 20 of {n} events are shown; {n - 20} are left out" in text


def test_title_page_facts(report, analysis):
    first = flat(report[1][0])
    assert "Incident report" in first
    assert "Analyst: Ана Analyst" in first
    assert analysis.created.strftime("%Y-%m-%d %H:%M:%S UTC") in first
    assert f"workbench {analysis.version}" in first
    assert "2024-03-04 15:00:00 UTC" in first  # the evidence starts there
    assert "Test-City-Lite" in first
    assert "DB-IP" not in first


def test_dbip_credit_and_no_geoip(analysis, tmp_path):
    dbip = DatabaseInfo("/x/dbip-city-lite-2024-05.mmdb", "DBIP-City-Lite", datetime(2024, 5, 1, tzinfo=timezone.utc))
    out = write_report(dataclasses.replace(analysis, geoip=[dbip]), tmp_path / "dbip.pdf")
    first = flat(PdfReader(out).pages[0].extract_text())
    assert "IP geolocation by DB-IP.com (CC BY 4.0)" in first
    assert "built 2024-05-01" in first
    out = write_report(dataclasses.replace(analysis, geoip=[]), tmp_path / "none.pdf")
    assert "No GeoIP database was available" in flat(PdfReader(out).pages[0].extract_text())


def test_outline_points_at_the_sections_and_findings(report, analysis):
    path, pages = report
    reader = PdfReader(path)
    entries: dict[str, int] = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                entries[item.title] = reader.get_destination_page_number(item)

    walk(reader.outline)
    for section in ("Scope and evidence", "Summary of findings", "Findings in detail", "Method"):
        assert section in entries
        assert section in pages[entries[section]]
    for n, f in enumerate(analysis.findings, 1):
        page = entries[f"{n}. {f.severity.upper()}: {f.title}"]
        assert flat(f.title) in flat(pages[page])


def test_report_without_findings_or_events(tmp_path):
    empty = tmp_path / "empty.log"
    empty.write_text("not a log at all\n")
    result = analyze([empty], geoip_dbs=[])
    out = write_report(result, tmp_path / "r.pdf", title=None)
    pages = [p.extract_text() for p in PdfReader(out).pages]
    text = flat("\n".join(pages))
    assert "Workbench analysis" in text
    assert "found nothing to report" in text
    assert "not a recognised log format" in text
    assert f"page 2 of {len(pages)}" in pages[1]


def test_failed_write_leaves_nothing_behind(analysis, tmp_path):
    from workbench.errors import ReportError

    with pytest.raises(ReportError):
        write_report(analysis, tmp_path / "missing" / "r.pdf")
    assert list(tmp_path.iterdir()) == []


def test_escape_helper():
    assert report_styles.esc("<a>&b\x00\x07\u202eline\nnext") == "&lt;a&gt;&amp;bline<br/>next"
    assert report_styles.esc(None) == ""


def test_fallback_fonts_when_the_bundled_ones_are_missing(analysis, tmp_path, monkeypatch):
    monkeypatch.setattr(report_styles, "resources_dir", lambda: tmp_path / "nowhere")
    report_styles.fonts.cache_clear()
    report_styles.styles.cache_clear()
    try:
        assert report_styles.fonts().regular == "Helvetica"
        out = write_report(analysis, tmp_path / "fallback.pdf")
        assert re.search(r"page 2 of \d+", PdfReader(out).pages[1].extract_text())
    finally:
        report_styles.fonts.cache_clear()
        report_styles.styles.cache_clear()


def test_no_playbook_is_said(analysis, tmp_path):
    from workbench.playbooks import PlaybookLibrary

    out = write_report(dataclasses.replace(analysis, playbooks=PlaybookLibrary()), tmp_path / "r.pdf")
    text = flat(" ".join(p.extract_text() for p in PdfReader(out).pages))
    assert text.count("No playbook for these techniques") == len(analysis.findings)


def test_huge_hostile_values_are_cut_not_fatal(tmp_path):
    """A field of megabytes must neither overflow a page nor stop the report."""
    huge_user = "u" * 20_000
    records = [_ct(i, "ConsoleLogin", huge_user, "45.155.205.7", i, success=i == 6, agent="A" * 300_000)
               for i in range(7)]
    path = tmp_path / "ct.json"
    path.write_text(json.dumps({"Records": records}))
    result = analyze([path], geoip_dbs=[])
    assert result.findings
    out = write_report(result, tmp_path / "r.pdf")
    text = flat(" ".join(p.extract_text() for p in PdfReader(out).pages))
    assert "more characters not shown" in text
