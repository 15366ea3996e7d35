"""The normalized, enriched event table as Parquet, for engines that run beside the workbench (Spark) and for
reading such a case back.

Layout of ``DIR`` (hive partitioning, readable by Spark, DuckDB, pandas and pyarrow)::

    DIR/workbench-events.json             what was loaded: inputs with SHA-256, GeoIP databases, version
    DIR/source=cloudtrail/day=2024-03-04/part-0.parquet
    ...

Columns: every column of :data:`workbench.events.SCHEMA` (the event schema, GeoIP columns included),
with ``raw`` always holding the original record as text (records read from the evidence by byte offset are
copied in, so the Parquet data stands on its own on a cluster that never sees the evidence), plus ``seq``
(int64): the event's row number in the workbench's time-ordered table. Sorting by ``seq`` restores that
order exactly, ties included, so every engine sees the events in the same order. ``source`` and ``day``
(UTC date of ``ts``, ``YYYY-MM-DD``) are the partition columns.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ..errors import WorkbenchError
from ..ingest import InputInfo
from ..evidence.files import evidence_of

SIDECAR = "workbench-events.json"
FORMAT = "workbench-events"
FORMAT_VERSION = 1
MAX_RAW = 16 * 1024 * 1024


class EventStoreError(WorkbenchError):
    """A Parquet event folder that cannot be written or read."""


def materialize_raw(table: pa.Table) -> pa.Array:
    """The ``raw`` column with every original record as text: inline ones kept, the others read back from
    the evidence (read-only), one open per file, in offset order."""
    raw = table.column("raw").to_pylist()
    offsets = table.column("raw_offset").to_pylist()
    lengths = table.column("raw_length").to_pylist()
    files = table.column("file").to_pylist()
    wanted: dict[str, list[int]] = defaultdict(list)
    for row, (text, off) in enumerate(zip(raw, offsets)):
        if text is None and off is not None:
            wanted[files[row]].append(row)
    for path, rows in wanted.items():
        rows.sort(key=lambda r: offsets[r])
        try:
            with evidence_of(path).open() as fh:
                for r in rows:
                    fh.seek(offsets[r])
                    raw[r] = fh.read(min(lengths[r] or 0, MAX_RAW)).decode("utf-8", "replace")
        except (OSError, EOFError) as exc:
            raise EventStoreError(f"cannot read original records back ({exc})", path) from exc
    return pa.array(raw, pa.string())


def write_events(table: pa.Table, inputs: Iterable[InputInfo], out: str | os.PathLike,
                 extra: dict[str, Any] | None = None) -> Path:
    """Write ``table`` (the enriched event table) to the folder ``out``, which must not exist or be empty."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise EventStoreError("the folder is not empty", out)
    full = table.set_column(table.schema.get_field_index("raw"), "raw", materialize_raw(table))
    full = full.append_column("seq", pa.array(range(full.num_rows), pa.int64()))
    days = pc.strftime(pc.cast(full.column("ts"), pa.timestamp("us", tz="UTC")), format="%Y-%m-%d", locale="C")
    full = full.append_column("day", days)
    out.mkdir(parents=True, exist_ok=True)
    ds.write_dataset(full, out, format="parquet", partitioning=["source", "day"], partitioning_flavor="hive",
                     basename_template="part-{i}.parquet", existing_data_behavior="overwrite_or_ignore",
                     max_rows_per_group=256 * 1024)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "events": full.num_rows,
            "schema": [{"name": f.name, "type": str(f.type)} for f in table.schema],
            "inputs": [i.to_dict() for i in inputs], **(extra or {})}
    (out / SIDECAR).write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
    return out


def read_meta(folder: str | os.PathLike) -> dict[str, Any]:
    path = Path(folder) / SIDECAR
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EventStoreError(f"not a workbench event folder ({exc.strerror or exc})", folder) from exc
    except ValueError as exc:
        raise EventStoreError(f"{SIDECAR} is not valid JSON ({exc})", folder) from exc
    if meta.get("format") != FORMAT:
        raise EventStoreError(f"{SIDECAR} is not a {FORMAT} description", folder)
    return meta


def read_events(folder: str | os.PathLike, schema: pa.Schema) -> pa.Table:
    """The event table back from ``folder``, in ``schema``'s columns and the workbench's row order."""
    read_meta(folder)
    data = ds.dataset(folder, format="parquet", partitioning="hive", exclude_invalid_files=True)
    table = data.to_table()
    if table.num_rows:
        table = table.sort_by([("seq", "ascending")])
    columns = []
    for f in schema:
        if f.name not in table.column_names:
            raise EventStoreError(f"the Parquet data has no column {f.name!r}", folder)
        col = table.column(f.name)
        if pa.types.is_dictionary(col.type):
            col = col.dictionary_decode() if hasattr(col, "dictionary_decode") else pc.cast(col, f.type)
        columns.append(pc.cast(col, f.type) if col.type != f.type else col)
    return pa.Table.from_arrays(columns, schema=schema)


def inputs_of(meta: dict[str, Any]) -> list[InputInfo]:
    """The inputs a folder was exported from, as the workbench accounts for them."""
    out = []
    for d in meta.get("inputs", []):
        out.append(InputInfo(d["path"], d["sha256"], d.get("size", 0), d.get("format"), d.get("events", 0),
                             tuple(d.get("errors", ())), tuple(d.get("notes", ())), 0,
                             _time(d.get("first_seen")), _time(d.get("last_seen"))))
    return out


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
