"""Fuzzing the parsers: mutated sample exports and arbitrary bytes fed to each registered parser directly
(whatever the sniffer says) and through ``load``. The only thing a parser may raise is one of the documented
read errors (``workbench.ingest.READ_ERRORS``), which ``load`` turns into the one-line error of the input;
``load`` itself never raises.

Shared by the hypothesis tests (tests/robustness/test_fuzz.py) and bench/robustness.py.
"""

from __future__ import annotations

import random
import resource
import signal
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from workbench.ingest import READ_ERRORS, load
from workbench.ingest.registry import PARSERS, ParseContext, sniff

from .corpus import samples

Seeds = dict[str, list[bytes]]
SECONDS_PER_INPUT = 5.0  # a small mutated input taking longer than this is a hang
RSS_LIMIT_KB = 2 * 1024 * 1024  # peak memory of the fuzzing process: 2 GB


class Hung(BaseException):
    """An input ran past its time bound (a BaseException, so no parser's handler can swallow it)."""


@contextmanager
def deadline(seconds: float):
    """Raise :class:`Hung` in the main thread after ``seconds`` of wall time."""
    def expire(signum, frame):
        raise Hung(f"more than {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def seeds_by_parser() -> Seeds:
    """The sample exports of each parser, by parser id (the parser the sniffer picks for them)."""
    out: Seeds = defaultdict(list)
    for path in samples():
        data = path.read_bytes()
        parser = sniff(data[:65536])
        if parser is not None:
            out[parser.id].append(data)
    from .corpus import evtx_sample  # binary event logs are generated, not kept in tests/data

    out["evtx"] = [*out.get("evtx", []), evtx_sample(40)]
    return dict(out)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits: flip, insert, delete, duplicate a slice, truncate, splice in a token."""
    out = bytearray(data)
    tokens = [b"{", b"}", b"[", b"]", b'"', b"\\", b",", b":", b"\n", b"\r", b"\0", b"\xff", b"\xe9",
              b"null", b"-1", b"1e999", b'"\\ud800"', b"9" * 40, b"\t", b";"]
    for _ in range(rng.randint(1, 4)):
        if not out:
            out += rng.choice(tokens)
            continue
        at = rng.randrange(len(out))
        op = rng.randrange(6)
        if op == 0:
            out[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            out[at:at] = rng.choice(tokens)
        elif op == 2:
            del out[at:at + rng.randint(1, 64)]
        elif op == 3:
            end = min(len(out), at + rng.randint(1, 256))
            out[at:at] = out[at:end]
        elif op == 4:
            del out[at:]
        else:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
    return bytes(out)


def run_parser(parser_id: str, data: bytes, folder: Path) -> str | None:
    """Feed ``data`` to one parser directly, then to ``load``, each within ``SECONDS_PER_INPUT``; a
    description of what escaped, hung or took more than 2 GB, or None."""
    try:
        with deadline(SECONDS_PER_INPUT):
            problem = _run_parser(parser_id, data, folder)
    except Hung as exc:
        return f"{parser_id}: hung ({exc}) on {len(data)} bytes"
    if resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > RSS_LIMIT_KB:
        return f"{parser_id}: peak memory over 2 GB after {len(data)} bytes"
    return problem


def _run_parser(parser_id: str, data: bytes, folder: Path) -> str | None:
    path = folder / "input.log"
    path.write_bytes(data)
    ctx = ParseContext(path, str(path), lambda: open(path, "rb"), year=2024)
    try:
        for _batch in PARSERS[parser_id].parse(ctx):
            pass
    except READ_ERRORS:
        pass
    except Exception as exc:  # noqa: BLE001  (this is what the fuzzer looks for)
        return f"{parser_id}: {type(exc).__name__}: {exc}"
    try:
        result = load([path], year=2024)
    except Exception as exc:  # noqa: BLE001
        return f"load: {type(exc).__name__}: {exc}"
    for info in result.inputs:
        if any("\n" in e for e in info.errors):
            return f"load: a multi-line error: {info.errors!r}"
    return None


def fuzz(parser_id: str, seeds: list[bytes], iterations: int, seed: int = 0) -> tuple[int, list[str]]:
    """``iterations`` mutated inputs for one parser: (iterations run, what escaped)."""
    rng = random.Random(f"{parser_id}/{seed}")
    crashes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(iterations):
            base = rng.choice(seeds) if seeds and i % 10 else bytes(rng.randrange(256) for _ in range(512))
            problem = run_parser(parser_id, mutate(base, rng), Path(tmp))
            if problem:
                crashes.append(problem)
    return iterations, crashes
