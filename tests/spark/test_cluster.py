"""``workbench analyze --engine spark`` against a real standalone Spark cluster started here: a master and two
workers (one core, 1 GB each) on loopback, in temporary folders, stopped at the end; the findings JSON is the
embedded engine's apart from the engine facts. The CLI runs in its own process, as an analyst runs it, so the
checks travel to the workers' executors (not the tests' local session)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from test_spark import IDENTITY_CASE, CROSS, embedded_json, export, same_apart_from_engine_facts

pyspark = pytest.importorskip("pyspark", reason="PySpark is an optional extra: pip install 'workbench[spark]'")
if shutil.which("java") is None:
    pytest.skip("a standalone Spark cluster needs a Java 17+ runtime (bootstrap's spark extra installs one)",
                allow_module_level=True)

pytestmark = pytest.mark.cluster
REPO = Path(__file__).resolve().parents[2]
SPARK_HOME = Path(pyspark.__file__).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _daemon(cls: str, args: list[str], env: dict, log: Path) -> subprocess.Popen:
    out = log.open("wb")
    return subprocess.Popen([str(SPARK_HOME / "bin" / "spark-class"), cls, *args], env=env, stdout=out,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def _alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as r:  # noqa: S310 (loopback)
            return len([w for w in json.load(r).get("workers", []) if w.get("state") == "ALIVE"])
    except OSError:
        return 0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """spark://127.0.0.1:PORT with two registered workers; every daemon stopped afterwards."""
    root = tmp_path_factory.mktemp("cluster")
    conf = root / "conf"
    conf.mkdir()
    # what an organisation puts in its own spark-defaults.conf; small here, for a shared two-core machine
    (conf / "spark-defaults.conf").write_text("spark.executor.memory 512m\nspark.driver.host 127.0.0.1\n"
                                              "spark.driver.bindAddress 127.0.0.1\n", encoding="utf-8")
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": "127.0.0.1",
           "SPARK_LOG_DIR": str(root / "logs"), "SPARK_CONF_DIR": str(conf), "SPARK_DAEMON_MEMORY": "256m",
           "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
           # the executors import this checkout's workbench (on a real cluster: the wheel installed there)
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    port, ui = _free_port(), _free_port()
    master_url = f"spark://127.0.0.1:{port}"
    procs = [_daemon("org.apache.spark.deploy.master.Master",
                     ["--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui)], env, root / "master.log")]
    try:
        for n in (1, 2):
            work = root / f"worker{n}"
            work.mkdir()
            procs.append(_daemon("org.apache.spark.deploy.worker.Worker",
                                 ["--host", "127.0.0.1", "--port", str(_free_port()), "--webui-port", str(_free_port()),
                                  "--cores", "1", "--memory", "1g", "--work-dir", str(work), master_url],
                                 env, root / f"worker{n}.log"))
        deadline = time.monotonic() + 60
        while _alive_workers(ui) < 2:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                logs = "\n".join(f.read_text(errors="replace")[-1500:] for f in sorted(root.glob("*.log")))
                pytest.fail(f"the standalone cluster did not come up with two workers:\n{logs}")
            time.sleep(0.5)
        yield master_url, env, root
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_analyze_on_a_standalone_cluster_gives_the_embedded_findings(cluster, city_db, tmp_path):
    master, env, root = cluster
    parquet = export(IDENTITY_CASE, tmp_path / "events", city_db)
    out = tmp_path / "cluster.json"
    run = subprocess.run([sys.executable, "-m", "workbench", "analyze", "--engine", "spark", "--parquet", str(parquet),
                          "--spark-master", master, "--findings-json", str(out), "-q"],
                         env={**env, "WORKBENCH_SPARK_PARTITIONS": "2"}, cwd=REPO, capture_output=True, text=True,
                         timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["engine"]["master"] == master
    assert CROSS <= {f["check"] for f in doc["findings"]}
    # the work ran on the cluster's executors: each worker launched one for this application
    assert all(list((root / f"worker{n}").glob("app-*/*/stderr")) for n in (1, 2))
    same_apart_from_engine_facts(embedded_json(IDENTITY_CASE, city_db, tmp_path), doc)
