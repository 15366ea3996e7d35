"""The events query language, and filtering / sorting the event table into an array of row ids.

Shared by the GUI (query bar, quick search, column filters, pivots, timeline brush) and the CLI
(``workbench query``). Nothing here builds one Python object per event: every column used is
dictionary-encoded once (:class:`EventIndex`), a predicate is evaluated on its *distinct* values, and
the rows follow by a NumPy lookup of their codes.

The language itself (fields, terms, the parser) is :mod:`.query_syntax`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .query_syntax import (  # noqa: F401  (re-exported: callers import the language from here too)
    FIELDS, LIST_KEYS, TEXT_COLUMNS, TIME_KEYS, Query, QueryError, Term, around_query, format_term, format_time,
    parse, parse_time, pivot_query, quote, with_term,
)

# Above this many distinct values a column is sorted by Arrow rather than through its dictionary.
_DICT_SORT_LIMIT = 200_000


def _us(value: datetime) -> int:
    delta = value - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


class EventIndex:
    """Per-table caches (each column's codes and distinct values, the times) and the operations over them.

    Build one per table and keep it: the first use of a column encodes it (tens of milliseconds for a
    million rows); later uses cost a lookup of its codes. Thread-safe enough to be warmed off the UI
    thread (:meth:`warm`) as long as no two threads build the same column at once.
    """

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.num_rows = table.num_rows
        self._codes: dict[str, tuple[np.ndarray, list[Any]]] = {}
        self._folded: dict[str, list[str]] = {}
        self._ts: np.ndarray | None = None
        self._sorted: bool | None = None
        self._ranks: dict[str, np.ndarray] = {}
        self._row_ranks: dict[str, tuple[np.ndarray, int]] = {}
        self._whole: dict[tuple[str, bool], np.ndarray] = {}  # orders of the whole table, as sorted once
        self._ip_ints: dict[str, tuple[np.ndarray, list[Any]]] = {}

    def replace_columns(self, table: pa.Table, columns: Iterable[str]) -> None:
        """Use ``table`` (the same rows) whose ``columns`` were replaced or added, e.g. the analyst's marks:
        only those columns are encoded again; the others keep their caches."""
        if table.num_rows != self.num_rows:
            raise ValueError("replace_columns needs the same rows")
        self.table = table
        names = set(columns)
        for cache in (self._codes, self._folded, self._ranks, self._row_ranks, self._ip_ints):
            for name in names:
                cache.pop(name, None)
        self._whole = {k: v for k, v in self._whole.items() if k[0] not in names}

    # -- caches -------------------------------------------------------------------------------

    def has(self, column: str) -> bool:
        return column in self.table.column_names

    def codes(self, column: str) -> tuple[np.ndarray, list[Any]]:
        """(code per row, -1 for null; the distinct values) of ``column``."""
        cached = self._codes.get(column)
        if cached is None:
            arr = self.table.column(column)
            arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
            if pa.types.is_dictionary(arr.type):
                arr = arr.cast(arr.type.value_type)
            encoded = pc.dictionary_encode(arr)
            indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
            cached = (indices, encoded.dictionary.to_pylist())
            self._codes[column] = cached
        return cached

    def folded(self, column: str) -> list[str]:
        """The distinct values of ``column`` as case-folded text."""
        cached = self._folded.get(column)
        if cached is None:
            cached = [str(v).casefold() for v in self.codes(column)[1]]
            self._folded[column] = cached
        return cached

    def ts_us(self) -> np.ndarray:
        """Event times in microseconds since the epoch (int64; nulls as the smallest int64)."""
        if self._ts is None:
            col = self.table.column("ts")
            col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
            ints = pc.cast(col, pa.timestamp("us", "UTC")).cast(pa.int64()).fill_null(np.iinfo(np.int64).min)
            self._ts = ints.to_numpy(zero_copy_only=False)
        return self._ts

    def warm(self, columns: Iterable[str] = TEXT_COLUMNS) -> None:
        """Encode these columns now (e.g. in a worker after loading) so the first search is quick."""
        self._time_sorted()
        for name in columns:
            if self.has(name):
                self.folded(name)
                if not self._too_many(name):
                    self._rank(name)  # the first sort by this column is then only the argsort

    def value_counts(self, column: str, rows: np.ndarray | None = None) -> list[tuple[Any, int]]:
        """(value, events) of ``column`` over ``rows`` (all rows when None), rarest first, then by value; the
        empty value (None) counts too. Stack counting: the least frequent user agents, IPs, event names."""
        if not self.has(column):
            return []
        codes, values = self.codes(column)
        picked = codes if rows is None else codes[np.asarray(rows, dtype=np.int64)]
        counts = np.bincount(picked.astype(np.int64) + 1, minlength=len(values) + 1)  # slot 0: null
        present = np.flatnonzero(counts)
        pairs = [(None if k == 0 else values[k - 1], int(counts[k])) for k in present.tolist()]
        pairs.sort(key=lambda p: (p[1], "" if p[0] is None else str(p[0]).casefold()))
        return pairs

    # -- predicates ---------------------------------------------------------------------------

    def _value_mask(self, column: str, keep: Callable[[Any, str], bool], null: bool = False) -> np.ndarray:
        """Rows whose value (raw, case-folded text) satisfies ``keep``; null rows are ``null``."""
        if not self.has(column):
            return np.full(self.num_rows, null, dtype=bool)
        codes, values = self.codes(column)
        folded = self.folded(column)
        lut = np.fromiter((keep(v, f) for v, f in zip(values, folded)), dtype=bool, count=len(values))
        lut = np.append(lut, null)  # code -1 reads the last entry
        return _gather(lut, codes, self.num_rows)

    def _network_mask(self, column: str, value: str, position: int) -> np.ndarray:
        """Rows whose address in ``column`` lies in the network ``value`` (``10.0.0.0/8``, ``2001:db8::/32``)."""
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise QueryError(f"not a network: {value!r}", position) from None
        if not self.has(column):
            return np.zeros(self.num_rows, dtype=bool)
        codes, values = self.codes(column)
        v4, v6 = self._addresses(column)
        lut = np.zeros(len(values) + 1, dtype=bool)
        if net.version == 4:
            netmask, base = int(net.netmask), int(net.network_address)
            lut[:-1] = (v4 >= 0) & ((v4 & netmask) == base)
        else:
            for k, text in v6:
                try:
                    lut[k] = ipaddress.ip_address(text) in net
                except ValueError:
                    pass  # not an address at all: not in any network
        return _gather(lut, codes, self.num_rows)

    def _addresses(self, column: str) -> tuple[np.ndarray, list[tuple[int, str]]]:
        """The distinct values of ``column`` as IPv4 integers (-1 otherwise), and the (code, text) of those
        that may be IPv6 (few: parsed slowly when needed)."""
        cached = self._ip_ints.get(column)
        if cached is None:
            values = self.codes(column)[1]
            v4 = np.full(len(values), -1, dtype=np.int64)
            v6: list[tuple[int, str]] = []
            for k, v in enumerate(values):
                text = str(v)
                try:
                    v4[k] = int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
                except OSError:
                    if ":" in text:
                        v6.append((k, text))
            cached = (v4, v6)
            self._ip_ints[column] = cached
        return cached

    def contains(self, column: str, text: str) -> np.ndarray:
        """Rows whose ``column`` contains ``text`` (ignoring case)."""
        needle = text.casefold()
        return self._value_mask(column, lambda _v, f: needle in f)

    def search(self, text: str) -> np.ndarray:
        """Rows where any of :data:`TEXT_COLUMNS` contains ``text`` (ignoring case)."""
        mask = np.zeros(self.num_rows, dtype=bool)
        for column in TEXT_COLUMNS:
            if self.has(column):
                found = self.contains(column, text)
                if found is not _NONE_CACHE.get(self.num_rows):  # a column with no match costs nothing
                    mask |= found
        return mask

    def term_mask(self, term: Term) -> np.ndarray:
        """Rows a single term (without its negation) matches."""
        if term.key is None:
            return self.search(term.value)
        if term.key in TIME_KEYS:
            when = _us(parse_time(term.value, term.position))
            ts = self.ts_us()
            valid = ts != np.iinfo(np.int64).min
            if term.key == "after":
                return valid & (ts >= when)
            if term.key == "before":
                return valid & (ts < when)
            day = when - when % 86_400_000_000
            return valid & (ts >= day) & (ts < day + 86_400_000_000)
        if term.key in ("ip", "src_ip") and "/" in term.value:
            return self._network_mask("src_ip", term.value, term.position)
        keep = _matcher(term.key, term.value)
        mask = np.zeros(self.num_rows, dtype=bool)
        for column in FIELDS[term.key]:
            mask |= self._value_mask(column, keep, null=term.value == "")
        return mask

    def mask(self, query: Query | str) -> np.ndarray:
        """Rows matching the whole query (see the module's docstring for the rules)."""
        if isinstance(query, str):
            query = parse(query)
        result = np.ones(self.num_rows, dtype=bool)
        anyof: dict[str, np.ndarray] = {}
        for term in query.terms:
            m = self.term_mask(term)
            if term.negate:
                result &= ~m
            elif term.key is None or term.key in TIME_KEYS:
                result &= m
            elif term.key in anyof:
                anyof[term.key] = anyof[term.key] | m
            else:
                anyof[term.key] = m
        for m in anyof.values():
            result &= m
        return result

    def select(self, query: Query | str | None = None, *, rows: np.ndarray | None = None,
               contains: Mapping[str, str] | None = None, search: str = "",
               start: datetime | None = None, end: datetime | None = None) -> np.ndarray:
        """Row ids (ascending, i.e. time order) matching everything given.

        ``rows`` limits the result to those ids (a finding's evidence); ``contains`` maps columns to text
        they must contain (the grid's column filters); ``search`` is the quick search box (every word must
        occur somewhere); ``start``/``end`` a time window ``[start, end)`` (the timeline's brush)."""
        if isinstance(query, str):
            query = parse(query)
        narrowed = (query is not None and not query.empty) or search.strip() or start is not None or end is not None \
            or any(text.strip() for text in (contains or {}).values())
        if not narrowed:
            return np.sort(np.asarray(rows, dtype=np.int64)) if rows is not None else np.arange(self.num_rows)
        mask = self.mask(query) if query is not None else np.ones(self.num_rows, dtype=bool)
        for column, text in (contains or {}).items():
            if text.strip():
                mask &= self.contains(column, text.strip())
        for word in search.split():
            mask &= self.search(word)
        if start is not None or end is not None:
            ts = self.ts_us()
            if start is not None:
                mask &= ts >= _us(start)
            if end is not None:
                mask &= ts < _us(end)
        if rows is not None:
            rows = np.asarray(rows, dtype=np.int64)
            return np.sort(rows[mask[rows]])
        return np.flatnonzero(mask).astype(np.int64)

    # -- order --------------------------------------------------------------------------------

    def sort(self, rows: np.ndarray, column: str, descending: bool = False) -> np.ndarray:
        """``rows`` ordered by ``column`` (stable; nulls last either way; text ignoring case, IPs by address)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows) or not self.has(column):
            return rows
        whole = len(rows) == self.num_rows and rows[0] == 0 and bool(np.all(np.diff(rows) == 1))
        if whole and (column, descending) in self._whole:  # every event, from time order: sorted before
            return self._whole[(column, descending)].copy()
        ordered = self._sort(rows, column, descending)
        if whole:
            self._whole[(column, descending)] = ordered.copy()
        return ordered

    def _sort(self, rows: np.ndarray, column: str, descending: bool) -> np.ndarray:
        if column == "ts":
            if self._time_sorted():  # the usual event table: row order is time order
                ordered = np.sort(rows, kind="stable")
                return ordered[::-1].copy() if descending else ordered
            keys = self.ts_us()[rows]
            null = keys == np.iinfo(np.int64).min
            keys = np.where(null, np.iinfo(np.int64).max, -keys if descending else keys)
            return rows[np.argsort(keys, kind="stable")]
        if self._too_many(column) or pa.types.is_floating(self.table.schema.field(column).type):
            rank, valid = self._row_rank(column)  # every row ranked once (Arrow's sort), then as for codes
            keys = rank[rows]
            if descending:
                keys = np.where(keys < valid, valid - 1 - keys, keys)
            return rows[_stable_argsort(keys, self.num_rows)]
        codes, values = self.codes(column)
        rank = self._rank(column)
        if descending:
            rank = rank.copy()
            rank[:-1] = len(values) - 1 - rank[:-1]
        return rows[_stable_argsort(rank[codes[rows]], len(values))]

    def _time_sorted(self) -> bool:
        if self._sorted is None:
            ts = self.ts_us()
            self._sorted = bool(len(ts) == 0 or (ts[0] != np.iinfo(np.int64).min and np.all(ts[1:] >= ts[:-1])))
        return self._sorted

    def _rank(self, column: str) -> np.ndarray:
        """Rank of each distinct value of ``column`` (ascending), with one more entry, the largest, for null."""
        rank = self._ranks.get(column)
        if rank is None:
            values = self.codes(column)[1]
            if column == "src_ip":  # by address: IPv4, then IPv6, then anything else
                v4, v6 = self._addresses(column)
                v6_key = {k: _ip_sort_key(text) for k, text in v6}
                key: Callable[[int], Any] = lambda k: (0, int(v4[k]), "") if v4[k] >= 0 else \
                    v6_key.get(k, (2, 0, str(values[k]).casefold()))
            elif values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values[:1]):
                key = lambda k: values[k]
            else:
                key = lambda k: (str(values[k]).casefold(), str(values[k]))
            order = np.asarray(sorted(range(len(values)), key=key), dtype=np.int64)
            rank = np.empty(len(values) + 1, dtype=np.int64)
            rank[order] = np.arange(len(values))
            rank[-1] = len(values)  # null (code -1) last
            self._ranks[column] = rank
        return rank

    def _row_rank(self, column: str) -> tuple[np.ndarray, int]:
        """(the rank of every row by ``column``, nulls last; how many rows are not null), for columns with
        too many distinct values to sort through their dictionary."""
        cached = self._row_ranks.get(column)
        if cached is None:
            arr = self.table.column(column)
            order = pc.sort_indices(pa.table({"v": arr}), sort_keys=[("v", "ascending", "at_end")]).to_numpy()
            rank = np.empty(self.num_rows, dtype=np.int64)
            rank[order] = np.arange(self.num_rows)
            cached = (rank, self.num_rows - arr.null_count)
            self._row_ranks[column] = cached
        return cached

    def _too_many(self, column: str) -> bool:
        if column in self._codes:
            return len(self._codes[column][1]) > _DICT_SORT_LIMIT
        return column in ("ref", "raw")


_NONE_CACHE: dict[int, np.ndarray] = {}  # one all-False mask per table length, shared and read-only


def _gather(lut: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """``lut[codes]``, without touching the codes when the answer is the same for every value."""
    if not lut.any():
        none = _NONE_CACHE.get(n)
        if none is None:
            none = np.zeros(n, dtype=bool)
            none.flags.writeable = False
            _NONE_CACHE.clear()
            _NONE_CACHE[n] = none
        return none
    if lut.all():
        return np.ones(n, dtype=bool)
    return np.take(lut, codes)


def _stable_argsort(keys: np.ndarray, largest: int) -> np.ndarray:
    """Stable argsort of non-negative integer keys ≤ ``largest`` by 16-bit radix passes (NumPy's radix
    sort for 16-bit keys is several times quicker than its merge sort of wide integers)."""
    if largest < 1 << 16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    if largest >= 1 << 32:
        return np.argsort(keys, kind="stable")
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    high = np.argsort((keys[low] >> 16).astype(np.uint16), kind="stable")
    return low[high]


def _ip_sort_key(text: str) -> tuple:
    try:
        return (1, int(ipaddress.IPv6Address(text)), "")
    except ValueError:
        return (2, 0, text.casefold())


def _matcher(key: str, value: str) -> Callable[[Any, str], bool]:
    """A predicate on (raw value, case-folded text) for ``key:value``."""
    if value == "":
        return lambda v, f: f == ""
    folded = value.casefold()
    if "*" in folded or "?" in folded:
        pattern = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in folded),
                             re.DOTALL)
        if key in LIST_KEYS:
            return lambda v, f: any(pattern.fullmatch(item.strip()) for item in f.split(","))
        return lambda v, f: pattern.fullmatch(f) is not None
    if key == "file":  # the path as given, or only its last part
        return lambda v, f: f == folded or f.rsplit("/", 1)[-1] == folded or f.rsplit("\\", 1)[-1] == folded
    if key in LIST_KEYS:  # "exfil, lateral": tag:exfil matches
        return lambda v, f: folded in (item.strip() for item in f.split(","))
    return lambda v, f: f == folded


def select(table: pa.Table, query: str | Query) -> np.ndarray:
    """Row ids of ``table`` matching ``query`` (for one-off use; keep an :class:`EventIndex` otherwise)."""
    return EventIndex(table).select(query)
