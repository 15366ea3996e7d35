"""The committed multi-source samples are exactly what identity_samples.py writes."""

import gzip

from identity_samples import OUT as CASE
from identity_samples import write


def test_committed_samples_match_the_generator(tmp_path):
    for path in write(tmp_path):
        committed = CASE / path.relative_to(tmp_path)
        if path.suffix == ".gz":
            assert gzip.decompress(path.read_bytes()) == gzip.decompress(committed.read_bytes()), path.name
        else:
            assert path.read_bytes() == committed.read_bytes(), path.name
