from datetime import timedelta

from logs import T0, api_call, console_login, write_trail

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "sensitive_actions"]


def test_first_sensitive_action_after_weeks_of_ordinary_work(tmp_path):
    records = [console_login("ops", T0 + timedelta(days=d), "24.5.80.12") for d in range(10)]
    t = T0 + timedelta(days=10)
    records += [api_call("ops", t, "24.5.80.12", "ScheduleKeyDeletion", {"keyId": "k-1", "pendingWindowInDays": 7}),
                api_call("ops", t + timedelta(minutes=2), "24.5.80.12", "CreateUser", {"userName": "tmp"}),
                api_call("ops", t + timedelta(days=1), "24.5.80.12", "CreateUser", {"userName": "x"})]  # not first
    (f,) = _findings(analyze([write_trail(tmp_path / "t.json", records)], geoip_dbs=[]))
    assert f.facts["actions"] == ["ScheduleKeyDeletion", "CreateUser"] and len(f.evidence) == 2
    assert "never performed in the logs since 2024-03-04 15:00:00 UTC" in f.explanation


def test_log_tampering_is_left_to_the_catalogue_which_needs_no_history(tmp_path):
    records = [api_call("ops", T0, "24.5.80.12", "StopLogging", {"name": "org-trail"}),
               api_call("ops", T0 + timedelta(minutes=2), "24.5.80.12", "DeleteTrail", {"name": "org-trail"})]
    analysis = analyze([write_trail(tmp_path / "t.json", records)], geoip_dbs=[])
    assert _findings(analysis) == []
    caught = sorted(f.facts["catalogue"] for f in analysis.findings if f.check == "cloud_catalogue")
    assert caught == ["aws.defense-evasion.cloudtrail-delete", "aws.defense-evasion.cloudtrail-stop"]


def test_new_accounts_and_failed_attempts_are_not_reported(tmp_path):
    records = [api_call("fresh", T0, "24.5.80.12", "CreateUser", {"userName": "x"}),  # no history yet
               console_login("old", T0, "24.5.80.12"),
               api_call("old", T0 + timedelta(days=9), "24.5.80.12", "DeleteTrail", {"name": "t"}, error="AccessDenied")]
    assert _findings(analyze([write_trail(tmp_path / "t.json", records)], geoip_dbs=[])) == []


def test_google_cloud_log_sink_changed_by_a_seasoned_account(tmp_path):
    from sources import gcp_entry, write_gcp
    entries = [gcp_entry("dev@acme.example", T0 + timedelta(days=d, hours=h), "24.5.80.12", "storage.objects.get")
               for d in range(8) for h in (1, 5)]
    sink = dict(service="logging.googleapis.com", resource="projects/acme-prod/sinks/audit-export")
    entries.append(gcp_entry("dev@acme.example", T0 + timedelta(days=9), "24.5.80.12",
                             "google.logging.v2.ConfigServiceV2.UpdateSink", **sink))  # a filter change, not disabled
    entries.append(gcp_entry("new@acme.example", T0 + timedelta(days=9), "24.5.80.12",  # no history: not reported
                             "google.logging.v2.ConfigServiceV2.UpdateSink", **sink))
    entries.append(gcp_entry("dev@acme.example", T0 + timedelta(days=9, hours=2), "24.5.80.12",  # denied: no
                             "google.logging.v2.ConfigServiceV2.UpdateSink", code=7, **sink))
    (f,) = _findings(analyze([write_gcp(tmp_path / "gcp.json", entries)], geoip_dbs=[]))
    assert f.users == ("dev@acme.example",) and f.facts["actions"] == ["google.logging.v2.ConfigServiceV2.UpdateSink"]
    assert f.hosts == ("acme-prod",)
