"""Fixtures of the report tests (the samples themselves are in report_samples.py)."""

from report_samples import analysis, evidence  # noqa: F401 (fixtures)
