"""The events query language and the row selection / order it drives (GUI grid and CLI alike)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pyarrow as pa
import pytest

from workbench.events import SCHEMA
from workbench.explore.query import EventIndex, QueryError, around_query, parse, pivot_query, quote, select, with_term

T0 = datetime(2024, 3, 5, 9, 0, tzinfo=timezone.utc)
ROWS = [
    # minute, user, src_ip, country, action, host, user_agent, target_user
    (0, "alice", "203.0.113.7", "RU", "auth.failure", "web-1", "curl/8.0", None),
    (1, "alice", "203.0.113.8", "RU", "auth.success", "web-1", "Mozilla/5.0 Firefox", None),
    (2, "bob", "10.0.0.5", None, "auth.success", "db-2", "Mozilla/5.0 Chrome", None),
    (3, "Alice Smith", "2001:db8::1", "DE", "privilege.change", "web-1", "aws-cli/2.0", "bob"),
    (60 * 24, "carol", "10.1.2.3", None, "auth.failure", "db-2", None, None),
    (60 * 48, None, "198.51.100.1", "US", "api.call", "web-1", "scanner <b>", None),
]


def table() -> pa.Table:
    cols = {name: [] for name in SCHEMA.names}
    for i, (minute, user, ip, country, action, host, agent, target) in enumerate(ROWS):
        row = dict(ts=T0 + timedelta(minutes=minute), source="cloudtrail", file=f"/ev/logs/f{i % 2}.json",
                   ref=f"r{i}", user=user, src_ip=ip, country=country, action=action, host=host,
                   user_agent=agent, target_user=target, outcome="failure" if "failure" in action else "success")
        for name in cols:
            cols[name].append(row.get(name))
    return pa.table(cols, schema=SCHEMA)


@pytest.fixture(scope="module")
def index() -> EventIndex:
    return EventIndex(table())


@pytest.mark.parametrize("query, expected", [
    ("", [0, 1, 2, 3, 4, 5]),
    ("user:alice", [0, 1]),
    ("USER:ALICE", [0, 1]),
    ('user:"alice smith"', [3]),
    ("user:alice*", [0, 1, 3]),
    ("user:?ob", [2]),
    ("user:alice user:bob", [0, 1, 2]),  # the same key: any of them
    ("user:alice country:RU action:auth.failure", [0]),  # different keys: all
    ("-user:alice", [2, 3, 4, 5]),  # a null user is not alice
    ('user:""', [5]),
    ("account:bob", [2, 3]),  # the actor or the target
    ("ip:203.0.113.0/24", [0, 1]),
    ("ip:10.0.0.0/8", [2, 4]),
    ("ip:2001:db8::/32", [3]),
    ("ip:2001:db8::1", [3]),
    ("2001:db8::1", [3]),  # a bare IPv6 address is free text, not an unknown key
    ("host:web-1 -country:RU", [3, 5]),
    ("after:2024-03-05T09:02", [2, 3, 4, 5]),
    ("before:2024-03-05T09:02:00Z", [0, 1]),
    ("after:2024-03-06 before:2024-03-07", [4]),
    ("on:2024-03-07", [5]),
    ("after:2024-03-05T10:01+01:00", [1, 2, 3, 4, 5]),  # 09:01 UTC, inclusive
    ("firefox", [1]),  # free text: substring in any text field, any case
    ('"mozilla/5.0 c"', [2]),
    ('-"mozilla"', [0, 3, 4, 5]),
    ("<b>", [5]),
    ("file:f1.json", [1, 3, 5]),  # the last part of the path is enough
    ("file:/ev/logs/f0.json", [0, 2, 4]),
    ("event:nothing", []),
])
def test_queries(index, query, expected):
    assert index.select(query).tolist() == expected


@pytest.mark.parametrize("query, position, words", [
    ("user:alice usr:bob", 11, "unknown field 'usr'"),
    ('user:"alice', 5, "unclosed quote"),
    ("after:yesterday", 0, "not a time"),
    ("ip:10.0.0.0/33", 0, "not a network"),
    ("alice - bob", 6, "nothing after"),
])
def test_errors_name_the_term(index, query, position, words):
    with pytest.raises(QueryError) as err:
        index.select(query)
    assert words in str(err.value)
    assert err.value.position == position


def test_roundtrip_and_quoting():
    q = parse('-user:"Alice \\"A\\" Smith" ip:1.2.3.4 "two words"')
    assert [(t.key, t.value, t.negate) for t in q.terms] == [
        ("user", 'Alice "A" Smith', True), ("ip", "1.2.3.4", False), (None, "two words", False)]
    again = parse(str(q))
    assert [(t.key, t.value, t.negate) for t in again.terms] == [(t.key, t.value, t.negate) for t in q.terms]
    assert quote("-x") == '"-x"' and quote("") == '""' and quote("a") == "a"


def test_select_with_scope_filters_search_and_window(index):
    assert index.select("", rows=np.array([5, 0, 3])).tolist() == [0, 3, 5]
    assert index.select("host:web-1", rows=np.array([0, 2, 3])).tolist() == [0, 3]
    assert index.select(contains={"user_agent": "MOZ", "host": "db"}).tolist() == [2]
    assert index.select(search="alice web").tolist() == [0, 1, 3]  # every word somewhere
    assert index.select(start=T0 + timedelta(minutes=1), end=T0 + timedelta(minutes=3)).tolist() == [1, 2]


def test_pivots(index):
    assert index.select(pivot_query("user", "Alice Smith")).tolist() == [3]
    assert index.select(pivot_query("src_ip", "10.1.2.3")).tolist() == [4]
    assert index.select(pivot_query("user", None)).tolist() == [5]
    around = around_query(T0 + timedelta(minutes=60 * 24 - 14))
    assert index.select(around).tolist() == [4]
    assert index.select(around_query(T0 + timedelta(minutes=16))).tolist() == [1, 2, 3]  # 09:01 .. 09:31


@pytest.mark.parametrize("column, descending, expected", [
    ("user", False, [0, 1, 3, 2, 4, 5]),  # ignoring case; null last
    ("user", True, [4, 2, 3, 0, 1, 5]),  # null last in both directions; ties keep their order
    ("src_ip", False, [2, 4, 5, 0, 1, 3]),  # by address, not as text; IPv6 after IPv4
    ("ts", True, [5, 4, 3, 2, 1, 0]),
    ("country", False, [3, 0, 1, 5, 2, 4]),
    ("ref", True, [5, 4, 3, 2, 1, 0]),
])
def test_sort(index, column, descending, expected):
    assert index.sort(np.arange(6), column, descending).tolist() == expected


def test_sort_a_subset_and_a_table_out_of_time_order():
    t = table()
    shuffled = t.take(pa.array([3, 0, 5, 1]))
    ix = EventIndex(shuffled)
    assert ix.sort(np.arange(4), "ts").tolist() == [1, 3, 0, 2]
    assert ix.sort(np.array([2, 0]), "ts", descending=True).tolist() == [2, 0]
    assert select(shuffled, "user:alice").tolist() == [1, 3]


def test_large_column_sort_matches_arrow():
    n = 70_000  # more distinct values than one 16-bit radix pass holds
    values = [f"u{(i * 7919) % n:06d}" for i in range(n)]
    t = pa.table({"ts": pa.array(np.arange(n), pa.timestamp("us", "UTC")), "user": values})
    ix = EventIndex(t)
    order = ix.sort(np.arange(n), "user")
    assert [values[i] for i in order] == sorted(values)


def test_with_term_narrows():
    assert with_term("", "user", "alice") == "user:alice"
    assert with_term("user:bob country:RU", "user", "Alice Smith") == 'country:RU user:"Alice Smith"'
    assert with_term("-user:alice host:x", "user", "alice") == "host:x user:alice"
    assert with_term("-user:bob", "user", "alice") == "-user:bob user:alice"
    assert with_term("user:alice", "user", "alice", negate=True) == "-user:alice"


def test_whole_table_orders_are_reused_safely():
    ix = EventIndex(table())
    first = ix.sort(np.arange(6), "user")
    first[:] = -1  # the caller owns what it gets
    assert ix.sort(np.arange(6), "user").tolist() == [0, 1, 3, 2, 4, 5]
    assert ix.sort(np.array([5, 4, 3, 2, 1, 0]), "user").tolist() == [1, 0, 3, 2, 4, 5]  # stable from this order
    ix.warm()
    assert ix.select('"mozilla"').tolist() == [1, 2]
    assert ix.select("user:nobody user:alice").tolist() == [0, 1]  # an all-false term, then OR


def test_value_counts_rarest_first_over_the_rows_given():
    import pyarrow as pa

    from workbench.explore.query import EventIndex

    table = pa.table({"user_agent": ["aws-cli", "aws-cli", "curl", None, "aws-cli", "python", "curl"]})
    index = EventIndex(table)
    assert index.value_counts("user_agent") == [(None, 1), ("python", 1), ("curl", 2), ("aws-cli", 3)]
    assert index.value_counts("user_agent", np.array([0, 2, 6])) == [("aws-cli", 1), ("curl", 2)]
    assert index.value_counts("no_such_column") == []
