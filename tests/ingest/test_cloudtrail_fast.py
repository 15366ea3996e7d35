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
