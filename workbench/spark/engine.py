"""The checks on Apache Spark, over the Parquet event folder of :mod:`workbench.spark.eventstore`.

One definition per check: Spark does not get its own version of any check. Each check is stateful only
*within* one key (the account for almost all of them: its baseline, its travel, its hours), so Spark groups
the events by that key across the cluster and runs the very same check module (:mod:`workbench.checks`) on
each group with ``groupBy(key).applyInPandas``; the embedded engine runs it on all groups at once. Checks
whose state spans accounts (password spray: one address against many accounts) run in one group holding
every event, which is exact but does not spread; each check's ``partition`` says which is which, and a test holds
every check to it by comparing both engines' findings on the same events.

The cross-source checks (:mod:`workbench.checks.cross_source`) look at one *person* (several account names
joined by :mod:`workbench.people.identity`). The driver resolves the identities over the whole event table
once, as the embedded engine does before its checks; Spark then groups the events by identity *component*
(the names of one entity together with the names only suggested to be it, which the checks also read) and
runs the same cross-source check modules on each component (:func:`components`). A person's events all
land in one group, so this is exact; the checks declare it (``partition=PERSON``).

PySpark is an optional dependency (``pip install 'workbench[spark]'``; a Java 17+ runtime) imported only here.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Iterator

import orjson

from ..checks import CHECKS
from ..checks.cross_source import CROSS_CHECKS
from ..errors import WorkbenchError
from ..events import SCHEMA
from ..findings import Finding, sort_findings
from ..checks.base import PERSON
from ..people.identity import Identities
from ..sources import HOST_ACCOUNTS

_ALL = "__all__"
_COMPONENT = "__component__"
_KEY = "__name_key__"


class SparkEngineError(WorkbenchError):
    """Spark could not be started or the run failed."""


@dataclass(frozen=True)
class SparkRun:
    findings: list[Finding]
    ran: list[str]  # check ids
    skipped: dict[str, str]  # check id -> why it did not run
    master: str
    groups: dict[str, int]  # partition key ("user", "__all__", "person") -> groups Spark ran the checks on
    where: dict[str, str]  # check id -> "spark: grouped by <key>" for each check that ran


_PANDAS_WARNING = "PySpark does not yet fully support pandas >= 3"


def session(master: str = "local[*]", app_name: str = "workbench"):
    """A Spark session in UTC with string partition columns; workers run this Python."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkEngineError("PySpark is not installed: pip install 'workbench[spark]' (and a Java 17+ runtime)") \
            from exc
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # PySpark warns on every grouped call that pandas 3 is "not yet fully supported"; the pinned pandas
    # (packaging/constraints.txt) is the one tests/spark checks finding by finding against the embedded engine,
    # so the warning tells the analyst nothing they can act on: silenced here and in the Python workers.
    warnings.filterwarnings("ignore", message=_PANDAS_WARNING, category=FutureWarning)
    os.environ.setdefault("PYTHONWARNINGS", f"ignore:{_PANDAS_WARNING}:FutureWarning")
    try:
        return (SparkSession.builder.master(master).appName(app_name)
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", os.environ.get("WORKBENCH_SPARK_PARTITIONS", "8"))
                .getOrCreate())
    except Exception as exc:  # noqa: BLE001  (py4j and the JVM raise many kinds; say it in one line)
        raise SparkEngineError(f"Spark did not start on {master!r}: {type(exc).__name__}: {exc}") from exc


def _group_runner(check_ids: list[str], config: dict[str, Any], geo_available: bool,
                  identities: Identities | None = None):
    """The function Spark calls on each group: rebuild the event table of the group in the workbench's
    schema and order, run the checks on it, and return the findings as JSON text. With ``identities`` it
    runs the cross-source checks (``check_ids`` then names none of the per-account ones)."""

    def run(frame):  # pandas.DataFrame -> pandas.DataFrame
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        from ..checks import CHECKS as ALL
        from ..pipeline import run_checks

        frame = frame.sort_values("seq", kind="stable")
        columns = []
        for f in SCHEMA:
            arr = pa.array(frame[f.name], from_pandas=True)
            if pa.types.is_timestamp(f.type) and pa.types.is_timestamp(arr.type) and arr.type.tz is None:
                arr = pc.assume_timezone(arr, "UTC")
            columns.append(pc.cast(arr, f.type) if arr.type != f.type else arr)
        table = pa.Table.from_arrays(columns, schema=SCHEMA)
        wanted = [c for c in ALL if c.id in check_ids]
        findings, _ = run_checks(table, config, geo_available, checks=wanted, identities=identities)
        text = [orjson.dumps(f.to_dict(), option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS,
                             default=str).decode() for f in findings]
        return pd.DataFrame({"finding": pd.Series(text, dtype=object)})

    return run


def components(ids: Identities) -> dict[str, int]:
    """Name key -> identity component: the names of an entity and the names suggested (and not rejected)
    to be it, joined transitively, so every name a cross-source check reads for one person is in one group."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        parent.setdefault(k, k)
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for key, eid in ids.entity_of.items():
        union("entity\0" + eid, "name\0" + key)
    for link in ids.links:
        if link.kind == "suggested" and link.decision != "rejected":
            union("name\0" + link.a, "name\0" + link.b)
    roots: dict[str, int] = {}
    return {key: roots.setdefault(find("name\0" + key), len(roots)) for key in sorted(ids.entity_of)}


def _cross_source_texts(spark, events, ids: Identities, check_ids: list[str], config: dict[str, Any],
                        geo_available: bool) -> tuple[list[str], int]:
    """The cross-source checks on Spark, one group per identity component; (findings as JSON, groups)."""
    from pyspark.sql import functions as F

    comp = components(ids)
    if not comp:
        return [], 0
    scope = F.when(F.col("source").isin(sorted(HOST_ACCOUNTS)), F.coalesce(F.col("host"), F.lit(""))).otherwise("")
    keyed = events.where(F.col("user").isNotNull()).withColumn(
        _KEY, F.concat_ws("|", F.col("source"), scope, F.col("user")))
    names = spark.createDataFrame(list(comp.items()), schema=f"{_KEY} string, {_COMPONENT} int")
    joined = keyed.join(F.broadcast(names), on=_KEY, how="inner")
    result = joined.groupBy(_COMPONENT).applyInPandas(
        _group_runner(check_ids, config, geo_available, identities=ids), schema="finding string")
    return [row["finding"] for row in result.collect()], len(set(comp.values()))


def run_checks_on_spark(folder: str | os.PathLike, config: dict[str, Any], geo_available: bool, *,
                        master: str = "local[*]", spark=None, identities: Identities | None = None) -> SparkRun:
    """Every check over the Parquet event folder ``folder`` on Spark at ``master``; with ``identities``
    (resolved over the same events) the cross-source checks too."""
    if spark is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            SparkSession = None  # noqa: N806  (session() says what to install)
        spark = SparkSession.getActiveSession() if SparkSession is not None else None
        own = spark is None  # a session already running (a notebook, the tests) is used and left running
        spark = spark or session(master)
    else:
        own = False
    from pyspark.sql import functions as F

    try:
        events = spark.read.parquet(str(folder))
        skipped = {c.id: "no GeoIP database" for c in CHECKS if c.needs_geo and not geo_available}
        by_key: dict[str, list[str]] = {}
        for c in CHECKS:
            if c.id in skipped:
                continue
            by_key.setdefault(c.partition or _ALL, []).append(c.id)  # declared with the check
        texts: list[str] = []
        groups: dict[str, int] = {}
        for key, ids in by_key.items():
            frame = events.withColumn(_ALL, F.lit(0)) if key == _ALL else events
            grouped = frame.groupBy(key)
            groups[key] = grouped.count().count()
            result = grouped.applyInPandas(_group_runner(ids, config, geo_available), schema="finding string")
            texts.extend(row["finding"] for row in result.collect())
        cross: list[str] = []
        if identities is not None:  # after the per-account checks, as in the embedded engine
            for c in CROSS_CHECKS:
                if c.partition != PERSON:
                    raise SparkEngineError(f"cross-source check {c.id!r} is not partitioned by person")
                if c.needs_geo and not geo_available:
                    skipped[c.id] = "no GeoIP database"
                else:
                    cross.append(c.id)
            if cross:
                found, groups[PERSON] = _cross_source_texts(spark, events, identities, cross, config,
                                                                geo_available)
                texts.extend(found)
    except SparkEngineError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise SparkEngineError(f"the Spark run failed: {_cause(exc)}") from exc
    finally:
        if own:
            spark.stop()
    unique = {f.id: f for f in (Finding.from_dict(orjson.loads(t)) for t in texts)}
    ran = [c.id for c in CHECKS if c.id not in skipped] + cross
    partition = {c.id: c.partition for c in CHECKS}
    where = {c: f"spark: grouped by {partition[c] or 'nothing (one group)'}" for c in ran if c in partition}
    where.update({c: "spark: grouped by person (identity component)" for c in cross})
    return SparkRun(sort_findings(list(unique.values())), ran, skipped, master, groups, where)


def _cause(exc: BaseException) -> str:
    """One line for a Spark failure: the Python error a worker raised, else the first line of the message."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    raised = [line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception)\b.*:", line)
              and not line.startswith(("org.", "java.", "py4j", "pyspark."))]
    return raised[-1][:300] if raised else f"{type(exc).__name__}: {lines[0][:300] if lines else ''}"


def rows(run: SparkRun) -> Iterator[tuple[str, int]]:
    """(check id, findings) in the order of :data:`workbench.checks.CHECKS`, then the cross-source checks."""
    for c in (*CHECKS, *CROSS_CHECKS):
        yield c.id, sum(1 for f in run.findings if f.check == c.id)
