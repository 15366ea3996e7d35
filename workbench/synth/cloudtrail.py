"""Synthetic AWS CloudTrail (S3 delivery shape) for account 111122223333.

Benign baseline: weekday console sessions (ConsoleLogin, then read-only calls from the same IP and
browser), a few password typos, aws-cli use by two developers, an hourly automation user, and one
legitimate onboarding (CreateUser + CreateAccessKey by admin.ops). Injected: a console brute force
on j.smith from Russia followed by IAM persistence, a sign-in of m.garcia from Brazil, and r.patel's
stolen access key downloading a bucket in bulk one evening.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any, Callable

import orjson

from .people import (ACCOUNT_ID, Person, at, aws_id, iam_date, iso, local_to_utc, new_uuid,
                     weekday_on_or_before)

FILE = "cloudtrail.json"
LOGIN_TO = "https://console.aws.amazon.com/console/home"
CLI_UA = "aws-cli/2.15.10 Python/3.11.6 {os} exe/x86_64{dist} prompt/off command/{cmd}"
BOTO_UA = ("Boto3/1.34.34 md/Botocore#1.34.34 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 "
           "md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.34")
ATTACK_BROWSER = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "HeadlessChrome/121.0.6167.85 Safari/537.36")
ATTACK_CLI = ("aws-cli/2.13.5 Python/3.11.4 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023 "
              "prompt/off command/{cmd}")
ATTACK_IP, ATTACK_IP2, BRAZIL_IP, EXFIL_IP = "45.155.205.99", "62.76.41.10", "177.37.10.20", "5.188.62.140"
BUCKETS = ("acme-reports", "acme-app-assets", "acme-finance-exports")
GLOBAL = {"iam.amazonaws.com", "sts.amazonaws.com", "signin.amazonaws.com"}

# (eventSource, eventName, weight, aws-cli command)
READS: tuple[tuple[str, str, int, str], ...] = (
    ("ec2.amazonaws.com", "DescribeInstances", 30, "ec2.describe-instances"),
    ("ec2.amazonaws.com", "DescribeSecurityGroups", 10, "ec2.describe-security-groups"),
    ("ec2.amazonaws.com", "DescribeVpcs", 4, "ec2.describe-vpcs"),
    ("s3.amazonaws.com", "ListBuckets", 12, "s3.ls"),
    ("s3.amazonaws.com", "GetObject", 12, "s3.cp"),
    ("sts.amazonaws.com", "GetCallerIdentity", 6, "sts.get-caller-identity"),
    ("iam.amazonaws.com", "ListUsers", 5, "iam.list-users"),
    ("monitoring.amazonaws.com", "DescribeAlarms", 6, "cloudwatch.describe-alarms"),
    ("logs.amazonaws.com", "DescribeLogGroups", 5, "logs.describe-log-groups"),
)
_PARAMS: dict[str, Callable[[random.Random], dict[str, Any] | None]] = {
    "DescribeInstances": lambda r: {"instancesSet": {}, "filterSet": {}},
    "DescribeSecurityGroups": lambda r: {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}},
    "DescribeVpcs": lambda r: {"vpcSet": {}, "filterSet": {}},
    "ListBuckets": lambda r: {"Host": "s3.amazonaws.com"},
    "DescribeAlarms": lambda r: {"maxRecords": 100},
    "DescribeLogGroups": lambda r: {"limit": 50},
}


class Trail:
    """Collects records with a creation sequence number so equal eventTimes keep causal order."""

    def __init__(self, rng: random.Random, scale: float) -> None:
        self.rng, self.scale = rng, scale
        self.rows: list[tuple[datetime, int, dict[str, Any]]] = []

    def scaled(self, n: float) -> int:
        """``n`` times the scale, randomly rounded, at least 1."""
        x = n * self.scale
        return max(1, int(x) + (self.rng.random() < x - int(x)))

    def add(self, ts: datetime, who: Person, source: str, name: str, ip: str, ua: str, *,
            key: str = "", session: datetime | None = None, mfa: bool = False, region: str = "us-east-1",
            params: dict[str, Any] | None = None, response: dict[str, Any] | None = None,
            read_only: bool = True, extra: dict[str, Any] | None = None, error: str | None = None,
            ) -> dict[str, Any]:
        """Append one record; ``session`` (the console sign-in time) adds sessionContext."""
        rng, ts = self.rng, ts.replace(microsecond=0)
        ident: dict[str, Any] = {"type": "IAMUser", "principalId": who.principal_id, "arn": who.arn,
                                 "accountId": ACCOUNT_ID, "accessKeyId": key, "userName": who.name}
        if session is not None:
            ident["sessionContext"] = {"sessionIssuer": {}, "webIdFederationData": {}, "attributes": {
                "creationDate": iso(session), "mfaAuthenticated": "true" if mfa else "false"}}
        rec: dict[str, Any] = {"eventVersion": "1.08", "userIdentity": ident, "eventTime": iso(ts),
                               "eventSource": source, "eventName": name,
                               "awsRegion": "us-east-1" if source in GLOBAL else region,
                               "sourceIPAddress": ip, "userAgent": ua}
        if error:
            rec["errorMessage"] = error
        rec["requestParameters"] = params
        rec["responseElements"] = response
        if extra:
            rec["additionalEventData"] = extra
        s3 = source == "s3.amazonaws.com"
        rec["requestID"] = "%016X" % rng.getrandbits(64) if s3 else new_uuid(rng)
        rec["eventID"] = new_uuid(rng)
        rec["readOnly"] = read_only
        data = name == "GetObject"  # an S3 object read is a data event, not a management event
        if data and params:
            rec["resources"] = [
                {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{params['bucketName']}/{params['key']}"},
                {"accountId": ACCOUNT_ID, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{params['bucketName']}"}]
        rec["eventType"] = "AwsConsoleSignIn" if name == "ConsoleLogin" else "AwsApiCall"
        rec["managementEvent"] = not data
        rec["recipientAccountId"] = ACCOUNT_ID
        rec["eventCategory"] = "Data" if data else "Management"
        if session is not None and name != "ConsoleLogin":
            rec["sessionCredentialFromConsole"] = "true"
        self.rows.append((ts, len(self.rows), rec))
        return rec

    def login(self, ts: datetime, who: Person, ip: str, ua: str, ok: bool, mfa: bool) -> dict[str, Any]:
        extra = {"LoginTo": LOGIN_TO, "MobileVersion": "No", "MFAUsed": "Yes" if ok and mfa else "No"}
        return self.add(ts, who, "signin.amazonaws.com", "ConsoleLogin", ip, ua, read_only=False,
                        response={"ConsoleLogin": "Success" if ok else "Failure"}, extra=extra,
                        error=None if ok else "Failed authentication")

    def read(self, ts: datetime, who: Person, ip: str, ua: str, pick: tuple[str, str, int, str],
             **kw: Any) -> dict[str, Any]:
        """One read-only call; S3 object reads get their bucket/key and transfer details."""
        source, name, _, _ = pick
        rng, extra = self.rng, None
        params = _PARAMS[name](rng) if name in _PARAMS else None
        if name == "GetObject":
            bucket = rng.choice(BUCKETS)
            region = kw.get("region", "us-east-1")
            params = {"bucketName": bucket, "Host": f"{bucket}.s3.{region}.amazonaws.com",
                      "key": f"{rng.choice(('reports', 'exports', 'static'))}/{ts:%Y/%m}/"
                             f"{rng.choice(('daily', 'summary', 'usage', 'index'))}-{rng.randint(1, 99):02d}.csv"}
            extra = {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
                     "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader",
                     "bytesTransferredOut": rng.randint(2_000, 900_000)}
        return self.add(ts, who, source, name, ip, ua, params=params, extra=extra, **kw)

    def pick(self) -> tuple[str, str, int, str]:
        return self.rng.choices(READS, weights=[w for _, _, w, _ in READS])[0]

    def console_session(self, t: datetime, who: Person, ip: str, calls: int, *, ua: str | None = None,
                        typo: bool = False) -> tuple[dict[str, Any], datetime]:
        """A sign-in (optionally after one typo a minute earlier) and ``calls`` reads; returns the
        sign-in record and the time of the last call."""
        rng, ua = self.rng, ua or who.browser
        if typo:
            self.login(t - timedelta(seconds=rng.randint(45, 80)), who, ip, ua, ok=False, mfa=False)
        rec = self.login(t, who, ip, ua, ok=True, mfa=who.mfa)
        key = aws_id(rng, "ASIA")
        for _ in range(calls):
            t += timedelta(seconds=rng.randint(3, 200))
            self.read(t, who, ip, ua, self.pick(), key=key, session=rec_time(rec), mfa=who.mfa,
                      region=who.region)
        return rec, t


def rec_time(rec: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(rec["eventTime"].replace("Z", "+00:00"))


def _span(recs: list[dict[str, Any]]) -> dict[str, Any]:
    times = [r["eventTime"] for r in recs]
    return {"first_seen": min(times), "last_seen": max(times), "file": FILE, "refs": [r["eventID"] for r in recs]}


def _baseline(tr: Trail, cast: list[Person], start: date, days: int, skip: dict[str, date]) -> None:
    rng = tr.rng
    for i in range(days):
        day = start + timedelta(days=i)
        for who in cast:
            if who.automation:
                for hour in range(24):
                    t = at(day, hour, 5, rng.randint(0, 50))
                    picks = [READS[5]] + [rng.choice((READS[0], READS[4], READS[0])) for _ in range(tr.scaled(1.5))]
                    for p in picks:
                        t += timedelta(seconds=rng.randint(1, 6))
                        tr.read(t, who, who.ips[0], BOTO_UA, p, key=who.access_key)
                continue
            if day.weekday() >= 5 or skip.get(who.name) == day or rng.random() < 0.04:
                continue
            ip = rng.choice(who.ips)
            logins = [who.start_hour + rng.uniform(0, 1.5)]
            if rng.random() < 0.35:
                logins.append(13.0 + rng.uniform(0, 3.5))
            for hours in logins:
                t = local_to_utc(who.zone, day, hours)
                tr.console_session(t, who, ip, tr.scaled(int(rng.triangular(5, 40, 10))),
                                   typo=rng.random() < 0.05)
            if who.cli and rng.random() < 0.6:
                osname, dist = ("Darwin/23.3.0", "") if who.name == "a.chen" else ("Linux/5.15.0", ".ubuntu.22")
                for _ in range(rng.randint(1, 3)):
                    t = local_to_utc(who.zone, day, rng.uniform(10.0, 17.0))
                    for _ in range(tr.scaled(rng.randint(2, 8))):
                        t += timedelta(seconds=rng.randint(1, 40))
                        p = tr.pick()
                        tr.read(t, who, ip, CLI_UA.format(os=osname, dist=dist, cmd=p[3]), p,
                                key=who.access_key, region=who.region)


def _onboarding(tr: Trail, admin: Person, day: date) -> list[dict[str, Any]]:
    """admin.ops creates a new hire, puts them in a group and creates their first access key."""
    rng, hire = tr.rng, "p.lindqvist"
    t = local_to_utc(admin.zone, day, 11.0) + timedelta(seconds=rng.randint(0, 900))
    ip, ua = admin.ips[0], admin.browser
    login = tr.login(t, admin, ip, ua, ok=True, mfa=admin.mfa)
    kw: dict[str, Any] = {"key": aws_id(rng, "ASIA"), "session": t, "mfa": admin.mfa}
    tr.read(t + timedelta(seconds=20), admin, ip, ua, READS[6], **kw)
    t += timedelta(seconds=rng.randint(60, 120))
    uid = aws_id(rng, "AIDA", 21)
    user = {"path": "/", "userName": hire, "userId": uid, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/{hire}",
            "createDate": iam_date(t)}
    create = tr.add(t, admin, "iam.amazonaws.com", "CreateUser", ip, ua, params={"userName": hire},
                    response={"user": user}, read_only=False, **kw)
    t += timedelta(seconds=rng.randint(20, 60))
    group = tr.add(t, admin, "iam.amazonaws.com", "AddUserToGroup", ip, ua,
                   params={"groupName": "developers", "userName": hire}, read_only=False, **kw)
    t += timedelta(seconds=rng.randint(30, 120))
    key = {"accessKeyId": aws_id(rng, "AKIA"), "status": "Active", "userName": hire, "createDate": iam_date(t)}
    made = tr.add(t, admin, "iam.amazonaws.com", "CreateAccessKey", ip, ua, params={"userName": hire},
                  response={"accessKey": key}, read_only=False, **kw)
    note = "admin.ops onboards a new hire: CreateUser, AddUserToGroup, CreateAccessKey from the usual IP in work hours"
    return [{"id": "benign-onboarding", "check": "new_credentials", "expect_finding": True,
             "users": [admin.name, hire], "ips": [ip], **_span([made]),
             "context_refs": [r["eventID"] for r in (login, create, group)], "note": note},
            {"id": "benign-onboarding-group", "check": "privilege_change", "expect_finding": True,
             "users": [admin.name, hire], "ips": [ip], **_span([group]), "note": note},
            {"id": "benign-onboarding-createuser", "check": "sensitive_actions", "expect_finding": True,
             "users": [admin.name], "ips": [ip], **_span([create]), "note": note}]


def _brute_force(tr: Trail, victim: Person, t: datetime) -> list[dict[str, Any]]:
    """14 console failures from two Russian IPs, a success without MFA, then IAM persistence."""
    rng = tr.rng
    ips = [ATTACK_IP2, ATTACK_IP] + [rng.choice((ATTACK_IP, ATTACK_IP2)) for _ in range(12)]
    rng.shuffle(ips)
    fails = []
    for ip in ips:
        fails.append(tr.login(t, victim, ip, ATTACK_BROWSER, ok=False, mfa=False))
        t += timedelta(seconds=rng.randint(18, 32))
    t += timedelta(seconds=rng.randint(10, 40))
    ok = tr.login(t, victim, ATTACK_IP, ATTACK_BROWSER, ok=True, mfa=False)
    kw: dict[str, Any] = {"key": aws_id(rng, "ASIA"), "session": t, "mfa": False}
    calls: list[dict[str, Any]] = []

    def call(minutes: int, source: str, name: str, cmd: str, params: Any = None, response: Any = None,
             read_only: bool = False) -> dict[str, Any]:
        when = t + timedelta(minutes=minutes, seconds=rng.randint(0, 50))
        for created in (response or {}).values():  # IAM stamps the new object with the call's time
            created["createDate"] = iam_date(when.replace(microsecond=0))
        calls.append(tr.add(when, victim, source, name, ATTACK_IP, ATTACK_CLI.format(cmd=cmd), params=params,
                            response=response, read_only=read_only, **kw))
        return calls[-1]

    call(3, "sts.amazonaws.com", "GetCallerIdentity", "sts.get-caller-identity", read_only=True)
    call(4, "iam.amazonaws.com", "ListUsers", "iam.list-users", read_only=True)
    user = {"path": "/", "userName": "support-admin", "userId": aws_id(rng, "AIDA", 21),
            "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/support-admin", "createDate": ""}
    created = call(9, "iam.amazonaws.com", "CreateUser", "iam.create-user", {"userName": "support-admin"},
                   {"user": user})
    profile = call(11, "iam.amazonaws.com", "CreateLoginProfile", "iam.create-login-profile",
                   {"userName": "support-admin", "password": "HIDDEN_DUE_TO_SECURITY_REASONS",
                    "passwordResetRequired": False},
                   {"loginProfile": {"userName": "support-admin", "createDate": "",
                                     "passwordResetRequired": False}})
    key = {"accessKeyId": aws_id(rng, "AKIA"), "status": "Active", "userName": "svc-backup",
           "createDate": ""}
    access = call(14, "iam.amazonaws.com", "CreateAccessKey", "iam.create-access-key",
                  {"userName": "svc-backup"}, {"accessKey": key})
    grant = call(17, "iam.amazonaws.com", "AttachUserPolicy", "iam.attach-user-policy",
                 {"userName": "support-admin", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})
    return [
        {"id": "ct-bruteforce-jsmith", "check": "brute_force_success", "users": [victim.name],
         "ips": list(dict.fromkeys(ips)), **_span([*fails, ok])},
        {"id": "ct-newcreds-jsmith", "check": "new_credentials",
         "users": [victim.name, "support-admin", "svc-backup"], "ips": [ATTACK_IP], **_span([profile, access])},
        {"id": "ct-newcountry-jsmith", "check": "new_country", "users": [victim.name], "ips": [ATTACK_IP],
         "country": "RU", **_span([ok])},
        {"id": "ct-hours-jsmith", "check": "unusual_hours", "users": [victim.name], "ips": [ATTACK_IP],
         **_span([ok])},
        {"id": "ct-sensitive-jsmith", "check": "sensitive_actions", "users": [victim.name], "ips": [ATTACK_IP],
         **_span([created])},
        {"id": "ct-cli-jsmith", "check": "cloud_cli", "users": [victim.name], "ips": [ATTACK_IP], **_span(calls)},
        {"id": "ct-privilege-jsmith", "check": "privilege_change", "users": [victim.name, "support-admin"],
         "ips": [ATTACK_IP], **_span([grant])},
    ]


def _travel(tr: Trail, who: Person, day: date) -> dict[str, Any]:
    """m.garcia signs in normally, but from Brazil, and looks around a little."""
    t = at(day, 15, 22, tr.rng.randint(0, 59))
    rec, _ = tr.console_session(t, who, BRAZIL_IP, tr.rng.randint(3, 7))
    return {"id": "ct-newcountry-mgarcia", "check": "new_country", "users": [who.name], "ips": [BRAZIL_IP],
            "country": "BR", **_span([rec])}


def _exfil(tr: Trail, who: Person, t: datetime) -> dict[str, Any]:
    """A developer's long-term key, stolen, lists the finance bucket and downloads it in bulk in
    the evening from a hosting provider: an access surge (T1530) in requests and bytes."""
    rng, bucket = tr.rng, "acme-finance-exports"
    ua = "rclone/v1.65.2"  # a bulk-copy tool, as exfiltration often uses
    listing = tr.add(t, who, "s3.amazonaws.com", "ListObjects", EXFIL_IP, ua, key=who.access_key,
                     params={"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com", "prefix": ""})
    recs = [listing]
    for n in range(tr.scaled(420)):
        t += timedelta(seconds=rng.randint(2, 7))
        key = f"exports/{2023 - n % 3}/{rng.choice(('ledger', 'payroll', 'invoices', 'vendors'))}-{n:04d}.csv"
        recs.append(tr.add(t, who, "s3.amazonaws.com", "GetObject", EXFIL_IP, ua, key=who.access_key,
                           params={"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com", "key": key},
                           extra={"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
                                  "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader",
                                  "bytesTransferredOut": rng.randint(1_500_000, 6_000_000)}))
    return {"id": "ct-surge-rpatel", "check": "access_surge", "users": [who.name], "ips": [EXFIL_IP], **_span(recs)}


def generate(rng: random.Random, cast: list[Person], start: date, days: int, scale: float,
             ) -> tuple[bytes, int, list[dict[str, Any]], list[dict[str, Any]]]:
    """(file bytes, record count, incidents, benign_expected) for the whole period."""
    tr = Trail(rng, scale)
    by_name = {p.name: p for p in cast}
    attack_day = start + timedelta(days=days - 4)
    travel_day = weekday_on_or_before(start + timedelta(days=days - 6))
    onboarding_day = weekday_on_or_before(start + timedelta(days=days // 2))
    _baseline(tr, cast, start, days, skip={"m.garcia": travel_day})
    benign = _onboarding(tr, by_name["admin.ops"], onboarding_day)
    incidents = [*_brute_force(tr, by_name["j.smith"], at(attack_day, 3, 41, rng.randint(0, 59))),
                 _travel(tr, by_name["m.garcia"], travel_day),
                 _exfil(tr, by_name["r.patel"], at(start + timedelta(days=days - 8), 22, 14, rng.randint(0, 59)))]
    tr.rows.sort(key=lambda row: (row[0], row[1]))
    body = b"{\"Records\":[\n" + b",\n".join(orjson.dumps(rec) for _, _, rec in tr.rows) + b"\n]}\n"
    return body, len(tr.rows), incidents, benign
