"""What a newcomer meets first: plain --help with examples, an instant --version, a missing path as a usage error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], cwd: Path, code: str = "") -> subprocess.CompletedProcess:
    script = ("import sys\nfrom workbench.__main__ import main\n"
              "try:\n    rc = main(sys.argv[1:])\nexcept SystemExit as e:\n    rc = e.code\n" + code
              + "sys.exit(rc)\n")
    return subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_version_and_help_load_no_data_stack(tmp_path):
    """--version and --help import neither pandas, pyarrow, numpy nor the pipeline (they answered in 3-6 s)."""
    heavy = "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy', 'workbench.pipeline') if m in sys.modules))\n"
    for args in (["--version"], ["--help"], ["analyze", "--help"]):
        done = _run(args, tmp_path, heavy)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "[]", (args, done.stdout[-300:])


def test_help_is_plain_text_with_examples(tmp_path):
    for args in (["--help"], ["analyze", "--help"]):
        out = _run(args, tmp_path).stdout
        assert "``" not in out and "examples" in out and "workbench analyze resources/demo" in out


def test_a_missing_input_is_a_usage_error_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    done = _run(["analyze", str(tmp_path / "no-such-folder"), "--findings-json", str(out / "f.json"),
                 "--report", str(out / "r.pdf")], tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [f"workbench: analyze: no such file or folder: {tmp_path / 'no-such-folder'}"]
    assert not out.exists() and done.stdout == ""
