"""The PDF incident handoff report, read in two minutes: the cover facts and the executive summary on pages
1-2 (the verdict, every high or critical incident in plain sentences), then one section per incident with its
storyline, containment (when confirmed or likely) and findings, then the appendix (evidence tables, scope with
input hashes and configuration, key events, people, credential lineage, playbook steps, false positives,
notes, bookmarked events, method). Every section is an outline entry; every page but the first has the case
id, the classification marking and "page N of M"."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Spacer

from ..errors import ReportError
from ..events import format_ts
from ..evidence.outputs import atomic_path
from ..analysis import Analysis
from . import cross, sections, tables
from .context import Context, heading
from .finding import checklist, evidence_section, finding_section, first_per_text, needs_appendix, playbook_steps
from .incident import containment_groups, executive_summary, incident_sections, playbooks_of
from .layout import FRAME_WIDTH, Anchor, NumberedCanvas, ReportDoc
from .model import STATE_LABELS, CaseView, case_view
from .styles import clean, esc, fonts, markup, para

DEFAULT_TITLE = "Workbench analysis"
DEFAULT_MARKING = "UNCLASSIFIED"  # shown when the analyst gives none: the report still says it was not set


def write_report(analysis: Analysis, out: Path | str, *, title: str | None = None, analyst: str | None = None,
                 max_evidence_rows: int = 5, case: object | None = None, case_id: str | None = None,
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
    except OSError as exc:
        _remove(ctx.side_files)
        raise ReportError(f"cannot write the report: {exc.strerror or exc}", out) from exc
    marking = meta["classification"] or DEFAULT_MARKING
    header = " · ".join(x for x in (meta["case_id"], meta["title"]) if x)
    try:
        with atomic_path(out, suffix=".part") as tmp:
            doc = ReportDoc(str(tmp), title=meta["title"], author=meta["analyst"],
                            subject=f"Incident report · {marking}", creator=f"workbench {analysis.version}",
                            initialFontName=fonts().regular)
            canvas = partial(NumberedCanvas, header=header, marking=marking,
                             footer=f"workbench {analysis.version} · created {format_ts(analysis.created)}")
            doc.build(story, canvasmaker=canvas)
    except OSError as exc:
        _remove(ctx.side_files)
        raise ReportError(f"cannot write the report: {exc.strerror or exc}", out) from exc
    except BaseException:
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
    story += [Spacer(1, 6 * mm), *executive_summary(ctx)]
    story += [PageBreak(), *heading("incidents", "Incidents")]
    story += sections.activity(ctx)
    if ctx.live:
        story += incident_sections(ctx)
    else:
        story.append(para(_no_findings_text(ctx)))
    story += [CondPageBreak(120 * mm), *heading("appendix", "Appendix")]
    long = [f for f in ctx.main if needs_appendix(ctx, f)]
    if long:
        story += heading("evidence", "Evidence", "h2", 1)
        story.append(para(f"The evidence of each finding with more than a few events: the first {ctx.max_rows:,} "
                          "rows; any more are in a CSV file beside this report, named below its table.", "note"))
        for finding in long:
            story += evidence_section(ctx, finding)
    story += [CondPageBreak(80 * mm), *sections.scope(ctx), *cross.not_answered(ctx)]
    story += [CondPageBreak(60 * mm), *cross.people(ctx)]
    story += [CondPageBreak(60 * mm), *cross.lineage(ctx)]
    story += [CondPageBreak(60 * mm), *_playbook_steps(ctx)]
    if ctx.dismissed:
        story += [CondPageBreak(60 * mm), *heading("false-positives", "False positives", "h2", 1)]
        story.append(para(f"{len(ctx.dismissed)} finding{'s' * (len(ctx.dismissed) != 1)} the analyst judged false "
                          "positive, with the evidence, for the record.", "note"))
        for finding in ctx.dismissed:
            story += [CondPageBreak(40 * mm), *finding_section(ctx, finding)]
            if needs_appendix(ctx, finding):
                story += evidence_section(ctx, finding)
    story += [CondPageBreak(60 * mm), *sections.notes(ctx)]
    story += [Spacer(1, 6 * mm), *sections.bookmarks(ctx)]
    story += sections.marks(ctx)
    story += [CondPageBreak(50 * mm), *sections.method(ctx)]
    return story


def _playbook_steps(ctx: Context) -> list[Flowable]:
    """The L1 steps and T2 actions of each playbook the analyst worked on (ticked or assigned a step for any
    of its findings), with their state; the other playbooks by name and size."""
    story = heading("playbook-steps", "Playbook steps", "h2", 1)
    groups = playbooks_of(ctx, ctx.main)
    if not groups:
        story.append(para("No playbook matches the findings.", "note"))
        return story
    state = {book.technique: [i for f in findings for i in ctx.case.of(f).checklist
                              if i.section in ("l1_steps", "t2_actions")] for book, findings in groups}
    worked = [(b, fs) for b, fs in groups if state[b.technique]]
    rest = [(b, fs) for b, fs in groups if not state[b.technique]]
    if worked:
        story.append(para("The playbooks the analyst worked on, with their L1 steps and T2 actions; ☑ marks a step "
                          "recorded as done for any of its findings, ☐ one still open.", "note"))
    for book, findings in worked:
        story += playbook_steps(book, findings, [ctx.number(f) for f in findings],
                                first_per_text(state[book.technique]))
    more: dict[str, tuple[object, list]] = {}  # containment beyond what the incidents' sections list
    for view in ctx.live:
        for book, findings in containment_groups(ctx, view)[1]:
            more.setdefault(book.technique, (book, []))[1].extend(findings)
    if more:
        story += [para("Containment continued", "h3"),
                  para("The containment steps of the confirmed or likely incidents' other playbooks; ☑ marks a step "
                       "the analyst recorded as done, ☐ one still open.", "note")]
    for book, findings in more.values():
        done = [i for f in findings for i in ctx.case.of(f).items("containment")]
        story.append(KeepTogether([
            markup(f"<b>{esc(book.name)} ({esc(book.technique)})</b>, for finding{'s' * (len(findings) != 1)} "
                   f"{esc(', '.join(str(ctx.number(f)) for f in findings))}:", "h4"),
            *checklist(book.containment, first_per_text(done), "item_small")]))
    if rest:
        story.append(para(("The other playbooks" if worked else "The findings' playbooks") + ", no step of which the "
                          "analyst has recorded yet (their steps are in the workbench's playbook pane and the "
                          "playbook files; containment steps are under each incident confirmed or likely): "
                          + "; ".join(f"{b.name} ({b.technique}), {len(b.l1_steps)} L1 steps and {len(b.t2_actions)} "
                                      f"T2 actions, for finding{'s' * (len(fs) != 1)} "
                                      + ", ".join(str(ctx.number(f)) for f in fs) for b, fs in rest) + "."))
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
    story: list[Flowable] = [Anchor("cover", "Cover"),
                             para(meta["classification"] or DEFAULT_MARKING, "marking"), Spacer(1, 5 * mm),
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
        ("Incidents", _incidents_line(ctx)),
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


def _incidents_line(ctx: Context) -> str:
    if not ctx.incidents:
        return "none"
    counts: dict[str, int] = {}
    for v in ctx.incidents:
        counts[v.incident.severity] = counts.get(v.incident.severity, 0) + 1
    return f"{len(ctx.incidents)} (" + ", ".join(f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low")
                                                 if s in counts) + ")"


__all__ = ["write_report", "CaseView", "markup"]
