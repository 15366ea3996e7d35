"""Sigma rules, run locally against every loaded source (no Qt, no network).

:func:`load_rules` reads folders of Sigma YAML (parsed by pySigma, LGPL-2.1, used unmodified as a
library); :func:`run_sigma` evaluates them over the event table (:mod:`.engine`) and groups the matches
into findings (:mod:`.findings`). Field mappings per log source live in :mod:`.mappings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ..findings import Finding
from ..progress import CancelToken
from .correlation import Correlation, correlate
from .engine import RunStats, match_rules
from .findings import CHECK, rule_findings
from .rules import SHIPPED, Rule, RuleError, RuleSet, SigmaLoadError, load_rules, shipped_dir


@dataclass
class SigmaRun:
    """What a run of the rules gave: findings, and per rule how many events it matched."""

    findings: list[Finding] = field(default_factory=list)
    matches: list[tuple[Rule, int]] = field(default_factory=list)
    stats: RunStats = field(default_factory=RunStats)

    correlations: list[tuple[Correlation, int]] = field(default_factory=list)  # and how many findings each gave
    frozen: list[dict[str, Any]] | None = None  # the summary of a run read back from a saved case

    def rules_summary(self) -> list[dict[str, Any]]:
        if self.frozen is not None:
            return [dict(r) for r in self.frozen]
        return [{"rule_id": r.rule_id, "title": r.title, "file": r.file, "sources": list(r.sources),
                 "events": n} for r, n in self.matches] + [
                {"rule_id": c.rule_id, "title": c.title, "file": c.file, "correlation": c.type, "findings": n}
                for c, n in self.correlations]


def run_sigma(table: pa.Table, ruleset: RuleSet, cancel: CancelToken | None = None) -> SigmaRun:
    """Every rule over ``table``; a rule whose evaluation fails is added to ``ruleset.errors``."""
    run = SigmaRun()
    hits = match_rules(table, ruleset.rules, cancel, run.stats)
    for index, (rule, rows) in enumerate(zip(ruleset.rules, hits)):
        if index in run.stats.failed:
            ruleset.errors.append(RuleError(rule.file, run.stats.failed[index], rule.title))
            continue
        run.matches.append((rule, len(rows)))
        if rule.generate:
            run.findings.extend(rule_findings(table, rule, rows))
    for corr in ruleset.correlations:
        if any(i in run.stats.failed for i in corr.rules):
            continue
        found = correlate(table, corr, hits)
        run.correlations.append((corr, len(found)))
        run.findings.extend(found)
    return run


__all__ = ["CHECK", "SHIPPED", "Rule", "RuleError", "RuleSet", "SigmaLoadError", "SigmaRun", "load_rules",
           "run_sigma", "shipped_dir"]
