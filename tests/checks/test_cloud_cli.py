from datetime import timedelta

from logs import BROWSER, T0, api_call, console_login, entra_signin, write_signins, write_trail

from workbench.pipeline import analyze


def _findings(analysis):
    return [f for f in analysis.findings if f.check == "cloud_cli"]


def _console_user(user, ip, days=10):
    """A console user: a login and a few browser calls a day."""
    out = []
    for d in range(days):
        t = T0 + timedelta(days=d)
        out.append(console_login(user, t, ip))
        for k in range(3):
            rec = api_call(user, t + timedelta(minutes=k + 1), ip, "DescribeInstances")
            rec["userAgent"] = BROWSER
            out.append(rec)
    return out


def test_aws_cli_from_a_new_ip_by_a_console_user(tmp_path):
    records = _console_user("alice", "73.162.10.20")
    t = T0 + timedelta(days=10)
    records += [console_login("alice", t, "45.155.205.99"),
                api_call("alice", t + timedelta(minutes=2), "45.155.205.99", "ListUsers"),
                api_call("alice", t + timedelta(minutes=3), "45.155.205.99", "CreateAccessKey", {"userName": "x"})]
    (f,) = _findings(analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[]))
    assert len(f.evidence) == 2 and f.ips == ("45.155.205.99",)
    assert "ListUsers, CreateAccessKey" in f.explanation and "aws-cli/2.15.10" in f.explanation
    assert "45.155.205.99 first seen for it less than 24 h before" in f.explanation


def test_azure_powershell_sign_in_by_an_entra_user(tmp_path):
    records = [entra_signin("bob@contoso.com", T0 + timedelta(hours=8 * i), "81.2.69.160") for i in range(25)]
    records.append(entra_signin("bob@contoso.com", T0 + timedelta(days=9), "177.37.10.20", app="Azure PowerShell"))
    (f,) = _findings(analyze([write_signins(tmp_path / "s.json", records)], geoip_dbs=[]))
    assert f.users == ("bob@contoso.com",) and "Azure PowerShell" in f.explanation


def test_developers_and_automation_using_their_usual_cli_are_not_reported(tmp_path):
    records = [api_call("ci-deploy", T0 + timedelta(hours=h), "52.94.76.1", "GetCallerIdentity") for h in range(100)]
    dev = _console_user("dev", "24.5.80.12")
    dev.append(api_call("dev", T0 + timedelta(hours=2), "24.5.80.12", "DescribeInstances"))  # CLI from day one
    dev.append(api_call("dev", T0 + timedelta(days=8), "24.5.80.12", "DescribeInstances"))
    records += dev
    assert _findings(analyze([write_trail(tmp_path / "trail.json", records)], geoip_dbs=[])) == []


def _first_cli_day(user, ip, day):
    t = T0 + timedelta(days=day, hours=1)
    return [api_call(user, t + timedelta(minutes=k), ip, "DescribeInstances") for k in range(3)]


def test_first_cli_use_is_reported_once_and_a_habit_taken_up_from_the_usual_ip_is_not_reported_again(tmp_path):
    one_off = _console_user("erin", "73.162.10.20", days=12) + _first_cli_day("erin", "73.162.10.20", 9)
    (f,) = _findings(analyze([write_trail(tmp_path / "a.json", one_off)], geoip_dbs=[]))
    assert f.users == ("erin",) and "its first use of one" in f.explanation and len(f.evidence) == 3
    habit = _console_user("frank", "73.162.10.20", days=14)
    for day in (8, 9, 10, 12, 13):  # a developer who took up the CLI: five days of use from the usual IP
        habit += _first_cli_day("frank", "73.162.10.20", day)
    # the first day is a first use (what came after cannot excuse it); from the usual IP it then counts as habit
    (f,) = _findings(analyze([write_trail(tmp_path / "b.json", habit)], geoip_dbs=[]))
    assert f.users == ("frank",) and f.first_seen.day == 12 and f.facts["cli_days"] == 0


def test_an_attackers_cli_on_three_days_never_becomes_the_habit(tmp_path):
    """The account's CLI from a new address on days 8, 9 and 10: each day is judged on the days before it,
    and days already reported do not count as habit, so all three are reported."""
    records = _console_user("gina", "73.162.10.20", days=12)
    for day in (8, 9, 10):
        records += _first_cli_day("gina", "45.155.205.99", day)
    found = _findings(analyze([write_trail(tmp_path / "c.json", records)], geoip_dbs=[]))
    assert [f.first_seen.day for f in found] == [12, 13, 14]
    assert [f.facts["cli_days"] for f in found] == [0, 0, 0] and all(f.ips == ("45.155.205.99",) for f in found)
    assert "not counting 1 day(s) of use already reported" in found[1].explanation


def test_gcloud_from_a_new_ip_by_a_console_user(tmp_path):
    from sources import GCLOUD_UA, gcp_entry, write_gcp
    entries = [gcp_entry("ops@acme.example", T0 + timedelta(days=d, minutes=m), "24.5.80.12", "storage.objects.get")
               for d in range(10) for m in (0, 20, 40)]
    t = T0 + timedelta(days=10)
    entries += [gcp_entry("ops@acme.example", t + timedelta(minutes=m), "45.155.205.99", "storage.objects.get",
                          ua=GCLOUD_UA) for m in range(3)]
    (f,) = _findings(analyze([write_gcp(tmp_path / "gcp.json", entries)], geoip_dbs=[]))
    assert f.users == ("ops@acme.example",) and len(f.evidence) == 3 and "gcloud/467.0.0" in f.explanation


def test_a_new_ip_on_the_logs_first_days_is_not_new_and_a_busy_session_does_not_make_a_cli_user_rare(tmp_path):
    records = _console_user("gina", "73.162.10.20", days=12)
    for k in range(20):  # a busy first morning in the console
        rec = api_call("gina", T0 + timedelta(minutes=10 + k), "73.162.10.20", "DescribeInstances")
        rec["userAgent"] = BROWSER
        records.append(rec)
    # day 2: the CLI from a second address, seen first that morning: a day of history cannot call it new
    records += [api_call("gina", T0 + timedelta(days=1, hours=3, minutes=k), "24.5.80.12", "DescribeInstances")
                for k in range(3)]
    # a developer on the CLI 6 days of 12, and one day of 500 console calls that would drown the CLI share
    dev = _console_user("hal", "73.162.10.20", days=12)
    for d in (1, 3, 5, 7, 9, 11):
        dev += _first_cli_day("hal", f"24.5.80.{d}", d)
    for k in range(500):
        rec = api_call("hal", T0 + timedelta(days=4, seconds=5 * k), "73.162.10.20", "GetObject")
        rec["userAgent"] = BROWSER
        dev.append(rec)
    assert _findings(analyze([write_trail(tmp_path / "t.json", records + dev)], geoip_dbs=[])) == []
