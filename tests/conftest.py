import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))  # tests/geo.py and friends

import pytest  # noqa: E402

from geo import write_city_db  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def city_db(tmp_path_factory) -> Path:
    """A tiny City database that places the sample IPs (GB, US, RU, BR, DE)."""
    return write_city_db(tmp_path_factory.mktemp("geo") / "test-city.mmdb")


@pytest.fixture
def data_dir() -> Path:
    return DATA
