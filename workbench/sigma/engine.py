"""The local Sigma evaluator: pySigma's condition trees evaluated over the event table, per source.

Two stages, both exact:

1. **Columns.** Each rule's tree is evaluated with three-valued logic over the columns only: a leaf on
   a field that an exact column holds (:mod:`.mappings`) is decided for every row at once (each
   distinct value of the column is tested once); a leaf that needs the original record is *unknown*
   (false at best, true at worst). ``and``/``or``/``not`` combine the (at least, at most) bounds, so a
   row is matched when the lower bound holds, dropped when the upper one fails, and undecided otherwise.
2. **Records.** The rows some rule left undecided (usually few: SigmaHQ rules name ``eventName``) are
   read back and decoded once per source and run, and every rule re-evaluates its tree on them with
   every field known.

A keyword (a value without a field) searches the original record's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.types import (
    SigmaCIDRExpression,
    SigmaExists,
    SigmaFieldReference,
    SigmaNull,
    SigmaRegularExpression,
    SigmaString,
    SpecialChars,
)

from ..progress import CancelToken, check
from .mappings import DERIVED, WRAPPED, FieldSpec, field_spec
from .match import Matcher, matcher
from .records import decode, raw_array, raw_texts, values_at
from .rules import Rule
from .combos import Combos
from .text import TextIndex

Bounds = tuple[np.ndarray, np.ndarray]  # (certainly true, possibly true) per row


def _keyword_value(value: Any) -> Any:
    """A keyword matches anywhere in the record's text: a plain string becomes *string*."""
    if isinstance(value, SigmaString) and not isinstance(value, SigmaRegularExpression):
        if not value.startswith(SpecialChars.WILDCARD_MULTI):
            value = SpecialChars.WILDCARD_MULTI + value
        if not value.endswith(SpecialChars.WILDCARD_MULTI):
            value = value + SpecialChars.WILDCARD_MULTI
    return value


@dataclass
class _Values:
    """A field's values for a set of rows: texts flattened, with the row each came from."""

    texts: pa.Array
    parent: np.ndarray | None  # None: one value (or null) per row, in row order
    present: np.ndarray  # the row has at least one non-null value

    def any(self, hits: np.ndarray, n: int) -> np.ndarray:
        if self.parent is None:
            return hits
        return np.bincount(self.parent[hits], minlength=n).astype(bool) if len(hits) else np.zeros(n, bool)


class SourceView:
    """The rows of one source, with cached columns, distinct values and leaf results."""

    def __init__(self, table: pa.Table, source: str, rows: np.ndarray, whole: bool) -> None:
        self.table, self.source, self.rows, self.n = table, source, rows, len(rows)
        self._whole = whole  # the source is the whole table: no take()
        self._columns: dict[str, pa.Array] = {}
        self._encoded: dict[str, tuple[pa.Array, np.ndarray]] = {}
        self._leaves: dict[tuple[str, str], Bounds] = {}
        self._specs: dict[str, FieldSpec] = {}
        self.combos = Combos(self)

    def column(self, name: str) -> pa.Array:
        if name not in self._columns:
            col = self.table.column(name)
            if not self._whole:
                col = col.take(pa.array(self.rows))
            self._columns[name] = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        return self._columns[name]

    def spec(self, name: str) -> FieldSpec:
        if name not in self._specs:
            self._specs[name] = field_spec(self.source, name)
        return self._specs[name]

    def exact_column(self, spec: FieldSpec) -> pa.Array | None:
        if spec.derive:
            key = f"derived:{spec.derive}"
            if key not in self._columns:
                self._columns[key] = DERIVED[spec.derive](self)
            return self._columns[key]
        if spec.column and spec.column != "raw":
            return self.column(spec.column)
        return None

    def encoded(self, key: str) -> tuple[pa.Array, np.ndarray]:
        """A column's distinct values and each row's index into them (nulls: one past the last).

        ``key`` is a column name or ``derived:<name>`` (see :data:`.mappings.DERIVED`)."""
        if key not in self._encoded:
            arr = self.exact_column(FieldSpec(derive=key[8:])) if key.startswith("derived:") else self.column(key)
            enc = pc.dictionary_encode(arr)
            idx = enc.indices.to_numpy(zero_copy_only=False)
            valid = np.asarray(pc.is_valid(enc.indices))
            self._encoded[key] = (enc.dictionary, np.where(valid, idx, len(enc.dictionary)).astype(np.int64))
        return self._encoded[key]

    def _distinct_test(self, key: str, arr: pa.Array, test: Matcher) -> np.ndarray:
        """``test`` run on each distinct value of a column once, spread over the rows."""
        dictionary, idx = self.encoded(key)
        hits = np.append(test(dictionary), False)
        return hits[idx]

    def rule_bounds(self, rule: Rule) -> tuple[np.ndarray, np.ndarray]:
        """(positions matched, positions open) after the column stage."""
        sparse = self.combos.rule_bounds(rule, evaluate)
        if sparse is not None:
            return sparse
        lo, hi = _rule_bounds(rule, self.leaf, self.n)
        return np.flatnonzero(lo), np.flatnonzero(hi & ~lo)

    def leaf(self, name: str | None, value: Any) -> Bounds:
        """Column-stage bounds of one leaf."""
        cache_key = (name or "", repr(value))
        if cache_key in self._leaves:
            return self._leaves[cache_key]
        unknown = (np.zeros(self.n, bool), np.ones(self.n, bool))
        if name is None:
            result = self._text_leaf(_keyword_value(value))
        else:
            spec = self.spec(name)
            col = self.exact_column(spec) if not isinstance(value, SigmaFieldReference) else None
            if col is not None:
                valid = np.asarray(pc.is_valid(col), dtype=bool)
                if isinstance(value, SigmaNull):
                    hit = ~valid
                elif isinstance(value, SigmaExists):
                    hit = valid if value.exists else ~valid
                else:
                    hit = self._distinct_test(f"derived:{spec.derive}" if spec.derive else spec.column, col,
                                              matcher(value))
                result = (hit, hit)
            elif spec.column == "raw" and not isinstance(value, (SigmaNull, SigmaExists, SigmaFieldReference)):
                result = self._text_leaf(value)
            elif spec.bound and isinstance(value, SigmaCIDRExpression):
                bound = self.column(spec.bound)
                maybe = self._distinct_test(spec.bound, bound, matcher(value)) | ~np.asarray(pc.is_valid(bound))
                result = (np.zeros(self.n, bool), maybe)
            else:
                result = unknown
        self._leaves[cache_key] = result
        return result

    def _text_leaf(self, value: Any) -> Bounds:
        """A test on the original text: decided where the table holds it (``raw``), unknown elsewhere."""
        raw = self.column("raw")
        kept = np.asarray(pc.is_valid(raw), dtype=bool)
        if not kept.any():
            return np.zeros(self.n, bool), np.ones(self.n, bool)
        hit = matcher(value)(raw) & kept
        return hit, hit | ~kept


def _needle(value: Any) -> str | None:
    """A piece of text every record whose field matches ``value`` holds literally (when it has no
    JSON escapes): the longest literal run of a wildcard string, if ASCII; else None."""
    if not isinstance(value, SigmaString) or isinstance(value, SigmaRegularExpression):
        return None
    runs, current = [], ""
    for part in value.s:
        if isinstance(part, str):
            current += part
        else:
            runs.append(current)
            current = ""
    runs.append(current)
    best = max(runs, key=len)
    return best if best and best.isascii() else None


class TextView:
    """Some rows of a source with their original text read but not decoded.

    Keywords and exact columns are decided; a string test on a record field is bounded by the record's
    text (:mod:`.text`): a record whose text cannot hold the value is ruled out. Only the rows left open
    are decoded. :meth:`collect` first gathers every text asked, so the text is searched in one pass."""

    def __init__(self, view: SourceView, positions: np.ndarray) -> None:
        self.view, self.positions, self.n = view, positions, len(positions)
        self.array = raw_array(view.table, view.rows[positions])
        self.index = TextIndex(self.array)
        self._needles: dict[str, np.ndarray] = {}
        self._wanted: set[str] = set()
        self._leaves: dict[tuple[str, str], Bounds] = {}

    def collect(self, name: str | None, value: Any) -> Bounds:
        """A leaf function that only notes the texts :meth:`leaf` will ask for."""
        if name is not None and self._searchable(self.view.spec(name), value):
            if (needle := _needle(value)) is not None:
                self._wanted.add(needle)
        return np.zeros(self.n, bool), np.ones(self.n, bool)

    def search(self) -> None:
        self._needles.update(self.index.holding(sorted(self._wanted - set(self._needles))))

    def _searchable(self, spec: FieldSpec, value: Any) -> bool:
        return (self.view.exact_column(spec) is None and spec.column != "raw"
                and not isinstance(value, (SigmaNull, SigmaExists, SigmaFieldReference, SigmaCIDRExpression)))

    def leaf(self, name: str | None, value: Any) -> Bounds:
        cache_key = (name or "", repr(value))
        if cache_key in self._leaves:
            return self._leaves[cache_key]
        result: Bounds
        if name is None:
            hit = matcher(_keyword_value(value))(self.array)
            result = (hit, hit)
        else:
            spec = self.view.spec(name)
            col = self.view.exact_column(spec) if not isinstance(value, SigmaFieldReference) else None
            if col is not None:
                result = _column_leaf(col.take(pa.array(self.positions)), value)
            elif spec.column == "raw" and not isinstance(value, (SigmaNull, SigmaExists, SigmaFieldReference)):
                hit = matcher(value)(self.array)
                result = (hit, hit)
            elif spec.bound and isinstance(value, SigmaCIDRExpression):
                bound = self.view.column(spec.bound).take(pa.array(self.positions))
                result = (np.zeros(self.n, bool), matcher(value)(bound) | ~np.asarray(pc.is_valid(bound)))
            elif self._searchable(spec, value) and (needle := _needle(value)) in self._needles:
                result = (np.zeros(self.n, bool), self._needles[needle] | self.index.special)
            else:
                result = (np.zeros(self.n, bool), np.ones(self.n, bool))
        self._leaves[cache_key] = result
        return result


def _column_leaf(col: pa.Array, value: Any) -> Bounds:
    """A leaf on an exact column: decided."""
    valid = np.asarray(pc.is_valid(col), dtype=bool)
    if isinstance(value, SigmaNull):
        hit = ~valid
    elif isinstance(value, SigmaExists):
        hit = valid if value.exists else ~valid
    else:
        hit = matcher(value)(col)
    return hit, hit


class RecordView:
    """Some rows of a source with their original records decoded: every leaf is decided."""

    def __init__(self, view: SourceView, positions: np.ndarray, texts: list[str | None] | None = None,
                 records: list[dict[str, Any]] | None = None) -> None:
        self.view, self.positions, self.n = view, positions, len(positions)
        self.texts = texts if texts is not None else raw_texts(view.table, view.rows[positions])
        wrapped = WRAPPED.get(view.source)
        self.records = records if records is not None else [decode(t, wrapped) for t in self.texts]
        self._values: dict[str, _Values] = {}
        self._leaves: dict[tuple[str, str], Bounds] = {}

    def subset(self, idx: np.ndarray) -> "RecordView":
        """The same decoded records, only those at ``idx`` (one rule's open rows)."""
        if len(idx) == self.n:
            return self
        return RecordView(self.view, self.positions[idx], [self.texts[i] for i in idx],
                          [self.records[i] for i in idx])

    def _field(self, name: str) -> _Values:
        if name not in self._values:
            paths = self.view.spec(name).paths
            texts: list[str] = []
            parent: list[int] = []
            for i, rec in enumerate(self.records):
                found = values_at(rec, paths) if rec else []
                texts.extend(found)
                parent.extend([i] * len(found))
            present = np.zeros(self.n, bool)
            present[parent] = True
            self._values[name] = _Values(pa.array(texts, pa.string()), np.asarray(parent, dtype=np.int64), present)
        return self._values[name]

    def _row_texts(self, name: str) -> list[list[str]]:
        """Each row's values of a field, as lower-case texts (exact columns included)."""
        spec = self.view.spec(name)
        col = self.view.exact_column(spec)
        if col is not None:
            return [[v.lower()] if v is not None else [] for v in col.take(pa.array(self.positions)).to_pylist()]
        vals = self._field(name)
        rows: list[list[str]] = [[] for _ in range(self.n)]
        for i, text in zip(vals.parent.tolist(), vals.texts.to_pylist()):
            rows[i].append(text.lower())
        return rows

    def _compare_fields(self, name: str, ref: SigmaFieldReference) -> np.ndarray:
        """``fieldref``: the field equals (or starts, ends with, contains) the other field, ignoring case."""
        if ref.starts_with and ref.ends_with:
            test = lambda a, b: b in a  # noqa: E731
        elif ref.starts_with:
            test = lambda a, b: a.startswith(b)  # noqa: E731
        elif ref.ends_with:
            test = lambda a, b: a.endswith(b)  # noqa: E731
        else:
            test = lambda a, b: a == b  # noqa: E731
        mine, other = self._row_texts(name), self._row_texts(ref.field)
        return np.array([any(test(a, b) for a in xs for b in ys) for xs, ys in zip(mine, other)], dtype=bool)

    def leaf(self, name: str | None, value: Any) -> Bounds:
        cache_key = (name or "", repr(value))
        if cache_key in self._leaves:
            return self._leaves[cache_key]
        if name is None:
            hit = matcher(_keyword_value(value))(pa.array(self.texts, pa.string()))
        elif isinstance(value, SigmaFieldReference):
            hit = self._compare_fields(name, value)
        else:
            spec = self.view.spec(name)
            col = self.view.exact_column(spec)
            if col is not None:
                col = col.take(pa.array(self.positions))
                valid = np.asarray(pc.is_valid(col), dtype=bool)
                if isinstance(value, SigmaNull):
                    hit = ~valid
                elif isinstance(value, SigmaExists):
                    hit = valid if value.exists else ~valid
                else:
                    hit = matcher(value)(col)
            elif spec.column == "raw" and not isinstance(value, (SigmaNull, SigmaExists)):
                hit = matcher(value)(pa.array(self.texts, pa.string()))
            else:
                vals = self._field(name)
                if isinstance(value, SigmaNull):
                    hit = ~vals.present
                elif isinstance(value, SigmaExists):
                    hit = vals.present if value.exists else ~vals.present
                else:
                    hit = vals.any(matcher(value)(vals.texts), self.n)
        self._leaves[cache_key] = (hit, hit)
        return hit, hit


def evaluate(node: Any, leaf: Callable[[str | None, Any], Bounds], n: int) -> Bounds:
    """(certainly true, possibly true) of a condition tree."""
    if isinstance(node, ConditionAND):
        lo, hi = np.ones(n, bool), np.ones(n, bool)
        for arg in node.args:
            a_lo, a_hi = evaluate(arg, leaf, n)
            lo, hi = lo & a_lo, hi & a_hi
        return lo, hi
    if isinstance(node, ConditionOR):
        lo, hi = np.zeros(n, bool), np.zeros(n, bool)
        for arg in node.args:
            a_lo, a_hi = evaluate(arg, leaf, n)
            lo, hi = lo | a_lo, hi | a_hi
        return lo, hi
    if isinstance(node, ConditionNOT):
        a_lo, a_hi = evaluate(node.args[0], leaf, n)
        return ~a_hi, ~a_lo
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return leaf(node.field, node.value)
    if isinstance(node, ConditionValueExpression):
        return leaf(None, node.value)
    if node is None:
        return np.zeros(n, bool), np.zeros(n, bool)
    raise TypeError(f"unexpected condition element {type(node).__name__}")


def _rule_bounds(rule: Rule, leaf: Callable[[str | None, Any], Bounds], n: int) -> Bounds:
    lo, hi = np.zeros(n, bool), np.zeros(n, bool)
    for tree in rule.conditions:  # several conditions of one rule are alternatives
        t_lo, t_hi = evaluate(tree, leaf, n)
        lo, hi = lo | t_lo, hi | t_hi
    return lo, hi


@dataclass
class RunStats:
    rows_read: dict[str, int] = field(default_factory=dict)  # original records read back, per source
    rows_decoded: dict[str, int] = field(default_factory=dict)  # of them decoded (JSON), per source
    failed: dict[int, str] = field(default_factory=dict)  # rule index → why its evaluation failed


_EVAL_ERRORS = (pa.ArrowException, ValueError, TypeError, IndexError, KeyError, RecursionError)


def match_rules(table: pa.Table, rules: list[Rule], cancel: CancelToken | None = None,
                stats: RunStats | None = None) -> list[np.ndarray]:
    """Row numbers (in ``table``, ascending) each rule matches, in the order of ``rules``.

    A rule whose evaluation fails matches nothing; ``stats.failed`` says why (the others still run)."""
    out: list[list[np.ndarray]] = [[] for _ in rules]
    stats = stats if stats is not None else RunStats()
    if not table.num_rows or not rules:
        return [np.empty(0, np.int64) for _ in rules]
    source_col = table.column("source")
    present = set(pc.unique(source_col).to_pylist())

    def attempt(i: int, work: Callable[[], Any]) -> Any:
        if i in stats.failed:
            return None
        try:
            return work()
        except _EVAL_ERRORS as exc:
            stats.failed[i] = f"could not be evaluated: {type(exc).__name__}: {str(exc)[:200]}"
            return None

    for source in sorted(s for s in present if s is not None):
        mine = [i for i, r in enumerate(rules) if source in r.sources]
        if not mine:
            continue
        check(cancel)
        whole = len(present) == 1
        rows = (np.arange(table.num_rows) if whole
                else np.flatnonzero(np.asarray(pc.equal(source_col, source).to_numpy(zero_copy_only=False))))
        view = SourceView(table, source, rows, whole)
        empty = np.empty(0, np.int64)
        bounds = {i: attempt(i, lambda i=i: view.rule_bounds(rules[i])) or (empty, empty) for i in mine}
        positions = np.unique(np.concatenate([o for _, o in bounds.values()]))
        hits = {i: [matched] for i, (matched, _) in bounds.items()}
        opens = {}
        for i, (_, open_pos) in bounds.items():
            if len(open_pos):
                opens[i] = np.zeros(len(positions), bool)
                opens[i][np.searchsorted(positions, open_pos)] = True
        # stage 2: the open rows' text (read once) decides keywords and rules out records lacking a value
        still: dict[int, np.ndarray] = {}
        if len(positions):
            text = TextView(view, positions)
            for i in opens:
                attempt(i, lambda i=i: _rule_bounds(rules[i], text.collect, text.n))
            text.search()
            for i, open_ in opens.items():
                check(cancel)
                if (found := attempt(i, lambda i=i: _rule_bounds(rules[i], text.leaf, text.n))) is None:
                    continue
                t_lo, t_hi = found
                hits[i].append(positions[open_ & t_lo])
                if (left := open_ & t_hi & ~t_lo).any():
                    still[i] = left
        # stage 3: decode the records still open, once
        opened = np.zeros(len(positions), bool)
        for left in still.values():
            opened |= left
        chosen = np.flatnonzero(opened)
        stats.rows_read[source] = len(positions)
        stats.rows_decoded[source] = len(chosen)
        if len(chosen):
            records = RecordView(view, positions[chosen], text.array.take(pa.array(chosen)).to_pylist())
            for i, left in still.items():
                check(cancel)
                mine_only = records.subset(np.flatnonzero(left[chosen]))  # a rule reads its own open rows only
                found = attempt(i, lambda i=i, m=mine_only: _rule_bounds(rules[i], m.leaf, m.n))
                if found is not None:
                    hits[i].append(mine_only.positions[found[0]])
        for i in mine:
            out[i].append(rows[np.sort(np.concatenate(hits[i]))])
    return [np.empty(0, np.int64) if i in stats.failed else (np.sort(np.concatenate(v)) if v else np.empty(0, np.int64))
            for i, v in enumerate(out)]
