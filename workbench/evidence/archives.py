"""Compressed evidence: zip archives opened once and shared by their members, and gzip, bzip2 and xz streams
decompressed with an inflate limit, so a small bomb is refused by name instead of filling the memory.

Nothing here writes anything: members are read in memory, never extracted."""

from __future__ import annotations

import bz2
import io
import lzma
import os
import threading
import zipfile
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import BinaryIO, Callable

GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"
ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBERS = 100_000  # members of one archive that are read
MAX_RATIO = 200  # a stream inflating more than this many times its compressed size is a bomb
FLOOR_BYTES = 1 << 20  # ... beyond this many bytes (tiny files compress far better than logs do)
MAX_MEMBER_BYTES = 16 * 1024**3
CHUNK = 1 << 20
READABLE_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "Deflate", zipfile.ZIP_BZIP2: "bzip2",
                    zipfile.ZIP_LZMA: "LZMA"}
METHOD_NAMES = {9: "Deflate64 (what Windows Explorer writes for large files)", 93: "Zstandard", 95: "xz",
                98: "PPMd", 99: "AES encryption"}
OPEN_ARCHIVES = 32  # zip files kept open at once (each holds one file descriptor)


class ArchiveError(OSError):
    """Compressed content that is refused (a bomb, an encrypted member, a method that cannot be read)."""


def limit_for(compressed: int) -> int:
    """The most bytes ``compressed`` bytes may inflate to before they are refused as a bomb."""
    return MAX_RATIO * max(compressed, 1) + FLOOR_BYTES


def compression_of(start: bytes) -> str | None:
    """The compression a stream starts with ("gzip", "bzip2", "xz"), by content; None for none."""
    if start.startswith(GZIP_MAGIC):
        return "gzip"
    if start.startswith(BZIP2_MAGIC) and start[3:4].isdigit() and start[3:4] != b"0":
        return "bzip2"
    if start.startswith(XZ_MAGIC):
        return "xz"
    return None


def _decompressor(kind: str):
    if kind == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    return bz2.BZ2Decompressor() if kind == "bzip2" else lzma.LZMADecompressor()


class Inflating(io.RawIOBase):
    """A gzip, bzip2 or xz stream read decompressed, refused with :class:`ArchiveError` once it inflates past
    ``limit`` bytes. Concatenated members (``cat a.gz b.gz``) are read on. ``partial=True`` ends quietly where
    the data is cut short (for sniffing a truncated file); otherwise that raises ``EOFError``."""

    def __init__(self, opener: Callable[[], BinaryIO], kind: str, limit: int, partial: bool = False,
                 raw: BinaryIO | None = None) -> None:
        super().__init__()
        self._opener, self._kind, self._limit, self._partial = opener, kind, limit, partial
        self._start(raw)

    def _start(self, raw: BinaryIO | None = None) -> None:
        self._raw = raw if raw is not None else self._opener()
        self._d = _decompressor(self._kind)
        self._in = b""
        self._out = 0
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._out - len(self._pending)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Forward reads on; back starts again from the beginning (as ``gzip.GzipFile`` does)."""
        if whence == io.SEEK_CUR:
            offset += self.tell()
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("seek from the end of a compressed stream")
        if offset < self.tell():
            self._raw.close()
            self._start()
        sink = bytearray(CHUNK)
        while self.tell() < offset:
            if not self.readinto(memoryview(sink)[:min(CHUNK, offset - self.tell())]):
                break
        return self.tell()

    def _more(self) -> bytes:
        d = self._d
        while True:
            if d.eof:
                rest = d.unused_data or self._raw.read(CHUNK)
                if not rest.strip(b"\0") or compression_of(rest) != self._kind:
                    self._done = True  # trailing zeros (tape padding) or bytes that start no new member
                    return b""
                self._d = d = _decompressor(self._kind)
                self._in = rest
            if not self._in and (self._kind == "gzip" or d.needs_input):
                self._in = self._raw.read(CHUNK)
                if not self._in:
                    if self._partial:
                        self._done = True
                        return b""
                    raise EOFError("compressed data ends before its end marker")
            out = d.decompress(self._in, CHUNK)
            self._in = d.unconsumed_tail if self._kind == "gzip" else b""
            if out:
                self._out += len(out)
                if self._out > self._limit:
                    raise ArchiveError(0, f"refused: its {self._kind} content inflates past {self._limit:,} bytes,"
                                          f" more than {MAX_RATIO} times its compressed size (a decompression bomb?)")
                return out

    def readinto(self, buffer) -> int:
        while not self._pending and not self._done:
            self._pending = self._more()
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def decompressed(opener: Callable[[], BinaryIO], compressed_size: int, partial: bool = False) -> BinaryIO:
    """What ``opener`` gives, decompressed when it starts with a known compression, else as it is."""
    raw = opener()
    start = raw.peek(8)[:8] if hasattr(raw, "peek") else b""
    if len(start) < 8:
        start = raw.read(8)
        if raw.seekable():
            raw.seek(0)
        else:
            raw = io.BufferedReader(_Prefixed(start, raw))  # type: ignore[arg-type]
    kind = compression_of(start)
    if kind is None:
        return raw
    return io.BufferedReader(Inflating(opener, kind, limit_for(compressed_size), partial, raw), CHUNK)  # type: ignore


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream."""

    def __init__(self, start: bytes, rest: BinaryIO) -> None:
        super().__init__()
        self._start, self._rest = start, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._start:
            n = min(len(buffer), len(self._start))
            buffer[:n], self._start = self._start[:n], self._start[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._rest.close()
        super().close()


# ---- zip archives, opened once ----------------------------------------------------------------------------
class Archive:
    """One zip file on disk with its central directory read once; its members are opened from it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.misnamed: set[int] = set()  # members whose names were not the UTF-8 they claim (see zipnames)
        try:
            self.zip = zipfile.ZipFile(path)
        except UnicodeDecodeError:
            from .zipnames import PatchedView, bad_name_flags

            patches, self.misnamed = bad_name_flags(path)
            if not patches:
                raise
            self.zip = zipfile.ZipFile(io.BufferedReader(PatchedView(path, patches)))  # type: ignore[arg-type]
        self.infos = self.zip.infolist()
        self.first: dict[str, int] = {}
        for i, info in enumerate(self.infos):
            self.first.setdefault(info.filename, i)

    def info(self, member: str, index: int | None) -> zipfile.ZipInfo:
        if index is not None and 0 <= index < len(self.infos) and self.infos[index].filename == member:
            return self.infos[index]
        if member not in self.first:
            raise ArchiveError(2, "no such member in the archive")
        return self.infos[self.first[member]]

    def open(self, member: str, index: int | None) -> BinaryIO:
        info = self.info(member, index)
        check_member(info)
        try:
            return self.zip.open(info)  # type: ignore[return-value]
        except NotImplementedError:
            raise ArchiveError(0, "compressed with a method the workbench cannot read") from None


_OPEN: OrderedDict[tuple, Archive] = OrderedDict()
_LOCK = threading.Lock()


def archive(path: Path) -> Archive:
    """The open :class:`Archive` of ``path``, shared by all its members (reopened when the file changed)."""
    st = os.stat(path)
    key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    with _LOCK:
        found = _OPEN.get(key)
        if found is not None:
            _OPEN.move_to_end(key)
            return found
    opened = Archive(path)
    with _LOCK:
        _OPEN[key] = opened
        while len(_OPEN) > OPEN_ARCHIVES:
            _, old = _OPEN.popitem(last=False)
            old.zip.close()  # members still being read keep the file open until they are closed
    return opened


def check_member(info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise ArchiveError(0, "encrypted archive member")
    if info.compress_type not in READABLE_METHODS:
        method = METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        raise ArchiveError(0, f"compressed with {method}, which the workbench cannot read: re-create the archive "
                              "with ordinary Deflate (zip -r, or 7-Zip's Deflate)")
    if info.file_size > MAX_MEMBER_BYTES or info.file_size > limit_for(info.compress_size):
        raise ArchiveError(0, f"refused: {info.compress_size} bytes inflating to {info.file_size} (a zip bomb?)")


def is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == ZIP_MAGIC
