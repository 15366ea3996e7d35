"""CSV files written beside the PDF for evidence rows beyond the report's cap.

Every cell is attacker-controlled text: a value a spreadsheet would read as a formula (starting with
= + - @, a tab or a carriage return) is prefixed with an apostrophe, so it shows as text.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..events import format_ts
from ..evidence.outputs import atomic_open
from .styles import clean

COLUMNS = ("ts", "source", "file", "ref", "action", "outcome", "user", "target_user", "src_ip", "country", "city",
           "event_name", "user_agent", "session_id")
HEAD = ("time_utc", *COLUMNS[1:])
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: object) -> str:
    """``value`` as text a spreadsheet shows literally."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def sidecar_path(pdf: Path, number: int) -> Path:
    """``report.pdf`` → ``report.finding-03-evidence.csv`` in the same folder."""
    return pdf.with_name(f"{pdf.stem}.finding-{number:02d}-evidence.csv")


def write_evidence_csv(table: pa.Table, rows: np.ndarray, path: Path) -> Path:
    """The ``rows`` of ``table`` as CSV at ``path`` (UTF-8 with BOM for spreadsheets), written atomically."""
    present = [c for c in COLUMNS if c in table.column_names]
    data = table.select(present).take(pa.array(rows, pa.int64())).to_pydict() if len(rows) else \
        {c: [] for c in present}
    with atomic_open(path, "w", suffix=".part", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([h for h, c in zip(HEAD, COLUMNS) if c in present])
        for i in range(len(rows)):
            out.writerow([safe_cell(format_ts(data[c][i]) if c == "ts" else clean(data[c][i]))
                          for c in present])
    return path
