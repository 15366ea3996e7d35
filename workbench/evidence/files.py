"""Opening evidence: read-only, transparently decompressed (gzip, bzip2 and xz by content, each with an
inflate limit), zip archives opened once and read member by member in memory (never extracted, so no path in
an archive can reach the disk), hashed, and the first bytes handed to the sniffers. Only regular files are
read: a FIFO, a device or a link to one is named and skipped, never opened."""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Iterable

from .archives import (  # noqa: F401  (ArchiveError, is_zip: part of this module's interface)
    MAX_MEMBERS, ArchiveError, archive, check_member, compression_of, decompressed, is_zip,
)

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes of a file name that are not UTF-8 (os.fsdecode keeps them so)
_SHOWN = re.compile(r"\\x([89a-f][0-9a-f])")


def shown(path: str) -> str:
    """A file name as valid UTF-8 text: bytes that are not UTF-8 (``caf\xe9.log`` written on Latin-1 systems)
    become ``\xe9``, so the name can go into Arrow, SQLite and JSON; :func:`evidence_of` maps it back."""
    return _UNDECODED.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", path)


def _unshown(display: str) -> str:
    return _SHOWN.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), display)
HEAD_BYTES = 64 * 1024
SPARSE_MIN_BYTES = 64 << 20  # a file this long with under 1% of it on disk is holes, not a log


@dataclass(frozen=True)
class Evidence:
    """One input: a file on disk, or a member of a zip archive on disk.

    ``index`` is a member's position in its archive (two members may share a name); ``marked`` members are
    named ``archive.zip!name#<index + 1>`` because their plain name is taken (a duplicate name, or a file on
    disk literally called ``archive.zip!name``). ``refused`` says why an input is not read at all (a FIFO, a
    device); ``notes`` what the analyst should know about it (a link leaving the evidence folder)."""

    path: Path
    member: str | None = None
    index: int | None = None
    marked: bool = False
    refused: str | None = field(default=None, compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def display(self) -> str:
        """How the input is named everywhere (findings JSON, report): ``archive.zip!dir/file`` for members."""
        if not self.member:
            return shown(str(self.path))
        return shown(f"{self.path}!{self.member}" + (f"#{self.index + 1}" if self.marked and self.index is not None
                                                     else ""))

    @property
    def name(self) -> str:
        return self.member.rsplit("/", 1)[-1] if self.member else self.path.name

    def size(self) -> int:
        if self.member is None:
            return self.path.stat().st_size
        return archive(self.path).info(self.member, self.index).file_size

    def open(self) -> BinaryIO:
        """A read-only binary stream of the content, decompressed by content (gzip, bzip2, xz, each with an
        inflate limit); UTF-16 text (as Windows PowerShell's ``Out-File`` and ``Export-Csv -Encoding Unicode``
        write it) is given as UTF-8, so every parser and every stored byte offset sees the same bytes."""
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

    def _open_decompressed(self, partial: bool = False) -> BinaryIO:
        return decompressed(self._open_raw, self.size(), partial)

    def _open_raw(self) -> BinaryIO:
        if self.member is None:
            return open(self.path, "rb")
        return archive(self.path).open(self.member, self.index)

    def sha256(self, chunk: int = 1 << 20) -> str:
        digest = hashlib.sha256()
        with self._open_raw() as fh:
            while block := fh.read(chunk):
                digest.update(block)
        return digest.hexdigest()

    def head(self, size: int = HEAD_BYTES) -> bytes:
        """The first ``size`` bytes of the decompressed content (for sniffing).

        A truncated compressed file still gives what could be decompressed, so it can be named and reported.
        """
        with self._open_decompressed(partial=True) as fh:
            start = fh.read(size)
        if start.startswith(UTF16_BOMS):
            with Utf16AsUtf8(lambda: self._open_decompressed(partial=True)) as text:
                return text.read(size)
        return start


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


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _file(path: Path, root: str) -> Evidence:
    """``path`` as an input: refused when it is not a regular file, noted when it is a link out of ``root``."""
    notes: tuple[str, ...] = ()
    try:
        if path.is_symlink():
            target = os.path.realpath(path)
            if not _inside(target, root):
                notes = (f"a symbolic link to {target}, outside the evidence folder",)
        st = os.stat(path)  # follows links: what would be read
    except FileNotFoundError:
        return Evidence(path, refused="a link to a file that does not exist" if path.is_symlink()
                        else "cannot read: No such file or directory")
    except OSError as exc:
        return Evidence(path, refused=f"cannot read: {exc.strerror or 'a read error'}")
    if not stat.S_ISREG(st.st_mode):
        kind = next((what for test, what in _KINDS if test(st.st_mode)), "not a regular file")
        return Evidence(path, refused=f"not a regular file ({kind}): skipped, never opened", notes=notes)
    stored = getattr(st, "st_blocks", None)
    if stored is not None and st.st_size > SPARSE_MIN_BYTES and stored * 512 * 100 < st.st_size:
        return Evidence(path, refused=f"a sparse file: {st.st_size:,} bytes long, {stored * 512:,} of them on disk "
                                      "(the rest are holes that read as zeros): not read", notes=notes)
    return Evidence(path, notes=notes)


def _members(ev: Evidence) -> list[Evidence]:
    """The file members of a zip archive (or the archive itself, refused with the reason it is not read)."""
    try:
        zipped = archive(ev.path)
        infos = zipped.infos
    except UnicodeDecodeError:
        return [replace(ev, refused="a zip archive whose member names are not valid UTF-8 although it says they "
                                    "are: its members cannot be listed")]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return [replace(ev, refused="a damaged zip archive: its list of members cannot be read")]
    files = [(i, info) for i, info in enumerate(infos) if not info.is_dir()]
    if not files:
        folders = len(infos)
        return [replace(ev, refused=f"a zip archive holding only folders ({folders}), no file" if folders
                        else "an empty zip archive: no member")]
    count: dict[str, int] = {}
    for _, info in files:
        count[info.filename] = count.get(info.filename, 0) + 1
    seen: set[str] = set()
    out = []
    for i, info in files[:MAX_MEMBERS]:
        name = info.filename
        notes = ev.notes
        if count[name] > 1:
            notes += (f"the archive holds {count[name]} members named {name!r}; each is read and named by its "
                      f"place in the archive (this is member {i + 1})",)
        if i in zipped.misnamed:
            notes += ("its name is not the UTF-8 the archive says it is: shown as read in the DOS code page",)
        out.append(Evidence(ev.path, name, i, marked=name in seen, notes=notes))
        seen.add(name)
    if len(files) > MAX_MEMBERS:
        out.append(replace(ev, refused=f"only the first {MAX_MEMBERS:,} of its {len(files):,} members are read"))
    return out


def expand(paths: Iterable[str | os.PathLike]) -> list[Evidence]:
    """Files named directly, every regular file below named folders, and the members of zip archives among
    them, in a stable order; every input's :attr:`Evidence.display` is distinct. Hidden files inside folders
    are skipped; what is not read (a FIFO, a device, a link to a folder) is an input with ``refused`` set."""
    files: list[Evidence] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            root = os.path.realpath(path)
            for top, dirs, names in os.walk(path):
                for d in sorted(d for d in dirs if not d.startswith(".")):
                    if os.path.islink(os.path.join(top, d)):  # os.walk does not follow it: say so
                        target = os.path.realpath(os.path.join(top, d))
                        where = "outside the evidence folder" if not _inside(target, root) else "inside it"
                        files.append(Evidence(Path(top) / d, refused=f"a symbolic link to the folder {target}, "
                                                                     f"{where}: not followed"))
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(top, d)))
                files.extend(_file(Path(top) / f, root) for f in sorted(names) if not f.startswith("."))
        else:
            files.append(_file(path, os.path.realpath(path.parent)))
    out: list[Evidence] = []
    for ev in files:
        if ev.refused is None:
            try:
                if is_zip(ev.path):
                    out.extend(_members(ev))
                    continue
            except OSError:
                pass  # reported when it is read as a plain file
        out.append(ev)
    return _distinct(out)


def _distinct(inputs: list[Evidence]) -> list[Evidence]:
    """Members whose display name another input already has (``x.zip!t.json`` on disk beside ``x.zip``) are
    named by their place in the archive instead, and say so."""
    plain = {ev.display for ev in inputs if ev.member is None}
    out = []
    for ev in inputs:
        if ev.member is not None and not ev.marked and ev.display in plain:
            ev = replace(ev, marked=True, notes=ev.notes + (f"a file on disk is also named {ev.display}: this "
                                                             f"member is named by its place in the archive",))
        out.append(ev)
    return out


def evidence_of(display: str) -> Evidence:
    """The inverse of :attr:`Evidence.display` (used to read an original record again)."""
    if "\\x" in display and not Path(display).exists():
        display = _unshown(display)
    path = Path(display)
    if path.exists() or "!" not in display:
        return Evidence(path)
    pos = len(display)
    while (pos := display.rfind("!", 0, pos)) > 0:
        if Path(display[:pos]).is_file():
            zip_path, member = Path(display[:pos]), display[pos + 1:]
            name, sep, number = member.rpartition("#")
            if sep and number.isdigit():
                try:
                    zipped = archive(zip_path)
                except (zipfile.BadZipFile, OSError, ValueError):
                    return Evidence(zip_path, member)
                index = int(number) - 1
                if member not in zipped.first and 0 <= index < len(zipped.infos) \
                        and zipped.infos[index].filename == name:
                    return Evidence(zip_path, name, index, marked=True)
            return Evidence(zip_path, member)
    return Evidence(path)
