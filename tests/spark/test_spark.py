"""The Spark engine: the event table exported as Parquet and read back, and every check giving on Spark (local
mode) exactly the findings the embedded engine gives on the same events, stateful checks included."""

import json
import os
import shutil
from pathlib import Path

import orjson
import pytest

from workbench.__main__ import main
from workbench.checks import CHECKS
from workbench.spark.eventstore import SIDECAR, read_events, read_meta
from workbench.events import SCHEMA
from workbench.pipeline import analyze, run_checks
from workbench.events import raw_record
from workbench.synth import generate_case

pyspark = pytest.importorskip("pyspark", reason="PySpark is an optional extra: pip install -e '.[spark]'")
if shutil.which("java") is None:
    pytest.skip("Spark needs a Java runtime", allow_module_level=True)

STATEFUL = {"brute_force_success", "password_spray", "new_country", "impossible_travel", "unusual_hours"}


def _canonical(findings):
    """Findings as comparable JSON text, order-insensitive."""
    return sorted(orjson.dumps(f.to_dict(), option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
                               | orjson.OPT_SORT_KEYS, default=str).decode() for f in findings)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, city_db):
    """A generated multi-source case (CloudTrail, Entra, auth.log, Windows), analyzed and exported."""
    root = tmp_path_factory.mktemp("spark")
    generate_case(root / "case", seed=3, days=21, scale=0.5, windows=True)
    parquet = root / "events"
    code = main(["export-events", str(root / "case"), "--parquet", str(parquet), "--geoip-db", str(city_db), "-q"])
    assert code in (0, 3)
    analysis = analyze([root / "case"], geoip_dbs=[city_db])
    return root, parquet, analysis


IDENTITY_CASE = Path(__file__).resolve().parents[1] / "data" / "identity"  # fires both cross-source checks
CROSS = {"cross_new_country_then_hosts", "cross_failed_signins_then_aws_console"}


def export(case, parquet, city_db):
    code = main(["export-events", str(case), "--parquet", str(parquet), "--geoip-db", str(city_db), "-q"])
    assert code in (0, 3)
    return parquet


@pytest.fixture(scope="module")
def identity_case(tmp_path_factory, city_db):
    """The people case (Entra, CloudTrail SSO, auth.log of one person by several names), exported."""
    return IDENTITY_CASE, export(IDENTITY_CASE, tmp_path_factory.mktemp("spark-people") / "events", city_db)


@pytest.fixture(scope="module")
def spark():
    from workbench.spark.engine import session

    os.environ.setdefault("WORKBENCH_SPARK_PARTITIONS", "2")  # a small case: few tasks, less start-up per task
    s = session("local[2]")
    yield s
    s.stop()


def test_the_parquet_folder_is_partitioned_documented_and_reads_back(exported):
    root, parquet, analysis = exported
    meta = read_meta(parquet)
    assert meta["events"] == analysis.events_total and meta["geo_locates"] is True
    assert {i["sha256"] for i in meta["inputs"]} == {i.sha256 for i in analysis.inputs}
    sources = {p.name for p in parquet.iterdir() if p.is_dir()}
    assert {"source=cloudtrail", "source=entra_signin", "source=authlog"} <= sources
    assert all(d.name.startswith("day=2024-03-") for d in (parquet / "source=cloudtrail").iterdir())
    back = read_events(parquet, SCHEMA)
    assert back.drop_columns(["raw"]).equals(analysis.table.drop_columns(["raw"]))
    for row in (0, back.num_rows // 2, back.num_rows - 1):  # evidence resolves against the Parquet data alone
        assert back.column("raw")[row].as_py() == raw_record(analysis.table, row)


def test_every_check_gives_the_same_findings_on_spark(exported, spark):
    from workbench.spark.engine import run_checks_on_spark

    root, parquet, analysis = exported
    local, _ = run_checks(analysis.table, analysis.config, True)
    run = run_checks_on_spark(parquet, analysis.config, True, spark=spark)
    assert run.skipped == {} and run.groups["user"] > 10
    fired = {f.check for f in local}
    assert STATEFUL <= fired, f"the generated case must exercise the stateful checks: {STATEFUL - fired}"
    for check in sorted({c.id for c in CHECKS}):
        assert _canonical(f for f in run.findings if f.check == check) == \
               _canonical(f for f in local if f.check == check), check


ENGINE_FACTS = ("created", "engine")  # what may differ between the engines' findings JSON


def same_apart_from_engine_facts(embedded: dict, spark: dict) -> None:
    """Both findings JSON documents equal, key by key, once the engine facts are set aside."""
    assert spark["engine"]["name"] == "spark" and "engine" not in embedded
    where = {c["id"]: c.pop("ran_on") for c in spark["checks"]}
    assert all(w.startswith(("spark: ", "driver: ")) for c, w in where.items() if w), where
    for key in sorted(set(embedded) | set(spark)):
        if key in ENGINE_FACTS:
            continue
        mine, theirs = spark.get(key), embedded.get(key)
        if isinstance(mine, list) and isinstance(theirs, list) and len(mine) == len(theirs):
            for a, b in zip(mine, theirs):  # name the first item and field that differ
                if isinstance(a, dict) and isinstance(b, dict):
                    assert a == b, (key, a.get("id"), [(x, y) for k in a | b if a.get(k) != b.get(k)
                                                       for x, y in zip(a.get(k) or [None], b.get(k) or [None]) if x != y])
        assert mine == theirs, key


def embedded_json(case, city_db, tmp_path):
    out = tmp_path / "embedded.json"
    assert main(["analyze", str(case), "--geoip-db", str(city_db), "--findings-json", str(out), "-q"]) in (0, 3)
    return json.loads(out.read_text(encoding="utf-8"))


def spark_json(parquet, tmp_path, *extra):
    out = tmp_path / "spark.json"
    assert main(["analyze", "--engine", "spark", "--parquet", str(parquet), "--findings-json", str(out), "-q",
                 *extra]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_analyze_on_spark_writes_the_same_findings_json(exported, spark, tmp_path, city_db):
    """The generated case: every per-account check, triage answers, incidents, Sigma."""
    root, parquet, analysis = exported
    doc = spark_json(parquet, tmp_path, "--report", str(tmp_path / "spark.pdf"))
    assert doc["events_total"] == analysis.events_total
    ran_on = {c["id"]: c["ran_on"] for c in doc["checks"]}
    assert ran_on["brute_force_success"] == "spark: grouped by user"
    assert ran_on["password_spray"] == "spark: grouped by nothing (one group)"
    assert ran_on["sigma"].startswith("driver: ")
    embedded = embedded_json(root / "case", city_db, tmp_path)
    assert embedded["incidents"] and any(f["triage"] for f in embedded["findings"])
    same_apart_from_engine_facts(embedded, doc)
    assert (tmp_path / "spark.pdf").read_bytes()[:5] == b"%PDF-"


def test_the_cross_source_checks_run_on_spark_by_person(identity_case, spark, tmp_path, city_db):
    """Both cross-source checks fire on the people case, grouped by identity component on Spark; the names only
    suggested to be the person (the low note) travel in the same group, so the findings JSON is the same."""
    case, parquet = identity_case
    doc = spark_json(parquet, tmp_path)
    ran_on = {c["id"]: c["ran_on"] for c in doc["checks"]}
    assert {ran_on[c] for c in CROSS} == {"spark: grouped by person (identity component)"}
    assert doc["engine"]["groups"]["person"] >= 2
    assert CROSS <= {f["check"] for f in doc["findings"]}
    embedded = embedded_json(case, city_db, tmp_path)
    same_apart_from_engine_facts(embedded, doc)


def test_spark_without_a_parquet_folder_is_a_usage_error(capsys):
    assert main(["analyze", "--engine", "spark"]) == 2
    assert "--parquet DIR" in capsys.readouterr().err


def test_export_records_the_provider_lists_and_columns(exported):
    """The Parquet folder carries provider_class/provider and the lists' build dates, for the Spark findings JSON."""
    root, parquet, analysis = exported
    meta = read_meta(parquet)
    assert [x["name"] for x in meta["ip_lists"]] == [x.name for x in analysis.ip_lists] and meta["ip_lists"]
    assert all(x["built"] == item.built.isoformat() for x, item in zip(meta["ip_lists"], analysis.ip_lists))
    table = read_events(parquet, SCHEMA)
    assert table.column("provider_class").to_pylist() == analysis.table.column("provider_class").to_pylist()
