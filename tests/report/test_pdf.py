"""The PDF handoff report, built from a real analysis of files the tests write and the analyst's triage state,
read back with pypdf (and pdftotext where installed)."""

from __future__ import annotations

import csv
import dataclasses
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from report_samples import (ARABIC_USER, CJK_USER, CYRILLIC_USER, EVIL_AGENT, EVIL_USER, FORMULA_AGENT, LONG_AGENT,
                      TRAVELLER, flat, outline, pages_of)
from workbench.attack import lookup
from workbench.enrich.geoip import DatabaseInfo
from workbench.report import write_report
from workbench.report.model import (Answer, Bookmark, CaseView, ChecklistItem, Criterion, Decision, Note, Triage,
                                    case_view)

NOTE_PAYLOAD = 'Called <a href="http://evil.example/">the user</a> & <img src="x"/> <font size=60>big</b>'
WHEN = datetime(2024, 3, 5, 9, 30, tzinfo=timezone.utc)
SECTIONS = ("Cover", "Executive summary", "Incidents", "Activity over time", "Appendix", "Evidence",
            "Scope and evidence", "People across sources", "Credential lineage", "Playbook steps", "False positives",
            "Analyst's notes", "Bookmarked events", "Method")


def _by_check(analysis, check: str, user: str):
    return next(f for f in analysis.findings if f.check == check and user in f.users)


@pytest.fixture(scope="module")
def case(analysis) -> CaseView:
    evil = _by_check(analysis, "brute_force_success", EVIL_USER)
    book = analysis.playbook_for(evil)
    assert book and book.questions and book.escalation and book.containment and book.l1_steps
    triage = {
        evil.id: Triage(
            "escalated",
            answers=(Answer(book.questions[0], "yes", NOTE_PAYLOAD, "45.155.205.7 was never seen before"),
                     Answer(book.questions[1], "no", "")),
            criteria=(Criterion(book.escalation[0], "met", "31 attempts, then a success"),),
            decision=Decision("escalate", "Success after 30 failures from a Russian hosting IP", "escalate",
                              "Ана Analyst", WHEN),
            checklist=(ChecklistItem("containment", book.containment[0], True, "Ана Analyst", WHEN),
                       ChecklistItem("l1_steps", book.l1_steps[0], True, "Ана Analyst", WHEN)),
        ),
        _by_check(analysis, "new_credentials", CYRILLIC_USER).id: Triage("confirmed"),
        _by_check(analysis, "brute_force_success", "root").id: Triage("investigating"),
        _by_check(analysis, "brute_force_success", ARABIC_USER).id: Triage(
            "false_positive", decision=Decision("do not escalate", "Penetration test agreed with the customer")),
    }
    notes = (Note(NOTE_PAYLOAD, evil.id, "Ана Analyst", WHEN),
             Note(f"ملاحظة: {ARABIC_USER} confirmed the test by phone", None, "王小明", WHEN))
    bookmarks = (Bookmark(evil.evidence[0].file, evil.evidence[0].ref, "cloudtrail", NOTE_PAYLOAD, evil.id),
                 Bookmark("/nowhere/x.json", "evt-9999", "cloudtrail", "gone"))
    return CaseView("IR-2026-017", "", "", "Acme <Ltd> & Søns", "TLP:AMBER+STRICT", triage, notes, bookmarks)


@pytest.fixture(scope="module")
def report(analysis, case, tmp_path_factory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("report") / "report.pdf"
    warned = dataclasses.replace(analysis, geoip_warnings=["test-city.mmdb is 400 days old <b>stale</b>"])
    path = write_report(warned, out, title="Case 42: <i>Acme</i> & co", analyst="Ана Analyst",
                        max_evidence_rows=20, case=case)
    return path, pages_of(path)


@pytest.fixture(scope="module")
def text(report) -> str:
    return "\n".join(report[1])


def incidents(analysis, case) -> list:
    """The incidents in report order: the engine's (most severe first), those dismissed in every finding last."""
    states = {f.id: case.of(f).state for f in analysis.findings}
    return sorted(analysis.incidents, key=lambda i: all(states[f] == "false_positive" for f in i.findings))


def numbers(analysis, case) -> dict[str, int]:
    """Finding id → its number in the report: the findings incident by incident (in time order within one),
    false positives last."""
    order = [fid for i in incidents(analysis, case) for fid in i.findings]
    main = [f for f in order if case.triage.get(f, Triage()).state != "false_positive"]
    rest = [f for f in order if f not in main]
    return {fid: n for n, fid in enumerate([*main, *rest], 1)}


def entry(analysis, case, finding) -> str:
    return f"{numbers(analysis, case)[finding.id]}. {finding.severity.upper()}: {finding.title}"


def has_letters(text: str, name: str) -> bool:
    """Every letter of ``name`` occurs in ``text`` (whatever their order)."""
    return set(name) - {"."} <= set(text)


def section_pages(report) -> dict[str, int]:
    return outline(report[0])


def test_written_with_its_evidence_csv_and_no_temp_file(report, analysis, case):
    path, _ = report
    assert path.is_file()
    side = [f"report.finding-{numbers(analysis, case)[f.id]:02d}-evidence.csv" for f in analysis.findings
            if len(analysis.evidence_rows(f)) > 20]
    assert len(side) == 2
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([*side, "report.pdf"])


def test_every_section_has_an_outline_entry_on_its_page(report):
    entries = section_pages(report)
    pages = report[1]
    for section in SECTIONS:
        assert section in entries, section
        if section != "Cover":
            assert section in pages[entries[section]]
    order = [entries[s] for s in SECTIONS]
    assert order == sorted(order)


def test_cover(report, analysis):
    cover = flat(report[1][0])
    for fact in ("Case id IR-2026-017", "Analyst Ана Analyst", "Organisation Acme <Ltd> & Søns",
                 "Classification TLP:AMBER+STRICT", "Time zone UTC", f"workbench {analysis.version}",
                 analysis.created.strftime("Created at %Y-%m-%d %H:%M:%S UTC"), "Case 42: <i>Acme</i> & co"):
        assert fact in cover, fact
    assert cover.count("TLP:AMBER+STRICT") >= 3  # the marking above and below, and the fact
    assert "page 1 of" not in cover


def test_header_and_footer_on_every_other_page(report):
    pages = report[1]
    for n, page in enumerate(pages[1:], 2):
        assert f"page {n} of {len(pages)}" in page
        assert "IR-2026-017 · Case 42: <i>Acme</i> & co" in page
        assert page.count("TLP:AMBER+STRICT") >= 2


def test_executive_summary_lists_every_high_incident_triaged_or_not(report, analysis, case):
    entries = section_pages(report)
    assert entries["Executive summary"] == 0 and entries["Incidents"] == 2  # the summary is pages 1-2
    summary = flat(" ".join(report[1][:2]).split("Executive summary", 1)[1])
    assert summary.startswith("Verdict: compromise confirmed; the analyst confirmed incident")
    order = incidents(analysis, case)
    fp = _by_check(analysis, "brute_force_success", ARABIC_USER)
    high = [i for i in order if i.severity in ("high", "critical") and fp.id not in i.findings]
    assert len(high) == 4
    for n, i in enumerate(order, 1):
        if i in high:
            assert f"Incident {n} · {i.severity.upper()} · {i.confidence} confidence" in summary, i.title
    travel = _by_check(analysis, "impossible_travel", TRAVELLER)
    (untriaged,) = [n for n, i in enumerate(order, 1) if travel.id in i.findings]
    assert f"Incident {untriaged} · HIGH · low confidence · NOT TRIAGED" in summary  # listed though untriaged
    assert "confirmed by the analyst" in summary and "in triage" in summary
    for word in ("Who:", "What:", "When:", "How sure:", "Next (confirmed): contain now", "Next: triage first"):
        assert word in summary, word
    assert f"Brute force then success: {ARABIC_USER}" not in summary.split("Escalation")[0]
    assert "1 incident judged false positive in every finding" in summary
    assert "Escalated: the analyst escalated 1 finding" in summary
    assert "Success after 30 failures from a Russian hosting IP" in summary
    assert f"{travel.first_seen:%Y-%m-%d %H:%M:%S} UTC to {travel.last_seen:%Y-%m-%d %H:%M:%S} UTC" in summary


def test_summary_of_an_untriaged_case_says_so(analysis, tmp_path):
    out = write_report(analysis, tmp_path / "r.pdf")
    pages = pages_of(out)
    summary = flat(" ".join(pages[:2]))
    assert "Verdict: suspicious activity to triage; 4 high or critical incidents, none corroborated enough to call " \
           "likely; 4 not triaged yet. Start with incident 1." in summary
    assert summary.count("confidence · NOT TRIAGED ·") == 4  # each high or critical incident's headline
    assert "Other incidents 1 of lower severity (1 medium): incident 5:" in summary
    assert "the analyst has reviewed 0 of the findings" in summary
    assert "No escalation decision has been recorded." in summary
    text = flat("\n".join(pages))
    assert "Containment none listed yet: the incident is neither confirmed" in text
    assert "☐" not in text.split("Appendix")[1].split("Playbook steps")[0]  # no containment step anywhere before
    assert "contain now" not in summary
    assert "New (not reviewed yet) · Credential Access · brute_force_success ·" in text


def test_scope_hashes_geoip_and_configuration(report, analysis, text):
    for info in analysis.inputs:
        assert len(info.sha256) == 64 and info.sha256 in text
        assert info.path in flat(text).replace(" ", "") or Path(info.path).name in text
    entries = section_pages(report)
    scope = flat("\n".join(report[1][entries["Scope and evidence"]:entries["People across sources"] + 1]))
    assert "Test-City-Lite" in scope and "built " in scope
    for item in [*analysis.geoip, *analysis.ip_lists]:  # every database and provider list with its build date
        assert f"built {item.built:%Y-%m-%d}" in scope
    assert not analysis.ip_lists or "Provider lists (cloud, hosting, VPN, Tor, mobile, residential)" in scope
    assert "Warning: test-city.mmdb is 400 days old <b>stale</b>" in scope
    for info in analysis.inputs:
        for error in info.errors:
            assert flat(error) in scope
    assert any(info.errors for info in analysis.inputs)
    assert "Check configuration in force" in scope
    assert "event_names StopLogging, DeleteTrail" in scope  # a list the Method table only counts
    assert "ip_max_accounts 3" in scope  # a section that is no check
    assert "max_kmh 1000" not in scope  # a check's single value: beside the check under Method


def test_timeline_chart_opens_the_incidents(report):
    entries = section_pages(report)
    page = flat(report[1][entries["Activity over time"]])
    assert entries["Activity over time"] == entries["Incidents"]
    assert "events per" in page and "failure" in page and "success" in page


def test_each_incident_with_its_findings_in_the_body(report, analysis, case):
    entries = section_pages(report)
    n = numbers(analysis, case)
    order = incidents(analysis, case)
    heads = [next(t for t in entries if t.startswith(f"Incident {k}. ")) for k in range(1, len(order))]
    assert [entries[h] for h in heads] == sorted(entries[h] for h in heads)
    for k, (inc, head) in enumerate(zip(order, heads), 1):
        for fid in inc.findings:
            f = next(x for x in analysis.findings if x.id == fid)
            page = entries[f"{n[fid]}. {f.severity.upper()}: {f.title}"]
            assert entries[head] <= page < entries["Appendix"]
            body = flat(" ".join(report[1][page:page + 2]))
            assert flat(f.explanation) in body
            for tid in f.techniques:
                assert f"{tid} {lookup(tid).technique.name}" in body
    evil_finding = _by_check(analysis, "brute_force_success", EVIL_USER)
    k = next(k for k, i in enumerate(order) if evil_finding.id in i.findings)
    evil = flat(" ".join(report[1][entries[heads[k]]:entries[heads[k + 1]] + 1]))
    evil = evil[:evil.index(f"Incident {k + 2} ")]
    assert f"{EVIL_USER} Escalated · Credential Access · brute_force_success ·" in evil  # T1110.001's tactic
    assert "Status confirmed by the analyst" in evil
    assert "Triage: the analyst decided to escalate (Ана Analyst, 2024-03-05 09:30:00 UTC)" in evil
    assert flat(NOTE_PAYLOAD) in evil
    assert "Data: 45.155.205.7 was never seen before" in evil
    assert "Escalation criteria the analyst assessed (1 of 1 met)" in evil and "31 attempts, then a success" in evil
    assert "Not answered by the analyst yet:" in evil
    assert "Storyline" not in evil  # an incident of one is told by its finding


def test_false_positive_only_in_the_appendix(report, analysis, case):
    entries = section_pages(report)
    fp = _by_check(analysis, "brute_force_success", ARABIC_USER)
    page = entries[f"5. {fp.severity.upper()}: {fp.title}"]
    assert entries["False positives"] <= page <= entries["Analyst's notes"]
    body = flat(" ".join(report[1][page:entries["Analyst's notes"] + 1]))
    assert "False positive · Credential Access · brute_force_success" in body
    assert "Penetration test agreed with the customer" in body
    before = flat(" ".join(report[1][entries["Incidents"]:entries["Appendix"]]))
    assert f"Brute force then success: {ARABIC_USER}" not in before


def test_evidence_beyond_the_cap_goes_to_a_formula_safe_csv(report, analysis, case):
    path, pages = report
    text = flat("\n".join(pages))
    evil = _by_check(analysis, "brute_force_success", EVIL_USER)
    n = len(analysis.evidence_rows(evil))
    assert n > 20
    name = f"report.finding-{numbers(analysis, case)[evil.id]:02d}-evidence.csv"
    assert (f"The first 20 of {n} events are shown; the other {n - 20} are in the file {name} beside this "
            "report") in text
    with open(path.with_name(name), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n - 20
    agents = {r["user_agent"] for r in rows}
    assert "'" + FORMULA_AGENT in agents
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    assert {r["user"] for r in rows} == {EVIL_USER}
    method = flat("\n".join(pages[outline(path)["Method"]:]))
    assert name in method  # named again under Method


def test_evidence_table_repeats_its_header_on_each_page(analysis, tmp_path):
    out = write_report(analysis, tmp_path / "long.pdf", max_evidence_rows=500)
    entries = outline(out)
    pages = pages_of(out)
    evil = _by_check(analysis, "brute_force_success", EVIL_USER)
    first = entries[f"Evidence of finding {numbers(analysis, CaseView())[evil.id]}"]
    with_rows = [p for p in pages[first:first + 4] if "45.155.205.7" in p and "ConsoleLogin" in p]
    assert len(with_rows) >= 2
    assert all("Time (UTC)" in p and "Source IP" in p for p in with_rows)
    assert not list(tmp_path.glob("*.csv"))


def test_map_of_login_locations_where_geography_matters(report, analysis):
    entries = section_pages(report)
    travel = _by_check(analysis, "impossible_travel", TRAVELLER)
    n = next(k for k, v in enumerate(entries) if v.endswith(travel.title))
    title = next(t for t in entries if t.endswith(f"HIGH: {travel.title}"))
    page = flat(" ".join(report[1][entries[title]:entries[title] + 3]))
    assert "Login locations" in page
    assert "London, GB" in page and "Sunnyvale, US" in page
    assert f"{TRAVELLER}: London, GB → Sunnyvale, US, at least" in page
    root = next(t for t in entries if t.endswith("Brute force then success: root"))
    assert "Login locations" not in flat(report[1][entries[root]])  # one place: no map
    assert n >= 0


def test_containment_only_under_confirmed_or_likely_incidents(report, analysis, case):
    entries = section_pages(report)
    order = incidents(analysis, case)
    evil = _by_check(analysis, "brute_force_success", EVIL_USER)
    k = next(k for k, i in enumerate(order, 1) if evil.id in i.findings)
    start = entries[next(t for t in entries if t.startswith(f"Incident {k}. "))]
    page = flat(" ".join(report[1][start:start + 2]))
    page = page[page.index(f"Incident {k} "):page.index(f"Incident {k + 1} ")]
    book = analysis.playbook_for(evil)
    assert "Containment The incident is confirmed by the analyst." in page and book.name in page
    assert f"☑ {flat(book.containment[0])} (done: Ана Analyst, 2024-03-05 09:30:00 UTC)" in page
    for step in book.containment[1:]:
        assert f"☐ {flat(step)}" in page
    travel = _by_check(analysis, "impossible_travel", TRAVELLER)  # untriaged and low confidence
    k = next(k for k, i in enumerate(order, 1) if travel.id in i.findings)
    start = entries[next(t for t in entries if t.startswith(f"Incident {k}. "))]
    page = flat(" ".join(report[1][start:start + 2]))
    page = page[page.index(f"Incident {k} "):]
    page = page[:page.index(f"Incident {k + 1} ")] if f"Incident {k + 1} " in page else page
    assert "Containment none listed yet" in page and "☐" not in page


def test_notes_and_bookmarked_original_records(report, analysis, case):
    entries = section_pages(report)
    notes = flat(" ".join(report[1][entries["Analyst's notes"]:entries["Bookmarked events"] + 1]))
    assert flat(NOTE_PAYLOAD) in notes
    assert has_letters(notes, ARABIC_USER) and "王小明" in notes
    marks = flat(" ".join(report[1][entries["Bookmarked events"]:entries["Method"] + 1]))
    marks = marks[:marks.rindex("Method")]
    ref = case.bookmarks[0].ref
    assert f"Bookmark 1: cloudtrail {ref}" in marks
    squashed = "".join(marks.split())
    assert f'"eventID":"{ref}"' in squashed and '"userName":"<b>evil</b><fontsize=40>"' in squashed
    assert "This record is not in the analysed evidence." in marks


def test_method_lists_checks_with_thresholds(report, analysis):
    entries = section_pages(report)
    page = flat(" ".join(report[1][entries["Method"]:]))
    assert f"{sum(c.ran for c in analysis.checks)} of {len(analysis.checks)} checks ran" in page
    assert "max_kmh: 1000" in page
    assert "ATT&CK" in page


def test_markup_payloads_print_literally_and_change_nothing(report, text):
    path, _ = report
    for payload in ("<b>evil</b><font size=40>", "&amp; <script>alert(1)</script>",
                    '<a href="http://evil.example/">click</a>', '<img src="x.png"/>', '<font color="red">unbalanced',
                    "<i>tags", '<a href="http://evil.example/">the user</a> & <img src="x"/> <font size=60>big</b>'):
        assert payload in flat(text), payload
    assert "\x1b" not in text
    reader = PdfReader(path)
    for page in reader.pages:
        assert "/Annots" not in page  # no link was created
        xobjects = page["/Resources"].get("/XObject", {})
        assert not any(xobjects[k].get_object().get("/Subtype") == "/Image" for k in xobjects)


def _fonts(path: Path) -> dict[str, bool]:
    """Base font name → whether its program is embedded, over all pages."""
    found: dict[str, bool] = {}
    for page in PdfReader(path).pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            found[str(font["/BaseFont"])] = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


def test_non_latin_names_render_in_an_embedded_unicode_font(report, text):
    for name in (CYRILLIC_USER, CJK_USER, "Ана Analyst"):
        assert name in text, name
    # Arabic glyphs are drawn (DejaVu has them) but without bidi reordering or joining: extractors that
    # apply bidi give them back in another order, so only the letters are compared.
    assert has_letters(text, ARABIC_USER)
    fonts = _fonts(report[0])
    assert fonts and all(fonts.values()), fonts
    assert any("DejaVuSans" in name for name in fonts)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_reads_the_same(report):
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(report[0]), "-"], capture_output=True, text=True,
                         check=True).stdout
    assert CYRILLIC_USER in out and "Ана Analyst" in out
    assert "<b>evil</b><font size=40>" in out
    assert "page 2 of" in out


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


def test_dbip_credit_and_no_geoip(analysis, tmp_path):
    dbip = DatabaseInfo("/x/dbip-city-lite-2024-05.mmdb", "DBIP-City-Lite", datetime(2024, 5, 1, tzinfo=timezone.utc))
    out = write_report(dataclasses.replace(analysis, geoip=[dbip]), tmp_path / "dbip.pdf")
    first = flat(pages_of(out)[0])
    assert "IP Geolocation by DB-IP.com (CC BY 4.0)" in first and "built 2024-05-01" in first
    out = write_report(dataclasses.replace(analysis, geoip=[]), tmp_path / "none.pdf")
    assert "No GeoIP database was available" in flat(pages_of(out)[0])


def test_explicit_options_override_the_case(analysis, case, tmp_path):
    out = write_report(analysis, tmp_path / "r.pdf", case=case.to_dict(), case_id="IR-9", classification="SECRET",
                       organisation="")
    cover = flat(pages_of(out)[0])
    assert "Case id IR-9" in cover and "Classification SECRET" in cover and "Acme <Ltd> & Søns" in cover
    assert "UNCLASSIFIED" not in cover


def test_case_view_round_trips_through_a_dict(case):
    again = case_view(case.to_dict())
    assert again == case
    with pytest.raises(TypeError):
        case_view(42)


def test_report_without_findings_or_events(tmp_path):
    from workbench.pipeline import analyze

    empty = tmp_path / "in" / "empty.log"
    empty.parent.mkdir()
    empty.write_text("not a log at all\n")
    result = analyze([empty], geoip_dbs=[])
    out = write_report(result, tmp_path / "r.pdf", title=None)
    pages = pages_of(out)
    text = flat("\n".join(pages))
    assert "Workbench analysis" in text and "found nothing to report" in text
    assert "not a recognised log format" in text and "The evidence holds no events." in text
    assert "marked UNCLASSIFIED" in text
    assert f"page 2 of {len(pages)}" in pages[1]


def test_failed_write_leaves_nothing_behind(analysis, tmp_path):
    from workbench.errors import ReportError

    with pytest.raises(ReportError):
        write_report(analysis, tmp_path / "missing" / "r.pdf", max_evidence_rows=1)
    assert list(tmp_path.iterdir()) == []


def test_no_playbook_is_said(analysis, tmp_path):
    from workbench.playbooks import PlaybookLibrary

    out = write_report(dataclasses.replace(analysis, playbooks=PlaybookLibrary()), tmp_path / "r.pdf")
    text = flat(" ".join(pages_of(out)))
    assert text.count("No playbook for these techniques") == len(analysis.findings)
    assert "No playbook matches the findings" in text


def test_page_count_is_sane(report):
    assert re.search(r"page \d+ of (\d+)", report[1][1])
    assert len(report[1]) < 40


def test_findings_replaced_after_the_pipeline_still_each_in_one_incident(analysis, tmp_path):
    fewer = dataclasses.replace(analysis, findings=analysis.findings[1:3])  # the incidents kept are stale
    entries = outline(write_report(fewer, tmp_path / "r.pdf"))
    assert sorted(t.split(".")[0] for t in entries if t.startswith("Incident ")) == ["Incident 1", "Incident 2"]
    for f in fewer.findings:
        assert any(t.endswith(f"{f.severity.upper()}: {f.title}") for t in entries), f.title


def test_evidence_table_names_windows_event_ids_and_keeps_names_literal(tmp_path):
    import numpy as np
    import pyarrow as pa
    from reportlab.platypus import Paragraph

    from workbench.ingest.windows_map import EVENT_DESCRIPTIONS
    from workbench.pipeline import analyze
    from workbench.report.tables import evidence_table

    windows = analyze([Path(__file__).resolve().parents[1] / "data" / "windows" / "wevtutil_security.xml"])
    names = windows.table.column("event_name").to_pylist()
    rows = np.array([i for i, n in enumerate(names) if n == "4625"][:2] + [i for i, n in enumerate(names)
                                                                           if n == "4624"][:1])
    assert len(rows) == 3

    def texts(table) -> list[str]:
        cells = [row[-1] for row in table._cellvalues[1:]]  # the Event column of each evidence row
        return [c.getPlainText() if isinstance(c, Paragraph) else c for c in cells]

    shown = [" ".join(t.split()) for t in texts(evidence_table(windows, rows, 500))]
    assert shown == [f"4625 · {EVENT_DESCRIPTIONS[4625]}"] * 2 + [f"4624 · {EVENT_DESCRIPTIONS[4624]}"]
    hostile = '<font size="30">4625</font>'  # a log field is shown as it is, never as markup
    table = windows.table.set_column(windows.table.schema.get_field_index("event_name"), "event_name",
                                     pa.array([hostile] * windows.table.num_rows, pa.string()))
    windows.table = table
    (cell,) = [c for c in evidence_table(windows, rows[:1], 500)._cellvalues[1][-1:]]
    text = cell.getPlainText() if isinstance(cell, Paragraph) else cell
    assert " ".join(text.split()).replace(" ", "") == hostile.replace(" ", "")


def test_pdf_map_draws_a_pacific_leg_as_one_arc_between_its_places():
    from geo import pacific_map
    from reportlab.graphics.shapes import Circle, PolyLine

    from workbench.explore.worldmap import load_outline
    from workbench.report.charts import login_map

    width = 400.0
    drawing = login_map(pacific_map(), load_outline(), width)
    lines = [s for s in drawing.contents if isinstance(s, PolyLine)]
    assert len(lines) == 2  # there and back, each one piece (not two half-arcs off opposite edges)
    dots = sorted((c.cx, c.cy) for c in drawing.contents if isinstance(c, Circle) and c.r > 2.5 and c.cy > 60)
    assert len(dots) == 2 and dots[0][0] > 20 and dots[1][0] < width - 20  # Tokyo left, San Francisco right
    for line in lines:
        xs = line.points[0::2]
        assert 0 < min(xs) and max(xs) < width  # never pressed against an edge
        ends = sorted([(xs[0], line.points[1]), (xs[-1], line.points[-1])])
        assert all(abs(e[0] - d[0]) < 0.01 and abs(e[1] - d[1]) < 0.01 for e, d in zip(ends, dots))
