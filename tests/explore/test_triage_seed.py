"""The four seed playbooks' questions and escalation criteria, answered from hand-written stories whose right
answers are known: for every question a suspicious and a normal case. The questions are parsed from the shipped
seed files (``workbench.playbooks``); the tests name them only by their position, and fail if a seed file
gains or loses a question."""

from datetime import timedelta

import pytest
from triage_cases import (BROWSER, DAY, RCLONE, answers, finding, seed, signin, ssh, trail, weekdays, write_lines,
                          write_signins, write_trail)

from workbench.explore.triage import MET, NORMAL, NOT_MET, OUTSIDE, SUSPICIOUS, UNKNOWN, assess
from workbench.pipeline import analyze

S, N, U, O = SUSPICIOUS, NORMAL, UNKNOWN, OUTSIDE
HOME, OFFICE, RU, RU2 = "81.2.69.20", "73.162.87.7", "45.155.205.99", "62.76.41.10"


def _with(analysis, *found):
    """The analysis with exactly these findings (their evidence is what every baseline leaves out)."""
    analysis.findings = list(found)
    return analysis


# --- T1021 Remote Services: SSH -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ssh_case(tmp_path_factory, city_db):
    """alice logs on to web-01 from London on weekday mornings for two weeks. On 2024-03-15 at 03:10 five failed
    passwords from RU, then a password logon from RU to web-01 and on to web-02..web-04 (never used); at 10:05 she
    logs on as every day. bob, never seen before, logs on to six hosts at 10:30."""
    lines = [ssh(d + timedelta(hours=9, minutes=m), "web-01", "alice", HOME) for d in weekdays() for m in (0, 40)]
    lines += [ssh(DAY + timedelta(hours=3, minutes=10, seconds=i), "web-01", "alice", RU, ok=False) for i in range(5)]
    lines += [ssh(DAY + timedelta(hours=3, minutes=11), "web-01", "alice", RU, method="password")]
    lines += [ssh(DAY + timedelta(hours=3, minutes=15 + i), f"web-0{i}", "alice", RU) for i in (2, 3, 4)]
    lines += [ssh(DAY + timedelta(hours=10, minutes=5), "web-01", "alice", HOME)]
    lines += [ssh(DAY + timedelta(hours=10, minutes=30 + i), f"db-0{i}", "bob", HOME) for i in range(1, 7)]
    folder = tmp_path_factory.mktemp("ssh")
    write_lines(folder / "auth.log", lines)
    analysis = analyze([folder], geoip_dbs=[city_db])
    bad = finding(analysis, lambda f: (f["user"] == "alice") & (f["src_ip"] == RU), techniques=("T1021",))
    good = finding(analysis, lambda f: (f["user"] == "alice") & (f["ts"] == DAY + timedelta(hours=10, minutes=5)))
    new = finding(analysis, lambda f: f["user"] == "bob", techniques=("T1021",))
    return _with(analysis, bad, good, new), bad, good, new


def test_t1021_remote_services(ssh_case):
    analysis, bad, good, new = ssh_case
    book = seed("T1021")
    assert len(book.questions) == 4 and len(book.escalation) == 2
    # source IP normal?  timing?  failures before the success?  other systems without prior precedence?
    sus, ok = assess(analysis, bad, book), assess(analysis, good, book)
    assert answers(sus) == [S, S, S, S]
    assert answers(ok) == [N, N, N, N]
    origin = sus.questions[0].basis
    assert "RU" in origin and "usual: GB ×20" in origin and "before 2024-03-15 03:10 UTC" in origin
    assert "03h UTC" in sus.questions[1].basis and "09h UTC" in sus.questions[1].basis
    assert "web-02, web-03, web-04" in sus.questions[3].basis
    # the account with no history that logged on to six hosts is not "unknown"
    fresh = assess(analysis, new, book).questions[3]
    assert fresh.answer == S and "6 hosts" in fresh.basis and "no earlier logon" in fresh.basis
    # brute force (met) | known malicious and critical systems are outside the logs; many systems outside patterns
    assert [c.status for c in sus.criteria] == [MET, MET]
    assert [c.status for c in ok.criteria] == [UNKNOWN, NOT_MET]
    assert ok.criteria[0].answer == U and sus.criteria[0].answer == S and ok.criteria[1].answer == N


def test_t1021_baseline_leaves_out_every_findings_evidence(ssh_case):
    """The RU logons are another finding's evidence: the 10:05 logon's usual places do not count them."""
    analysis, bad, good, _ = ssh_case
    basis = assess(analysis, good, seed("T1021")).questions[0].basis
    assert "RU" not in basis.split("this:")[0] and "usual: GB ×20 (20 earlier located events" in basis


# --- T1021.007 Remote Services: Cloud Services (Entra ID sign-ins) --------------------------------------------

@pytest.fixture(scope="module")
def entra_case(tmp_path_factory, city_db):
    """carol signs in interactively (browser, Exchange Online) from London at 09:00 and 13:00 on weekdays. On
    2024-03-15 at 02:40 four failed sign-ins from RU, at 02:50 a non-interactive token sign-in from RU through the
    Azure CLI, and at 03:05 one from London; at 09:00 her usual sign-in."""
    recs = [signin(d + timedelta(hours=h), "carol@contoso.com", HOME) for d in weekdays() for h in (9, 13)]
    recs += [signin(DAY + timedelta(hours=2, minutes=40 + i), "carol@contoso.com", RU, code=50126) for i in range(4)]
    recs += [signin(DAY + timedelta(hours=2, minutes=50), "carol@contoso.com", RU, interactive=False,
                    app="Microsoft Azure CLI", client="Mobile Apps and Desktop clients")]
    recs += [signin(DAY + timedelta(hours=3, minutes=5), "carol@contoso.com", HOME)]
    recs += [signin(DAY + timedelta(hours=9), "carol@contoso.com", HOME)]
    folder = tmp_path_factory.mktemp("entra")
    write_signins(folder / "signins.json", recs)
    analysis = analyze([folder], geoip_dbs=[city_db])
    bad = finding(analysis, lambda f: f["src_ip"] == RU, techniques=("T1021.007",))
    good = finding(analysis, lambda f: f["ts"] == DAY + timedelta(hours=9), techniques=("T1021.007",))
    return _with(analysis, bad, good), bad, good


def test_t1021_007_cloud_services(entra_case):
    analysis, bad, good = entra_case
    book = seed("T1021.007")
    assert len(book.questions) == 4 and len(book.escalation) == 1
    # expected IP / geolocation?  usual hours?  typical token method?  concurrent logins from elsewhere?
    sus, ok = assess(analysis, bad, book), assess(analysis, good, book)
    assert answers(sus) == [S, S, S, S]
    assert answers(ok) == [N, N, N, N]
    method = sus.questions[2].basis
    assert "non_interactive / Microsoft Azure CLI" in method and "usual: interactive / Office 365 Exchange Online ×20" \
        in method
    assert "GB ×1, RU ×1" in sus.questions[3].basis or "RU ×1, GB ×1" in sus.questions[3].basis
    # unknown IP or geolocation, unusual hours, tokens not standard, failures then success: all from the logs
    assert [c.status for c in sus.criteria] == [MET] and [c.status for c in ok.criteria] == [NOT_MET]


# --- T1586.003 Compromise Accounts: Cloud Accounts (CloudTrail) ---------------------------------------------------

def _routine(user, ip, hour):
    out = []
    for d in weekdays():
        t = d + timedelta(hours=hour)
        out.append(trail(t, user, "ConsoleLogin", ip))
        out += [trail(t + timedelta(minutes=5 + i), user, "DescribeInstances", ip) for i in range(2)]
        out += [trail(t + timedelta(minutes=20 + i), user, "GetObject", ip, source="s3.amazonaws.com",
                      params={"bucketName": "acme-reports", "key": f"r/{d:%m%d}-{i}.csv"}, out_bytes=500_000)
                for i in range(2)]
    return out


@pytest.fixture(scope="module")
def cloud_case(tmp_path_factory, city_db):
    """r.patel and m.garcia work from the office (US) at 14:00 on weekdays: console, a few describes, two small
    reports from S3. On 2024-03-15 admin.ops attaches a policy to r.patel at 21:50; from 22:00 r.patel's access key
    downloads 300 objects of 5 MB from RU with rclone. m.garcia works as every day at 14:00."""
    recs = _routine("r.patel", OFFICE, 14) + _routine("m.garcia", OFFICE, 14)
    recs += [trail(DAY + timedelta(hours=21, minutes=50), "admin.ops", "AttachUserPolicy", OFFICE,
                   source="iam.amazonaws.com", params={"userName": "r.patel",
                                                        "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})]
    recs += [trail(DAY + timedelta(hours=22, seconds=6 * i), "r.patel", "GetObject", RU, source="s3.amazonaws.com",
                   ua=RCLONE, key="AKIAPOY4A4YDK6TWO67I", params={"bucketName": "acme-finance", "key": f"x/{i}.csv"},
                   out_bytes=5_000_000) for i in range(300)]
    recs += [trail(DAY + timedelta(hours=14), "m.garcia", "ConsoleLogin", OFFICE)]
    recs += [trail(DAY + timedelta(hours=14, minutes=20 + i), "m.garcia", "GetObject", OFFICE, source="s3.amazonaws.com",
                   params={"bucketName": "acme-reports", "key": f"r/0315-{i}.csv"}, out_bytes=500_000) for i in range(2)]
    folder = tmp_path_factory.mktemp("cloud")
    write_trail(folder / "trail.json", recs)
    analysis = analyze([folder], geoip_dbs=[city_db])
    bad = finding(analysis, lambda f: f["src_ip"] == RU, techniques=("T1586.003",))
    good = finding(analysis, lambda f: (f["user"] == "m.garcia") & (f["ts"] >= DAY), techniques=("T1586.003",))
    return _with(analysis, bad, good), bad, good


def test_t1586_003_cloud_accounts(cloud_case):
    analysis, bad, good = cloud_case
    book = seed("T1586.003")
    assert len(book.questions) == 4 and len(book.escalation) == 2
    # unused devices / locations / IPs?  phishing?  data exfiltration?  recent privilege or role changes?
    sus, ok = assess(analysis, bad, book), assess(analysis, good, book)
    assert answers(sus) == [S, O, S, S]
    assert answers(ok) == [N, O, N, N]
    assert RCLONE in sus.questions[0].basis and "45.155.205.99" in sus.questions[0].basis
    data = sus.questions[2].basis
    assert "usual: at most 2 data reads (1,000,000 bytes) an hour" in data and "300 data reads (1,500,000,000 bytes)" \
        in data
    assert "AttachUserPolicy" in sus.questions[3].basis
    # confirmed unauthorized access / key business accounts: outside the logs; exfiltration or elevated privileges
    assert [c.answer for c in sus.criteria] == [O, S] and [c.status for c in sus.criteria] == [UNKNOWN, MET]
    assert [c.answer for c in ok.criteria] == [O, U]  # no exfiltration; whether it holds elevated rights: unknown
    assert "roles or group memberships" in ok.criteria[1].why


# --- T1098.001 Account Manipulation: Additional Cloud Credentials (CloudTrail) ----------------------------------------

@pytest.fixture(scope="module")
def keys_case(tmp_path_factory, city_db):
    """j.smith works from the office at 14:00; ops.admin at 15:00 and creates access keys for people every Monday and
    Wednesday. On 2024-03-15 at 03:10 j.smith's console login comes from RU (a finding), five describes follow from RU,
    and at 03:22 access keys for svc-backup and support-admin. ops.admin creates one for p.lindqvist at 15:10."""
    recs = _routine("j.smith", OFFICE, 14)
    for d in weekdays():
        recs.append(trail(d + timedelta(hours=15), "ops.admin", "ConsoleLogin", OFFICE))
        recs.append(trail(d + timedelta(hours=15, minutes=2), "ops.admin", "ListUsers", OFFICE, source="iam.amazonaws.com"))
        if d.weekday() in (0, 2):
            recs.append(trail(d + timedelta(hours=15, minutes=10), "ops.admin", "CreateAccessKey", OFFICE,
                              source="iam.amazonaws.com", params={"userName": f"new.hire{d:%d}"}))
    recs += [trail(DAY + timedelta(hours=3, minutes=10), "j.smith", "ConsoleLogin", RU)]
    recs += [trail(DAY + timedelta(hours=3, minutes=12 + i), "j.smith", "DescribeInstances", RU) for i in range(5)]
    recs += [trail(DAY + timedelta(hours=3, minutes=22, seconds=i), "j.smith", "CreateAccessKey", RU,
                   source="iam.amazonaws.com", params={"userName": who}) for i, who in enumerate(("svc-backup",
                                                                                                "support-admin"))]
    recs += [trail(DAY + timedelta(hours=15, minutes=10), "ops.admin", "CreateAccessKey", OFFICE,
                   source="iam.amazonaws.com", params={"userName": "p.lindqvist"})]
    folder = tmp_path_factory.mktemp("keys")
    write_trail(folder / "trail.json", recs)
    analysis = analyze([folder], geoip_dbs=[city_db])
    login = finding(analysis, lambda f: (f["src_ip"] == RU) & (f["event_name"] == "ConsoleLogin"), "new_country",
                    ("T1078.004",), "Sign-in from a new country: j.smith from RU")
    bad = finding(analysis, lambda f: (f["src_ip"] == RU) & (f["event_name"] == "CreateAccessKey"), "new_credentials",
                  ("T1098.001",), users=("j.smith", "svc-backup", "support-admin"))
    good = finding(analysis, lambda f: (f["user"] == "ops.admin") & (f["event_name"] == "CreateAccessKey")
                   & (f["ts"] >= DAY), "new_credentials", ("T1098.001",), users=("ops.admin", "p.lindqvist"))
    return analysis, login, bad, good


def test_t1098_001_additional_cloud_credentials(keys_case):
    analysis, login, bad, good = keys_case
    book = seed("T1098.001")
    assert len(book.questions) == 3 and len(book.escalation) == 3
    # credentials without change requests?  off-hours or unusual place?  a history of suspicious activity?
    sus = assess(_with(analysis, login, bad), bad, book)
    ok = assess(_with(analysis, good), good, book)
    assert answers(sus) == [O, S, S]
    assert answers(ok) == [O, N, N]
    # the attacker's own console login and describes minutes earlier are not the account's usual place or hours
    when = sus.questions[1].basis
    assert "country new for the account: RU" in when and "usual: US ×" in when and "at an unusual hour (03h UTC)" in when
    assert "RU" not in when.split("usual: ")[1].split(";")[0]
    assert "Sign-in from a new country: j.smith from RU" in sus.questions[2].basis
    # unauthorized (outside the logs) | not a thing the account does | several accounts affected
    assert [c.answer for c in sus.criteria] == [O, S, S]
    assert [c.answer for c in ok.criteria] == [O, N, N]
    assert "first time the account does this: CreateAccessKey" in sus.criteria[1].why
    assert "CreateAccessKey ×" in ok.criteria[1].why and "support-admin, svc-backup" in sus.criteria[2].why
