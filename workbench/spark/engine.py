"""The checks on Apache Spark, over the Parquet event folder of :mod:`workbench.spark.eventstore`.

One definition per check: Spark does not get its own version of any check. Each check is stateful only
*within* one key (the account for almost all of them: its baseline, its travel, its hours), so Spark groups
the events by that key across the cluster and runs the very same check module (:mod:`workbench.checks`) on
each group with ``groupBy(key).applyInPandas``; the embedded engine runs it on all groups at once. Checks
whose state spans accounts (password spray: one address against many accounts) run in one group holding
every event, which is exact but does not spread; each check's ``partition`` says which is which, and a test holds
every check to it by comparing both engines' findings on the same events.

The cross-source checks of :mod:`workbench.people.identity` need the resolved identities of the whole case and
run only in the embedded engine; a Spark run says so in its check list.

PySpark is an optional dependency (``pip install 'workbench[spark]'``; a Java 17+ runtime) imported only here.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Iterator

import orjson

from ..checks import CHECKS
from ..errors import WorkbenchError
from ..events import SCHEMA
from ..findings import Finding, sort_findings

_ALL = "__all__"


class SparkEngineError(WorkbenchError):
    """Spark could not be started or the run failed."""


@dataclass(frozen=True)
class SparkRun:
    findings: list[Finding]
    ran: list[str]  # check ids
    skipped: dict[str, str]  # check id -> why it did not run
    master: str
    groups: dict[str, int]  # partition key -> groups Spark ran the checks on


def session(master: str = "local[*]", app_name: str = "workbench"):
    """A Spark session in UTC with string partition columns; workers run this Python."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkEngineError("PySpark is not installed: pip install 'workbench[spark]' (and a Java 17+ runtime)") \
            from exc
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
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


def _group_runner(check_ids: list[str], config: dict[str, Any], geo_available: bool):
    """The function Spark calls on each group: rebuild the event table of the group in the workbench's
    schema and order, run the checks on it, and return the findings as JSON text."""

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
        findings, _ = run_checks(table, config, geo_available, checks=wanted)
        text = [orjson.dumps(f.to_dict(), option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS,
                             default=str).decode() for f in findings]
        return pd.DataFrame({"finding": pd.Series(text, dtype=object)})

    return run


def run_checks_on_spark(folder: str | os.PathLike, config: dict[str, Any], geo_available: bool, *,
                        master: str = "local[*]", spark=None) -> SparkRun:
    """Every check over the Parquet event folder ``folder`` on Spark at ``master``."""
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
    except SparkEngineError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise SparkEngineError(f"the Spark run failed: {_cause(exc)}") from exc
    finally:
        if own:
            spark.stop()
    unique = {f.id: f for f in (Finding.from_dict(orjson.loads(t)) for t in texts)}
    ran = [c.id for c in CHECKS if c.id not in skipped]
    return SparkRun(sort_findings(list(unique.values())), ran, skipped, master, groups)


def _cause(exc: BaseException) -> str:
    """One line for a Spark failure: the Python error a worker raised, else the first line of the message."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    raised = [line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception)\b.*:", line)
              and not line.startswith(("org.", "java.", "py4j", "pyspark."))]
    return raised[-1][:300] if raised else f"{type(exc).__name__}: {lines[0][:300] if lines else ''}"


def rows(run: SparkRun) -> Iterator[tuple[str, int]]:
    """(check id, findings) in the order of :data:`workbench.checks.CHECKS`."""
    for c in CHECKS:
        yield c.id, sum(1 for f in run.findings if f.check == c.id)
