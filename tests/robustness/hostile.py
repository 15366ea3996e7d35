"""Hostile evidence (issue 27): inputs crafted to crash, hang, exhaust memory or mislead, each written beside
one good CloudTrail file (``good.json``) that must still load in full.

``LIGHT`` cases run in the test suite (small and fast); ``HEAVY`` ones (bombs, thousands of members, multi-GB
sparse files, long lines) only in ``bench/robustness.py``, one subprocess each with a time and memory bound.
Each case is a list of files (name -> bytes) or a ``setup`` that makes what bytes cannot say (a FIFO, a link).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

DATA = Path(__file__).resolve().parent.parent / "data"
GOOD = "good.json"
GOOD_EVENTS = 6  # tests/data/cloudtrail/records.json


@dataclass(frozen=True)
class Hostile:
    id: str
    about: str
    files: dict[str, bytes] = field(default_factory=dict, hash=False)
    setup: Callable[[Path], None] | None = field(default=None, hash=False, compare=False)
    expect: str = ""  # words the line about the hostile input must hold ("" = it may load cleanly)
    heavy: bool = False


def write(case: Hostile, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / GOOD).write_bytes((DATA / "cloudtrail" / "records.json").read_bytes())
    for name, data in case.files.items():
        (folder / os.fsdecode(name.encode("utf-8", "surrogateescape"))).write_bytes(data)
    if case.setup:
        case.setup(folder)
    return folder


def _record(**over) -> dict:
    rec = {"eventVersion": "1.08", "eventTime": "2024-03-04T10:00:00Z", "eventSource": "signin.amazonaws.com",
           "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.9",
           "eventID": "00000000-0000-4000-8000-000000000001", "userAgent": "Mozilla/5.0",
           "userIdentity": {"type": "IAMUser", "userName": "alice", "accountId": "111122223333"},
           "responseElements": {"ConsoleLogin": "Success"}}
    rec.update(over)
    return rec


def _trail(*records: dict) -> bytes:
    return json.dumps({"Records": list(records)}).encode()


def _zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of some cases
        with zipfile.ZipFile(buf, "w", compression=method) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return buf.getvalue()


def _patch_headers(data: bytes, method: int | None = None, flag: int = 0, rename: tuple[bytes, bytes] | None = None
                   ) -> bytes:
    """Set the compression method / OR a flag into every local and central header; rename (same length)."""
    out = bytearray(data)
    for sig, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = out.find(sig)
        while at >= 0:
            out[at + flag_at] |= flag & 0xFF
            out[at + flag_at + 1] |= flag >> 8
            if method is not None:
                out[at + method_at:at + method_at + 2] = method.to_bytes(2, "little")
            at = out.find(sig, at + 4)
    if rename:
        out = bytearray(bytes(out).replace(*rename))
    return bytes(out)


AUTH = (DATA / "authlog" / "auth.log").read_bytes()
_CSV = (DATA / "entra" / "signins_portal.csv").read_bytes()
_XML = (DATA / "windows" / "wevtutil_security.xml").read_bytes()
OK = _trail(_record())
ONE = json.dumps(_record()).encode()  # one record, for hand-made documents


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "pipe.log")


def _dev_links(folder: Path) -> None:
    os.symlink("/dev/zero", folder / "zero.log")
    os.symlink("/dev/null", folder / "null.json")


def _outside_links(folder: Path) -> None:
    outside = folder.parent / f"{folder.name}-outside"
    outside.mkdir(exist_ok=True)
    (outside / "auth.log").write_bytes(AUTH)
    os.symlink(outside / "auth.log", folder / "linked-auth.log")
    os.symlink(outside, folder / "linked-folder")
    os.symlink(folder / "missing.log", folder / "dangling.log")


def _member_name_clash(folder: Path) -> None:
    (folder / "x.zip").write_bytes(_zip([("t.json", OK)]))
    (folder / "x.zip!t.json").write_bytes(_trail(_record(eventID="on-disk")))


def _sparse(size: int, head: bytes) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        with open(folder / "sparse.log", "wb") as fh:
            fh.write(head)
            fh.truncate(size)
    return make


def light() -> list[Hostile]:
    deep = b'{"Records":[' + ONE + b',{"eventTime":"2024-03-04T10:00:01Z","eventName":"X","eventSource":' \
        b'"s3.amazonaws.com","requestParameters":' + b"[" * 5000 + b"]" * 5000 + b"}]}"
    entra_deep = (DATA / "entra" / "signins_graph.json").read_bytes().replace(
        b'"status"', b'"deep":' + b"[" * 3000 + b"]" * 3000 + b',"status"', 1)
    stored = _zip([("auth.log", AUTH), ("other.log", AUTH)], zipfile.ZIP_STORED)
    return [
        Hostile("time/rfc3339-extreme", "RFC 3339 auth.log lines of year 1 (+01:00) and 9999 (-05:00)",
                {"secure": b"2024-03-04T10:00:00+00:00 web sshd[1]: Accepted password for a from 203.0.113.5 port 2 "
                           b"ssh2\n0001-01-01T00:00:00+01:00 web sshd[1]: Failed password for a from 1.2.3.4 port 2 ssh2\n"
                           b"9999-12-31T23:59:59-05:00 web sshd[1]: Failed password for a from 1.2.3.4 port 2 ssh2\n"},
                expect="bad RFC 3339 timestamp"),
        Hostile("json/deep-record", "a CloudTrail record nested 5,000 deep after a good one", {"deep.json": deep},
                expect="nested more deeply"),
        Hostile("json/deep-entra", "an Entra sign-in nested 3,000 deep", {"signins.json": entra_deep}),
        Hostile("json/infinity", "a number JSON does not allow (1e999 / Infinity) in a record",
                {"inf.json": _trail(_record(), _record(eventID="inf", bytes=float("inf")))
                 .replace(b"Infinity", b"1e999")}),
        Hostile("zip/deflate64", "a member compressed with Deflate64 (Windows Explorer, large files)",
                {"export.zip": _patch_headers(stored, method=9)}, expect="Deflate64"),
        Hostile("zip/unknown-method", "a member compressed with an unknown method (77)",
                {"export.zip": _patch_headers(stored, method=77)}, expect="method 77"),
        Hostile("zip/bad-utf8-name", "a member name of invalid UTF-8 bytes with the UTF-8 flag set",
                {"export.zip": _patch_headers(_zip([("auth.log", AUTH), ("badname.log", AUTH)]), flag=0x800,
                                              rename=(b"badname.log", b"bad\xff\xfeme.log"))},
                expect="not the UTF-8 the archive says"),
        Hostile("name/not-utf8", "a file name that is not UTF-8 (Latin-1 bytes)", {"caf\udce9.log": AUTH}),
        Hostile("zip/duplicate-names", "two members with one name: both read, told apart",
                {"dup.zip": _zip([("t.json", _trail(_record(eventID="first"))),
                                  ("t.json", _trail(_record(eventID="second")))])}, expect=""),
        Hostile("zip/only-folders", "a zip holding only folders",
                {"folders.zip": _zip([("AWSLogs/", b""), ("AWSLogs/111122223333/", b"")])},
                expect="only folders"),
        Hostile("zip/name-clash", "x.zip!t.json on disk beside x.zip holding t.json", setup=_member_name_clash),
        Hostile("fs/fifo", "a FIFO among the files (open would block forever)", setup=_fifo,
                expect="not a regular file"),
        Hostile("fs/device-links", "links to /dev/zero and /dev/null", setup=_dev_links,
                expect="not a regular file"),
        Hostile("fs/links-outside", "a link to a file and one to a folder outside the evidence, one dangling",
                setup=_outside_links, expect="outside the evidence folder"),
        Hostile("gzip/bomb-small", "a 40 KB .json.gz inflating to 40 MB",
                {"trail.json.gz": gzip.compress(b'{"Records": [' + ONE + b"," + b" " * (40 << 20) + b"]}", 9, mtime=0)},
                expect="decompression bomb"),
        Hostile("bz2/bomb", "an auth.log.bz2 inflating to 20 MB of one line",
                {"auth.log.bz2": bz2.compress(AUTH + b"Mar  4 10:00:00 web sshd[1]: " + b"A" * (20 << 20))},
                expect="decompression bomb"),
        Hostile("jsonl/long-line", "CloudTrail JSON Lines, one of them 17 MB long, then a good one",
                {"events.jsonl": (ONE + b"\n") * 3 + b"x" * (17 << 20) + b"\n" + ONE + b"\n"},
                expect="line 4: "),
        Hostile("xz/auth", "an xz-compressed auth.log", {"auth.log.xz": lzma.compress(AUTH)}),
        Hostile("sudo/refusals", "sudo's refusals are failures, not privilege.use successes",
                {"auth.log": b"Mar  4 10:00:00 web sudo:    bob : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/bob ; "
                             b"USER=root ; COMMAND=/bin/bash\n"
                             b"Mar  4 10:00:01 web sudo:  alice : command not allowed ; TTY=pts/0 ; PWD=/ ; "
                             b"USER=root ; COMMAND=/bin/sh\n"
                             b"Mar  4 10:00:02 web sudo:  alice : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/ ; "
                             b"USER=root ; COMMAND=/usr/bin/id\n"}),
        Hostile("sudo/long-lines", "twenty 8 KB sudo lines made to backtrack",
                {"auth.log": b"".join(b"Mar  4 10:00:%02d web sudo: a : " % i + b"; TTY= ; PWD=" * 640 + b"\n"
                                      for i in range(20))}),
    ]


def heavy() -> list[Hostile]:
    """Large cases, each made on disk by its ``setup`` (so the bench's own memory stays small)."""
    line = json.dumps(_record(eventTime="2024-03-04T10:00:00Z")).encode() + b"\n"
    return [
        Hostile("zip/2000-members", "a zipped AWSLogs tree of 2,000 members", setup=_writer("awslogs.zip", lambda fh: fh.write(
            _zip([(f"AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/04/f{i:05d}.json", OK) for i in range(2000)]))),
            heavy=True),
        Hostile("gzip/bomb-3mb", "a 3 MB CloudTrail .json.gz inflating to 3 GB",
                setup=_writer("trail.json.gz", _gzip_zeros(3 << 30, b'{"Records": [' + ONE + b",")),
                expect="decompression bomb", heavy=True),
        Hostile("gzip/auth-bomb", "an auth.log.gz inflating to 1 GB", setup=_writer("auth.log.gz", _gzip_zeros(1 << 30, AUTH)),
                expect="decompression bomb", heavy=True),
        Hostile("gzip/evtx-bomb", "a Security.evtx.gz inflating to 1 GB",
                setup=_writer("Security.evtx.gz", _gzip_zeros(1 << 30, b"ElfFile\0")), expect="decompression bomb",
                heavy=True),
        Hostile("sparse/auth-4g", "a 4 GB sparse auth.log (one good line, then holes)",
                setup=_sparse(4 << 30, AUTH.splitlines(keepends=True)[0]), heavy=True),
        Hostile("sparse/json-4g", "a 4 GB sparse CloudTrail file", setup=_sparse(4 << 30, b'{"Records": [' + ONE + b","),
                heavy=True),
        Hostile("sparse/csv-4g", "a 4 GB sparse Entra sign-in CSV (its header, then holes)",
                setup=_sparse(4 << 30, (DATA / "entra" / "signins_portal.csv").read_bytes().split(b"\n", 2)[0] + b"\n"
                              + (DATA / "entra" / "signins_portal.csv").read_bytes().split(b"\n", 2)[1] + b"\n"),
                heavy=True),
        Hostile("sparse/xml-4g", "a 4 GB sparse wevtutil XML export (one event, then holes)",
                setup=_sparse(4 << 30, (DATA / "windows" / "wevtutil_security.xml").read_bytes().split(b"\n", 1)[0]
                              + b"\n"), heavy=True),
        Hostile("csv/300mb-line", "an Entra sign-in CSV with a 300 MB line between good rows",
                setup=_writer("signins.csv", lambda fh: (fh.write(_CSV), [fh.write(b"x" * (1 << 20)) for _ in range(300)],
                                                         fh.write(b"\n" + _CSV.split(b"\n", 1)[1]))), heavy=True),
        Hostile("xml/unclosed-event", "a wevtutil XML export with a 300 MB event that never ends",
                setup=_writer("security.xml", lambda fh: (fh.write(_XML + b"<Event><System>"),
                                                          [fh.write(b"x" * (1 << 20)) for _ in range(300)])), heavy=True),
        Hostile("jsonl/no-newline", "CloudTrail JSON Lines, then 200 MB without a newline",
                setup=_writer("events.jsonl", lambda fh: (fh.write(line * 3), [fh.write(b" " * (1 << 20))
                                                                             for _ in range(200)])),
                heavy=True),
        Hostile("syslog/500mb-line", "one 500 MB line between good ones",
                setup=_writer("auth.log", lambda fh: (fh.write(AUTH + b"Mar  4 10:00:00 web sshd[1]: "),
                                                      [fh.write(b"A" * (1 << 20)) for _ in range(500)],
                                                      fh.write(b"\n" + AUTH))), heavy=True),
    ]


def _writer(name: str, fill: Callable) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        with open(folder / name, "wb") as fh:
            fill(fh)
    return make


def _gzip_zeros(size: int, head: bytes = b"") -> Callable:
    def fill(fh) -> None:
        with gzip.GzipFile(fileobj=fh, mode="wb", compresslevel=9, mtime=0) as gz:
            gz.write(head)
            block = b"\0" * (16 << 20)
            for _ in range(size // len(block)):
                gz.write(block)
    return fill


def child(folder: str) -> None:
    """Run in a subprocess by bench/robustness.py: load ``folder`` and print what came of it as JSON."""
    import resource
    import sys

    from workbench.ingest import load

    limit = 8 << 30  # a runaway case fails alone instead of taking the machine
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = load([folder], year=2024)
    inputs = [{"name": i.path[len(folder) + 1:], "events": i.events, "format": i.format,
               "said": [*i.errors, *i.notes][:3]} for i in result.inputs]
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stdout.write(json.dumps({"inputs": inputs, "max_rss_mb": rss_kb // 1024}) + "\n")


if __name__ == "__main__":
    import sys

    child(sys.argv[1])
