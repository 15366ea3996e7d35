"""What triage measures a finding against, taken once per analysis: which rows are any finding's evidence, the
rows of each account and each source IP, and per finding its *baseline*.

A finding's baseline is what its accounts did **before** its first event, without the evidence of any finding
(the attacker's flagged activity never makes itself usual) and without the run-up from the finding's own source
IPs in the day before it. Where the account's own baseline is too thin, its *peer group* answers instead: the
other accounts of the same log sources over the same time before the finding, again without flagged evidence;
the answer then says so.

Cost: one pass over the table builds the index (dictionary codes of user and IP, the flagged mask); each finding
then reads only its accounts' and IPs' rows (cached per account) and, for a peer group, counts codes over a
boolean mask (numpy, no Python loop over events). Hundreds of findings over a million events stay fast.
"""

from __future__ import annotations

import functools
import weakref
from collections import Counter
from datetime import timedelta
from typing import Any, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import Finding

COLUMNS = ("ts", "source", "action", "outcome", "user", "target_user", "src_ip", "host", "user_agent",
           "event_name", "logon_type", "client_app", "session_id", "country", "asn", "bytes")
SUCCESS_ACTIONS = ("auth.success", "session.start")
FAILURE_ACTIONS = ("auth.failure", "auth.invalid_user")
RUN_UP = timedelta(days=1)  # the finding's own IPs in this long before it are its run-up, never its baseline
CACHE_FRAMES = 256  # accounts / IPs whose rows are kept as frames between findings


class _Lookup:
    """Row numbers of each value of one string column (table in time order: the rows come out in time order)."""

    def __init__(self, column: pa.ChunkedArray | pa.Array) -> None:
        enc = pc.dictionary_encode(column)
        enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
        self.codes = pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy(zero_copy_only=False) if len(enc) \
            else np.empty(0, np.int64)
        self.values = enc.dictionary.to_pylist()
        self.code_of = {v: i for i, v in enumerate(self.values)}
        self.order = np.argsort(self.codes, kind="stable")
        self.sorted = self.codes[self.order]

    def rows(self, values: Iterable[str]) -> np.ndarray:
        parts = []
        for v in values:
            code = self.code_of.get(v)
            if code is not None:
                lo, hi = np.searchsorted(self.sorted, [code, code + 1])
                parts.append(self.order[lo:hi])
        return np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)


class Index:
    """The analysis' table seen by triage (see the module's docstring)."""

    def __init__(self, analysis: Any) -> None:
        table = analysis.table
        cols = [c for c in COLUMNS if c in table.column_names]
        self.table = table.select(cols).combine_chunks()
        for name in COLUMNS:  # a table without some column (an older case, a partial export) reads as empty
            if name not in cols:
                kind = pa.int64() if name in ("asn", "bytes") else pa.string()
                self.table = self.table.append_column(name, pa.nulls(table.num_rows, kind))
        self.n = table.num_rows
        self.config = analysis.config
        self.findings: list[Finding] = list(analysis.findings)
        self.ts = self.table.column("ts").cast(pa.int64()).to_numpy(zero_copy_only=False) if self.n else \
            np.empty(0, np.int64)
        self.first = pd.Timestamp(int(self.ts.min()), unit="us", tz="UTC") if self.n else None
        self.last = pd.Timestamp(int(self.ts.max()), unit="us", tz="UTC") if self.n else None
        keys: dict[str, int] = {}
        self.evidence_keys = {id(f): np.array([keys.setdefault(f"{e.file}\0{e.ref}", len(keys)) for e in f.evidence],
                                              dtype=np.int64) for f in self.findings}
        if self.n and keys:
            joined = pc.binary_join_element_wise(table.column("file"), table.column("ref"), "\0")
            pos = pc.index_in(joined, value_set=pa.array(list(keys), pa.string()))
            pos = pc.fill_null(pos, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        else:
            pos = np.full(self.n, -1, np.int64)
        self._source = table
        self.flagged = pos >= 0  # evidence of some finding
        rows = np.flatnonzero(self.flagged)
        order = np.argsort(pos[rows], kind="stable")
        self._ev_rows, self._ev_keys = rows[order], pos[rows][order]
        if self.n:
            failed = pc.or_(pc.is_in(self.table.column("action"), value_set=pa.array(FAILURE_ACTIONS)),
                            pc.equal(self.table.column("outcome"), "failure"))
            self.failed = pc.fill_null(failed, False).to_numpy(zero_copy_only=False)
        else:
            self.failed = np.zeros(0, bool)
        self.users = _Lookup(self.table.column("user"))
        self.ips = _Lookup(self.table.column("src_ip"))
        self.targets = _Lookup(self.table.column("target_user"))
        self.sources = _Lookup(self.table.column("source"))
        self._codes: dict[str, _Lookup] = {}
        self._peer_base: dict[tuple[str, ...], np.ndarray] = {}
        self._in_order = bool(self.n < 2 or (np.diff(self.ts) >= 0).all())
        self._frames: dict[tuple[str, str], pd.DataFrame] = {}

    # --- rows -----------------------------------------------------------------------------------------------
    def evidence_rows(self, finding: Finding) -> np.ndarray:
        ids = self.evidence_keys.get(id(finding))
        if ids is None:
            return self._rows_of_refs(finding)
        if not len(ids):
            return np.empty(0, np.int64)
        lo = np.searchsorted(self._ev_keys, ids, "left")
        hi = np.searchsorted(self._ev_keys, ids, "right")
        parts = [self._ev_rows[a:b] for a, b in zip(lo, hi) if b > a]
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)

    def _rows_of_refs(self, finding: Finding) -> np.ndarray:
        """Evidence rows of a finding the analysis does not hold (a copy under another playbook): looked up."""
        keys = sorted({f"{e.file}\0{e.ref}" for e in finding.evidence})
        if not keys or not self.n:
            return np.empty(0, np.int64)
        joined = pc.binary_join_element_wise(self._source.column("file"), self._source.column("ref"), "\0")
        return np.flatnonzero(pc.fill_null(pc.is_in(joined, value_set=pa.array(keys, pa.string())), False)
                              .to_numpy(zero_copy_only=False))

    def frame(self, rows: np.ndarray) -> pd.DataFrame:
        part = self.table.take(pa.array(rows, pa.int64()))
        # plain object columns: many small selections per finding are several times faster than on Arrow strings
        out = pd.DataFrame({name: (pd.Series(col.to_numpy(zero_copy_only=False), dtype=object)
                                   if pa.types.is_string(col.type) else col.to_pandas())
                            for name, col in zip(part.column_names, part.columns)})
        out.index = rows  # the table's row numbers: unique across accounts' frames
        out["row"] = rows
        out["flagged"] = self.flagged[rows] if len(rows) else np.zeros(0, bool)
        return out

    def _cached(self, kind: str, values: tuple[str, ...]) -> pd.DataFrame:
        key = (kind, values)
        if key not in self._frames:
            if len(self._frames) >= CACHE_FRAMES:
                self._frames.pop(next(iter(self._frames)))
            lookup = {"user": self.users, "ip": self.ips, "target": self.targets}[kind]
            self._frames[key] = self.frame(lookup.rows(values))
        return self._frames[key]

    def rows_of(self, kind: str, values: Iterable[str]) -> pd.DataFrame:
        """Every event of these accounts (``kind="user"``), on these accounts (``"target"``) or from these source
        IPs (``"ip"``), in time order. One frame for all of them (a row holds one value of the column, so the
        rows of several values never overlap): a spray's thousands of names cost one selection, not one each."""
        return self._cached(kind, tuple(dict.fromkeys(values)))

    # --- peer groups ----------------------------------------------------------------------------------------
    def codes(self, column: str) -> _Lookup:
        if column not in self._codes:
            if column == "hour":
                arr = pc.cast(pc.hour(self.table.column("ts")), pa.string())
            elif column == "method":
                arr = method_labels_arrow({c: self.table.column(c).combine_chunks() for c in METHOD_COLUMNS})
            else:
                arr = self.table.column(column)
                arr = pc.cast(arr, pa.string()) if not pa.types.is_string(arr.type) else arr
            self._codes[column] = _Lookup(arr)
        return self._codes[column]

    def peers(self, finding: Finding, sources: Iterable[str], before: pd.Timestamp) -> np.ndarray:
        """Rows of the peer group: other accounts' unflagged, not failed events of ``sources`` before ``before``
        (a scanner's failed attempts say nothing of where the organisation's people sign in from). A mask over
        the table's first rows (it is in time order: the rows before ``before`` are a prefix)."""
        if not self.n:
            return np.zeros(0, bool)
        key = tuple(sorted(sources))
        if key not in self._peer_base:
            src = np.isin(self.sources.codes, [self.sources.code_of[s] for s in key if s in self.sources.code_of])
            self._peer_base[key] = src & ~self.flagged & ~self.failed & (self.users.codes >= 0)
        base = self._peer_base[key]
        cut = int(before.value // 1000)
        if self._in_order:
            k = int(np.searchsorted(self.ts, cut, "left"))
            mask = base[:k].copy()
        else:
            mask = base & (self.ts < cut)
        users = self.users.codes[:len(mask)]
        for u in finding.users:
            if u in self.users.code_of:
                mask &= users != self.users.code_of[u]
        return mask

    def peer_counts(self, column: str, mask: np.ndarray) -> Counter:
        look = self.codes(column)
        codes = look.codes[:len(mask)][mask]
        codes = codes[codes >= 0]
        counts = np.bincount(codes, minlength=len(look.values)) if len(codes) else np.zeros(0, np.int64)
        return Counter({look.values[i]: int(c) for i in np.flatnonzero(counts) for c in (counts[i],)})

    def data_sources(self, reads: Iterable[str]) -> set[str]:
        """Sources with any data-read event (``reads``: native event names) or any bytes transferred."""
        if not hasattr(self, "_data_sources"):
            has = pc.is_in(self.table.column("event_name"), value_set=pa.array(sorted(reads), pa.string()))
            has = pc.or_(pc.fill_null(has, False), pc.is_valid(self.table.column("bytes")))
            self._data_sources = set(pc.unique(self.table.column("source").filter(has)).to_pylist())
        return self._data_sources

    def peer_accounts(self, mask: np.ndarray) -> int:
        return int(np.unique(self.users.codes[:len(mask)][mask]).size)


METHOD_COLUMNS = ("event_name", "session_id", "logon_type", "client_app")


def method_labels_arrow(cols: dict[str, pa.Array]) -> pa.Array:
    """How each event authenticated, where its log says: the sshd method (``ssh publickey``, ``ssh password``),
    the kind of AWS credential (a long-term access key ``AKIA…``, temporary credentials ``ASIA…``), or the
    sign-in's logon type and client application (Entra ``non_interactive / Microsoft Teams``). Null where
    nothing says. ``cols``: the :data:`METHOD_COLUMNS` as string arrays."""
    name, sess = pc.fill_null(cols["event_name"], ""), pc.fill_null(cols["session_id"], "")
    pair = pc.utf8_trim(pc.binary_join_element_wise(pc.fill_null(cols["logon_type"], ""),
                                                    pc.fill_null(cols["client_app"], ""), " / "), " /")
    null = pa.scalar(None, pa.string())
    out = pc.if_else(pc.equal(pair, ""), null, pair)
    out = pc.if_else(pc.starts_with(sess, "AKIA"), "long-term access key", out)
    out = pc.if_else(pc.starts_with(sess, "ASIA"), "temporary credentials (session token)", out)
    ssh = pc.binary_join_element_wise("ssh", pc.utf8_slice_codeunits(name, len("sshd:accepted_")), " ")
    return pc.if_else(pc.starts_with(name, "sshd:accepted_"), ssh, out)


def method_labels(frame: pd.DataFrame) -> pd.Series:
    """:func:`method_labels_arrow` for a frame's rows."""
    cols = {c: pa.array(frame[c].where(frame[c].notna(), None).tolist() if c in frame else [None] * len(frame),
                        pa.string()) for c in METHOD_COLUMNS}
    return pd.Series(method_labels_arrow(cols).to_pylist(), index=frame.index, dtype=object)


_LAST: list[tuple[Any, tuple, Index]] = []


def index_for(analysis: Any) -> Index:
    """The index of ``analysis``, built once and reused while its table and findings stay the same."""
    key = (id(analysis.table), id(analysis.findings), tuple(map(id, analysis.findings)))
    if _LAST:
        ref, k, idx = _LAST[0]
        if ref() is analysis and k == key:
            return idx
    idx = Index(analysis)
    _LAST[:] = [(weakref.ref(analysis), key, idx)]
    return idx


class Context:
    """One finding: its events, its accounts' rows, their baseline and its peer group."""

    def __init__(self, index: Index, finding: Finding) -> None:
        self.index, self.finding = index, finding
        self.ev = index.frame(index.evidence_rows(finding))
        self.users = sorted(set(finding.users) or set(self.ev["user"].dropna()))
        self.ips = sorted(set(finding.ips) or set(self.ev["src_ip"].dropna()))
        self.start, self.end = pd.Timestamp(finding.first_seen), pd.Timestamp(finding.last_seen)
        self.mine = index.rows_of("user", self.users)
        m = self.mine
        run_up = m["src_ip"].isin(self.ips) & (m["ts"] >= self.start - RUN_UP)
        self.base_mask = (m["ts"] < self.start) & ~m["flagged"] & ~run_up  # the baseline (module docstring)
        self.base = m[self.base_mask]
        failed = self.base["action"].isin(FAILURE_ACTIONS) | (self.base["outcome"] == "failure")
        self.base_done = self.base[~failed]  # what the account did, not what was tried against it
        self.base_ok = self.base[self.base["action"].isin(SUCCESS_ACTIONS) & (self.base["outcome"] == "success")]
        ev_ok = self.ev[self.ev["action"].isin(SUCCESS_ACTIONS) & (self.ev["outcome"] == "success")]
        self.subject = ev_ok if len(ev_ok) else self.ev  # "this login": the finding's successes, else all of it
        self.sources = sorted(set(self.ev["source"].dropna()) or set(m["source"].dropna()))
        self.table_end = index.last if index.last is not None else self.end
        self.lookback = self.start - index.first if index.first is not None else pd.Timedelta(0)
        self._peers: np.ndarray | None = None

    @functools.cached_property
    def all(self) -> pd.DataFrame:
        """The accounts' events and every event from the finding's source IPs."""
        if not self.ips:
            return self.mine
        return pd.concat([self.mine, self.index.rows_of("ip", self.ips)]).drop_duplicates("row") \
            .sort_values("row", kind="stable")

    @property
    def peers(self) -> np.ndarray:
        if self._peers is None:
            self._peers = self.index.peers(self.finding, self.sources, self.start)
        return self._peers

    def since(self, frame: pd.DataFrame) -> str:
        """"over 21 days before 2024-03-14 10:02 UTC" for a baseline ``frame``."""
        first = frame["ts"].min() if len(frame) else self.start
        return f"over {days_text(self.start - first)} before {self.start:%Y-%m-%d %H:%M} UTC"

    def peer_since(self) -> str:
        return f"over {days_text(self.lookback)} before {self.start:%Y-%m-%d %H:%M} UTC"


def days_text(delta: pd.Timedelta) -> str:
    days = delta.total_seconds() / 86400
    if days < 1:
        return f"{max(delta.total_seconds() / 3600, 0):.0f} h"
    return f"{days:.0f} day{'s' if round(days) != 1 else ''}"


def top(values: Iterable[Any] | Counter, n: int = 3) -> str:
    """"US ×57, GB ×3" (most frequent first; "…" when there are more)."""
    counts = values if isinstance(values, Counter) else Counter(v for v in values if v is not None and v == v
                                                                 and v != "")
    items = sorted(counts.items(), key=lambda vc: (-vc[1], str(vc[0])))  # ties by name: the same in every run
    text = ", ".join(f"{v} ×{c:,}" for v, c in items[:n])
    return (text + (f" and {len(items) - n} more" if len(items) > n else "")) or "none"
