"""Reading the original record behind an event, for the analyst's eyes and the report.

Small sources keep the record in the ``raw`` column; the fast paths keep only where it is
(``raw_offset``/``raw_length`` in the decompressed file) and it is read here, read-only, on demand.
"""

from __future__ import annotations

import pyarrow as pa

from .ingest.files import evidence_of

MAX_RAW = 4 * 1024 * 1024  # never show more than this of one record


def raw_record(table: pa.Table, row: int) -> str | None:
    """The original record of ``row`` as text (UTF-8, undecodable bytes replaced), or None."""
    raw = table.column("raw")[row].as_py()
    if raw is not None:
        return raw
    offset = table.column("raw_offset")[row].as_py()
    length = table.column("raw_length")[row].as_py()
    if offset is None or length is None:
        return None
    path = table.column("file")[row].as_py()
    try:
        with evidence_of(path).open() as fh:
            fh.seek(offset)
            data = fh.read(min(length, MAX_RAW))
    except (OSError, EOFError) as exc:
        return f"(the original record could not be read again from {path}: {exc})"
    return data.decode("utf-8", "replace")
