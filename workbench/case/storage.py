"""Where a case folder cannot be written: an archived case on read-only media opens read-only (and reports),
a full disk or a killed run leaves one clear line and no debris.

SQLite in WAL mode needs its ``-shm`` file even to read, which a read-only folder cannot hold: the database
(and its ``-wal``, so edits not yet checkpointed are seen) is copied to a private temporary folder and opened
there with ``query_only``. The events file stays where it is (it is only read)."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import time
from pathlib import Path

LEFTOVER_AGE_S = 15 * 60  # an unreferenced events file older than this is a killed run's, not a writer's


def writable(folder: Path, db: Path) -> bool:
    """Whether the case can be written: the folder (for the -wal and -shm files) and the database."""
    return os.access(folder, os.W_OK | os.X_OK) and (not db.exists() or os.access(db, os.W_OK))


def private_copy(db: Path) -> Path:
    """A copy of the database and its write-ahead log in a new private temporary folder; its path."""
    tmp = Path(tempfile.mkdtemp(prefix="workbench-case-read-only-"))
    try:
        shutil.copyfile(db, tmp / db.name)
        wal = db.with_name(db.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, tmp / wal.name)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp / db.name


def why_not_written(exc: BaseException) -> str:
    """Why a file could not be written into the case folder, in words (never pyarrow's or the OS's raw text)."""
    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    if code == errno.ENOSPC or "no space left" in text or "disk is full" in text or code == errno.EDQUOT:
        return "the disk is full"
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "read-only" in text or "permission denied" in text:
        return "the case folder is read-only"
    return "the case folder could not be written"


def clean_leftovers(folder: Path, keep: set[str], now: float | None = None) -> list[str]:
    """Remove events files of killed runs (``events-*.arrow`` the database does not name, ``.events-*.part``)
    older than :data:`LEFTOVER_AGE_S`; the names removed."""
    now = time.time() if now is None else now
    removed = []
    for path in [*folder.glob("events-*.arrow"), *folder.glob(".events-*.part")]:
        try:
            if path.name in keep or now - path.stat().st_mtime < LEFTOVER_AGE_S:
                continue
            path.unlink()
        except OSError:
            continue
        removed.append(path.name)
    return sorted(removed)
