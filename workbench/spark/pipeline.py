"""The Spark pipeline: an :class:`~workbench.analysis.Analysis` whose findings Apache Spark computed over the
Parquet event folder of :mod:`workbench.spark.eventstore` (see :mod:`workbench.spark.engine`), completed as
:func:`workbench.pipeline.analyze` completes its own, so both engines write the same findings JSON.

The driver reads the event table back (it is the evidence the findings JSON and the report point into),
resolves the identities over it, and runs the Sigma rules, which match one record at a time; the checks, the
cross-source ones included, run on Spark. :func:`engine_facts` says which ran where.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from ..analysis import Analysis, CheckStatus
from ..checks import CHECKS
from ..checks.cross_source import CROSS_CHECKS
from ..config import load_config
from ..enrich.geoip import DatabaseInfo
from ..enrich.provider import ListInfo
from ..events import SCHEMA
from ..paths import playbooks_dir
from ..people.identity import resolve as resolve_identities, with_findings
from ..pipeline import agree_with_coverage, complete
from ..playbooks import PlaybookLibrary, assign
from ..findings import sort_findings
from .engine import SparkRun, run_checks_on_spark
from .eventstore import inputs_of, read_events, read_meta


def analysis_from_spark(folder: Path, *, master: str, config_files=(), extra_playbook_dirs=(),
                        sigma_dirs: Iterable[str] = ("shipped",), spark=None) -> tuple[Analysis, SparkRun]:
    """An :class:`~workbench.analysis.Analysis` whose findings Spark computed over ``folder``, and the run."""
    meta = read_meta(folder)
    config = load_config(*config_files)
    geo = bool(meta.get("geo_locates"))
    sigma_dirs = list(dict.fromkeys(map(str, sigma_dirs)))
    if sigma_dirs:
        from ..sigma import load_rules, run_sigma  # pySigma is imported only when rules are given
    ruleset = load_rules(sigma_dirs) if sigma_dirs else None  # a missing folder fails before Spark starts
    table = read_events(folder, SCHEMA)
    identities = resolve_identities(table)  # as the embedded engine: over the whole case, before the checks
    run = run_checks_on_spark(folder, config, geo, master=master, identities=identities, spark=spark)
    statuses = [CheckStatus(c.id, c.title, c.id in run.ran, sum(f.check == c.id for f in run.findings),
                            run.skipped.get(c.id, "")) for c in (*CHECKS, *CROSS_CHECKS)]
    findings = list(run.findings)
    sigma = None
    if ruleset is not None:
        sigma = run_sigma(table, ruleset)
        findings.extend(sigma.findings)
        statuses.append(CheckStatus("sigma", "Sigma rules", True, len(sigma.findings)))
    playbooks = PlaybookLibrary.load([playbooks_dir(), *extra_playbook_dirs])
    findings = sort_findings(assign(findings, playbooks))
    databases = [DatabaseInfo(d["path"], d["database_type"], datetime.fromisoformat(d["built"]),
                              d.get("licence", ""), d.get("bundled", False)) for d in meta.get("geoip", [])]
    lists = [ListInfo(x["name"], x["path"], datetime.fromisoformat(x["built"]), int(x["entries"]), x["licence"],
                      bool(x.get("bundled"))) for x in meta.get("ip_lists", [])]
    analysis = Analysis(inputs_of(meta), table, findings, playbooks, config, databases, [], statuses,
                        geoip_warnings=list(meta.get("geoip_warnings", [])), ip_lists=lists, sigma=sigma,
                        sigma_errors=ruleset.errors if ruleset else [])
    analysis.identities = with_findings(identities, analysis.findings, table)
    complete(analysis)  # credential lineage, coverage and incidents, as pipeline.analyze makes them
    analysis.checks = agree_with_coverage(analysis.checks, analysis.coverage)
    return analysis, run


SIGMA_WHERE = "driver: record by record over the event table read back"


def findings_json(analysis: Analysis, run: SparkRun) -> dict[str, Any]:
    """The findings JSON of a Spark run: the embedded engine's document, plus the engine facts: ``engine``
    (name, master, groups per partition key) and, on each entry of ``checks``, ``ran_on``: where it ran
    ("spark: grouped by user", "spark: grouped by identity component", "driver: ...", "" when it did not)."""
    doc = analysis.to_json()
    where = {**run.where, "sigma": SIGMA_WHERE}
    doc["checks"] = [{**c, "ran_on": where.get(c["id"], "") if c["ran"] else ""} for c in doc["checks"]]
    doc["engine"] = {"name": "spark", "master": run.master, "groups": dict(run.groups),
                     "identities": "driver: resolved over the whole event table before the checks"}
    return doc
