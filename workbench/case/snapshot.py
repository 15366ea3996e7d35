"""An :class:`~workbench.analysis.Analysis` frozen to disk and thawed again, so a case reopens without
re-reading the evidence (see :mod:`workbench.case.folder`).

The event table goes to an Arrow IPC file (zstd) written atomically; everything else goes to one JSON
document that :mod:`workbench.case.folder` keeps in its SQLite database. The document holds the public findings
JSON (``Analysis.to_json``) under ``"findings_json"`` plus what it leaves out (configuration, full GeoIP
database descriptions, check titles, input bad-record counts).
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import orjson
import pyarrow as pa
import pyarrow.ipc as ipc

from ..enrich.geoip import DatabaseInfo
from ..enrich.provider import ListInfo
from ..evidence.outputs import atomic_path
from ..findings import Finding
from ..ingest import InputInfo
from ..paths import playbooks_dir
from ..analysis import Analysis, CheckStatus
from ..playbooks import PlaybookLibrary

JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def dumps(value: Any) -> str:
    return orjson.dumps(value, option=JSON_OPTIONS, default=str).decode()


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def freeze(analysis: Analysis) -> dict[str, Any]:
    """Everything of ``analysis`` but its event table and playbooks, as JSON-ready data."""
    return {
        "findings_json": analysis.to_json(),
        "inputs": [{**i.to_dict(), "bad_records": i.bad_records} for i in analysis.inputs],
        "config": analysis.config,
        "geoip": [{"path": d.path, "database_type": d.database_type, "built": d.built.isoformat(),
                   "licence": d.licence, "bundled": d.bundled} for d in analysis.geoip],
        "geoip_errors": list(analysis.geoip_errors),
        "geoip_warnings": list(analysis.geoip_warnings),
        "ip_lists": [{**x.to_dict(), "built": x.built.isoformat()} for x in analysis.ip_lists],
        "checks": [asdict(c) for c in analysis.checks],  # every field, as CheckStatus grows
        "created": analysis.created.isoformat(),
        "version": analysis.version,
    }


def thaw(doc: dict[str, Any], table: pa.Table, playbook_dirs: Iterable[Path] = ()) -> Analysis:
    """The Analysis ``freeze`` saw, with ``table`` as its events; playbooks are loaded afresh from the
    shipped folder and ``playbook_dirs`` (the analyst may have edited them since)."""
    inputs = [InputInfo(path=i["path"], sha256=i["sha256"], size=i["size"], format=i["format"], events=i["events"],
                        errors=tuple(i.get("errors", ())), notes=tuple(i.get("notes", ())),
                        bad_records=i.get("bad_records", 0), first_ts=_ts(i.get("first_seen")),
                        last_ts=_ts(i.get("last_seen")))
              for i in doc["inputs"]]
    findings = [Finding.from_dict(f) for f in doc["findings_json"]["findings"]]
    geoip = [DatabaseInfo(g["path"], g["database_type"], datetime.fromisoformat(g["built"]), g.get("licence", ""),
                          g.get("bundled", False)) for g in doc.get("geoip", ())]
    ip_lists = [ListInfo(x["name"], x["path"], datetime.fromisoformat(x["built"]), x["entries"], x.get("licence", ""),
                         x.get("bundled", False)) for x in doc.get("ip_lists", ())]
    known = {f.name for f in fields(CheckStatus)}
    checks = [CheckStatus(**{k: tuple(v) if isinstance(v, list) else v for k, v in c.items() if k in known})
              for c in doc.get("checks", ())]
    analysis = Analysis(inputs, table, findings, PlaybookLibrary.load([playbooks_dir(), *playbook_dirs]),
                        doc.get("config", {}), geoip, list(doc.get("geoip_errors", ())), checks,
                        created=datetime.fromisoformat(doc["created"]), version=doc.get("version", ""),
                        geoip_warnings=list(doc.get("geoip_warnings", ())), ip_lists=ip_lists)
    saved = doc["findings_json"]
    if saved.get("sigma_rules") or saved.get("sigma_errors"):  # the Sigma run's summary, as it was
        from ..sigma import RuleError, SigmaRun
        analysis.sigma = SigmaRun(frozen=list(saved.get("sigma_rules", ())))
        analysis.sigma_errors = [RuleError(e["file"], e["reason"], e.get("title")) for e in saved.get("sigma_errors", ())]
    return analysis


def write_table(table: pa.Table, out: Path) -> None:
    """``table`` to ``out`` as Arrow IPC, all or nothing and synced to disk (:func:`atomic_path`)."""
    with atomic_path(out, suffix=".part", durable=True) as tmp:
        with pa.OSFile(str(tmp), "wb") as sink:
            with ipc.new_file(sink, table.schema, options=ipc.IpcWriteOptions(compression="zstd")) as writer:
                writer.write_table(table, max_chunksize=64 * 1024)


def read_table(path: Path) -> pa.Table:
    with pa.memory_map(str(path), "r") as source:
        return ipc.open_file(source).read_all()
