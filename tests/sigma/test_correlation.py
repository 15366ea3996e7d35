"""Sigma correlation rules in the local evaluator: event_count, value_count, temporal and temporal_ordered,
each with the case that holds and the one that does not (too few, too slow, wrong order, other group)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from logs import T0, api_call, write_trail

from workbench.ingest import load
from workbench.sigma import load_rules, run_sigma

HERE = Path(__file__).parent


def _base(name: str, event: str) -> str:
    return (f"title: {name}\nname: {name}\nlogsource:\n    product: aws\n    service: cloudtrail\n"
            f"detection:\n    sel:\n        eventName: {event}\n    condition: sel\n---\n")


def _rules(tmp_path: Path, body: str, *bases: tuple[str, str]) -> Path:
    path = tmp_path / "rule.yml"
    path.write_text("".join(_base(*b) for b in bases) + body)
    return path


def _run(tmp_path: Path, rule: Path, records: list[dict]):
    table = load([write_trail(tmp_path / "t.json", records)]).table
    ruleset = load_rules([rule])
    assert ruleset.errors == []
    return run_sigma(table, ruleset).findings


def _at(user: str, minutes: float, name: str, **params) -> dict:
    return api_call(user, T0 + timedelta(minutes=minutes), "24.5.80.12", name, params or None)


def test_event_count_holds_within_the_timespan_per_group(tmp_path):
    rule = HERE / "rules" / "correlations" / "event_count.yml"  # 3 StopLogging by one ARN within 1 h
    records = [_at("ops", m, "StopLogging") for m in (0, 20, 40)] + [_at("dev", m, "StopLogging") for m in (0, 50, 110)]
    (f,) = _run(tmp_path, rule, records)
    assert f.title == "many stops: userIdentity.arn=arn:aws:iam::111122223333:user/ops"
    assert f.facts["events"] == 3 and f.facts["correlation"] == "event_count" and len(f.evidence) == 3
    assert "event_count: events ≥ 3 within 3600 s" in f.explanation
    # the base rule has no generate: true, so it gives no findings of its own
    assert not any(x.title.startswith("base rule") for x in _run(tmp_path, rule, records))


def test_value_count_counts_distinct_values(tmp_path):
    body = ("title: many users touched\ncorrelation:\n    type: value_count\n    rules: [keys]\n"
            "    group-by: [userIdentity.arn]\n    timespan: 10m\n    condition:\n        field: requestParameters.userName\n"
            "        gte: 3\nlevel: high\ntags: [attack.t1098.001]\n")
    rule = _rules(tmp_path, body, ("keys", "CreateAccessKey"))
    many = [_at("ops", m, "CreateAccessKey", userName=u) for m, u in ((0, "a"), (2, "b"), (4, "a"), (6, "c"))]
    same = [_at("dev", m, "CreateAccessKey", userName="svc") for m in range(5)]
    (f,) = _run(tmp_path, rule, many + same)
    assert f.users == ("ops",) and f.severity == "high" and f.techniques == ("T1098.001",)
    assert "3 distinct requestParameters.userName" in f.explanation and f.facts["events"] == 4


def test_temporal_needs_every_rule_in_the_window_and_ordered_needs_the_order(tmp_path):
    bases = (("made", "CreateUser"), ("keyed", "CreateAccessKey"))
    def body(kind):
        return (f"title: user then key\ncorrelation:\n    type: {kind}\n    rules: [made, keyed]\n"
                "    group-by: [userIdentity.arn]\n    timespan: 5m\n")
    records = ([_at("ops", 0, "CreateUser"), _at("ops", 2, "CreateAccessKey")]  # both, in order
               + [_at("dev", 0, "CreateAccessKey"), _at("dev", 1, "CreateUser")]  # both, key first
               + [_at("qa", 0, "CreateUser"), _at("qa", 9, "CreateAccessKey")])  # too far apart
    temporal = _run(tmp_path, _rules(tmp_path, body("temporal"), *bases), records)
    assert sorted(f.users[0] for f in temporal) == ["dev", "ops"]
    ordered = _run(tmp_path, _rules(tmp_path, body("temporal_ordered"), *bases), records)
    assert [f.users[0] for f in ordered] == ["ops"]


def test_unsupported_correlations_are_listed_not_run(tmp_path):
    body = ("title: summed\ncorrelation:\n    type: value_sum\n    rules: [x]\n    group-by: [userIdentity.arn]\n"
            "    timespan: 5m\n    condition:\n        field: bytes\n        gte: 3\n")
    ruleset = load_rules([_rules(tmp_path, body, ("x", "GetObject"))])
    assert [e.reason for e in ruleset.errors] == ["correlation type value_sum is not supported (only event_count, "
                                                   "value_count, temporal, temporal_ordered)"]
    missing = tmp_path / "missing.yml"
    missing.write_text(body.replace("value_sum", "event_count").replace("[x]", "[elsewhere]"))
    (error,) = load_rules([missing]).errors
    assert "Rule 'elsewhere' not found" in error.reason  # pySigma resolves references within the file


def test_findings_json_lists_correlations_run(tmp_path):
    from workbench.pipeline import analyze

    rule = HERE / "rules" / "correlations" / "event_count.yml"
    trail = write_trail(tmp_path / "t.json", [_at("ops", m, "StopLogging") for m in (0, 1, 2)])
    doc = analyze([trail], geoip_dbs=[], sigma_dirs=[rule]).to_json()
    entry = next(r for r in doc["sigma_rules"] if r["title"] == "many stops")
    assert entry == {"rule_id": None, "title": "many stops", "file": str(rule), "correlation": "event_count",
                     "findings": 1}
    json.dumps(doc)
