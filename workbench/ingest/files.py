"""Opening evidence files: read-only, transparently decompressed, hashed, sniffed by content."""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path
from typing import BinaryIO, Iterable

GZIP_MAGIC = b"\x1f\x8b"
HEAD_BYTES = 64 * 1024


def expand(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named directly, and every regular file below named folders, in a stable order.

    Hidden files (``.name``) inside folders are skipped; a file named directly is always taken.
    """
    out: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
        else:
            out.append(path)
    return out


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` read-only, decompressing gzip by content (not by file name)."""
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of the decompressed content (for sniffing).

    A truncated gzip still gives what could be decompressed, so it can be named and reported.
    """
    if not is_gzip(path):
        with open(path, "rb") as fh:
            return fh.read(size)
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    with open(path, "rb") as fh:
        while len(out) < size and (block := fh.read(16384)):
            out += inflate.decompress(block, size - len(out))
            if inflate.eof:
                break
    return bytes(out)


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
