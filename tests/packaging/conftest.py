"""Fixtures of the packaging tests."""

from __future__ import annotations

import orjson
import pytest

from packaging_support import ROOT


@pytest.fixture(scope="session")
def reference() -> dict:
    """The demo case analyzed in this process, from the source tree."""
    from workbench.pipeline import analyze

    return orjson.loads(orjson.dumps(analyze([ROOT / "resources" / "demo"]).to_json(), option=orjson.OPT_NON_STR_KEYS))
