"""Write the README's cloud attack catalogue table from the code (``python packaging/catalogue_readme.py``).

The table sits between two markers in README.md; tests/checks/test_catalogue.py fails when it differs from
what this writes, so a change to the catalogue must be followed by running this."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.checks.catalogue.table import END, START, markdown  # noqa: E402


def updated(readme: str) -> str:
    head, found, rest = readme.partition(START)
    if not found:
        raise SystemExit(f"README.md has no line {START!r}")
    _, found, tail = rest.partition(END)
    if not found:
        raise SystemExit(f"README.md has no line {END!r}")
    return head + markdown() + tail


def main() -> int:
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    new = updated(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"{path}: catalogue table rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
