"""The column stage evaluated once per distinct combination of column values, not once per row.

A rule whose leaves are decided by exact columns (or bounded by one, or unknown) has the same outcome
on every row that has the same values in those columns: its tree is evaluated over the distinct
combinations (usually a few hundred: the event names, say) and spread over the rows with one gather.
Rules with full-text leaves (keywords, a syslog line) take the row-by-row path instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np
from sigma.conditions import ConditionAND, ConditionFieldEqualsValueExpression, ConditionNOT, ConditionOR
from sigma.types import SigmaCIDRExpression, SigmaExists, SigmaFieldReference, SigmaNull

from .match import matcher

if TYPE_CHECKING:
    from .engine import SourceView
    from .rules import Rule

Bounds = tuple[np.ndarray, np.ndarray]
_MAX_CODES = 2**62


def _leaves(node: Any) -> list[tuple[str | None, Any]]:
    if isinstance(node, (ConditionAND, ConditionOR, ConditionNOT)):
        return [leaf for arg in node.args for leaf in _leaves(arg)]
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return [(node.field, node.value)]
    return [(None, getattr(node, "value", None))]


def kind(view: "SourceView", name: str | None, value: Any) -> tuple[str, str | None]:
    """("col", key) decided by an exact column; ("bound", key) bounded by one; ("row", None) needs the
    row's text; ("unknown", None) needs the record."""
    if name is None:
        return "row", None
    spec = view.spec(name)
    if isinstance(value, SigmaFieldReference):
        return "unknown", None
    if view.exact_column(spec) is not None:
        return "col", f"derived:{spec.derive}" if spec.derive else spec.column
    if spec.column == "raw" and not isinstance(value, (SigmaNull, SigmaExists)):
        return "row", None
    if spec.bound and isinstance(value, SigmaCIDRExpression):
        return "bound", spec.bound
    return "unknown", None


class Combos:
    """Distinct combinations of encoded columns, cached per set of columns."""

    def __init__(self, view: "SourceView") -> None:
        self.view = view
        self._sets: dict[tuple[str, ...], tuple[np.ndarray, dict[str, np.ndarray]]] = {}
        self._per: dict[tuple[str, str, str], np.ndarray] = {}

    def _combos(self, keys: tuple[str, ...]) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
        if keys in self._sets:
            return self._sets[keys]
        encoded = [self.view.encoded(key) for key in keys]
        sizes = [len(dictionary) + 1 for dictionary, _ in encoded]  # + the null code
        if int(np.prod([float(s) for s in sizes])) >= _MAX_CODES:
            return None
        if len(keys) == 1:
            inverse = encoded[0][1]
            result = (inverse, {keys[0]: np.arange(sizes[0])})
        else:
            combined = np.zeros(self.view.n, dtype=np.int64)
            for (_, idx), size in zip(encoded, sizes):
                combined = combined * size + idx
            uniq, inverse = np.unique(combined, return_inverse=True)
            codes: dict[str, np.ndarray] = {}
            for key, size in zip(reversed(keys), reversed(sizes)):
                codes[key] = uniq % size
                uniq = uniq // size
            result = (inverse, codes)
        self._sets[keys] = result
        return result

    def _per_value(self, key: str, how: str, value: Any) -> np.ndarray:
        """The leaf's outcome for each distinct value of the column, then for null."""
        cache = (key, how, repr(value))
        if cache not in self._per:
            dictionary, _ = self.view.encoded(key)
            d = len(dictionary)
            if isinstance(value, SigmaNull):
                per = np.append(np.zeros(d, bool), True)
            elif isinstance(value, SigmaExists):
                per = np.append(np.full(d, value.exists), not value.exists)
            else:  # a bound's null (not an address) leaves the record undecided: "maybe"
                per = np.append(matcher(value)(dictionary), how == "bound")
            self._per[cache] = per
        return self._per[cache]

    def rule_bounds(self, rule: "Rule", evaluate: Callable[..., Bounds]) -> tuple[np.ndarray, np.ndarray] | None:
        """(positions matched, positions open) of the view's rows for ``rule``; None when the rule needs
        the row-by-row path."""
        leaves = [leaf for tree in rule.conditions for leaf in _leaves(tree)]
        kinds = [kind(self.view, name, value) for name, value in leaves]
        if any(k == "row" for k, _ in kinds):
            return None
        keys = tuple(sorted({key for k, key in kinds if key is not None}))
        combos = self._combos(keys) if keys else (None, {})
        if combos is None:
            return None
        inverse, codes = combos
        size = len(next(iter(codes.values()))) if codes else 1

        def leaf(name: str | None, value: Any) -> Bounds:
            k, key = kind(self.view, name, value)
            if key is None:
                return np.zeros(size, bool), np.ones(size, bool)
            outcome = self._per_value(key, k, value)[codes[key]]
            return (outcome, outcome) if k == "col" else (np.zeros(size, bool), outcome)

        lo = np.zeros(size, bool)
        hi = np.zeros(size, bool)
        for tree in rule.conditions:
            t_lo, t_hi = evaluate(tree, leaf, size)
            lo, hi = lo | t_lo, hi | t_hi
        empty = np.empty(0, np.int64)
        if inverse is None:  # no column at all: the same answer for every row
            everyone = np.arange(self.view.n)
            return (everyone, empty) if lo[0] else ((empty, everyone) if hi[0] else (empty, empty))
        state = np.where(lo, 2, np.where(hi, 1, 0)).astype(np.int8)
        if not state.any():
            return empty, empty
        rows = state[inverse]
        return np.flatnonzero(rows == 2), np.flatnonzero(rows == 1)
