"""The malformed-input corpus: broken and hostile variants of every sample export in ``tests/data``.

Each case is a set of files (name -> bytes) written into an empty evidence folder and loaded as the analyst
would load them. What the workbench must make of each case is recorded in ``expected.json`` beside this file:
per input, the detected format, the records kept, the records counted bad and the start of the first error.
The test compares the outcome exactly, so a change in what a parser keeps or says is a reviewed change:

    python -m tests.robustness.corpus --record      # rewrite expected.json after reviewing the diff
    python -m tests.robustness.corpus               # print the cases and what they give

Mutations are deterministic (a seeded generator), so the same bytes are tried on every machine.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
EXPECTED = HERE / "expected.json"
ERROR_PREFIX = 60  # characters of the first error kept in expected.json (the rest may name tmp paths)


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, bytes] = field(hash=False)
    about: str = ""


# The sample folders the corpus mutates; a new format's folder is added here together with a re-recording of
# expected.json (the fuzzer, tests/robustness/fuzz.py, takes every sample under tests/data on its own).
CORPUS_DIRS = ("authlog", "azure", "cloudtrail", "cloudtrail_history", "entra", "gcp", "journald", "m365", "s3",
               "windows", "workspace")


def samples(dirs: tuple[str, ...] | None = None) -> list[Path]:
    """The sample exports under tests/data (README files aside), in a stable order; only ``dirs`` if given."""
    return sorted(p for p in DATA.rglob("*") if p.is_file() and p.name != "README.md"
                  and (dirs is None or p.relative_to(DATA).parts[0] in dirs))


def _is_text(data: bytes) -> bool:
    return b"\0" not in data[:4096]


def _key(path: Path) -> str:
    return path.relative_to(DATA).as_posix().replace("/", "__")


# Mutations of one sample: (name, what it does, function(bytes, rng) -> bytes or None when not applicable)
def _truncate_half(data: bytes, rng: random.Random) -> bytes:
    return data[: len(data) // 2]


def _truncate_last_byte(data: bytes, rng: random.Random) -> bytes:
    return data.rstrip(b"\r\n")[:-1]


def _bom(data: bytes, rng: random.Random) -> bytes | None:
    return b"\xef\xbb\xbf" + data if _is_text(data) else None


def _crlf(data: bytes, rng: random.Random) -> bytes | None:
    if not _is_text(data) or b"\r\n" in data:
        return None
    return data.replace(b"\n", b"\r\n")


def _nul_bytes(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) // 3, 2 * len(data) // 3)
    return data[:at] + b"\0" * 16 + data[at:]


def _utf16(data: bytes, rng: random.Random) -> bytes | None:
    if not _is_text(data):
        return None
    try:
        return data.decode("utf-8").encode("utf-16")  # with its BOM, as PowerShell's Out-File writes
    except UnicodeDecodeError:
        return None


def _latin1_bytes(data: bytes, rng: random.Random) -> bytes | None:
    """A stray Latin-1 byte (an exporter that mixed encodings) inside the file."""
    if not _is_text(data):
        return None
    at = data.find(b"\n", len(data) // 2)
    at = at if at > 0 else len(data) // 2
    return data[:at] + b" caf\xe9 na\xefve" + data[at:]


def _duplicated(data: bytes, rng: random.Random) -> bytes:
    return data + (b"" if data.endswith(b"\n") else b"\n") + data


def _garbage_tail(data: bytes, rng: random.Random) -> bytes:
    return data + bytes(rng.randrange(256) for _ in range(1024))


def _bit_flips(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(3):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _gzip_truncated(data: bytes, rng: random.Random) -> bytes:
    packed = gzip.compress(data, mtime=0)
    return packed[: max(20, len(packed) * 2 // 3)]


_ISO_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?")


def _extreme_time(value: bytes) -> Callable[[bytes, random.Random], bytes | None]:
    """The second ISO 8601 time of the file (a record after a good one) becomes ``value``."""
    def mutate(data: bytes, rng: random.Random) -> bytes | None:
        found = list(_ISO_TIME.finditer(data, 0))
        if len(found) < 2:
            return None
        at = found[1]
        return data[:at.start()] + value + data[at.end():]
    return mutate


MUTATIONS: list[tuple[str, str, Callable[[bytes, random.Random], bytes | None]]] = [
    ("truncated-half", "cut in the middle", _truncate_half),
    ("truncated-last-byte", "the last record loses its last byte", _truncate_last_byte),
    ("bom", "a UTF-8 byte-order mark in front", _bom),
    ("crlf", "Windows line endings", _crlf),
    ("nul-bytes", "16 NUL bytes in the middle", _nul_bytes),
    ("utf16", "re-encoded as UTF-16 with a BOM", _utf16),
    ("latin1", "a Latin-1 byte sequence inside UTF-8", _latin1_bytes),
    ("duplicated", "the whole export twice in one file", _duplicated),
    ("garbage-tail", "1 KiB of random bytes after the end", _garbage_tail),
    ("bit-flips", "random single-bit errors", _bit_flips),
    ("gzip-truncated", "gzip-compressed and cut short", _gzip_truncated),
    ("time-year-1", "a time of year 1 with a +01:00 offset (year 0 in UTC)", _extreme_time(b"0001-01-01T00:00:00+01:00")),
    ("time-year-9999", "a time of 9999-12-31 with a -05:00 offset (year 10000 in UTC)",
     _extreme_time(b"9999-12-31T23:59:59-05:00")),
    ("time-year-1-utc", "a time of year 1 in UTC (a .NET DateTime.MinValue)", _extreme_time(b"0001-01-01T00:00:00Z")),
]


def _sample_cases() -> Iterator[Case]:
    for path in samples(CORPUS_DIRS):
        data = path.read_bytes()
        for name, about, mutate in MUTATIONS:
            rng = random.Random(f"{_key(path)}/{name}")
            out = mutate(data, rng)
            if out is None:
                continue
            suffix = ".gz" if name == "gzip-truncated" else ""
            yield Case(f"{_key(path)}/{name}", {path.name + suffix: out}, f"{path.relative_to(DATA)}: {about}")


def _cloudtrail_record(**over) -> dict:
    rec = {"eventVersion": "1.08", "eventTime": "2024-03-04T10:00:00Z", "eventSource": "signin.amazonaws.com",
           "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.9",
           "userAgent": "Mozilla/5.0", "eventID": "00000000-0000-4000-8000-000000000001",
           "userIdentity": {"type": "IAMUser", "userName": "alice",
                            "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333"},
           "responseElements": {"ConsoleLogin": "Success"}, "eventType": "AwsConsoleSignIn"}
    rec.update(over)
    return rec


def _trail(*records: dict) -> bytes:
    return json.dumps({"Records": list(records)}).encode()


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _special_cases() -> Iterator[Case]:
    """Hostile shapes that no single sample shows: each names what it is."""
    ok = _cloudtrail_record()
    auth = (DATA / "authlog" / "auth.log").read_bytes()
    yield Case("special/empty-file", {"auth.log": b""}, "an empty file")
    yield Case("special/only-whitespace", {"trail.json": b" \n\t\n" * 100}, "whitespace only")
    yield Case("special/evtx-extension-text", {"Security.evtx": b"this is not an event log\n" * 10},
               "text named .evtx")
    yield Case("special/json-extension-binary", {"trail.json": bytes(range(256)) * 8}, "binary named .json")
    yield Case("special/csv-extension-pdf", {"signins.csv": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 500},
               "a PDF named .csv")
    yield Case("special/deep-nesting", {"trail.json": b'{"Records": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"},
               "arrays nested 100,000 deep")
    yield Case("special/deep-nesting-record", {"trail.json": _trail(ok, _cloudtrail_record(
        requestParameters=json.loads("[" * 500 + "]" * 500)))}, "a record nested 500 deep")
    yield Case("special/records-not-a-list", {"trail.json": b'{"Records": {"eventName": "ConsoleLogin"}}'},
               "Records is an object")
    yield Case("special/wrong-types", {"trail.json": _trail(
        ok, _cloudtrail_record(eventTime=1709546400, eventID="t1"),
        _cloudtrail_record(userIdentity="alice", eventID="t2"),
        _cloudtrail_record(sourceIPAddress=["1.2.3.4"], eventID="t3"),
        _cloudtrail_record(eventName=None, eventID="t4"), 42, "a string record", None)},
        "wrong JSON types in fields and records")
    yield Case("special/missing-fields", {"trail.json": _trail(
        ok, {k: v for k, v in _cloudtrail_record(eventID="m1").items() if k != "eventTime"},
        {k: v for k, v in _cloudtrail_record(eventID="m2").items() if k != "userIdentity"},
        {"eventID": "m3"})}, "records without time, identity or anything")
    yield Case("special/timestamps-out-of-range", {"trail.json": _trail(
        ok, _cloudtrail_record(eventTime="10000-01-01T00:00:00Z", eventID="r1"),
        _cloudtrail_record(eventTime="0000-01-01T00:00:00Z", eventID="r2"),
        _cloudtrail_record(eventTime="2024-02-30T10:00:00Z", eventID="r3"),
        _cloudtrail_record(eventTime="2024-03-04T25:61:00Z", eventID="r4"),
        _cloudtrail_record(eventTime="yesterday", eventID="r5"))}, "impossible and out-of-range times")
    yield Case("special/timestamps-without-zone", {"trail.json": _trail(
        ok, _cloudtrail_record(eventTime="2024-03-04T11:00:00", eventID="z1"),
        _cloudtrail_record(eventTime="2024-03-04T12:00:00+02:00", eventID="z2"))}, "times without or with a zone")
    yield Case("special/duplicate-records", {"trail.json": _trail(ok, ok, ok)}, "the same record three times")
    yield Case("special/syslog-year-less-far-future", {"auth.log": auth.replace(b"Mar", b"Dec")},
               "BSD syslog lines in another month")
    yield Case("special/very-long-line", {"auth.log": auth + b"Mar  4 10:00:00 web-01 sshd[1]: " + b"A" * 5_000_000
                                          + b"\n" + auth}, "one 5 MB line between good ones")
    yield Case("special/control-characters", {"auth.log": auth.replace(
        b"Accepted", b"\x1b[2J\x1b]0;pwned\x07Accepted", 1)}, "terminal escape sequences in a log line")
    yield Case("special/zip-path-traversal", {"export.zip": _zip({
        "../../../../tmp/evil.log": auth, "/etc/cron.d/evil": auth, "ok/auth.log": auth})},
        "zip members named outside the folder")
    yield Case("special/zip-bomb", {"bomb.zip": _zip({"big.log": b"\0" * (32 << 20), "auth.log": auth})},
               "a member that inflates 1000 times")
    yield Case("special/zip-truncated", {"export.zip": _zip({"auth.log": auth, "trail.json": _trail(ok)})[:-60]},
               "a zip whose central directory is cut off")
    yield Case("special/zip-in-zip", {"outer.zip": _zip({"inner.zip": _zip({"auth.log": auth})})},
               "a zip inside a zip")
    yield Case("special/zip-stored-encrypted-flag", {"export.zip": _flag_encrypted(_zip({"auth.log": auth},
                                                                                    zipfile.ZIP_STORED))},
               "a member marked as encrypted")
    yield Case("special/gzip-bomb", {"trail.json.gz": gzip.compress(b" " * (64 << 20), mtime=0)},
               "gzip that inflates to 64 MB of spaces")
    yield Case("special/gzip-garbage", {"trail.json.gz": b"\x1f\x8b\x08\x00" + bytes(range(200))},
               "a gzip header then garbage")
    yield Case("special/mixed-good-and-bad", {"auth.log": auth, "trail.json": _trail(ok),
                                              "broken.json": b'{"Records": [{"eventTime": ',
                                              "notes.txt": b"collected by the IR team\n"},
               "good files beside bad ones: the good ones load")


def evtx_sample(n: int, first: int = 1) -> bytes:
    """A Windows Security .evtx of ``n`` logon events (failures, every seventh a success), as the project's
    writer makes it (valid checksums; several chunks from about 700 records)."""
    import tempfile
    from datetime import datetime, timedelta, timezone

    from workbench.synth.evtx_writer import write_evtx

    t0 = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)
    records = ({"EventID": 4625 if i % 7 else 4624, "time": t0 + timedelta(seconds=i), "Computer": f"WS{i % 9:02d}",
                "EventRecordID": first + i,
                "Data": {"TargetUserName": f"user{i % 13}", "TargetDomainName": "CORP", "LogonType": 3,
                         "SubStatus": "0xc000006a", "TargetLogonId": 0x10000 + i,
                         "IpAddress": f"198.51.100.{i % 200}"}} for i in range(n))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Security.evtx"
        write_evtx(path, records)
        return path.read_bytes()


def _evtx_cases() -> Iterator[Case]:
    big = evtx_sample(2000)  # three chunks
    chunk = 65536
    yield Case("evtx/clean", {"Security.evtx": big}, "a valid three-chunk Security.evtx")
    yield Case("evtx/truncated-in-chunk-2", {"Security.evtx": big[:4096 + chunk + chunk // 2]},
               "cut in the middle of the second chunk")
    yield Case("evtx/header-only", {"Security.evtx": big[:4096]}, "the file header and no chunk")
    bad_crc = bytearray(big)
    bad_crc[4096 + chunk + 600] ^= 0xFF  # a record byte of chunk 2: its checksum no longer matches
    yield Case("evtx/corrupt-chunk-2", {"Security.evtx": bytes(bad_crc)}, "chunk 2 damaged")
    zeroed = big[:4096 + chunk] + b"\0" * chunk + big[4096 + 2 * chunk:]
    yield Case("evtx/zeroed-chunk-2", {"Security.evtx": zeroed}, "chunk 2 overwritten with zeros")
    yield Case("evtx/bad-file-header", {"Security.evtx": b"ElfFile\0" + b"\xff" * 4088 + big[4096:]},
               "the file header destroyed, the chunks intact")
    yield Case("evtx/gzip", {"Security.evtx.gz": gzip.compress(big, mtime=0)}, "a gzip-compressed .evtx")


def _flag_encrypted(data: bytes) -> bytes:
    """Set the 'encrypted' bit of every header (local and central) without encrypting anything."""
    out = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.find(sig)
        while at >= 0:
            out[at + off] |= 1
            at = out.find(sig, at + 4)
    return bytes(out)


def cases() -> list[Case]:
    return [*_sample_cases(), *_special_cases(), *_evtx_cases()]


def write(case: Case, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    return folder


def outcome(case: Case, folder: Path) -> list[list]:
    """What loading the case gives, per input: [name, format, events, bad records, first error (prefix)]."""
    from workbench.ingest import load

    result = load([folder])
    rows = []
    for info in result.inputs:
        name = info.path[len(str(folder)) + 1:] if info.path.startswith(str(folder)) else info.path
        first = info.errors[0][:ERROR_PREFIX] if info.errors else ""
        rows.append([name, info.format, info.events, info.bad_records, first])
    return rows


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--record", action="store_true", help="rewrite expected.json")
    args = parser.parse_args(argv)
    got = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(cases()):
            got[case.id] = outcome(case, write(case, Path(tmp) / f"c{i}"))
            if not args.record:
                print(case.id, json.dumps(got[case.id], ensure_ascii=True))
    if args.record:
        EXPECTED.write_text(json.dumps(got, indent=1, ensure_ascii=True, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{len(got)} cases written to {EXPECTED}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
