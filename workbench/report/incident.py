"""The report's first pages and its body: the executive summary (the one-line verdict, then every incident of
high or critical severity in a few plain sentences, triaged or not) and one section per incident (its facts,
narrative, storyline on the kill chain, containment when confirmed or likely, and its findings).

Every log-derived string goes through ``para`` / ``esc``: names, addresses and titles are attacker-controlled."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from ..events import format_ts
from ..findings import SEVERITIES, Finding
from ..playbooks import Playbook
from . import tables
from .context import Context, heading, sub
from .finding import checklist, finding_section, first_per_text
from .layout import FRAME_WIDTH, Anchor
from .model import STATE_LABELS, ChecklistItem
from .styles import esc, markup, one_line, para, severity_label, styles
from .summary import escalation, listing
from .verdict import HIGH, IncidentView, sentences, verdict

SUMMARY_FULL = 6  # high or critical incidents told in sentences on the first pages; the next ones in one line
SUMMARY_LINES = 30  # ... up to this many, then a count
STORY_ROWS = 40  # storyline rows of one incident
STORY_FROM = 3  # an incident of more findings than this gets a storyline table
CONTAINMENT_BOOKS = 3  # playbooks whose containment steps an incident's section lists (the rest: appendix)


def playbooks_of(ctx: Context, findings: list[Finding]) -> list[tuple[Playbook, list[Finding]]]:
    """The distinct playbooks of ``findings``, in their order, with the findings each covers."""
    out: dict[str, tuple[Playbook, list[Finding]]] = {}
    for f in findings:
        book = ctx.analysis.playbook_for(f)
        if book is not None:
            out.setdefault(book.technique, (book, []))[1].append(f)
    return list(out.values())


def containment_steps(ctx: Context, view: IncidentView) -> list[str]:
    """The containment steps of the incident's playbooks, each once, in the order the playbooks give them."""
    steps: dict[str, None] = {}
    for book, _ in playbooks_of(ctx, view.shown):
        for step in book.containment:
            steps.setdefault(step.strip())
    return list(steps)


def containment_groups(ctx: Context, view: IncidentView) \
        -> tuple[list[tuple[Playbook, list[Finding]]], list[tuple[Playbook, list[Finding]]]]:
    """The playbooks of an incident confirmed or likely whose containment its section lists (those of its most
    severe findings, at most CONTAINMENT_BOOKS), and the rest, listed in the appendix."""
    if not view.act:
        return [], []
    groups = playbooks_of(ctx, view.shown)
    groups.sort(key=lambda g: -max(f.severity_rank for f in g[1]))  # stable: time order among equals
    return groups[:CONTAINMENT_BOOKS], groups[CONTAINMENT_BOOKS:]


def _headline(view: IncidentView) -> str:
    """Markup: 'Incident 1 · CRITICAL · high confidence · NOT TRIAGED · title' (the title escaped)."""
    i = view.incident
    status = view.status_text()
    state = f'<font color="#b03a2e"><b>{esc(status)}</b></font>' if view.status == "new" else esc(status)
    return (f"<b>Incident {view.number}</b> · {severity_label(i.severity)} · {esc(i.confidence)} confidence · "
            f"{state} · {esc(i.title)}")


def executive_summary(ctx: Context) -> list[Flowable]:
    analysis = ctx.analysis
    ran = sum(1 for c in analysis.checks if c.ran)
    story = heading("summary", "Executive summary")
    story.append(para(verdict(ctx.incidents, ran), "verdict"))
    live = ctx.live
    high = [v for v in live if v.incident.severity_rank >= HIGH]
    lower = [v for v in live if v.incident.severity_rank < HIGH]
    n_findings = len(analysis.findings)
    reviewed = sum(1 for f in analysis.findings if ctx.case.of(f).state != "new")
    story.append(para(
        f"{n_findings:,} finding{'s' * (n_findings != 1)} from {ran} checks over {analysis.events_total:,} events "
        f"form {len(ctx.incidents):,} incident{'s' * (len(ctx.incidents) != 1)} (findings joined by one person, "
        f"credential, rare address or machine); the analyst has reviewed {reviewed:,} of the findings. Every "
        "incident of high or critical severity is listed here whether triaged or not.", "note"))
    if high:
        story += sub(f"High and critical incidents ({len(high)})", "h3")
    for view in high[:SUMMARY_FULL]:
        block: list[Flowable] = [markup(_headline(view), "body")]
        for line in sentences(view, containment_steps(ctx, view)):
            head, _, rest = line.partition(": ")
            block.append(Paragraph(f"<b>{esc(head)}:</b> {esc(rest)}", styles()["item"], bulletText="•"))
        story.append(KeepTogether([*block, Spacer(1, 2 * mm)]))
    for view in high[SUMMARY_FULL:SUMMARY_LINES]:
        i = view.incident
        story.append(Paragraph(f"{_headline(view)}, {esc(format_ts(i.first))}", styles()["item"], bulletText="•"))
    if len(high) > SUMMARY_LINES:
        story.append(para(f"… and {len(high) - SUMMARY_LINES:,} more high or critical incidents, under Incidents.",
                          "note"))
    if lower:
        counts = [f"{sum(1 for v in lower if v.incident.severity == s)} {s}" for s in reversed(SEVERITIES[:HIGH])]
        story += sub("Other incidents", "h3")
        story.append(para(f"{len(lower)} of lower severity ({', '.join(c for c in counts if not c.startswith('0 '))})"
                          ": " + "; ".join(f"incident {v.number}: {v.incident.title} ({v.status_text()})"
                                           for v in lower[:8])
                          + (f"; and {len(lower) - 8} more" if len(lower) > 8 else "") + "."))
    dismissed = [v for v in ctx.incidents if v.status == "false_positive"]
    if dismissed:
        story.append(para(f"{len(dismissed)} incident{'s' * (len(dismissed) != 1)} judged false positive in every "
                          "finding: in the appendix, False positives.", "note"))
    story += sub("Escalation", "h3")
    story.append(para(escalation(analysis.findings, ctx.case)))
    _, _, coverage = analysis.cross_source()
    gaps = coverage.not_looked_at()
    if gaps:
        story.append(para(f"What the data could not answer: {len(gaps)} point{'s' * (len(gaps) != 1)} (appendix, "
                          "Scope and evidence), e.g. " + gaps[0], "note"))
    return story


def incident_sections(ctx: Context) -> list[Flowable]:
    story: list[Flowable] = []
    for n, view in enumerate(ctx.live):
        story.append(CondPageBreak(45 * mm) if n else Spacer(1, 0))
        story += incident_section(ctx, view)
    return story


def incident_section(ctx: Context, view: IncidentView) -> list[Flowable]:
    i = view.incident
    story: list[Flowable] = [Anchor(f"incident-{view.number}",
                                    f"Incident {view.number}. {i.severity.upper()}: {i.title}", 1),
                             markup(f"Incident {view.number}&nbsp;&nbsp;{severity_label(i.severity)}&nbsp;&nbsp;"
                                    f"{esc(i.title)}", "h2")]
    people = [one_line(p.label) for p in i.people]
    facts: list[tuple[str, Any]] = [
        ("Status", f"{view.status_text()} · id {i.id}"),
        ("Severity", f"{i.severity}: " + "; ".join(i.severity_reasons)),
        ("Confidence", f"{i.confidence}: " + "; ".join(i.confidence_reasons)),
        ("When", tables.time_range(i.first, i.last)),
        ("People", listing(people, 8) if people else "none resolved"),
    ]
    if len(i.accounts) > len(i.people):
        facts.append(("Accounts", listing([one_line(a) for a in i.accounts], 12)))
    facts.append(("Source IPs", listing([one_line(i.place(ip)) for ip in i.ips], 8) if i.ips else "none recorded"))
    if not view.act:
        facts.append(("Containment", "none listed yet: the incident is neither confirmed by the analyst nor likely "
                                     "(high confidence); triage its findings first"))
    story.append(tables.key_values(facts, FRAME_WIDTH, 0.2))
    if len(view.findings) > 1:  # one finding's own words tell an incident of one
        story += [*sub("What happened", "h4"), para(i.narrative)]
    if len(view.findings) > STORY_FROM:  # a few findings below say their tactic themselves
        story += [*sub("Storyline on the ATT&CK kill chain", "h4"), _storyline(ctx, view)]
    story += _containment(ctx, view)
    for f in view.shown:
        story += finding_section(ctx, f)
    return story


def _storyline(ctx: Context, view: IncidentView) -> Flowable:
    widths = (0.2, 0.16, 0.05, 0.09, 0.38, 0.12)
    room = tables._room(widths, FRAME_WIDTH)
    by_id = {f.id: f for f in view.findings}
    rows: list[list[Any]] = [tables._heads(("Time (UTC)", "Kill chain", "#", "Severity", "Finding", "State"))]
    steps = view.incident.steps
    for s in steps[:STORY_ROWS]:
        f = by_id.get(s.finding)
        number = str(ctx.number(f)) if f is not None else ""
        state = STATE_LABELS.get(ctx.case.of(f).state, "").split(" (")[0] if f is not None else ""
        tactic = s.tactic or "not on the chain"
        rows.append([para(format_ts(s.at), "cell", room[0]), para(tactic, "cell", room[1]), para(number, "cell"),
                     markup(severity_label(s.severity), "cell"), para(s.text, "cell", room[4], 300),
                     para(state, "cell", room[5])])
    table = tables._table(rows, widths, FRAME_WIDTH)
    if len(steps) <= STORY_ROWS:
        return table
    return KeepTogether([table, para(f"and {len(steps) - STORY_ROWS} more findings, below.", "note")])


def _containment(ctx: Context, view: IncidentView) -> list[Flowable]:
    if not view.act:
        return []  # said in the incident's facts
    story = sub("Containment", "h4")
    groups, rest = containment_groups(ctx, view)
    if not groups:
        story.append(para("No playbook matches its findings: no containment steps to recommend.", "note"))
        return story
    why = "confirmed by the analyst" if view.status == "confirmed" else "likely (high confidence), not confirmed yet"
    story.append(para(f"The incident is {why}. From the playbook of each finding's ATT&CK technique; ☑ marks a "
                      "step the analyst recorded as done, ☐ one still open.", "note"))
    for book, findings in groups:
        numbers = ", ".join(str(ctx.number(f)) for f in findings)
        head = [markup(f"<b>{esc(book.name)} ({esc(book.technique)})</b>, for finding"
                       f"{'s' * (len(findings) != 1)} {esc(numbers)}:", "h4")]
        if not book.containment:
            story.append(KeepTogether([*head, para("The playbook gives no containment steps.", "note")]))
            continue
        state: list[ChecklistItem] = [i for f in findings for i in ctx.case.of(f).items("containment")]
        story.append(KeepTogether([*head, *checklist(book.containment, first_per_text(state))]))
    if rest:
        story.append(para("Containment of its other playbooks (" + ", ".join(f"{b.name} ({b.technique})"
                                                                               for b, _ in rest)
                          + ") is in the appendix, Playbook steps, Containment continued.", "note"))
    return story
