"""The workbench's own outputs: never inside or beside the evidence (:func:`check_outputs`), and written all
or nothing (:func:`write_json_atomic`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

import orjson

from ..paths import default_file_mode


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def check_outputs(outputs: Sequence[Path], inputs: Sequence[str]) -> str | None:
    """Evidence is read-only: refuse an output that is an input or lies inside an input folder."""
    for out in outputs:
        for given in map(Path, inputs):
            if out.resolve() == given.resolve() or (given.is_dir() and _inside(out, given)):
                return f"{out}: refusing to write into the evidence ({given})"
            if given.is_file() and out.resolve().parent == given.resolve().parent:
                return f"{out}: refusing to write beside the evidence ({given})"
    return None


def write_json_atomic(data: object, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
