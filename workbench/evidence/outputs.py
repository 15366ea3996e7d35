"""The workbench's own outputs: never inside or beside the evidence (:func:`check_outputs`), and written all
or nothing: :func:`atomic_path` is the one writer every output goes through (a temporary file beside the
output, renamed over it only when complete, removed when writing fails), so a reader never sees half a file."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator, Sequence

import orjson

from ..paths import default_file_mode


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def check_outputs(outputs: Sequence[Path], inputs: Sequence[str]) -> str | None:
    """Evidence is read-only: refuse an output that is an input or lies inside an input folder."""
    for out in outputs:
        for given in map(Path, inputs):
            if out.resolve() == given.resolve() or (given.is_dir() and _inside(out, given)):
                return f"{out}: refusing to write into the evidence ({given})"
            if given.is_file() and out.resolve().parent == given.resolve().parent:
                return f"{out}: refusing to write beside the evidence ({given})"
    return None


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform (Windows); the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; nothing more can be done
    finally:
        os.close(fd)


@contextmanager
def atomic_path(out: Path | str, *, suffix: str = "", durable: bool = False) -> Iterator[Path]:
    """A temporary path beside ``out`` for the block to write; renamed over ``out`` (readable as any file the
    analyst saves) when the block ends, removed when it raises. ``durable``: the data and the rename are
    synced to disk before returning (a case's stored events)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=suffix, dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(out.parent)


@contextmanager
def atomic_open(out: Path | str, mode: str = "wb", *, suffix: str = "", **kwargs: Any) -> Iterator[IO[Any]]:
    """``out`` opened for writing (``open``'s ``mode`` and keywords) through :func:`atomic_path`: the file is
    closed before it is renamed."""
    with atomic_path(out, suffix=suffix) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


def write_json_atomic(data: object, out: Path) -> None:
    """``data`` as indented JSON at ``out``, all or nothing."""
    with atomic_open(out) as fh:
        fh.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
