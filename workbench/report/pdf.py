"""The PDF incident handoff report: cover, executive summary, scope and evidence, timeline, one section per
finding (most severe first), recommended containment, and an appendix (false positives, notes, bookmarked
events, method). Every section is an outline entry; every page but the cover has the case id, the
classification marking and "page N of M"."""

from __future__ import annotations

import os
import tempfile
from functools import partial
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Paragraph, Spacer

from ..errors import ReportError
from ..events import format_ts
from ..paths import default_file_mode
from ..pipeline import Analysis
from . import cross, sections, tables
from .context import Context, heading, sub
from .finding import finding_section
from .layout import FRAME_WIDTH, Anchor, NumberedCanvas, ReportDoc
from .model import STATE_LABELS, CaseView, case_view
from .styles import clean, esc, fonts, markup, para, severity_label, styles
from .summary import FINDINGS_LISTED, listing, summarise

DEFAULT_TITLE = "Workbench analysis"
DEFAULT_MARKING = "UNCLASSIFIED"  # shown when the analyst gives none: the report still says it was not set


def write_report(analysis: Analysis, out: Path | str, *, title: str | None = None, analyst: str | None = None,
                 max_evidence_rows: int = 200, case: object | None = None, case_id: str | None = None,
                 organisation: str | None = None, classification: str | None = None) -> Path:
    """Write the PDF report of ``analysis`` to ``out`` atomically (a temporary file in the same folder, then a
    rename) and return its path. ``case`` is the analyst's triage state (a ``CaseView``, its dict, or the case
    file); the other keywords override what the case says. Evidence beyond ``max_evidence_rows`` per finding
    goes to CSV files beside the PDF, named in it."""
    out = Path(out)
    view = case_view(case)
    meta = {
        "title": _pick(title, view.title) or DEFAULT_TITLE, "analyst": _pick(analyst, view.analyst),
        "case_id": _pick(case_id, view.case_id), "organisation": _pick(organisation, view.organisation),
        "classification": _pick(classification, view.classification),
    }
    if not out.parent.is_dir():
        raise ReportError("cannot write the report: the folder does not exist", out)
    ctx = Context(analysis, view, out, max(0, max_evidence_rows))
    try:
        story = _story(ctx, meta)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        _remove(ctx.side_files)
        raise ReportError(f"cannot write the report: {exc.strerror or exc}", out) from exc
    os.close(fd)
    marking = meta["classification"] or DEFAULT_MARKING
    header = " · ".join(x for x in (meta["case_id"], meta["title"]) if x)
    try:
        doc = ReportDoc(tmp, title=meta["title"], author=meta["analyst"], subject=f"Incident report · {marking}",
                        creator=f"workbench {analysis.version}", initialFontName=fonts().regular)
        canvas = partial(NumberedCanvas, header=header, marking=marking,
                         footer=f"workbench {analysis.version} · created {format_ts(analysis.created)}")
        doc.build(story, canvasmaker=canvas)
        os.chmod(tmp, default_file_mode())  # a handoff report: readable as any file the analyst saves
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        _remove(ctx.side_files)
        raise ReportError(f"cannot write the report: {exc.strerror or exc}", out) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        _remove(ctx.side_files)
        raise
    return out


def _pick(given: str | None, from_case: str) -> str:
    return " ".join(clean(given if given is not None and str(given).strip() else from_case).split())


def _remove(paths: list[Path]) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def _story(ctx: Context, meta: dict[str, str]) -> list[Flowable]:
    story = _cover(ctx, meta)
    story += [PageBreak(), *_executive_summary(ctx)]
    story += [PageBreak(), *sections.scope(ctx), *cross.not_answered(ctx)]
    story += [Spacer(1, 8 * mm), CondPageBreak(130 * mm), *sections.timeline_section(ctx)]
    for n, finding in enumerate(ctx.main):
        story += [PageBreak()]
        if n == 0:
            story += heading("findings", "Findings")
        story += finding_section(ctx, finding)
    if not ctx.main:
        story += [PageBreak(), *heading("findings", "Findings"), para(_no_findings_text(ctx))]
    story += [PageBreak(), *cross.people(ctx)]
    story += [PageBreak(), *cross.lineage(ctx)]
    story += [PageBreak(), *sections.containment(ctx)]
    story += [PageBreak(), *heading("appendix", "Appendix")]
    if ctx.dismissed:
        story += heading("false-positives", "False positives", "h2", 1)
        story.append(para(f"{len(ctx.dismissed)} finding{'s' * (len(ctx.dismissed) != 1)} the analyst judged false "
                          "positive, with the evidence, for the record.", "note"))
        for finding in ctx.dismissed:
            story += [CondPageBreak(80 * mm), *finding_section(ctx, finding, level=2)]
        story.append(PageBreak())
    story += sections.notes(ctx)
    story += [Spacer(1, 6 * mm), *sections.bookmarks(ctx)]
    story += sections.marks(ctx)
    story += [PageBreak(), *sections.method(ctx)]
    return story


def _no_findings_text(ctx: Context) -> str:
    if ctx.dismissed:
        return f"All {len(ctx.dismissed)} findings were judged false positive; they are in the appendix."
    ran = sum(1 for c in ctx.analysis.checks if c.ran)
    return (f"The {ran} check{'s' * (ran != 1)} that ran found nothing to report in this evidence. The Method "
            "section lists the checks and why any did not run.")


def _cover(ctx: Context, meta: dict[str, str]) -> list[Flowable]:
    analysis = ctx.analysis
    first, last = analysis.time_range()
    story: list[Flowable] = [Anchor("cover", "Cover"), Spacer(1, 14 * mm),
                             para(meta["classification"] or DEFAULT_MARKING, "marking"), Spacer(1, 10 * mm),
                             para("Incident report", "title"), para(meta["title"], "subtitle")]
    rows: list[tuple[str, str | Flowable]] = [
        ("Case id", meta["case_id"] or "not given"),
        ("Analyst", meta["analyst"] or "not given"),
        ("Organisation", meta["organisation"] or "not given"),
        ("Classification", meta["classification"] or f"not given (marked {DEFAULT_MARKING})"),
        ("Time zone", "UTC: every time in this report is UTC"),
        ("Created at", format_ts(analysis.created)),
        ("Tool version", f"workbench {analysis.version}"),
        ("Evidence time range", tables.time_range(first, last)),
        ("Inputs", _inputs_line(analysis)),
        ("Events", f"{analysis.events_total:,}"),
        ("Findings", _findings_line(ctx)),
        ("GeoIP", "\n".join(sections.geoip_lines(analysis))),
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


def _findings_line(ctx: Context) -> str:
    findings = ctx.analysis.findings
    if not findings:
        return "none"
    counts: dict[str, int] = {}
    for f in findings:
        state = ctx.case.of(f).state
        counts[state] = counts.get(state, 0) + 1
    states = ", ".join(f"{n} {STATE_LABELS[s].split(' (')[0].lower()}" for s, n in counts.items())
    return f"{len(findings)} ({states})"


def _executive_summary(ctx: Context) -> list[Flowable]:
    s = summarise(ctx.analysis.findings, ctx.case)
    story = heading("summary", "Executive summary")
    story.append(para(s.basis, "note"))
    story.append(para(s.what))
    if s.findings:
        story += sub("What was found", "h3")
        for line, finding in zip(s.findings, s.subjects[:FINDINGS_LISTED]):
            story.append(Paragraph(_summary_line(ctx, finding, line), styles()["item"], bulletText="•"))
        if len(s.subjects) > FINDINGS_LISTED:
            story.append(para(s.findings[-1], "note"))
    story += sub("Escalation", "h3")
    story.append(para(s.escalation))
    story += sub("Affected", "h3")
    story.append(tables.key_values([
        ("Accounts", f"{len(s.accounts):,}: {listing(s.accounts)}" if s.accounts else "none recorded"),
        ("Hosts / cloud accounts", f"{len(s.hosts):,}: {listing(s.hosts)}" if s.hosts else "none recorded"),
        ("Source IPs", f"{len(s.ips):,}: {listing(s.ips)}" if s.ips else "none recorded"),
        ("Time window of the activity", s.window),
        ("Time window of the evidence", tables.time_range(*ctx.analysis.time_range())),
    ], FRAME_WIDTH))
    return story


def _summary_line(ctx: Context, finding, line: str) -> str:
    """The summary line with the severity in colour and the finding's number."""
    rest = line.split(" ", 1)[1] if " " in line else line
    return f"{severity_label(finding.severity)} {esc(rest)} <font color=\"#5f6a6a\">(finding {ctx.number(finding)})</font>"


__all__ = ["write_report", "CaseView", "markup"]
