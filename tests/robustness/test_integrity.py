"""Evidence is never harmed and nothing leaves the machine: a full CLI run and a full GUI session (the
selftest path: load, render, select a finding, write the PDF) over a copy of the evidence leave every
input byte-identical, create nothing beside it, open nothing in it for writing, and attempt no connection."""

import builtins
import hashlib
import os
import shutil
import socket

import pytest

from workbench.__main__ import main
from workbench.paths import demo_dir

DATA_DIRS = ("cloudtrail", "entra", "authlog", "workspace", "gcp", "azure", "s3")


def _state(folder):
    """Every file under ``folder``: its SHA-256, size and modification time."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[str(path.relative_to(folder))] = (hashlib.sha256(path.read_bytes()).hexdigest(), st.st_size,
                                                  st.st_mtime_ns)
    return out


@pytest.fixture
def evidence(tmp_path, data_dir):
    folder = tmp_path / "evidence"
    shutil.copytree(demo_dir(), folder / "demo")
    for name in DATA_DIRS:
        shutil.copytree(data_dir / name, folder / name)
    for path in folder.rglob("*"):  # as an analyst mounts evidence: read-only
        path.chmod(0o555 if path.is_dir() else 0o444)
    yield folder
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.fixture
def guarded(monkeypatch, evidence):
    """Fail on any socket connection or name lookup, and on any write-mode open inside the evidence."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted")

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    real_open, real_os_open = builtins.open, os.open
    writes = []
    root = str(evidence)

    def watched_open(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and str(file).startswith(root) and set(mode) & set("wax+"):
            writes.append((str(file), mode))
        return real_open(file, mode, *args, **kwargs)

    def watched_os_open(path, flags, *args, **kwargs):
        if str(path).startswith(root) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND):
            writes.append((str(path), flags))
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watched_open)
    monkeypatch.setattr(os, "open", watched_os_open)
    return attempts, writes


def test_a_cli_run_leaves_the_evidence_untouched_and_stays_offline(evidence, guarded, tmp_path):
    attempts, writes = guarded
    before = _state(evidence)
    out = tmp_path / "out"
    code = main(["analyze", str(evidence), "--report", str(out / "r.pdf"), "--findings-json", str(out / "f.json"),
                 "-q"])
    assert code in (0, 3)
    assert (out / "r.pdf").stat().st_size > 0 and (out / "f.json").stat().st_size > 0
    assert _state(evidence) == before
    assert writes == [] and attempts == []


def test_the_cli_refuses_to_write_its_outputs_into_the_evidence(evidence, guarded):
    before = _state(evidence)
    assert main(["analyze", str(evidence), "--findings-json", str(evidence / "demo" / "f.json"), "-q"]) == 2
    assert _state(evidence) == before


def test_a_gui_session_leaves_the_evidence_untouched_and_stays_offline(evidence, guarded, qtbot, monkeypatch,
                                                                        capsys):
    from workbench.gui import app

    attempts, writes = guarded
    before = _state(evidence)
    monkeypatch.setattr(app, "demo_dir", lambda: evidence)
    assert app.selftest() == 0, capsys.readouterr().out
    assert _state(evidence) == before
    assert writes == [] and attempts == []


def test_the_guard_does_catch_a_connection_and_a_write(evidence, guarded):
    """The guards can fail: a connection attempt and a write into the evidence are both seen."""
    attempts, writes = guarded
    with pytest.raises(OSError, match="network access attempted"):
        socket.create_connection(("192.0.2.1", 443), timeout=0.1)
    try:  # refused by the read-only mode, unless the tests run as root
        open(evidence / "demo" / "new.txt", "w").close()
        (evidence / "demo").chmod(0o755)
        (evidence / "demo" / "new.txt").unlink()
    except PermissionError:
        pass
    assert len(attempts) == 1 and writes == [(str(evidence / "demo" / "new.txt"), "w")]
