"""Every case of the malformed-input corpus (tests/robustness/corpus.py) gives exactly the recorded outcome,
and no case gives a traceback, a multi-line error or an error that does not name its file."""

import json
import sys

import pytest

from workbench.__main__ import main
from workbench.ingest import load

from .corpus import CORPUS_DIRS, EXPECTED, MUTATIONS, cases, outcome, samples, write

CASES = cases()
EXPECT = json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_the_corpus_is_large_and_covers_every_sample_format():
    assert len(CASES) >= 200
    covered = {case.id.split("/")[0] for case in CASES}
    assert all(any(c.startswith(p.parent.name) for c in covered) for p in samples(CORPUS_DIRS))
    assert sorted(c.id for c in CASES) == sorted(EXPECT), "run: python -m tests.robustness.corpus --record"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_gives_its_recorded_outcome(case, tmp_path):
    got = outcome(case, write(case, tmp_path / "evidence"))
    assert got == EXPECT[case.id], case.about
    for name, fmt, events, bad, first_error in got:
        assert "Traceback" not in first_error and "\n" not in first_error
        assert fmt is not None or events == 0
        assert events == 0 or fmt is not None


def test_the_unharmed_variants_load_exactly_like_the_original(tmp_path):
    """A byte-order mark, Windows line endings and UTF-16 change nothing the analyst sees."""
    same = {"bom", "crlf", "utf16"}
    assert same <= {m[0] for m in MUTATIONS}
    for path in samples(CORPUS_DIRS):
        original = load([path]).inputs[0]
        for case in (c for c in CASES if c.id.rsplit("/", 1)[0] == path.relative_to(path.parents[1]).as_posix()
                     .replace("/", "__") and c.id.rsplit("/", 1)[1] in same):
            (name, fmt, events, bad, first) = EXPECT[case.id][0]
            assert (fmt, events, bad) == (original.format, original.events, original.bad_records), case.id


def test_cut_short_json_keeps_every_record_before_the_cut():
    for case_id, rows in EXPECT.items():
        if case_id.endswith(".json/truncated-half") and rows[0][1] in ("entra_signin", "entra_audit", "azure_activity",
                                                                   "gcp_audit", "workspace", "cloudtrail_lookup"):
            assert rows[0][2] > 0, case_id


def test_the_cli_prints_one_line_per_damaged_input_and_no_traceback(tmp_path, capsys):
    picked = [c for c in CASES if c.id.endswith(("/truncated-half", "/nul-bytes"))
              or c.id.startswith("special/")][:60]
    evidence = tmp_path / "evidence"
    for i, case in enumerate(picked):
        write(case, evidence / f"case{i:03}")
    code = main(["analyze", str(evidence), "--no-geoip", "-q", "--findings-json", str(tmp_path / "out.json")])
    err = capsys.readouterr().err
    assert code == 3
    assert "Traceback" not in err
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    damaged = [i for i in doc["inputs"] if i["errors"]]
    lines = [line for line in err.splitlines() if line.strip() and "warning" not in line]
    assert len(lines) == len(damaged) and all(line.startswith(f"workbench: {evidence}") for line in lines)


def test_control_characters_from_logs_never_reach_the_terminal(tmp_path, capsys):
    """A user name carrying an escape sequence and a zip member named with a newline print escaped."""
    import zipfile

    auth = (b"Mar  4 10:00:0%d web-01 sshd[1]: Failed password for \x1b]0;pwned\x07root\x1b[2J from 203.0.113.5 "
            b"port 22 ssh2\n")
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as zf:
        zf.writestr("logs/auth.log", b"".join(auth % i for i in range(10)) + b"not syslog\n")
        zf.writestr("x\n\x1b[31mfake.log", b"junk")
    code = main(["analyze", str(tmp_path / "export.zip"), "--no-geoip", "--year", "2024"])
    out, err = capsys.readouterr()
    assert code == 3
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "x\\x0a\\x1b[31mfake.log: rejected" in err


def test_a_500_mb_line_is_refused_or_read_in_bounded_memory(tmp_path):
    """One 500 MB line in an auth.log between good lines: the good lines load, the run stays bounded."""
    import resource
    import subprocess

    path = tmp_path / "auth.log"
    good = b"Mar  4 10:00:00 web-01 sshd[1]: Accepted password for deploy from 203.0.113.5 port 22 ssh2\n"
    with path.open("wb") as fh:
        fh.write(good * 10)
        fh.write(b"Mar  4 10:00:01 web-01 sshd[2]: ")
        block = b"A" * (1 << 20)
        for _ in range(500):
            fh.write(block)
        fh.write(b"\n" + good * 10)
    code = ("import resource, sys; from workbench.ingest import load; r = load([sys.argv[1]], year=2024); "
            "i = r.inputs[0]; print(i.events, i.bad_records, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    events, bad, max_rss_kb = map(int, done.stdout.split())
    assert events >= 20  # every good line (the long one may be kept or counted bad, never the rest lost)
    assert max_rss_kb < 3 * 1024 * 1024, f"peak memory {max_rss_kb // 1024} MB for a 500 MB line"
    del resource
