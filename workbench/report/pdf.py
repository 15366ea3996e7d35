"""The PDF incident report: title page, scope and evidence, summary of findings, one section per
finding with its evidence and playbook, and the method (checks and configuration)."""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from functools import partial
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from ..checks import CHECKS
from ..paths import default_file_mode
from ..errors import ReportError
from ..events import format_ts
from ..findings import SEVERITIES, Finding
from ..pipeline import Analysis
from ..playbooks import Playbook
from . import tables
from .layout import FRAME_WIDTH, Anchor, NumberedCanvas, ReportDoc
from .styles import clean, clip, esc, fonts, markup, para, severity_label, styles

DEFAULT_TITLE = "Workbench analysis"
KEEP_BELOW_HEADING = 30 * mm
LIST_ITEMS = 25  # accounts, IPs, hosts shown per finding
DBIP_CREDIT = "IP geolocation by DB-IP.com (CC BY 4.0)"
PLAYBOOK_LISTS = (
    ("Questions for Analysis", "questions"),
    ("Decision for Escalation", "escalation"),
    ("Additional Analysis Steps for L1", "l1_steps"),
    ("T2 Analyst Actions", "t2_actions"),
    ("Containment and Further Analysis", "containment"),
)


def write_report(analysis: Analysis, out: Path | str, *, title: str | None = None, analyst: str | None = None,
                 max_evidence_rows: int = 200) -> Path:
    """Write the PDF report of ``analysis`` to ``out`` atomically (a temporary file in the same folder,
    then a rename) and return its path."""
    out = Path(out)
    title = clean(title).strip() or DEFAULT_TITLE
    analyst = clean(analyst).strip() or None
    story = _story(analysis, title, analyst, max(0, max_evidence_rows))
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise ReportError(f"cannot write the report: {exc.strerror or exc}", out) from exc
    os.close(fd)
    try:
        doc = ReportDoc(tmp, title=title, author=analyst or "", subject="Incident report",
                        creator=f"workbench {analysis.version}")
        canvas = partial(NumberedCanvas, header=title,
                         footer=f"workbench {analysis.version} · created {format_ts(analysis.created)}")
        doc.build(story, canvasmaker=canvas)
        os.chmod(tmp, default_file_mode())  # a handoff report: readable as any file the analyst saves
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ReportError(f"cannot write the report: {exc.strerror or exc}", out) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _story(analysis: Analysis, title: str, analyst: str | None, max_rows: int) -> list[Flowable]:
    fonts()  # register before any style is used
    story = _title_page(analysis, title, analyst)
    story += [PageBreak(), *_scope(analysis)]
    story += [Spacer(1, 6 * mm), CondPageBreak(60 * mm), *_summary(analysis)]
    for number, finding in enumerate(analysis.findings, 1):
        story += [PageBreak(), *_finding(analysis, finding, number, max_rows)]
    story += [PageBreak(), *_method(analysis)]
    return story


def _heading(key: str, text: str) -> list[Flowable]:
    """A section heading with its outline entry."""
    return [Anchor(key, text), para(text, "h1")]


def _title_page(analysis: Analysis, title: str, analyst: str | None) -> list[Flowable]:
    first, last = analysis.time_range()
    story: list[Flowable] = [Anchor("title", "Incident report"), Spacer(1, 28 * mm),
                             para("Incident report", "title"), para(title, "subtitle")]
    if analyst:
        story.append(para(f"Analyst: {analyst}"))
    story.append(Spacer(1, 8 * mm))
    rows = [
        ("Report created", format_ts(analysis.created)),
        ("Tool", f"workbench {analysis.version}"),
        ("Evidence time range", tables.time_range(first, last)),
        ("Inputs", _inputs_line(analysis)),
        ("Events", f"{analysis.events_total:,}"),
        ("Findings", markup(_findings_line(analysis.findings), "cell")),
        ("GeoIP", _geoip_text(analysis)),
    ]
    story.append(tables.key_values(rows, FRAME_WIDTH))
    for error in analysis.geoip_errors:
        story.append(para(f"GeoIP problem: {error}", "error"))
    return story


def _inputs_line(analysis: Analysis) -> str:
    inputs = analysis.inputs
    text = f"{len(inputs)} file{'s' * (len(inputs) != 1)}"
    rejected = sum(1 for i in inputs if i.rejected)
    partial_ = sum(1 for i in inputs if i.errors and not i.rejected)
    notes = [f"{n} {what}" for n, what in ((partial_, "read in part"), (rejected, "not usable")) if n]
    return f"{text} ({', '.join(notes)}; see Scope and evidence)" if notes else text


def _findings_line(findings: list[Finding]) -> str:
    if not findings:
        return "none"
    counts = Counter(f.severity for f in findings)
    parts = [f"{counts[s]} {severity_label(s)}" for s in reversed(SEVERITIES) if counts[s]]
    return f"{len(findings)}: " + ", ".join(parts)


def _geoip_text(analysis: Analysis) -> str:
    if not analysis.geoip:
        return ("No GeoIP database was available: countries and cities are not shown and the checks "
                "that need locations did not run.")
    lines = [f"{d.database_type}, built {d.built:%Y-%m-%d} ({Path(d.path).name})" for d in analysis.geoip]
    if any("DBIP" in d.database_type.upper() for d in analysis.geoip):
        lines.append(DBIP_CREDIT)
    return "\n".join(lines)


def _scope(analysis: Analysis) -> list[Flowable]:
    n = len(analysis.inputs)
    story = _heading("scope", "Scope and evidence")
    story.append(para(
        f"{n} input file{'s' * (n != 1)} with {analysis.events_total:,} events in all. Each file is identified "
        "by its SHA-256 hash, computed when it was read; the workbench never modifies its inputs."))
    story.append(para(
        "All times in this report are UTC. Times that a log gives in another zone were converted; times "
        "without a zone were taken as UTC (noted per file below).", "note"))
    if analysis.inputs:
        story.append(tables.inputs_table(analysis.inputs, FRAME_WIDTH))
    return story


def _summary(analysis: Analysis) -> list[Flowable]:
    story = _heading("summary", "Summary of findings")
    if not analysis.findings:
        ran = sum(1 for c in analysis.checks if c.ran)
        story.append(para(f"The {ran} check{'s' * (ran != 1)} that ran found nothing to report in this "
                          "evidence. The Method section lists the checks and why any did not run."))
        return story
    story.append(para("Most severe first; each finding is described on its own pages, with its evidence "
                      "and the playbook for its ATT&CK technique.", "note"))
    story.append(tables.summary_table(analysis.findings, analysis, FRAME_WIDTH))
    return story


def _finding(analysis: Analysis, finding: Finding, number: int, max_rows: int) -> list[Flowable]:
    story: list[Flowable] = []
    if number == 1:
        story += _heading("findings", "Findings in detail")
    story.append(Anchor(f"finding-{number}", f"{number}. {finding.severity.upper()}: {finding.title}", 1))
    story.append(markup(f"{number}. {severity_label(finding.severity)}&nbsp;&nbsp;{esc(finding.title)}", "h2"))
    rows = analysis.evidence_rows(finding)
    facts: list[tuple[str, str | Flowable]] = [
        ("ATT&CK techniques", ", ".join(finding.techniques) or "none"),
        ("Check", finding.check),
        ("First seen", format_ts(finding.first_seen)),
        ("Last seen", format_ts(finding.last_seen)),
        ("Accounts", tables.shortlist(finding.users, LIST_ITEMS) or "none recorded"),
        ("Source IPs", tables.shortlist(finding.ips, LIST_ITEMS) or "none recorded"),
        ("Hosts / cloud accounts", tables.shortlist(finding.hosts, LIST_ITEMS) or "none recorded"),
    ]
    agents = tables.user_agents(analysis, rows)
    if agents:
        shown = [f"{clip(ua, 300)} ({count}×)" for ua, count in agents[:10]]
        if len(agents) > 10:
            shown.append(f"and {len(agents) - 10} more")
        facts.append(("User agents", "\n".join(shown)))
    facts.append(("Finding id", finding.id))
    story.append(tables.key_values(facts, FRAME_WIDTH, 0.22))
    story += [*_sub("What was found"), para(finding.explanation)]
    story += _evidence(analysis, rows, max_rows)
    story += _playbook(analysis.playbook_for(finding), finding)
    return story


def _evidence(analysis: Analysis, rows, max_rows: int) -> list[Flowable]:
    total = len(rows)
    story = _sub(f"Evidence ({total:,} event{'s' * (total != 1)})")
    if not total:
        story.append(para("None of the finding's evidence references was found in the event table.", "error"))
        return story
    shown = rows[:max_rows]
    if len(shown):
        story.append(tables.evidence_table(analysis, shown, FRAME_WIDTH))
    if total > len(shown):
        story.append(Spacer(1, 2 * mm))
        story.append(para(f"The first {len(shown):,} of {total:,} events are shown; {total - len(shown):,} are "
                          "left out of this report. The findings JSON export lists every evidence reference.",
                          "note"))
    return story


def _playbook(book: Playbook | None, finding: Finding) -> list[Flowable]:
    if book is None:
        return [*_sub("Playbook"),
                para(f"No playbook for these techniques ({', '.join(finding.techniques)}).", "note")]
    tactics = ", ".join(book.tactics)
    head = [para("Playbook", "h3"), markup(f"<b>{esc(book.name)}</b> ({esc(book.technique)}"
                                             f"{'; ' + esc(tactics) if tactics else ''})")]
    story: list[Flowable] = []
    for label, attr in PLAYBOOK_LISTS:
        items = getattr(book, attr)
        body = _numbered(items) if items else [para("The playbook gives none.", "note")]
        # One list never splits over pages (unless longer than a page); the heading stays with the first.
        story.append(KeepTogether([*head, para(label, "h4"), *body]))
        head = []
    return story


def _numbered(items: list[str]) -> list[Flowable]:
    return [Paragraph(esc(item), styles()["item"], bulletText=f"{n}.") for n, item in enumerate(items, 1)]


def _sub(text: str, style: str = "h3") -> list[Flowable]:
    """A sub-heading that never ends a page: it starts a new one unless some lines fit below it."""
    return [CondPageBreak(KEEP_BELOW_HEADING), para(text, style)]


def _method(analysis: Analysis) -> list[Flowable]:
    story = _heading("method", "Method")
    ran = [c for c in analysis.checks if c.ran]
    story.append(para(
        f"{len(ran)} of {len(analysis.checks)} checks ran over the {analysis.events_total:,} normalized events "
        "of all inputs. A check that did not run could not look for its pattern: its absence from the findings "
        "says nothing about this evidence."))
    descriptions = {c.id: c.description for c in CHECKS}
    if analysis.checks:
        story.append(tables.checks_table(analysis.checks, descriptions, FRAME_WIDTH))
    story += [Spacer(1, 4 * mm), *_sub("Configuration in force", "h2")]
    story.append(para("Thresholds and lists of each check, after any case or run overrides.", "note"))
    if analysis.config:
        story.append(tables.config_table(analysis.config, FRAME_WIDTH))
    books = analysis.playbooks
    story += [Spacer(1, 4 * mm), *_sub("Playbooks", "h2")]
    count = len(books.playbooks)
    story.append(para(f"{count} playbook{'s' * (count != 1)} loaded: "
                      + (", ".join(sorted(books.playbooks)) or "none") + "."))
    for error in books.errors:
        story.append(para(f"Not loaded: {error}", "error"))
    return story
