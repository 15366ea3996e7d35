"""Every log source is declared once (workbench/sources.py) and every check declares what it needs: the facts
the rest of the code asks about are derived from those declarations, never typed again."""

import ast
from pathlib import Path

import pyarrow.compute as pc
import pytest

import workbench
from workbench import sources
from workbench.checks import CHECKS
from workbench.checks.base import PERSON, Check
from workbench.checks.coverage import requirements
from workbench.checks.cross_source import CROSS_CHECKS
from workbench.config import load_config
from workbench.events import SCHEMA
from workbench.ingest import load
from workbench.ingest.registry import PARSERS
from workbench.sigma import mappings

DATA = Path(__file__).resolve().parent / "data"
ALL_CHECKS = (*CHECKS, *CROSS_CHECKS)


def test_every_parser_writes_a_declared_source_and_every_source_has_a_parser():
    written = {p.id: p.source for p in PARSERS.values()}
    assert set(written.values()) <= set(sources.BY_ID), "declare these sources in workbench/sources.py"
    assert set(sources.BY_ID) == set(written.values()), "a declared source no parser writes"


def test_the_events_of_real_exports_carry_their_parsers_source():
    loaded = load([DATA / d for d in ("authlog", "azure", "cloudtrail", "cloudtrail_history", "entra", "gcp",
                                      "journald", "m365", "s3", "windows", "workspace")])
    table = loaded.table
    formats = {i.format for i in loaded.inputs if i.events}
    assert {"evtx_xml", "evtxecmd_csv", "cloudtrail", "cloudtrail_lookup", "cloudtrail_csv"} <= formats  # 2 sources
    for info in loaded.inputs:
        if not info.events:
            continue
        rows = table.filter(pc.equal(table.column("file"), info.path))
        assert set(pc.unique(rows.column("source")).to_pylist()) == {PARSERS[info.format].source}, info.path


def test_the_fact_sets_are_the_declarations_of_sources():
    from workbench.checks import coverage
    from workbench.explore import triage_probes
    from workbench.incidents import link
    from workbench.people import identity, lineage

    assert coverage.SOURCE_FIELDS is sources.SOURCE_FIELDS and coverage.HOST_SOURCES is sources.HOST_SOURCES
    assert identity.RAW_IDENTIFIERS is sources.RAW_IDENTIFIERS and identity.HOST_ACCOUNTS is sources.HOST_ACCOUNTS
    assert identity.WINDOWS_SOURCES is sources.WINDOWS_SOURCES and lineage.SSH_SOURCES is sources.SSH_SOURCES
    assert link.HOST_SOURCES is sources.HOST_SOURCES and triage_probes.CONTROL_PLANE is sources.CONTROL_PLANE
    assert mappings.SIGMA_LOGSOURCES is sources.SIGMA_LOGSOURCES
    assert set(mappings.FIELDS) <= set(sources.BY_ID)  # Sigma field mappings only for sources that exist
    assert sources.CLOUD_ACCOUNTS == {"cloudtrail", "entra_signin", "entra_audit", "azure_activity", "gcp_audit",
                                      "workspace", "m365_audit"}  # S3's data access names no cloud account
    assert sources.SIGMA_LOGSOURCES[("linux", None)] == ("authlog", "journald")


def _module_level_source_sets(path: Path) -> list[tuple[int, list[str]]]:
    """Literal sets, tuples or lists of two or more source ids in the module-level statements of ``path``."""
    found = []
    for stmt in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            continue
        for node in ast.walk(stmt):
            if isinstance(node, (ast.Set, ast.Tuple, ast.List)) and len(node.elts) >= 2:
                values = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                if len(values) == len(node.elts) and all(v in sources.BY_ID for v in values):
                    found.append((node.lineno, values))
    return found


def test_no_module_but_sources_types_a_set_of_sources():
    root = Path(workbench.__file__).parent
    typed = {str(p.relative_to(root)): hits for p in sorted(root.rglob("*.py"))
             if p.name != "sources.py" and (hits := _module_level_source_sets(p))}
    assert typed == {}, "derive these from workbench/sources.py"


def test_the_scan_finds_a_typed_set(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('HOSTS = frozenset({"authlog", "journald"})\n\ndef f(s):\n    return s in ("authlog", "windows")\n')
    assert _module_level_source_sets(module) == [(1, ["authlog", "journald"])]


def test_every_check_declares_requirements_partition_and_settings():
    config = load_config()
    columns = {f.name for f in SCHEMA}
    declared = requirements()
    for check in ALL_CHECKS:
        assert isinstance(check.requires, tuple), check.id
        assert declared[check.id] is check.requires
        for level, holds, reason in check.requires:
            assert level in ("not_run", "limited", "baseline") and callable(holds) and reason, check.id
        assert check.partition is None or check.partition in columns or check.partition == PERSON, check.id
        assert check.id in config, f"{check.id}: its settings and their defaults belong in resources/config.yaml"
    assert {c.partition for c in CROSS_CHECKS} == {PERSON}  # grouped by resolved person


def test_a_check_cannot_leave_its_requirements_or_partition_out():
    with pytest.raises(TypeError, match="requires"):
        Check(id="x", title="x", techniques=(), description="", run=lambda inp: [], partition="user")
    with pytest.raises(TypeError, match="partition"):
        Check(id="x", title="x", techniques=(), description="", run=lambda inp: [], requires=())
