"""The catalogue as a Markdown table (the README's, written by ``packaging/catalogue_readme.py`` and checked
by a test, so the README cannot drift from the code)."""

from __future__ import annotations

from . import ENTRIES, PROVIDERS, STRATUS

START = "<!-- catalogue table: written by packaging/catalogue_readme.py from workbench/checks/catalogue -->"
END = "<!-- end of catalogue table -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """The table: technique → how it is found → severity → playbook, by provider, then the notes."""
    lines = [START, "",
             "| technique | provider | ATT&CK | found by | severity | playbook | what it looks for |",
             "|---|---|---|---|---|---|---|"]
    order = list(PROVIDERS)
    for e in sorted(ENTRIES, key=lambda e: (order.index(e.provider), e.family, e.id)):
        name = f"`{e.id}`" + ("" if e.stratus else " ¹")
        looks = ", ".join(e.events[:4]) + (" …" if len(e.events) > 4 else "")
        if e.when:
            looks += f" ({e.when.replace('_', ' ')})"
        if e.min_distinct > 1:
            looks += f"; ≥ {e.min_distinct} distinct targets in {e.window_minutes} min"
        elif e.min_events > 1:
            looks += f"; ≥ {e.min_events} in {e.window_minutes} min"
        if e.unsupported:
            looks = f"not found: {e.unsupported}"
        lines.append(f"| {name} | {PROVIDERS[e.provider]} | {e.technique} | {_cell(e.found_by)} | {e.severity} | "
                     f"{e.playbook} | {_cell(looks.strip() or e.title)} |")
    lines += ["", f"¹ not a Stratus Red Team technique: an API a seed playbook names, a seed log source's own "
                  f"change, or another defence-evasion or sharing call. Stratus Red Team: {STRATUS}.", "", END]
    return "\n".join(lines)
