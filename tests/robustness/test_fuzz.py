"""Property: whatever the bytes, a parser raises nothing but the documented read errors and ``load`` never
raises (hypothesis drives the mutations of each parser's own sample exports)."""

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.ingest.registry import PARSERS

from .fuzz import fuzz, mutate, run_parser, seeds_by_parser

SEEDS = seeds_by_parser()


def test_every_parser_has_sample_exports_to_mutate():
    missing = sorted(set(PARSERS) - set(SEEDS))
    assert not missing, f"parsers without a sample in tests/data: {missing}"


@pytest.mark.parametrize("parser_id", sorted(PARSERS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_samples_never_escape_as_anything_but_a_read_error(parser_id, data, tmp_path):
    seeds = SEEDS.get(parser_id) or [b""]
    base = data.draw(st.sampled_from(seeds), label="sample")
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="mutation seed"))
    assert run_parser(parser_id, mutate(base, rng), tmp_path) is None


@pytest.mark.parametrize("parser_id", sorted(PARSERS))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=2048))
def test_arbitrary_bytes_never_escape(parser_id, raw, tmp_path):
    assert run_parser(parser_id, raw, tmp_path) is None


@pytest.mark.parametrize("parser_id", sorted(PARSERS))
def test_a_seeded_fuzz_round_finds_nothing(parser_id):
    runs, crashes = fuzz(parser_id, SEEDS.get(parser_id, []), iterations=60)
    assert runs == 60 and crashes == []


def test_the_fuzzer_does_find_an_escaping_exception(tmp_path, monkeypatch):
    """The harness can fail: a parser that raises KeyError on some input is caught."""
    from workbench.ingest import registry

    def fragile(ctx):
        raise KeyError("eventTime")
        yield  # pragma: no cover

    monkeypatch.setitem(registry.PARSERS, "fragile", registry.Parser("fragile", "test", lambda h: False, fragile))
    assert "KeyError" in run_parser("fragile", b"{}", Path(tmp_path))


def test_the_fuzzer_bounds_each_input_in_time(tmp_path, monkeypatch):
    """A parser that never returns is reported as hung, not waited for."""
    from workbench.ingest import registry

    from . import fuzz as harness

    def endless(ctx):
        while True:
            pass
        yield  # pragma: no cover

    monkeypatch.setattr(harness, "SECONDS_PER_INPUT", 0.2)
    monkeypatch.setitem(registry.PARSERS, "endless", registry.Parser("endless", "test", lambda h: False, endless))
    assert "hung" in run_parser("endless", b"{}", Path(tmp_path))
