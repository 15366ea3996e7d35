"""The Spark pipeline: an :class:`~workbench.analysis.Analysis` whose findings Apache Spark computed over the
Parquet event folder of :mod:`workbench.spark.eventstore` (see :mod:`workbench.spark.engine`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..analysis import Analysis, CheckStatus
from ..checks import CHECKS
from ..config import load_config
from ..enrich.geoip import DatabaseInfo
from ..enrich.provider import ListInfo
from ..events import SCHEMA
from ..paths import playbooks_dir
from ..pipeline import complete
from ..playbooks import PlaybookLibrary, assign
from .engine import run_checks_on_spark
from .eventstore import inputs_of, read_events, read_meta


def analysis_from_spark(folder: Path, *, master: str, config_files=(), extra_playbook_dirs=()) -> Analysis:
    """An :class:`~workbench.analysis.Analysis` whose findings Spark computed over ``folder``."""
    meta = read_meta(folder)
    config = load_config(*config_files)
    geo = bool(meta.get("geo_locates"))
    run = run_checks_on_spark(folder, config, geo, master=master)
    playbooks = PlaybookLibrary.load([playbooks_dir(), *extra_playbook_dirs])
    findings = assign(run.findings, playbooks)
    statuses = [CheckStatus(c.id, c.title, c.id in run.ran, sum(f.check == c.id for f in findings),
                            run.skipped.get(c.id, "")) for c in CHECKS]
    databases = [DatabaseInfo(d["path"], d["database_type"], datetime.fromisoformat(d["built"]),
                              d.get("licence", ""), d.get("bundled", False)) for d in meta.get("geoip", [])]
    lists = [ListInfo(x["name"], x["path"], datetime.fromisoformat(x["built"]), int(x["entries"]), x["licence"],
                      bool(x.get("bundled"))) for x in meta.get("ip_lists", [])]
    analysis = Analysis(inputs_of(meta), read_events(folder, SCHEMA), findings, playbooks, config, databases, [],
                        statuses, geoip_warnings=list(meta.get("geoip_warnings", [])), ip_lists=lists)
    complete(analysis)
    return analysis
