import csv
import gzip
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import workbench.ingest.workspace as workspace  # registers
from workbench.ingest import load
from workbench.evidence.files import expand
from workbench.events import raw_record

UTC = timezone.utc
LOGIN_REFS = ["-2481593432856396783", "6512887320081265511", "-7019883451270004412#1", "-7019883451270004412#2",
              "3307645123498716220", "-1122334455667788990", "5566778899001122334"]
OWN_DIRS = {"azure", "gcp", "workspace", "s3"}


def _page(data_dir, name="login_activities.json"):
    return json.loads((data_dir / "workspace" / name).read_text())


def _variant(kind, data_dir, tmp_path):
    page = _page(data_dir)
    if kind == "page":
        return data_dir / "workspace" / "login_activities.json"
    if kind == "pages_jsonl":  # one page per line, as a paging script saves them
        first, second = dict(page, items=page["items"][:4]), dict(page, items=page["items"][4:])
        path = tmp_path / "login.jsonl"
        path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    elif kind == "array":  # the activities alone
        path = tmp_path / "login.json"
        path.write_text(json.dumps(page["items"], indent=1))
    elif kind == "gz":
        path = tmp_path / "login.json.gz"
        path.write_bytes(gzip.compress(json.dumps(page).encode()))
    return path


@pytest.mark.parametrize("kind", ["page", "pages_jsonl", "array", "gz"])
def test_login_activities(kind, data_dir, tmp_path):
    result = load([_variant(kind, data_dir, tmp_path)])
    (info,) = result.inputs
    assert info.format == "workspace" and info.events == 7
    assert info.bad_records == 1 and "no usable id.time" in info.errors[0]
    t = result.table.to_pydict()
    # one event per (activity, event); "#n" only where an activity holds several
    assert t["ref"] == LOGIN_REFS
    assert t["ts"][0] == datetime(2024, 3, 16, 7, 55, 12, 417000, tzinfo=UTC)
    assert t["event_name"] == ["login_success", "login_failure", "login_challenge", "suspicious_login",
                               "login_verification", "account_disabled_password_leak", "logout"]
    # a failed challenge is a failed sign-in; a passed one is not a sign-in (the login_success is)
    assert t["action"] == ["auth.success", "auth.failure", "auth.failure", "other", "other", "other", "session.end"]
    assert t["outcome"] == ["success", "failure", "failure", "unknown", "success", "unknown", "success"]
    assert t["user"] == ["alice@acme.example", "bob@acme.example", "bob@acme.example", "bob@acme.example",
                         "alice@acme.example", "carol@acme.example", "alice@acme.example"]  # lower case
    assert t["target_user"][3] == "bob@acme.example" and t["target_user"][5] == "carol@acme.example"
    assert t["src_ip"] == ["81.2.69.10", "45.155.205.99", "45.155.205.99", "45.155.205.99", "81.2.69.10", None,
                           "81.2.69.10"]
    assert t["log_country"] == ["GB", "RU", "RU", "RU", "GB", None, "GB"]  # networkInfo.regionCode
    assert set(t["host"]) == {"C03az79cb"}
    # raw: the whole activity (kept as text, or read back from the file)
    assert json.loads(raw_record(result.table, 2))["id"]["uniqueQualifier"] == "-7019883451270004412"


def test_admin_activities(data_dir):
    result = load([data_dir / "workspace" / "admin_activities.json"])
    (info,) = result.inputs
    assert info.format == "workspace" and info.events == 5 and info.complete
    t = result.table.to_pydict()
    assert t["ref"] == ["-4455667788990011223#1", "-4455667788990011223#2", "7788990011223344556",
                        "-3344556677889900112", "1029384756102938475"]
    assert t["event_name"] == ["CREATE_USER", "CHANGE_PASSWORD", "GRANT_ADMIN_PRIVILEGE", "ASSIGN_ROLE",
                               "CHANGE_APPLICATION_SETTING"]
    assert t["action"] == ["account.create", "credential.change", "privilege.change", "privilege.change", "api.call"]
    assert t["outcome"] == ["success"] * 5
    assert t["target_user"] == ["svc-sync@acme.example"] * 3 + ["bob@acme.example", None]
    assert set(t["user"]) == {"alice@acme.example"} and set(t["src_ip"]) == {"45.155.205.99"}


def test_token_activities_as_json_lines(data_dir):
    result = load([data_dir / "workspace" / "token_activities.jsonl"])
    (info,) = result.inputs
    assert info.format == "workspace" and info.events == 2
    assert info.bad_records == 1 and info.errors[0].startswith("line 2: invalid JSON")
    t = result.table.to_pydict()
    assert t["event_name"] == ["authorize", "activity"]
    assert t["action"] == ["credential.create", "api.call"]  # an OAuth grant is a new credential for the app
    assert t["client_app"] == ["Mail Backup Pro", "Mail Backup Pro"]
    assert t["ts"][1] == datetime(2024, 3, 16, 8, 16, 40, tzinfo=UTC)


def test_admin_console_login_audit_csv(data_dir):
    result = load([data_dir / "workspace" / "login_audit.csv"])
    (info,) = result.inputs
    assert info.format == "workspace" and info.events == 6
    assert info.bad_records == 1 and info.errors[0].startswith("line 8: ")  # a cut-off row
    assert info.notes == ()  # every Date carries its offset
    t = result.table.to_pydict()
    assert t["ref"] == [f"line {n}" for n in range(2, 8)]  # the export has no record id
    assert t["ts"][0] == datetime(2024, 3, 16, 7, 55, 12, tzinfo=UTC)  # 08:55:12+01:00
    assert t["event_name"] == ["login_success", "login_failure", "login_challenge", "suspicious_login",
                               "login_verification", "logout"]
    assert t["action"] == ["auth.success", "auth.failure", "auth.failure", "other", "other", "session.end"]
    assert t["outcome"] == ["success", "failure", "failure", "unknown", "success", "success"]
    assert t["user"][1] == "bob@acme.example"
    assert t["src_ip"] == ["81.2.69.10", "45.155.205.99", "45.155.205.99", "45.155.205.99", "81.2.69.10", None]
    assert json.loads(t["raw"][0])["Login Type"] == "Google Password"


def test_audit_and_investigation_columns_and_zoneless_dates(tmp_path):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["Date", "Event", "Description", "Actor", "IP address", "Login type"])
    w.writerow(["Mar 16, 2024, 8:55:12 AM GMT+1", "Successful login", "alice@acme.example logged in",
                "alice@acme.example", "81.2.69.10", "Google Password"])
    w.writerow(["2024-03-16 09:01:03", "Failed login", "bob@acme.example failed to login", "bob@acme.example",
                "45.155.205.99", "Google Password"])
    path = tmp_path / "user_log_events.csv"
    path.write_text(out.getvalue())
    result = load([path])
    (info,) = result.inputs
    assert info.format == "workspace" and info.events == 2 and info.complete
    assert info.notes == ("1 Date values carry no time zone (the exporting browser's zone): taken as UTC",)
    t = result.table.to_pydict()
    assert t["ts"] == [datetime(2024, 3, 16, 7, 55, 12, tzinfo=UTC), datetime(2024, 3, 16, 9, 1, 3, tzinfo=UTC)]
    assert t["action"] == ["auth.success", "auth.failure"]


def test_challenge_status_decides():
    action = workspace.event_action
    assert action("login_challenge", "login", "Challenge Failed.") == ("auth.failure", "failure")
    assert action("login_verification", "login", "passed") == ("other", "success")
    assert action("login_challenge", "login", None) == ("other", "unknown")
    assert action("some_new_login_event", "login") == ("other", "unknown")
    assert action("CHANGE_APPLICATION_SETTING", "admin") == ("api.call", "success")


def test_other_formats_are_not_claimed(data_dir):
    result = load([data_dir / "cloudtrail" / "records.json", data_dir / "authlog" / "auth.log"], year=2024)
    assert [i.format for i in result.inputs] == ["cloudtrail", "authlog"]
    for ev in expand([data_dir]):
        if Path(ev.path).parent.name not in OWN_DIRS | {"data"}:
            assert not workspace._sniff(ev.head()), ev.display
