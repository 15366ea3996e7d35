"""One finding's section: ATT&CK techniques, explanation, the analyst's triage (state, answers, escalation),
evidence (beyond the cap in a CSV beside the PDF), a map of login locations where geography matters, and the
playbook's steps with their checklist state."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from ..attack import lookup
from ..checks import CHECKS
from ..events import format_ts
from ..findings import Finding
from ..playbooks import Playbook
from ..triage import assess
from .. import worldmap
from . import charts, sidecar, tables
from .context import MAX_ASSESSED, MAX_MAPS, Context, sub
from .layout import FRAME_WIDTH, Anchor
from .model import STATE_LABELS, ChecklistItem, Triage
from .styles import clip, esc, markup, para, severity_label, styles

LIST_ITEMS = 25  # accounts, IPs, hosts shown per finding
GEO_CHECKS = frozenset(c.id for c in CHECKS if c.needs_geo)
CHECK_MARKS = {True: "☑", False: "☐"}


def techniques_text(ids: tuple[str, ...]) -> str:
    lines = []
    for tid in ids:
        found = lookup(tid)
        if found is None:
            lines.append(f"{tid} (not in the offline ATT&CK reference)")
            continue
        t = found.technique
        tactics = f" · {', '.join(t.tactics)}" if t.tactics else ""
        lines.append(f"{tid} {t.name}{tactics}" if found.exact else f"{tid}: {found.note} ({t.name}{tactics})")
    return "\n".join(lines) or "none"


def finding_section(ctx: Context, finding: Finding, level: int = 1) -> list[Flowable]:
    analysis, number = ctx.analysis, ctx.number(finding)
    triage = ctx.case.of(finding)
    story: list[Flowable] = [Anchor(f"finding-{number}", f"{number}. {finding.severity.upper()}: {finding.title}",
                                    level)]
    story.append(markup(f"{number}. {severity_label(finding.severity)}&nbsp;&nbsp;{esc(finding.title)}", "h2"))
    rows = ctx.rows(finding)
    facts: list[tuple[str, Any]] = [
        ("ATT&CK", techniques_text(finding.techniques)),
        ("Triage state", STATE_LABELS.get(triage.state, triage.state)),
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
    story += [*sub("What was found"), para(finding.explanation)]
    book = analysis.playbook_for(finding)
    story += _triage(ctx, finding, triage, book)
    story += _evidence(ctx, finding, rows, number)
    story += _map(ctx, finding, rows)
    story += _playbook(book, finding, triage)
    return story


def _triage(ctx: Context, finding: Finding, triage: Triage, book: Playbook | None) -> list[Flowable]:
    story = sub("Triage")
    view = None
    if book and ctx.assessed < MAX_ASSESSED:
        ctx.assessed += 1
        view = assess(ctx.analysis, finding, book)
    decision = triage.decision
    if decision.decision:
        who = ", ".join(x for x in (decision.by, format_ts(decision.at) if decision.at else "") if x)
        text = f"Analyst's decision: {decision.decision}" + (f" ({who})" if who else "")
        text += f". Reason: {decision.reason.rstrip('.')}." if decision.reason else "."
    else:
        text = "Analyst's decision: none recorded yet."
    suggested = decision.suggested or (view.suggestion if view else "")
    if suggested:
        text += f" Suggested from the escalation criteria: {suggested}"
        text += f" ({view.suggestion_reason.rstrip('.')})." if view and view.suggestion_reason and \
            not decision.suggested else "."
    story.append(para(text))
    questions = list(book.questions) if book else []
    answers = {a.question.strip(): a for a in triage.answers}
    facts = {q.question.strip(): q.facts for q in view.questions} if view else {}
    extra = [a for a in triage.answers if a.question.strip() not in {q.strip() for q in questions}]
    if questions or extra:
        story.append(para("Playbook questions and the analyst's answers", "h4"))
        rows = []
        for q in questions:
            a = answers.get(q.strip())
            rows.append((q, a.answer if a else "not answered", _answer_note(a, facts.get(q.strip(), ()))))
        rows += [(a.question, a.answer, _answer_note(a, ())) for a in extra]
        story.append(tables.answers_table(rows, FRAME_WIDTH))
    criteria = {c.text.strip(): c for c in triage.criteria}
    computed = {c.criterion.strip(): c for c in view.criteria} if view else {}
    listed = list(book.escalation) if book else []
    rows = [_criterion_row(c, criteria.get(c.strip()), computed.get(c.strip())) for c in listed]
    rows += [(c.text, c.status, c.basis) for c in triage.criteria if c.text.strip() not in {x.strip() for x in listed}]
    if rows:
        met = sum(1 for r in rows if r[1].startswith("met"))
        story.append(para(f"Escalation criteria ({met} of {len(rows)} met)", "h4"))
        story.append(tables.criteria_table(rows, FRAME_WIDTH))
        story.append(para("Status by the analyst where they assessed a criterion, else as measured in the evidence "
                          "(\u201cfrom the data\u201d); unknown where the logs cannot tell." if view else
                          f"Status by the analyst only: this report measures the criteria of its {MAX_ASSESSED} most "
                          "severe findings; the workbench's triage view measures any finding.", "note"))
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


def _evidence(ctx: Context, finding: Finding, rows: np.ndarray, number: int) -> list[Flowable]:
    total = len(rows)
    story = sub(f"Evidence ({total:,} event{'s' * (total != 1)})")
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
    if finding.check not in GEO_CHECKS:  # geography matters when the evidence itself spans countries
        seen = {c for c in ctx.analysis.table.column("country").take(pa.array(rows, pa.int64())).to_pylist() if c}
        if len(seen) < 2:
            return []
    if ctx.maps >= MAX_MAPS:
        return [*sub("Login locations"), para(f"Not drawn: this report draws the login maps of its first {MAX_MAPS} "
                                              "findings where geography matters; the workbench's map shows any.",
                                              "note")]
    ctx.maps += 1
    lmap = worldmap.finding_map(ctx.analysis, finding)
    countries = {p.country for p in lmap.points if p.country}
    if not lmap.points or (finding.check not in GEO_CHECKS and len(countries) < 2):
        return []
    drawing = charts.login_map(lmap, _outline(), FRAME_WIDTH)
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
    return [KeepTogether([*sub("Login locations"), drawing, Spacer(1, 2 * mm), para(caption, "note")])]


@lru_cache(maxsize=1)
def _outline() -> worldmap.Outline | None:
    try:
        return worldmap.load_outline()
    except (OSError, ValueError, KeyError):  # the outline file is missing or broken: draw the places alone
        return None


def _playbook(book: Playbook | None, finding: Finding, triage: Triage) -> list[Flowable]:
    if book is None:
        return [*sub("Playbook"),
                para(f"No playbook for these techniques ({', '.join(finding.techniques)}).", "note")]
    tactics = ", ".join(book.tactics)
    head = [para("Playbook", "h3"), markup(f"<b>{esc(book.name)}</b> ({esc(book.technique)}"
                                             f"{'; ' + esc(tactics) if tactics else ''}). The questions and "
                                             "escalation criteria are under Triage above; containment is under "
                                             "Recommended containment.")]
    story: list[Flowable] = []
    for label, attr in (("Additional Analysis Steps for L1", "l1_steps"), ("T2 Analyst Actions", "t2_actions")):
        items = getattr(book, attr)
        body = checklist(items, triage.items(attr)) if items else [para("The playbook gives none.", "note")]
        story.append(KeepTogether([*head, para(label, "h4"), *body]))
        head = []
    return story


def checklist(items: list[str], state: list[ChecklistItem]) -> list[Flowable]:
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
        out.append(Paragraph(f"{mark} {esc(item)}{extra}", styles()["item"], bulletText=f"{n}."))
    return out
