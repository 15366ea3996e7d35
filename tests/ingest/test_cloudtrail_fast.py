"""The CloudTrail fast path: per-batch columns equal the per-record mapping; offsets of records placed
by arithmetic are exact, and irregular spacing falls back to searching."""

import json
import random

import pytest

from workbench.ingest import cloudtrail as ct
from workbench.ingest import load
from workbench.events import raw_record


def test_batch_columns_equal_the_record_mapping():
    rng = random.Random(7)
    idents = [None, ct._Identity(type="Root"), ct._Identity(type="IAMUser", userName="bob"),
              ct._Identity(type="AssumedRole", arn="arn:aws:sts::111122223333:assumed-role/Admin/eve"),
              ct._Identity(type="AWSService", invokedBy="ec2.amazonaws.com"), ct._Identity(principalId="AIDAEXAMPLE")]
    records = [ct._Record(
        eventTime="2024-03-05T10:00:00Z", eventID=rng.choice([None, f"id-{i}"]),
        eventName=rng.choice([None, "ConsoleLogin", "CreateAccessKey", "GetObject", "AttachUserPolicy"]),
        userIdentity=rng.choice(idents), sourceIPAddress=rng.choice([None, "203.0.113.9", "ec2.amazonaws.com",
                                                                    "2001:db8::1", "198.51.100.4:443"]),
        errorCode=rng.choice([None, "", "AccessDenied"]),
        responseElements=rng.choice([None, ct._Response("Success"), ct._Response("Failure"), ct._Response(None)]),
        requestParameters=rng.choice([None, ct._Params("mallory")]), recipientAccountId="111122223333",
        userAgent="aws-cli/2.15.0") for i in range(2000)]
    slow, fast = ct._columns(records), ct._fast_columns(records)
    assert set(slow) == set(fast)
    for name, values in slow.items():
        got = fast[name].to_pylist() if hasattr(fast[name], "to_pylist") else fast[name]
        assert got == values, name


@pytest.mark.parametrize("separators", [[","] * 5, [",\n", ", ", ",", ",\n  ", ","]])
def test_raw_offsets_are_exact_with_even_and_uneven_spacing(data_dir, tmp_path, separators):
    records = json.loads((data_dir / "cloudtrail" / "records.json").read_text())["Records"]
    texts = [json.dumps(r, separators=(",", ":")) for r in records]
    body = texts[0] + "".join(sep + text for sep, text in zip(separators, texts[1:]))
    path = tmp_path / "trail.json"
    path.write_text('{"Records":[' + body + "]}")
    table = load([path]).table
    assert table.num_rows == len(records)
    by_id = {r["eventID"]: r for r in records}
    for row in range(table.num_rows):
        assert json.loads(raw_record(table, row)) == by_id[table.column("ref")[row].as_py()]


def test_line_spans_equal_split_and_strip():
    from workbench.ingest.jsonio import line_spans

    rng = random.Random(3)
    pieces = [b"", b"  ", b"\t{\"a\": 1}\r", b"{\"b\": 2}", b" " * 40 + b"x" + b"\r\n" * 12, b"\x0b\x0c", b"y"]
    for _ in range(200):
        data = b"\n".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))
        expect = [(i, line.strip()) for i, line in enumerate(data.split(b"\n")) if line.strip()]
        starts, ends, numbers = line_spans(data)
        assert [(int(n), data[a:b]) for a, b, n in zip(starts, ends, numbers)] == expect


def test_json_lines_block_with_a_bad_line_keeps_the_others_and_names_it(tmp_path):
    """Two records on one line, a line that is not JSON, a record without an eventID: the block falls back to
    line by line; the good records load with exact offsets, the bad lines are named by number."""
    good = [{"eventVersion": "1.08", "eventTime": f"2024-03-05T10:00:0{i}Z", "eventName": "GetObject",
             "eventID": f"id-{i}",
             "sourceIPAddress": "203.0.113.9"} for i in range(3)]
    lines = [json.dumps(good[0]), json.dumps(good[1]) + " " + json.dumps(good[1]), "  " + json.dumps(good[2]),
             "not json", json.dumps({"eventTime": "2024-03-05T10:00:09Z", "eventName": "ListBuckets"}), ""]
    path = tmp_path / "trail.jsonl"
    path.write_text("\n".join(lines))
    result = load([path])
    table = result.table.sort_by("ts")
    assert table.column("ref").to_pylist() == ["id-0", "id-2", "line 5"]
    assert [json.loads(raw_record(table, i))["eventName"] for i in range(3)] == ["GetObject", "GetObject", "ListBuckets"]
    errors = [e for i in result.inputs for e in i.errors]
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 4"]
