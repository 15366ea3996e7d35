"""The one way a behavioural check asks "is this usual?": history *before* the candidate's window,
never its own events nor other findings' evidence, with the account's peer group as fallback.

A candidate row carries a reference time ``at`` (the start of its window: the first event of a
burst, the first suspicious event of the account). Its baseline is every row of the same entity
(account) strictly before ``at`` that is not excluded; where the entity's own history is thin the
check turns to the peer group (same account kind and log source by default, see :func:`peer_groups`)
and says so, in the words of :func:`basis_text`.

Everything here is vectorized over the rows (sorts, group-bys and cumulative counts): one call
answers for a million rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

ACCOUNT, PEERS, NONE = "account", "peers", "none"


def _us(ts: pd.Series | np.ndarray) -> np.ndarray:
    return pd.Series(ts).to_numpy(dtype="datetime64[us]").astype(np.int64)


def _count_before(keys: np.ndarray, marks: np.ndarray, q_keys: np.ndarray, q_at: np.ndarray) -> np.ndarray:
    """For each query (key, time): how many marks (key, time) of the same key lie strictly before it."""
    if not len(q_keys):
        return np.zeros(0, dtype=np.int64)
    k = np.concatenate([keys, q_keys])
    t = np.concatenate([marks, q_at])
    is_mark = np.concatenate([np.ones(len(keys), np.int64), np.zeros(len(q_keys), np.int64)])
    # at equal times the query sorts first: a mark at the query's own instant is not "before"
    order = np.lexsort((is_mark, t, k))
    k_sorted, m_sorted = k[order], is_mark[order]
    cum = np.cumsum(m_sorted)
    starts = np.flatnonzero(np.concatenate([[True], k_sorted[1:] != k_sorted[:-1]]))
    group_start = np.repeat(starts, np.diff(np.concatenate([starts, [len(k_sorted)]])))
    before = cum - m_sorted - np.where(group_start > 0, cum[group_start - 1], 0)
    out = np.empty(len(q_keys), dtype=np.int64)
    pos = np.flatnonzero(m_sorted == 0)
    out[order[pos] - len(keys)] = before[pos]
    return out


@dataclass(frozen=True)
class Prior:
    """Per candidate row, what came before its reference time (arrays aligned with the rows)."""

    history: np.ndarray  # the entity's earlier non-excluded rows
    history_days: np.ndarray  # days between the entity's first such row and the reference time
    seen: np.ndarray  # the entity had this value before
    peer_entities: np.ndarray  # other entities of its peer group that had this value before
    peer_size: np.ndarray  # entities of the peer group with any history before the reference time
    basis: np.ndarray  # ACCOUNT (own history thick enough), PEERS (thin own history, peers have some), NONE
    known: np.ndarray  # the row has an entity and a value at all

    @property
    def new(self) -> np.ndarray:
        """New for the entity, and (where the entity's history is thin) for its peers too."""
        return self.known & np.where(self.basis == ACCOUNT, ~self.seen,
                                     np.where(self.basis == PEERS, ~self.seen & (self.peer_entities == 0), False))


def prior(frame: pd.DataFrame, entity: str, value: str, *, at: np.ndarray | pd.Series | None = None,
          exclude: np.ndarray | None = None, peer: str | None = None, min_history: int = 1,
          min_days: float = 0.0) -> Prior:
    """The baseline of every row of ``frame`` (columns ``ts``, ``entity``, ``value``, optionally ``peer``).

    ``at``: each row's reference time (default its own ``ts``); ``exclude``: rows that never count as
    history (other findings' evidence, the candidate windows). The entity's own history is the basis
    when it has at least ``min_history`` earlier rows over at least ``min_days``; otherwise its peers'
    when any peer has history, otherwise none (the check then says "limited")."""
    n = len(frame)
    ts = _us(frame["ts"])
    ref = ts if at is None else _us(at)
    keep = np.ones(n, dtype=bool) if exclude is None else ~np.asarray(exclude, dtype=bool)
    ent = pd.factorize(frame[entity])[0].astype(np.int64)
    val = pd.factorize(frame[value])[0].astype(np.int64)
    grp = pd.factorize(frame[peer])[0].astype(np.int64) if peer else np.zeros(n, dtype=np.int64)
    hist_ok = keep & (ent >= 0)
    history = _count_before(ent[hist_ok], ts[hist_ok], ent, ref)
    first = pd.Series(ts[hist_ok]).groupby(ent[hist_ok]).min()
    first_ts = first.reindex(ent).to_numpy(dtype=float)
    days = np.where(np.isnan(first_ts), 0.0, (ref - np.nan_to_num(first_ts, nan=0.0)) / 86_400e6)
    days = np.maximum(days, 0.0)
    # first time each (entity, value) occurs among the history rows
    pair_ok = hist_ok & (val >= 0)
    n_val = max(int(val.max()) + 1, 1) if n else 1
    pairs = pd.DataFrame({"pair": ent[pair_ok] * n_val + val[pair_ok], "ts": ts[pair_ok],
                          "grp": grp[pair_ok], "val": val[pair_ok]})
    firsts = pairs.groupby("pair", sort=False).agg(ts=("ts", "min"), grp=("grp", "first"), val=("val", "first"))
    valid = (val >= 0) & (ent >= 0)
    own_first = firsts["ts"].reindex(np.where(valid, ent * n_val + val, -1)).to_numpy(dtype=float)
    seen = valid & (np.nan_to_num(own_first, nan=np.inf) < ref)
    # peers: entities of the same group whose first use of the value lies before the reference time
    peer_key = firsts["grp"].to_numpy(np.int64) * n_val + firsts["val"].to_numpy(np.int64)
    with_self = _count_before(peer_key, firsts["ts"].to_numpy(np.int64), np.where(valid, grp * n_val + val, -1), ref)
    peer_entities = np.where(valid, with_self - seen.astype(np.int64), 0)
    ent_first = first.to_numpy(np.int64)
    ent_grp = pd.Series(grp[hist_ok]).groupby(ent[hist_ok]).first().reindex(first.index).to_numpy(np.int64)
    peer_size = _count_before(ent_grp, ent_first, grp, ref) - (history > 0)
    own = (history >= min_history) & (days >= min_days)
    basis = np.where(own, ACCOUNT, np.where(peer_size > 0, PEERS, NONE)).astype(object)
    return Prior(history, days, seen, peer_entities, peer_size, basis, valid)


def principal(users: pd.Series) -> pd.Series:
    """The principal behind each account name: the role of an assumed-role session ("deploy/gha-81234" →
    "deploy"), whose session names change with every run; other names as they are."""
    names = users.astype(object)
    text = names.where(names.notna(), "")
    role = text.str.split("/", n=1).str[0]
    return role.where(text.str.contains("/", regex=False) & (role != ""), names)


def account_kind(users: pd.Series, privileged_patterns: Iterable[str] = ()) -> pd.Series:
    """A coarse kind per account name: ``computer`` (NAME$), ``service`` (the configured privileged or
    service patterns), ``person`` otherwise."""
    names = users.astype("string")
    kind = pd.Series("person", index=users.index, dtype=object)
    patterns = list(privileged_patterns)
    if patterns:
        pattern = re.compile("|".join(patterns), re.IGNORECASE)
        uniq = pd.unique(names.dropna())
        service = {u for u in uniq if pattern.search(str(u))}
        kind[names.isin(service).fillna(False).to_numpy(dtype=bool)] = "service"
    kind[names.str.endswith("$").fillna(False).to_numpy(dtype=bool)] = "computer"
    return kind


def peer_groups(frame: pd.DataFrame, privileged_patterns: Iterable[str] = ()) -> pd.Series:
    """The peer group of each row's account: its kind and the log source ("person@authlog")."""
    return account_kind(frame["user"], privileged_patterns) + "@" + frame["source"].astype(str)


def basis_text(basis: str, history: int, days: float, peer_size: int = 0, peer_entities: int = 0,
               what: str = "this") -> str:
    """Which baseline a verdict stands on, in the words the explanations use."""
    if basis == ACCOUNT:
        text = f"new for the account (its {history} earlier events over {days:.1f} days)"
        if peer_entities:
            text += f"; {peer_entities} of its peers had {what} before"
        return text
    if basis == PEERS:
        return (f"the account's own history is thin ({history} earlier events), so measured against its "
                f"{peer_size} peers: {peer_entities} of them had {what} before")
    return "no history before it in the loaded period (limited: the export is too short for a baseline)"


EGRESS_CLASSES = frozenset({"vpn", "cloud", "hosting"})


def shared_egress(logins: pd.DataFrame, min_accounts: int, min_countries: int = 2) -> frozenset[int]:
    """Autonomous systems the organisation signs in through as shared egress (a corporate VPN, a cloud
    proxy): successful sign-ins of at least ``min_accounts`` accounts, from at least ``min_countries``
    countries; or, where the IP-intelligence columns say so (``provider_class`` vpn / cloud / hosting),
    used by at least ``min_accounts`` accounts. A residential or mobile network stays in one country; an
    attacker's hosting range serves one or two accounts."""
    ok = logins.loc[(logins["action"] == "auth.success").to_numpy() & logins["asn"].notna().to_numpy()]
    if ok.empty:
        return frozenset()
    per = ok.groupby("asn").agg(accounts=("user", "nunique"), countries=("country", "nunique"))
    wide = per[(per["accounts"] >= min_accounts) & (per["countries"] >= min_countries)].index
    out = {int(a) for a in wide}
    if "provider_class" in ok.columns:
        egress = ok[ok["provider_class"].isin(EGRESS_CLASSES).to_numpy(dtype=bool)]
        users = egress.groupby("asn")["user"].nunique()
        out |= {int(a) for a in users[users >= min_accounts].index}
    return frozenset(out)
