"""The Spark engine: the event table exported as Parquet and read back, and every check giving on Spark (local
mode) exactly the findings the embedded engine gives on the same events, stateful checks included."""

import json
import os
import shutil

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


def test_analyze_on_spark_writes_the_same_findings_json(exported, spark, tmp_path):
    root, parquet, analysis = exported
    out = tmp_path / "spark.json"
    assert main(["analyze", "--engine", "spark", "--parquet", str(parquet), "--findings-json", str(out),
                 "--report", str(tmp_path / "spark.pdf"), "-q"]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["engine"]["name"] == "spark" and doc["events_total"] == analysis.events_total
    local = {f["id"]: f for f in analysis.to_json()["findings"] if f["check"] in {c.id for c in CHECKS}}
    assert {f["id"]: f["playbook"] for f in doc["findings"]} == {k: f["playbook"] for k, f in local.items()}
    assert (tmp_path / "spark.pdf").read_bytes()[:5] == b"%PDF-"


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
