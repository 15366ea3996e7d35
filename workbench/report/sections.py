"""The report's sections other than the cover, the summary, the incidents and the findings: the activity chart,
and the appendix's scope and evidence, key events, notes, bookmarked events and method."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from ..explore import timeline
from ..attack import AttackReferenceError, read_reference
from ..checks import CHECKS
from ..events import format_ts
from ..findings import Finding
from ..events import raw_record
from . import charts, tables
from ..enrich.geoip import DBIP_CREDIT, uses_dbip
from .context import MAX_MAPS, Context, heading, sub
from .layout import FRAME_WIDTH, Anchor
from .styles import clip, para

RAW_CHARS = 6000  # of one bookmarked original record


def _dbip(analysis) -> bool:
    """Some database in use carries DB-IP's data: credit it."""
    return uses_dbip(analysis.geoip)


def list_lines(analysis) -> list[str]:
    """The provider lists behind ``provider_class``, each with its build date."""
    return [f"{x.name}, built {x.built:%Y-%m-%d} ({x.entries:,} entries)" for x in getattr(analysis, "ip_lists", [])]


def geoip_lines(analysis) -> list[str]:
    if not analysis.geoip:
        return ["No GeoIP database was available: countries and cities are not shown and the checks "
                "that need locations did not run."]
    lines = [f"{d.database_type}, built {d.built:%Y-%m-%d} ({Path(d.path).name})" for d in analysis.geoip]
    if _dbip(analysis):
        lines.append(DBIP_CREDIT)
    return lines + list_lines(analysis)


def scope(ctx: Context) -> list[Flowable]:
    analysis = ctx.analysis
    n = len(analysis.inputs)
    story = heading("scope", "Scope and evidence", "h2", 1)
    story.append(para(
        f"{n} input file{'s' * (n != 1)} with {analysis.events_total:,} events in all. Each file is identified "
        "by its SHA-256 hash, computed when it was read; the workbench never modifies its inputs."))
    story.append(para(
        "All times in this report are UTC. Times that a log gives in another zone were converted; times "
        "without a zone were taken as UTC (noted per file below).", "note"))
    if analysis.inputs:
        story.append(tables.inputs_table(analysis.inputs, FRAME_WIDTH))
    story += [Spacer(1, 4 * mm), *sub("GeoIP database", "h3")]
    rows: list[tuple[str, str]] = []
    for d in analysis.geoip:
        rows.append((d.database_type, f"built {d.built:%Y-%m-%d}\n{d.path}" + (f"\n{d.licence}" if d.licence else "")))
    if rows:
        story.append(tables.key_values(rows, FRAME_WIDTH))
    else:
        story.append(para(geoip_lines(analysis)[0]))
    if _dbip(analysis):
        story.append(para(DBIP_CREDIT, "note"))
    if getattr(analysis, "ip_lists", None):
        story += [Spacer(1, 2 * mm), *sub("Provider lists (cloud, hosting, VPN, Tor, mobile, residential)", "h2")]
        story.append(tables.key_values([(x.name, f"built {x.built:%Y-%m-%d}, {x.entries:,} entries\n{x.path}\n"
                                             f"{x.licence}") for x in analysis.ip_lists], FRAME_WIDTH))
    for warning in analysis.geoip_warnings:
        story.append(para(f"Warning: {warning}", "error"))
    for error in analysis.geoip_errors:
        story.append(para(f"GeoIP problem: {error}", "error"))
    story += [Spacer(1, 4 * mm), *sub("Check configuration in force", "h3")]
    story.append(para("Settings after any case or run overrides; each check's single-value thresholds are in the "
                      "Method table beside the check, the lists and the other sections here.", "note"))
    story += changed_settings_lines(analysis)
    if analysis.config:
        story.append(tables.config_table(analysis.config, FRAME_WIDTH, [c.id for c in analysis.checks]))
    return story


def changed_settings_lines(analysis) -> list[Flowable]:
    """What an update pack (or a run's --config) changed from the shipped thresholds, setting by setting: a
    pack that turns a check down must say so where the reader of the report looks."""
    from ..config import changed_settings

    changed = changed_settings(analysis.config or {}) if analysis.config else []
    if not changed:
        return [para("Every threshold is the shipped one.", "note")]
    who = f"the update pack {analysis.update_pack}" if getattr(analysis, "update_pack", None) else "an override"
    shown = "; ".join(f"{name}: {old!r} → {new!r}" for name, old, new in changed[:20])
    more = f" (and {len(changed) - 20} more)" if len(changed) > 20 else ""
    return [para(f"Changed from the shipped configuration by {who} or a run's --config: {shown}{more}.", "error")]


def activity(ctx: Context) -> list[Flowable]:
    """The events of all inputs over time, with the findings marked by number."""
    hist = timeline.table_histogram(ctx.analysis.table, group_by="outcome", max_bins=96)
    if hist is None:
        return [para("The evidence holds no events." if not ctx.analysis.table.num_rows else
                     f"No event has a time from {timeline.CHART_FROM.year} to {timeline.CHART_UNTIL.year - 1} "
                     "to chart; the findings below give their events' times.")]
    story: list[Flowable] = []
    if hist.outside:
        story.append(para(f"{hist.outside} events have a time before {timeline.CHART_FROM.year} or after "
                          f"{timeline.CHART_UNTIL.year - 1} (a year 1 or 9999 written by a broken or zeroed clock): "
                          "kept in the evidence and the events table, not drawn in the chart.", "note"))
    marks = timeline.marks(hist, ctx.main)
    return [Anchor("timeline", "Activity over time", 1), *story,
            KeepTogether([para("Activity over time", "h3"), charts.activity_chart(hist, marks, FRAME_WIDTH),
                          para("All events of all inputs per time bin by outcome; the bands above are the "
                               "findings by number (colour: severity), from first to last event.", "note")])]


def bookmark_row(ctx: Context, bookmark) -> int | None:
    lookup = getattr(ctx, "_bookmark_rows", None)
    if lookup is None:
        files = ctx.analysis.table.column("file").to_pylist()
        refs = ctx.analysis.table.column("ref").to_pylist()
        wanted = {(b.file, b.ref) for b in ctx.case.bookmarks}
        lookup = {(f, r): i for i, (f, r) in enumerate(zip(files, refs)) if (f, r) in wanted}
        ctx._bookmark_rows = lookup  # type: ignore[attr-defined]
    return lookup.get((bookmark.file, bookmark.ref))


def notes(ctx: Context) -> list[Flowable]:
    story = heading("notes", "Analyst's notes", "h2", 1)
    if not ctx.case.notes:
        story.append(para("No notes were recorded in the case.", "note"))
        return story
    rows = []
    for note in sorted(ctx.case.notes, key=lambda n: (n.at is None, n.at or 0)):
        finding = ctx.by_id(note.finding_id)
        rows.append((format_ts(note.at) if note.at else "", note.author,
                     f"{ctx.number(finding)}. {finding.title}" if finding else (note.finding_id or "the case"),
                     note.text))
    story.append(tables.notes_table(rows, FRAME_WIDTH))
    return story


def bookmarks(ctx: Context) -> list[Flowable]:
    story = heading("bookmarks", "Bookmarked events", "h2", 1)
    if not ctx.case.bookmarks:
        story.append(para("No events were bookmarked.", "note"))
        return story
    story.append(para("Each event the analyst bookmarked, with its original record as read from the evidence.",
                      "note"))
    table = ctx.analysis.table
    for n, b in enumerate(ctx.case.bookmarks, 1):
        row = bookmark_row(ctx, b)
        head = [para(f"Bookmark {n}: {b.source or 'event'} {b.ref}", "h4")]
        facts = [("File", b.file), ("Record", b.ref)]
        finding = ctx.by_id(b.finding_id)
        if finding:
            facts.append(("Finding", f"{ctx.number(finding)}. {finding.title}"))
        if b.note:
            facts.append(("Analyst's note", b.note))
        if row is None:
            story.append(KeepTogether([*head, tables.key_values(facts, FRAME_WIDTH, 0.18),
                                       para("This record is not in the analysed evidence.", "error")]))
            continue
        facts.insert(0, ("Time", format_ts(table.column("ts")[row].as_py())))
        raw = raw_record(table, row)
        body = Paragraph(_mono(clip(raw or "(the original record is not available)", RAW_CHARS)),
                         _raw_style())
        story.append(KeepTogether([*head, tables.key_values(facts, FRAME_WIDTH, 0.18), Spacer(1, 1.5 * mm)]))
        story += [para("Original record", "cell_bold"), body, Spacer(1, 3 * mm)]
    return story


def marks(ctx: Context) -> list[Flowable]:
    """The analyst's tags, stars and comments: one row per marked finding or event (nothing when none)."""
    marked = [m for m in ctx.case.marks if not m.empty]
    if not marked:
        return []
    story = heading("marks", "Tags, stars and comments", "h2", 1)
    widths = (0.34, 0.2, 0.06, 0.4)
    room = [w * FRAME_WIDTH - 8 for w in widths]
    rows: list[list] = [[para(h, "head") for h in ("Finding or event", "Tags", "Star", "Comment")]]
    for m in sorted(marked, key=lambda m: (m.kind != "finding", m.file, m.ref)):
        finding = ctx.by_id(m.ref) if m.kind == "finding" else None
        what = (f"Finding {ctx.number(finding)}. {finding.title}" if finding is not None else
                f"Finding {m.ref}" if m.kind == "finding" else f"Event {Path(m.file).name} #{m.ref}")
        rows.append([para(what, "cell", room[0]), para(", ".join(m.tags), "cell", room[1]),
                     para("yes" if m.starred else "", "cell"), para(m.comment, "cell", room[3])])
    story.append(tables._table(rows, widths, FRAME_WIDTH, split_in_row=True))
    return story


def _mono(text: str) -> str:
    from .styles import esc_fit, fonts

    return esc_fit(text, fonts().mono, 7, FRAME_WIDTH - 12, RAW_CHARS + 100)


def _raw_style():
    from reportlab.lib.styles import ParagraphStyle

    from .styles import HEADER_FILL, RULE, styles

    base = styles()["mono"]
    return ParagraphStyle("raw", base, fontSize=7, leading=9, backColor=HEADER_FILL, borderColor=RULE,
                          borderWidth=0.4, borderPadding=4, leftIndent=4, rightIndent=4, spaceBefore=2, spaceAfter=4)


def method(ctx: Context) -> list[Flowable]:
    analysis = ctx.analysis
    story = heading("method", "Method", "h2", 1)
    ran = [c for c in analysis.checks if c.ran]
    story.append(para(
        f"{len(ran)} of {len(analysis.checks)} checks ran over the {analysis.events_total:,} normalized events "
        "of all inputs (each check's description shortened; the README's Checks table has it whole). "
        "A check that did not run could not look for its pattern: its absence from the findings "
        "says nothing about this evidence. Thresholds are those in force for this report (see Scope and "
        "evidence)."))
    descriptions = {c.id: c.description for c in CHECKS}
    if analysis.checks:
        story.append(tables.checks_table(analysis.checks, descriptions, FRAME_WIDTH, analysis.config))
    story.append(para(f"Login maps are drawn for the first finding where geography matters in each of the first "
                      f"{MAX_MAPS} high or critical incidents; the workbench's map shows any finding's.", "note"))
    books = analysis.playbooks
    story += [Spacer(1, 4 * mm), *sub("Playbooks and ATT&CK reference", "h3")]
    count = len(books.playbooks)
    story.append(para(f"{count} playbook{'s' * (count != 1)} loaded: "
                      + (", ".join(sorted(books.playbooks)) or "none") + "."))
    for error in books.errors:
        story.append(para(f"Not loaded: {error}", "error"))
    try:
        version = read_reference().attack_version
    except AttackReferenceError as exc:  # a broken reference file must not stop the report; it is named
        story.append(para(f"ATT&CK reference: {exc}", "error"))
    else:
        story.append(para(f"Technique names from the offline MITRE ATT&CK reference"
                          + (f" (ATT&CK {version})" if version else "") + "."))
    if ctx.side_files:
        story += [Spacer(1, 4 * mm), *sub("Files beside this report", "h3")]
        story.append(para("Evidence rows beyond the report's cap of "
                          f"{ctx.max_rows:,} per finding, as CSV (cells that a spreadsheet would run as a formula "
                          "start with an apostrophe):", "note"))
        story.append(para(", ".join(p.name for p in ctx.side_files)))
    return story
