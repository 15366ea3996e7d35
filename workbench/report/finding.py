"""One finding's section inside its incident: ATT&CK techniques, explanation, the analyst's triage (state,
answers, escalation), a few evidence rows (the longer tables in the appendix, beyond the cap in a CSV beside
the PDF), a map of login locations where geography matters, and its playbook named (the playbooks' steps,
with their checklist state, are in the appendix)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from ..attack import lookup
from ..checks import CHECKS
from ..events import format_ts
from ..findings import SEVERITIES, Finding
from ..playbooks import Playbook
from ..explore.triage import assess
from ..explore import worldmap
from . import charts, sidecar, tables
from .context import MAX_ASSESSED, MAX_MAPS, Context, sub
from .layout import FRAME_WIDTH, Anchor
from .model import STATE_LABELS, ChecklistItem, Triage
from .styles import clip, esc, markup, one_line, para, severity_label, styles

SHORT_LIST = 4  # accounts, IPs, hosts named per finding (all of them are in the findings JSON and the CSV)
INLINE_ROWS = 3  # evidence of at most this many events is shown in the finding's section; longer in the appendix
GEO_CHECKS = frozenset(c.id for c in CHECKS if c.needs_geo)
CHECK_MARKS = {True: "☑", False: "☐"}


def finding_section(ctx: Context, finding: Finding, level: int = 2) -> list[Flowable]:
    """One finding in a few lines: its state, check, time, ATT&CK techniques, accounts, addresses and hosts;
    what was found; the analyst's decision and the suggestion from the escalation criteria, with the analyst's
    own answers; its evidence (up to a few events here, more in the appendix); a login map where geography
    matters (once per high or critical incident)."""
    analysis, number = ctx.analysis, ctx.number(finding)
    triage = ctx.case.of(finding)
    rows = ctx.rows(finding)
    seen = format_ts(finding.first_seen) if finding.first_seen == finding.last_seen else \
        f"{format_ts(finding.first_seen)} to {format_ts(finding.last_seen)}"
    book = analysis.playbook_for(finding)
    incident = ctx.incident_of(finding)
    step = next((st for st in incident.incident.steps if st.finding == finding.id), None) if incident else None
    tactic = f"{step.tactic} · " if step is not None and step.tactic else ""
    lines = [f"{STATE_LABELS.get(triage.state, triage.state)} · {tactic}{finding.check} · {seen} · "
             + (f"playbook {book.technique}" if book else "no playbook") + f" · id {finding.id}",
             f"ATT&CK {techniques_line(finding.techniques)} · "
             + " · ".join(tables.shortlist([one_line(x) for x in v], SHORT_LIST) or "none recorded" for v in
                          (finding.users, finding.ips, finding.hosts))]
    agents = tables.user_agents(analysis, rows)
    if agents:
        lines.append(f"user agent {clip(one_line(agents[0][0]), 300)} ({agents[0][1]}×)"
                     + (f" and {len(agents) - 1} more" if len(agents) > 1 else ""))
    story: list[Flowable] = [
        Anchor(f"finding-{number}", f"{number}. {finding.severity.upper()}: {finding.title}", level),
        markup(f"{number}. {severity_label(finding.severity)}&nbsp;&nbsp;{esc(one_line(finding.title))}", "h3f"),
        para("\n".join(lines), "note"), para(one_line(finding.explanation), "body_small")]
    story += _triage(ctx, finding, triage, book)
    if book is None:
        story.append(para(f"No playbook for these techniques ({', '.join(finding.techniques)}).", "note"))
    story += _evidence_here(ctx, rows, number)
    story += _map(ctx, finding, rows)
    return story


def techniques_line(ids: tuple[str, ...]) -> str:
    """'T1110.001 Brute Force: Password Guessing; T1078.004 …' (names from the offline reference)."""
    out = []
    for tid in ids:
        found = lookup(tid)
        out.append(f"{tid} {found.technique.name}" if found and found.exact else tid)
    return "; ".join(out) or "none"


def _evidence_here(ctx: Context, rows: np.ndarray, number: int) -> list[Flowable]:
    """A short evidence table in the finding's section; a longer one is only named here."""
    total = len(rows)
    if not total:
        return [*sub("Evidence", "h4"), para("None of the finding's evidence references was found in the event table.",
                                       "error")]
    key = tuple(int(r) for r in rows)
    if key in ctx.shown_rows:
        return [para(f"Evidence: the same {'event' if total == 1 else f'{total:,} events'} as finding "
                     f"{ctx.shown_rows[key]}.", "note")]
    ctx.shown_rows[key] = number
    if total <= INLINE_ROWS and ctx.max_rows >= total:
        return [tables.evidence_table(ctx.analysis, rows, FRAME_WIDTH)]
    return [para(f"Evidence: {total:,} events, in the appendix (Evidence, finding {number}).", "note")]


def needs_appendix(ctx: Context, finding: Finding) -> bool:
    """Whether the finding's evidence is too long for its section (and not the same as another finding's)."""
    rows = ctx.rows(finding)
    if ctx.shown_rows.get(tuple(int(r) for r in rows), ctx.number(finding)) != ctx.number(finding):
        return False
    return len(rows) > INLINE_ROWS or len(rows) > ctx.max_rows


def _triage(ctx: Context, finding: Finding, triage: Triage, book: Playbook | None) -> list[Flowable]:
    """The decision and the suggestion (with the criteria the data meets) in one paragraph; the questions and
    criteria the analyst answered as tables; how many are still open."""
    view = None
    if book and ctx.assessed < MAX_ASSESSED:
        ctx.assessed += 1
        view = assess(ctx.analysis, finding, book)
    decision = triage.decision
    if decision.decision:
        who = ", ".join(x for x in (decision.by, format_ts(decision.at) if decision.at else "") if x)
        text = f"Triage: the analyst decided to {decision.decision}" + (f" ({who})" if who else "")
        text += f". Reason: {decision.reason.rstrip('.')}." if decision.reason else "."
    else:
        text = "Triage: no decision yet."
    suggested = decision.suggested or (view.suggestion if view else "")
    if suggested:
        text += f" The escalation criteria suggest (from the data): {suggested}"
        text += f" ({view.suggestion_reason.rstrip('.')})." if view and view.suggestion_reason and \
            not decision.suggested else "."
    story: list[Flowable] = [para(text, "body_small")]
    questions = list(book.questions) if book else []
    answers = {a.question.strip(): a for a in triage.answers}
    facts = {q.question.strip(): q.facts for q in view.questions} if view else {}
    given = [a for a in triage.answers if a.answer != "unknown" or a.note]
    asked = {q.strip() for q in questions}
    rows = [(q, answers[q.strip()].answer, _answer_note(answers[q.strip()], facts.get(q.strip(), ())))
            for q in questions if q.strip() in answers and answers[q.strip()] in given]
    rows += [(a.question, a.answer, _answer_note(a, ())) for a in given if a.question.strip() not in asked]
    if rows:
        story += [para("Playbook questions the analyst answered", "h4"), tables.answers_table(rows, FRAME_WIDTH)]
    listed = list(book.escalation) if book else []
    criteria = {c.text.strip(): c for c in triage.criteria}
    computed = {c.criterion.strip(): c for c in view.criteria} if view else {}
    assessed = [c for c in triage.criteria if c.status != "unknown" or c.basis]
    if assessed:
        crit_rows = [_criterion_row(c.text, c, computed.get(c.text.strip())) for c in assessed]
        met = sum(1 for r in crit_rows if r[1].startswith("met"))
        story += [para(f"Escalation criteria the analyst assessed ({met} of {len(crit_rows)} met)", "h4"),
                  tables.criteria_table(crit_rows, FRAME_WIDTH)]
    open_q = sum(1 for q in questions if not (q.strip() in answers and answers[q.strip()] in given))
    open_c = sum(1 for c in listed if c.strip() not in criteria or criteria[c.strip()] not in assessed)
    if (open_q or open_c) and (given or assessed or decision.decision):  # untouched: the state says "new" already
        story[0] = para(f"{text} Not answered by the analyst yet: {open_q} of {len(questions)} questions, "
                        f"{open_c} of {len(listed)} criteria.", "body_small")
    if not view and book:
        story.append(para(f"This report measures the escalation criteria of its {MAX_ASSESSED} most severe findings "
                          "only; the workbench's triage view measures any finding.", "note"))
    return story


def _criterion_row(text: str, analyst, computed) -> tuple[str, str, str]:
    if analyst is not None and analyst.status != "unknown":
        return text, analyst.status, analyst.basis
    if computed is not None:
        basis = "; ".join(x for x in (analyst.basis if analyst else "", computed.why) if x)
        return text, computed.status + ("\n(from the data)" if computed.status != "unknown" else ""), basis
    return text, analyst.status if analyst else "unknown", analyst.basis if analyst else ""


def _answer_note(answer, facts) -> str:
    parts = [answer.note] if answer else []
    if answer and answer.evidence:
        parts.append(f"Data: {answer.evidence}")
    parts += [f"Data: {f.summary}" for f in facts[:3]]
    return "\n".join(p for p in parts if p)


def evidence_section(ctx: Context, finding: Finding) -> list[Flowable]:
    """The appendix's evidence of one finding: up to the report's cap of rows, the rest in a CSV beside it."""
    rows, number = ctx.rows(finding), ctx.number(finding)
    total = len(rows)
    story: list[Flowable] = [Anchor(f"evidence-{number}", f"Evidence of finding {number}", 2),
                             *sub(f"Finding {number}: {one_line(finding.title)} ({total:,} event{'s' * (total != 1)})")]
    if not total:
        story.append(para("None of the finding's evidence references was found in the event table.", "error"))
        return story
    shown = rows[:ctx.max_rows]
    if len(shown):
        story.append(tables.evidence_table(ctx.analysis, shown, FRAME_WIDTH))
    if total > len(shown):
        path = sidecar.sidecar_path(ctx.out, number)
        sidecar.write_evidence_csv(ctx.analysis.table, rows[len(shown):], path)
        ctx.side_files.append(path)
        story.append(Spacer(1, 2 * mm))
        story.append(para(f"The first {len(shown):,} of {total:,} events are shown; the other "
                          f"{total - len(shown):,} are in the file {path.name} beside this report.", "note"))
    return story


def _map(ctx: Context, finding: Finding, rows: np.ndarray) -> list[Flowable]:
    """The login map of the first finding where geography matters in each high or critical incident, for the
    first MAX_MAPS such incidents (the Method section says so; the workbench's map shows any finding)."""
    incident = ctx.incident_of(finding)
    if incident is None or incident.incident.severity_rank < SEVERITIES.index("high") \
            or incident.number in ctx.mapped or ctx.maps >= MAX_MAPS:
        return []
    if finding.check not in GEO_CHECKS:  # geography matters when the evidence itself spans countries
        seen = {c for c in ctx.analysis.table.column("country").take(pa.array(rows, pa.int64())).to_pylist() if c}
        if len(seen) < 2:
            return []
    ctx.maps += 1
    ctx.mapped.add(incident.number)
    lmap = worldmap.finding_map(ctx.analysis, finding)
    countries = {p.country for p in lmap.points if p.country}
    if not lmap.points or (finding.check not in GEO_CHECKS and len(countries) < 2):
        return []
    drawing = charts.login_map(lmap, _outline(), FRAME_WIDTH * 0.42)
    n = len(lmap.points)
    caption = (f"Login attempts of the finding's accounts from {n} place{'s' * (n != 1)} in "
               f"{len(countries)} countr{'ies' if len(countries) != 1 else 'y'}, located with the offline GeoIP "
               "database (approximate: an IP address's location is not a device's).")
    if lmap.unlocated:
        caption += f" {lmap.unlocated:,} logins could not be located (private addresses or no data)."
    if lmap.truncated:
        caption += f" Only the first {len(lmap.users)} accounts are drawn."
    if lmap.impossible_legs:
        caption += " " + " ".join(
            f"{leg.user}: {leg.from_place or leg.from_ip} → {leg.to_place or leg.to_ip}, at least {leg.km:,.0f} km "
            f"in {(leg.end - leg.start).total_seconds() / 60:,.0f} min." for leg in lmap.impossible_legs[:5])
    return [KeepTogether([*sub("Login locations", "h4"), drawing, Spacer(1, 2 * mm), para(caption, "note")])]


@lru_cache(maxsize=1)
def _outline() -> worldmap.Outline | None:
    try:
        return worldmap.load_outline()
    except (OSError, ValueError, KeyError):  # the outline file is missing or broken: draw the places alone
        return None


def playbook_steps(book: Playbook, findings: list[Finding], numbers: list[int], state: list[ChecklistItem]) \
        -> list[Flowable]:
    """One playbook's L1 steps and T2 actions with their checklist state (a step done for any of its findings
    counts as done), for the appendix."""
    tactics = ", ".join(book.tactics)
    head: list[Flowable] = [para(f"{book.name} ({book.technique}{'; ' + tactics if tactics else ''})", "h3"),
                            para(f"For finding{'s' * (len(numbers) != 1)} {', '.join(map(str, numbers))}.", "note")]
    story: list[Flowable] = []
    for label, attr in (("Additional Analysis Steps for L1", "l1_steps"), ("T2 Analyst Actions", "t2_actions")):
        items = getattr(book, attr)
        done = [i for i in state if i.section == attr]
        body = checklist(items, first_per_text(done), "item_small") if items else \
            [para("The playbook gives none.", "note")]
        story.append(KeepTogether([*head, para(label, "h4"), *body]))
        head = []
    return story


def first_per_text(items: list[ChecklistItem]) -> list[ChecklistItem]:
    """One state per step text, a done one first."""
    seen: dict[str, ChecklistItem] = {}
    for i in sorted(items, key=lambda i: not i.done):
        seen.setdefault(i.text.strip(), i)
    return list(seen.values())


def checklist(items: list[str], state: list[ChecklistItem], style: str = "item") -> list[Flowable]:
    """The playbook's ``items`` with the analyst's checklist ``state`` (matched by text): ☑/☐, who and when."""
    by_text = {i.text.strip(): i for i in state}
    out: list[Flowable] = []
    for n, item in enumerate(items, 1):
        done = by_text.get(item.strip())
        mark = CHECK_MARKS[bool(done and done.done)]
        extra = ""
        if done and (done.who or done.when):
            who = ", ".join(x for x in (done.who, format_ts(done.when) if done.when else "") if x)
            extra = f' <font color="#5f6a6a">({"done" if done.done else "assigned"}: {esc(who)})</font>'
        out.append(Paragraph(f"{mark} {esc(item)}{extra}", styles()[style], bulletText=f"{n}."))
    return out
