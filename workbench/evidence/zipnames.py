"""Zip archives whose member names say they are UTF-8 and are not (a broken or hostile archiver).

Python's ``zipfile`` refuses the whole archive then. Instead, the archive is read through a view of the file
in which those members' "UTF-8 name" flag is cleared in the central directory, so ``zipfile`` reads their
names in the old DOS code page (every byte has a character there) and every other member as it is. The file
itself is never written."""

from __future__ import annotations

import io
import struct
from pathlib import Path

_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
_UTF8_FLAG = 0x800


def bad_name_flags(path: Path) -> tuple[dict[int, bytes], set[int]]:
    """(offset -> new byte of the flags to rewrite, the entries' positions in the central directory) for the
    entries flagged UTF-8 whose names are not; empty when there is none (or no readable central directory)."""
    with open(path, "rb") as fh:
        fh.seek(0, io.SEEK_END)
        size = fh.tell()
        fh.seek(max(size - (1 << 16) - 22, 0))
        tail = fh.read()
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) < at + 22:
            return {}, set()
        cd_size, cd_offset = struct.unpack_from("<II", tail, at + 12)
        if cd_offset == 0xFFFFFFFF or cd_offset + cd_size > size:
            return {}, set()  # Zip64 or damaged: left to zipfile
        fh.seek(cd_offset)
        cd = fh.read(cd_size)
    patches: dict[int, bytes] = {}
    entries: set[int] = set()
    pos = index = 0
    while pos + 46 <= len(cd) and cd[pos:pos + 4] == _CENTRAL:
        flags, = struct.unpack_from("<H", cd, pos + 8)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", cd, pos + 28)
        name = cd[pos + 46:pos + 46 + name_len]
        if flags & _UTF8_FLAG:
            try:
                name.decode("utf-8")
            except UnicodeDecodeError:
                patches[cd_offset + pos + 9] = bytes([(flags & ~_UTF8_FLAG) >> 8])
                local, = struct.unpack_from("<I", cd, pos + 42)  # its local header says the same: cleared too
                local_flags = _local_flags(path, local)
                if local_flags is not None:
                    patches[local + 7] = bytes([(local_flags & ~_UTF8_FLAG) >> 8])
                entries.add(index)
        pos += 46 + name_len + extra_len + comment_len
        index += 1
    return patches, entries


def _local_flags(path: Path, offset: int) -> int | None:
    with open(path, "rb") as fh:
        fh.seek(offset)
        head = fh.read(8)
    return struct.unpack_from("<H", head, 6)[0] if len(head) == 8 and head[:4] == b"PK\x03\x04" else None


class PatchedView(io.RawIOBase):
    """A read-only view of ``path`` with a few bytes replaced (``patches``: offset -> one byte)."""

    def __init__(self, path: Path, patches: dict[int, bytes]) -> None:
        super().__init__()
        self._fh = open(path, "rb")
        self._patches = patches

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def readinto(self, buffer) -> int:
        start = self._fh.tell()
        data = self._fh.read(len(buffer))
        if not data:
            return 0
        out = bytearray(data)
        for offset, byte in self._patches.items():
            if start <= offset < start + len(out):
                out[offset - start] = byte[0]
        buffer[:len(out)] = out
        return len(out)

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()
