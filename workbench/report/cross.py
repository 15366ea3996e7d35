"""The report's cross-source parts: what the loaded data could not answer (in the scope section), the people
seen across sources, and the life of every credential created. Every log-derived string goes through
``para`` (escaped): names, IPs and user agents are attacker-controlled."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from ..people.lineage import chain
from .context import Context, heading, sub
from .layout import FRAME_WIDTH
from .styles import one_line, para
from .tables import _heads, _room, _table, time_range

MAX_ENTITIES = 30
MAX_CREDENTIALS = 30
STATUS = {"limited": "ran limited", "not_run": "did not run"}
LINK_WORDS = {"exact": "exact", "analyst": "added by the analyst", "suggested": "suggested"}


def not_answered(ctx: Context) -> list[Flowable]:
    """The "What the data could not answer" subsection of the scope section."""
    _, _, coverage = ctx.analysis.cross_source()
    story: list[Flowable] = [Spacer(1, 4 * mm), *sub("What the data could not answer", "h2")]
    lines = coverage.not_looked_at()
    if not lines:
        story.append(para("Every check ran on complete data; no source has a gap in time."))
        return story
    story.append(para("What was not looked at, or only in part, in the loaded data:", "note"))
    story += [para(line, "item") for line in lines]
    limited = [c for c in coverage.checks if c.status != "ran"]
    if limited:
        story += sub("Checks that did not run or ran limited", "h3")
        widths = (0.3, 0.14, 0.56)
        room = _room(widths, FRAME_WIDTH)
        rows = [_heads(("Check", "Status", "Why"))]
        rows += [[para(c.title, "cell", room[0]), para(STATUS.get(c.status, c.status), "cell", room[1]),
                  para("; ".join(c.reasons) or "—", "cell", room[2])] for c in limited]
        story.append(_table(rows, widths, FRAME_WIDTH, split_in_row=True))
    if coverage.gaps:
        story += sub("Gaps in time per source", "h3")
        widths = (0.3, 0.24, 0.24, 0.22)
        room = _room(widths, FRAME_WIDTH)
        rows = [_heads(("Source / host", "From (UTC)", "To (UTC)", "Length"))]
        for g in coverage.gaps:
            rows.append([para(f"{g.source}{' / ' + g.scope if g.scope else ''}", "cell", room[0]),
                         para(f"{g.start:%Y-%m-%d %H:%M}", "cell"), para(f"{g.end:%Y-%m-%d %H:%M}", "cell"),
                         para(f"{g.hours:.1f} h (about {g.expected_events:.0f} events expected)", "cell", room[3])])
        story.append(_table(rows, widths, FRAME_WIDTH))
    return story


def people(ctx: Context) -> list[Flowable]:
    """The "People across sources" section: the people of the high and critical incidents (not each target of
    a spray), with the names each goes by across sources."""
    identities, _, _ = ctx.analysis.cross_source()
    story = heading("people", "People across sources", "h2", 1)
    numbers = {f.id: ctx.number(f) for f in [*ctx.main, *ctx.dismissed]}
    in_incidents = {p.id for v in ctx.live if v.incident.severity in ("high", "critical") for p in v.incident.people}
    shown = [e for e in identities.entities if e.id in in_incidents]
    shown.sort(key=lambda e: (-sum(f in numbers for f in e.findings), -len(e.names), -e.events, e.label))
    if not shown:
        story.append(para("No high or critical incident involves a person the identity layer resolved."))
        return story
    story.append(para(
        "Each person (entity) joins the names that sources give one account. Links are exact (a shared id or "
        "e-mail address), added or confirmed by the analyst, or only suggested (same local part, not joined "
        "unless confirmed).", "note"))
    widths = (0.2, 0.4, 0.28, 0.12)
    room = _room(widths, FRAME_WIDTH)
    rows = [_heads(("Person", "Names across sources (how joined)", "Sources, active, usual places", "Findings"))]
    for e in shown[:MAX_ENTITIES]:
        how: dict[str, str] = {}
        for link in e.links:
            word = "confirmed by the analyst" if link.decision == "confirmed" else LINK_WORDS.get(link.kind, link.kind)
            for k in (link.a, link.b):
                if k in e.names and link.applied:
                    how.setdefault(k, f"{word}: {link.rule}")
        names = [one_line(f"{identities.names[k].label if k in identities.names else k}"
                          f"{' — ' + how[k] if k in how else ''}") for k in e.names]
        suggested = [link for link in e.links if not link.applied and link.decision != "rejected"]
        names += [one_line(f"suggested, not joined: {_label(identities, link.a)} ↔ {_label(identities, link.b)} "
                           f"({link.rule})") for link in suggested[:3]]
        where = [", ".join(f"{src} ({n:,} events)" for src, n in e.sources.items()),
                 time_range(e.first_seen, e.last_seen)]
        if e.countries:
            where.append("countries: " + ", ".join(f"{c} ({n})" for c, n in e.countries[:4]))
        if e.ips:
            where.append("IPs: " + ", ".join(f"{i} ({n})" for i, n in e.ips[:3]))
        if e.flagged_events:
            apart = [", ".join(f"{c} ({n})" for c, n in e.flagged_countries[:4]),
                     ", ".join(f"{i} ({n})" for i, n in e.flagged_ips[:4])]
            where.append(f"apart, as findings' evidence: {e.flagged_events:,} events; "
                         + "; ".join(x for x in apart if x))
        nums = sorted(numbers[f] for f in e.findings if f in numbers)
        rows.append([para(one_line(e.label), "cell_bold", room[0]), para("\n".join(names), "cell", room[1]),
                     para("\n".join(where), "cell", room[2]),
                     para(", ".join(f"#{n}" for n in nums) if nums else "none", "cell", room[3])])
    story.append(_table(rows, widths, FRAME_WIDTH, split_in_row=True))
    if len(shown) > MAX_ENTITIES:
        story.append(para(f"{len(shown) - MAX_ENTITIES} more not listed here.", "note"))
    return story


def lineage(ctx: Context) -> list[Flowable]:
    """The "Credential lineage" section: each credential's creation and later uses, new IPs first."""
    _, credentials, _ = ctx.analysis.cross_source()
    story = heading("lineage", "Credential lineage", "h2", 1)
    if not credentials:
        story.append(para("No credential was created (and no SSH key used) in the loaded logs."))
        return story
    order = sorted(credentials, key=lambda c: (not c.uses.get("new_ips"), c.created is None,
                                               c.created.isoformat() if c.created else "", c.id))
    story.append(para("Credentials created in the loaded logs, followed forward to every later use; those used "
                      "from an IP their creator or owner had not used before come first.", "note"))
    numbers = {f.id: ctx.number(f) for f in [*ctx.main, *ctx.dismissed]}
    widths = (0.14, 0.86)
    room = _room(widths, FRAME_WIDTH)
    words = {"before": "Before", "created": "Created", "used": "Used", "unused": "Used"}
    for c in order[:MAX_CREDENTIALS]:
        new_ips = c.uses.get("new_ips") or []
        title = one_line(f"{c.kind.replace('_', ' ')} {c.key_id or ''}".strip())
        rows = []
        for stage, text in chain(c):
            for fid, n in numbers.items():
                text = text.replace(fid, f"#{n}")
            rows.append([para(words.get(stage, stage), "cell_bold"), para(one_line(text), "cell", room[1])])
        for ip in new_ips[:10]:
            country = next((x.get("country") for x in c.uses.get("ips", []) if x.get("value") == ip), None)
            rows.append([para("new IP", "cell_error"),
                         para(f"new IP {ip}{' (' + country + ')' if country else ''}: never used by the creator "
                              "or owner before this credential", "cell_error", room[1])])
        for country in (c.uses.get("new_countries") or [])[:10]:
            rows.append([para("new country", "cell_error"), para(f"new country {country}", "cell_error", room[1])])
        story += [*sub(title + (" — used from a new IP" if new_ips else ""), "h3"),
                  _table(rows, widths, FRAME_WIDTH, header=False, split_in_row=True)]
    if len(order) > MAX_CREDENTIALS:
        story.append(para(f"{len(order) - MAX_CREDENTIALS} more credentials not listed here.", "note"))
    return story


def _label(identities, key: str) -> str:
    name = identities.names.get(key)
    return name.label if name else key
