"""Opening evidence: read-only, transparently decompressed (gzip by content), zip archives opened
member by member in memory (never extracted, so no path in an archive can reach the disk), hashed,
and the first bytes handed to the sniffers."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
HEAD_BYTES = 64 * 1024
MAX_MEMBERS = 100_000  # members of one archive that are read
MAX_RATIO = 200  # a member inflating more than this many times its compressed size is a bomb
MAX_MEMBER_BYTES = 16 * 1024**3


class ArchiveError(OSError):
    """An archive member that is refused (bomb, encrypted, too many members)."""


@dataclass(frozen=True)
class Evidence:
    """One input: a file on disk, or a member of a zip archive on disk."""

    path: Path
    member: str | None = None

    @property
    def display(self) -> str:
        """How the input is named everywhere (findings JSON, report): ``archive.zip!dir/file`` for members."""
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @property
    def name(self) -> str:
        return self.member.rsplit("/", 1)[-1] if self.member else self.path.name

    def size(self) -> int:
        if self.member is None:
            return self.path.stat().st_size
        with zipfile.ZipFile(self.path) as zf:
            return zf.getinfo(self.member).file_size

    def open(self) -> BinaryIO:
        """A read-only binary stream of the content, gzip decompressed by content; UTF-16 text (as Windows
        PowerShell's ``Out-File`` and ``Export-Csv -Encoding Unicode`` write it) is given as UTF-8, so every
        parser and every stored byte offset sees the same bytes."""
        stream = self._open_decompressed()
        start = stream.read(2)
        if start in UTF16_BOMS:
            stream.close()
            return io.BufferedReader(Utf16AsUtf8(self._open_decompressed), 1 << 20)  # type: ignore[return-value]
        if stream.seekable():
            stream.seek(0)
            return stream
        stream.close()
        return self._open_decompressed()

    def _open_decompressed(self) -> BinaryIO:
        raw = self._open_raw()
        start = raw.read(2)
        raw.seek(0) if raw.seekable() else None
        if not raw.seekable():  # a deflated zip member: reopen instead of seeking
            raw.close()
            raw = self._open_raw()
        if start == GZIP_MAGIC:
            return gzip.open(raw, "rb")  # type: ignore[return-value]
        return raw

    def _open_raw(self) -> BinaryIO:
        if self.member is None:
            return open(self.path, "rb")
        zf = zipfile.ZipFile(self.path)
        info = zf.getinfo(self.member)
        _check_member(info)
        return zf.open(info)  # type: ignore[return-value]

    def sha256(self, chunk: int = 1 << 20) -> str:
        digest = hashlib.sha256()
        with self._open_raw() as fh:
            while block := fh.read(chunk):
                digest.update(block)
        return digest.hexdigest()

    def head(self, size: int = HEAD_BYTES) -> bytes:
        """The first ``size`` bytes of the decompressed content (for sniffing).

        A truncated gzip still gives what could be decompressed, so it can be named and reported.
        """
        with self._open_raw() as fh:
            start = fh.read(size)
            if start.startswith(UTF16_BOMS):
                with self.open() as text:
                    return text.read(size)
            if not start.startswith(GZIP_MAGIC):
                return start
            inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = bytearray(inflate.decompress(start, size))
            while len(out) < size and not inflate.eof and (block := fh.read(16384)):
                out += inflate.decompress(block, size - len(out))
        if out.startswith(UTF16_BOMS):
            with self.open() as text:
                return text.read(size)
        return bytes(out)


class Utf16AsUtf8(io.RawIOBase):
    """UTF-16 text (with its byte-order mark) read as UTF-8 bytes, decoded as it streams. Seeking forward
    reads on; seeking back starts again from a freshly opened stream (``opener``)."""

    def __init__(self, opener, chunk: int = 1 << 20) -> None:
        super().__init__()
        self._opener, self._chunk = opener, chunk
        self._start()

    def _start(self) -> None:
        self._src = self._opener()
        self._decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        self._pending = b""
        self._pos = 0
        self._eof = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer) -> int:
        while not self._pending and not self._eof:
            block = self._src.read(self._chunk)
            self._eof = not block
            self._pending = self._decoder.decode(block, final=self._eof).encode("utf-8", "surrogateescape")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("seek from the end of transcoded text")
        if offset < self._pos:
            self._src.close()
            self._start()
        while self._pos < offset:
            if not self.read(min(offset - self._pos, self._chunk)):
                break
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._src.close()
        super().close()


def _check_member(info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise ArchiveError(0, "encrypted archive member")
    if info.file_size > MAX_MEMBER_BYTES or info.file_size > MAX_RATIO * max(info.compress_size, 1) + (1 << 20):
        raise ArchiveError(0, f"refused: {info.compress_size} bytes inflating to {info.file_size} (a zip bomb?)")


def is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == ZIP_MAGIC


def _members(path: Path) -> list[Evidence]:
    with zipfile.ZipFile(path) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
    return [Evidence(path, i.filename) for i in infos[:MAX_MEMBERS]]


def expand(paths: Iterable[str | os.PathLike]) -> list[Evidence]:
    """Files named directly, every regular file below named folders, and the members of zip
    archives among them, in a stable order. Hidden files inside folders are skipped."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files.extend(Path(root) / f for f in sorted(names) if not f.startswith("."))
        else:
            files.append(path)
    out: list[Evidence] = []
    for path in files:
        try:
            if path.is_file() and is_zip(path):
                out.extend(_members(path))
                continue
        except (OSError, zipfile.BadZipFile):
            pass  # reported when it is read as a plain file
        out.append(Evidence(path))
    return out


def evidence_of(display: str) -> Evidence:
    """The inverse of :attr:`Evidence.display` (used to read an original record again)."""
    path = Path(display)
    if path.exists() or "!" not in display:
        return Evidence(path)
    pos = len(display)
    while (pos := display.rfind("!", 0, pos)) > 0:
        if Path(display[:pos]).is_file():
            return Evidence(Path(display[:pos]), display[pos + 1:])
    return Evidence(path)
