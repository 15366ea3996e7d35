"""The shared baseline: history strictly before the reference time, excluded rows never count, peers
answer for a thin account."""

import numpy as np
import pandas as pd

from workbench.checks.baseline import ACCOUNT, NONE, PEERS, basis_text, peer_groups, prior


def _frame():
    return pd.DataFrame({
        "ts": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-03", "2024-01-04", "2024-01-05"],
                             utc=True),
        "user": ["a", "a", "b", "a", "b", "c"], "host": ["h1", "h2", "h1", "h3", "h3", None], "source": "authlog"})


def test_own_history_then_peers():
    p = prior(_frame(), "user", "host", peer="source", min_history=2)
    assert p.history.tolist() == [0, 1, 0, 2, 1, 0]
    assert p.basis.tolist() == [NONE, NONE, PEERS, ACCOUNT, PEERS, PEERS]
    assert p.peer_entities.tolist() == [0, 0, 1, 0, 1, 0]  # b's h1 and h3: a reached them first
    assert p.new.tolist() == [False, False, False, True, False, False]  # no host: never "new"


def test_reference_time_and_exclusion():
    f = _frame()
    # a's h3 judged as of the start of a window on Jan 1: nothing before it
    at = f["ts"].copy()
    at.iloc[3] = pd.Timestamp("2024-01-01", tz="UTC")
    p = prior(f, "user", "host", at=at, min_history=1)
    assert p.history[3] == 0 and p.basis[3] == NONE
    # a flagged row (a's h2) is never history
    p = prior(f, "user", "host", exclude=np.array([0, 1, 0, 0, 0, 0], bool), min_history=1)
    assert p.history.tolist() == [0, 1, 0, 1, 1, 0]
    seen_again = pd.concat([f, f.iloc[[1]].assign(ts=pd.Timestamp("2024-01-06", tz="UTC"))], ignore_index=True)
    p = prior(seen_again, "user", "host", exclude=np.array([0, 1, 0, 0, 0, 0, 0], bool))
    assert not p.seen[6]  # h2 only ever appeared in an excluded row


def test_peer_groups_and_text():
    f = pd.DataFrame({"user": ["svc-backup", "WS01$", "j.doe"], "source": ["evtx"] * 3})
    assert peer_groups(f, [r"^svc[._-]"]).tolist() == ["service@evtx", "computer@evtx", "person@evtx"]
    assert basis_text(PEERS, 1, 0.5, 12, 3, "this host") == (
        "the account's own history is thin (1 earlier events), so measured against its 12 peers: 3 of them had "
        "this host before")
