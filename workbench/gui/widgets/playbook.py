"""The right pane: what the selected finding says and what its playbook asks the analyst to do.

Everything shown here comes from log fields (attacker controlled) or playbook files (analyst
controlled), so every value goes through :func:`html.escape` before it reaches the HTML; the
only markup is the fixed skeleton written in this module.
"""

from __future__ import annotations

import html
from typing import Iterable

from ...attack import AttackReferenceError, lookup
from ...findings import Finding
from ...playbooks import Playbook
from ..qt import QTextBrowser, QWidget
from ..settings import format_ts

SECTIONS = (
    ("Questions for Analysis", "questions"),
    ("Decision for Escalation", "escalation"),
    ("L1 steps", "l1_steps"),
    ("T2 actions", "t2_actions"),
    ("Containment", "containment"),
)
CSS = """
h2 { margin: 0 0 4px 0; }
h3 { margin: 12px 0 2px 0; }  /* the palette's text colour: readable in the dark palette too */
.muted { color: #808891; }  /* mid grey: readable on light and dark bases */
.sev { font-weight: bold; }
td { padding: 0 8px 0 0; vertical-align: top; }
"""
SEVERITY_TEXT = {"critical": "#991b1b", "high": "#b91c1c", "medium": "#b45309", "low": "#1d4ed8"}


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _items(values: Iterable[str]) -> str:
    values = [v for v in values if v]
    if not values:
        return '<p class="muted">(none in this playbook)</p>'
    return "<ol>" + "".join(f"<li>{esc(v)}</li>" for v in values) + "</ol>"


def _rows(pairs: Iterable[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><td><b>{esc(k)}</b></td><td>{esc(v)}</td></tr>" for k, v in pairs if v) \
        + "</table>"


def attack_html(technique_ids: Iterable[str]) -> str:
    """The offline ATT&CK reference (workbench.attack) for each technique: id, name, tactics, platforms, parent
    and sub-techniques; the page address is shown as text, never followed."""
    parts: list[str] = []
    seen: set[str] = set()
    for tid in technique_ids:
        try:
            found = lookup(tid)
        except AttackReferenceError as exc:
            return f'<h3>ATT&amp;CK reference</h3><p class="muted">{esc(exc)}</p>'
        if found is None:
            parts.append(f'<p class="muted">{esc(tid)} is not in the offline ATT&amp;CK reference.</p>')
            continue
        tech = found.technique
        if tech.id in seen:
            continue
        seen.add(tech.id)
        parent = lookup(tech.parent) if tech.parent else None
        parts.append(_rows([
            ("ATT&CK", f"{tech.id} {tech.name}"),
            ("Tactics", ", ".join(tech.tactics)),
            ("Platforms", ", ".join(tech.platforms)),
            ("Parent", f"{parent.technique.id} {parent.technique.name}" if parent else ""),
            ("Sub-techniques", "; ".join(f"{i} {n}" for i, n in tech.subtechniques)),
            ("Page", tech.url),
            ("Note", found.note),
        ]))
    return "<h3>ATT&amp;CK reference</h3>" + "".join(parts) if parts else ""


def finding_html(finding: Finding, playbook: Playbook | None) -> str:
    color = SEVERITY_TEXT.get(finding.severity, "#000000")
    parts = [
        f"<h2>{esc(finding.title)}</h2>",
        f'<p><span class="sev" style="color:{color}">{esc(finding.severity.upper())}</span>'
        f' &middot; {esc(finding.check)} &middot; {esc(", ".join(finding.techniques))}</p>',
        f"<p>{esc(finding.explanation)}</p>",
        _rows([
            ("Users", ", ".join(finding.users)),
            ("IPs", ", ".join(finding.ips)),
            ("Hosts", ", ".join(finding.hosts)),
            ("First seen", format_ts(finding.first_seen)),
            ("Last seen", format_ts(finding.last_seen)),
            ("Evidence", f"{len(finding.evidence)} event{'s' * (len(finding.evidence) != 1)}"),
        ]),
        "<hr>",
    ]
    if playbook is None:
        parts.append(f'<p class="muted">No playbook matches {esc(", ".join(finding.techniques) or "this finding")}.'
                     "</p>")
        parts.append(attack_html(finding.techniques))
        return "".join(parts)
    parts += [
        f"<h2>Playbook: {esc(playbook.name)}</h2>",
        _rows([("Technique", playbook.technique), ("Tactics", ", ".join(playbook.tactics))]),
        attack_html([playbook.technique, *finding.techniques]),
    ]
    for heading, attr in SECTIONS:
        parts.append(f"<h3>{esc(heading)}</h3>{_items(getattr(playbook, attr))}")
    return "".join(parts)


class PlaybookPane(QTextBrowser):
    """Read-only rich text built only from escaped values; links and remote resources are never followed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.document().setDefaultStyleSheet(CSS)
        self.document().setDocumentMargin(10)
        self.finding: Finding | None = None
        self.playbook: Playbook | None = None
        self.show_message("Open log files or a folder to start (File ▸ Open).")

    def loadResource(self, type_: int, name):  # noqa: ANN001  (Qt signature)
        return None  # nothing in this pane may load an image or style sheet from anywhere

    def show_finding(self, finding: Finding, playbook: Playbook | None) -> None:
        self.finding, self.playbook = finding, playbook
        self.setHtml(finding_html(finding, playbook))

    def show_message(self, text: str, lines: Iterable[str] = ()) -> None:
        """A heading and plain lines (escaped), for when no finding is selected."""
        self.finding = self.playbook = None
        body = "".join(f"<p>{esc(line)}</p>" for line in lines)
        self.setHtml(f'<p class="muted">{esc(text)}</p>{body}')
