"""A case folder that cannot be written: archived on read-only media it opens read-only (edits not yet
checkpointed included) and reports; a full disk while storing the analysis is one line; a killed run's
events files are cleaned on the next open."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import workbench.case.storage as storage
from workbench.case.folder import Case, CaseError, open_case
from workbench.paths import demo_dir


@pytest.fixture
def evidence(tmp_path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    shutil.copy(demo_dir() / "auth.log", folder / "auth.log")
    return folder


def _archived(tmp_path, evidence) -> tuple[Path, str]:
    """A case with its analysis and one finding confirmed, copied while open (its -wal holds the last edit)."""
    folder = tmp_path / "case"
    case = Case.create(folder, [evidence])
    analysis, _ = case.open_analysis()
    fid = analysis.findings[0].id
    case.set_state(fid, "confirmed")
    archive = tmp_path / "archive"
    shutil.copytree(folder, archive)  # with the case still open: the edit may be in the -wal only
    case.close()
    return archive, fid


def test_a_read_only_case_opens_reports_and_refuses_edits_in_one_line(tmp_path, evidence, monkeypatch):
    archive, fid = _archived(tmp_path, evidence)
    monkeypatch.setattr(storage, "writable", lambda folder, db: False)  # as on a read-only mount
    before = {p.name: p.stat().st_mtime_ns for p in archive.iterdir()}
    case, analysis, reused = open_case(archive)
    with case:
        assert case.read_only and reused and case.state(fid) == "confirmed"
        assert case.report_view()  # what the report reads
        with pytest.raises(CaseError, match="the case folder is read-only") as err:
            case.set_state(fid, "false positive")
        assert "\n" not in str(err.value) and case.state(fid) == "confirmed"
        with pytest.raises(CaseError, match="analysis was not stored: the case folder is read-only"):
            case.save_analysis(analysis)
    assert {p.name: p.stat().st_mtime_ns for p in archive.iterdir()} == before


def test_the_report_is_written_from_a_read_only_case(tmp_path, evidence, monkeypatch):
    from workbench.__main__ import main

    archive, _ = _archived(tmp_path, evidence)
    monkeypatch.setattr(storage, "writable", lambda folder, db: False)
    out = tmp_path / "out" / "r.pdf"
    out.parent.mkdir()
    assert main(["analyze", str(evidence), "--no-geoip", "-q", "--case", str(archive), "--report", str(out)]) == 0
    assert out.stat().st_size > 1000


@pytest.fixture
def read_only_mount(tmp_path):
    """``tmp_path/ro``: a read-only bind mount of ``tmp_path/rw`` (as archived media); skipped where the
    test cannot mount (not root, no CAP_SYS_ADMIN)."""
    rw, ro = tmp_path / "rw", tmp_path / "ro"
    rw.mkdir()
    ro.mkdir()
    if subprocess.run(["mount", "--bind", str(rw), str(ro)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount here")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)], capture_output=True).returncode:
            pytest.skip("cannot remount read-only here")
        yield rw, ro
    finally:
        subprocess.run(["umount", str(ro)], capture_output=True)


def test_a_case_on_a_read_only_mount_opens_with_its_last_edit(tmp_path, evidence, read_only_mount):
    rw, ro = read_only_mount
    archive, fid = _archived(tmp_path, evidence)
    shutil.copytree(archive, rw / "case")
    case, analysis, reused = open_case(ro / "case")
    with case:
        assert case.read_only and reused and case.state(fid) == "confirmed"
        with pytest.raises(CaseError, match="the case folder is read-only"):
            case.set_note(fid, "x")
    assert sorted(p.name for p in (ro / "case").iterdir()) == sorted(p.name for p in archive.iterdir())


def test_a_full_disk_while_storing_the_analysis_is_one_line(tmp_path, evidence, monkeypatch):
    import workbench.case.folder as case_mod

    with Case.create(tmp_path / "case", [evidence]) as case:
        analysis, _ = case.open_analysis()

        def full(table, out):
            raise OSError(28, "IOError: [Errno 28] No space left on device. Detail: [errno 28] ...")
        monkeypatch.setattr(case_mod, "write_table", full)
        with pytest.raises(CaseError) as err:
            case.save_analysis(analysis)
        assert str(err.value).endswith("the analysis was not stored: the disk is full; everything saved before it "
                                       "is kept") and "Errno" not in str(err.value)
        assert case.stored_analysis() is not None


def test_a_killed_runs_events_files_are_cleaned_on_open(tmp_path, evidence):
    folder = tmp_path / "case"
    with Case.create(folder, [evidence]) as case:
        case.open_analysis()
    (kept,) = [p.name for p in folder.glob("events-*.arrow")]
    old = time.time() - 2 * storage.LEFTOVER_AGE_S
    for name in ("events-20260101T000000000000.arrow", ".events-20260101T000000000001.arrow.part"):
        (folder / name).write_bytes(b"half written")
        os.utime(folder / name, (old, old))
    (folder / "events-29990101T000000000000.arrow").write_bytes(b"another writer, just now")
    with Case.open(folder) as case:
        assert case.stored_analysis() is not None
    assert sorted(p.name for p in folder.glob("*events-*")) == sorted([kept, "events-29990101T000000000000.arrow"])
