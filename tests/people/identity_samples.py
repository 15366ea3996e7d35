"""Writes the multi-source identity case in tests/data/identity/ (deterministic; run as a script to
regenerate: ``python tests/people/identity_samples.py``). A test checks the committed files equal its output.

The story (week of 2024-03-04, tenant contoso.com, AWS account 111122223333):

- Alice appears under four names: Entra ID ``alice@contoso.com`` (object id 7f3e2a10-…), the AWS IAM
  Identity Center session ``AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/alice@contoso.com``,
  Google Workspace ``Alice@contoso.com`` (profile 104233118853412240019) and the Linux account ``alice``
  on bastion-01 / web-01..03. She works from London (81.2.69.0/24).
- 2024-03-11 09:00 her Entra sign-in comes from 45.155.205.99 (RU); from that IP ``alice`` logs on over
  SSH to web-01, web-02, web-03 in the next hour. On web-02 she appends to root's authorized_keys with
  sudo; root logs in with that new key from 45.155.205.99.
- 09:20 she adds a client secret (KeyIdentifier 4c8e1f2a-…) to the service principal "Payroll Sync";
  the service principal signs in with that key from 185.220.101.34 (DE) afterwards.
- 09:30 her AWS SSO session creates an access key AKIAIOSFODNN7NEWKEY1 for ``svc-backup`` (whose old
  key has only been used from 52.94.76.10); the new key is used from 185.220.101.34 from 11:00.
- Bob (``bob@contoso.com``): 8 failed Entra sign-ins from 185.220.101.34 at 10:00-10:14, then his AWS
  SSO session signs in to the console from 185.220.101.34 at 10:25.
- CloudTrail carries an automation user calling every 5 minutes; delivery stops 2024-03-08 02:00-08:00.
"""

from __future__ import annotations

import gzip
import itertools
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "identity"
UTC = timezone.utc
T0 = datetime(2024, 3, 4, tzinfo=UTC)
DAY7 = datetime(2024, 3, 11, tzinfo=UTC)
TENANT = "5b6c1e2a-3f4d-4e8a-9c7b-1a2b3c4d5e6f"
ACCOUNT = "111122223333"
ALICE_OID = "7f3e2a10-5b4c-4d3e-9f8a-1b2c3d4e5f60"
BOB_OID = "2b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e"
SP_ID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
SECRET_ID = "4c8e1f2a-9b3d-4e5f-8a7b-6c5d4e3f2a1b"
NEW_KEY = "AKIAIOSFODNN7NEWKEY1"
OLD_KEY = "AKIAIOSFODNN7OLDKEY1"
CI_KEY = "AKIAIOSFODNN7CIDEPL1"
SSO_ROLE = "AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978"
LONDON = "81.2.69.20"
ATTACKER = "45.155.205.99"
EXFIL = "185.220.101.34"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
GAP = (datetime(2024, 3, 8, 2, tzinfo=UTC), datetime(2024, 3, 8, 8, tzinfo=UTC))


def _iso(t: datetime, frac: bool = False) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if frac else t.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Entra ID sign-ins (Graph beta signIn) ---------------------------------------------------------------

def _signin(n: int, user: str, oid: str, when: datetime, ip: str, country: str, code: int = 0) -> dict:
    return {
        "id": f"5a1b2c3d-{n:04d}-4000-9000-00000000{n:04d}", "createdDateTime": _iso(when),
        "userDisplayName": user.split("@")[0].title(), "userPrincipalName": user, "userId": oid,
        "appId": "00000002-0000-0ff1-ce00-000000000000", "appDisplayName": "Office 365 Exchange Online",
        "ipAddress": ip, "clientAppUsed": "Browser", "userAgent": BROWSER,
        "correlationId": f"c0a1b2c3-{n:04d}-4000-8000-00000000{n:04d}", "isInteractive": True,
        "signInEventTypes": ["interactiveUser"], "resourceTenantId": TENANT,
        "servicePrincipalId": "", "servicePrincipalName": None,
        "status": {"errorCode": code, "failureReason": "Other." if code == 0 else
                   "Error validating credentials due to invalid username or password.", "additionalDetails": None},
        "location": {"city": "", "state": "", "countryOrRegion": country, "geoCoordinates": {}},
    }


def _sp_signin(n: int, when: datetime, ip: str, key_id: str) -> dict:
    return {
        "id": f"7b6c5d4e-{n:04d}-4f3a-8b9c-00000000{n:04d}", "createdDateTime": _iso(when),
        "userPrincipalName": None, "userId": None, "appId": "7e1c4b2a-0d3f-4c55-8a9e-5f2b6c7d8e90",
        "appDisplayName": "Payroll Sync", "ipAddress": ip, "correlationId": f"e2f3a4b5-{n:04d}-4c6d-9e0f-000000000000",
        "isInteractive": False, "signInEventTypes": ["servicePrincipal"], "resourceTenantId": TENANT,
        "resourceDisplayName": "Microsoft Graph", "servicePrincipalId": SP_ID, "servicePrincipalName": "Payroll Sync",
        "servicePrincipalCredentialKeyId": key_id, "servicePrincipalCredentialThumbprint": "",
        "status": {"errorCode": 0, "failureReason": None, "additionalDetails": None},
        "location": {"city": "Hamburg", "state": "Hamburg", "countryOrRegion": "DE", "geoCoordinates": {}},
    }


def entra_signins() -> dict:
    n = itertools.count(1)
    recs = []
    for d in range(7):
        day = T0 + timedelta(days=d)
        recs.append(_signin(next(n), "alice@contoso.com", ALICE_OID, day + timedelta(hours=8, minutes=55), LONDON, "GB"))
        recs.append(_signin(next(n), "bob@contoso.com", BOB_OID, day + timedelta(hours=9, minutes=5), "73.162.10.20", "US"))
    recs.append(_signin(next(n), "alice@contoso.com", ALICE_OID, DAY7 + timedelta(hours=9), ATTACKER, "RU"))
    for i in range(8):
        recs.append(_signin(next(n), "bob@contoso.com", BOB_OID, DAY7 + timedelta(hours=10, minutes=2 * i), EXFIL,
                            "DE", 50126))
    recs.append(_sp_signin(next(n), DAY7 + timedelta(hours=8), "20.190.128.10", "0d9c8b7a-6f5e-4d3c-2b1a-09f8e7d6c5b4"))
    for i in range(3):
        recs.append(_sp_signin(next(n), DAY7 + timedelta(hours=9, minutes=45 + 10 * i), EXFIL, SECRET_ID))
    recs.sort(key=lambda r: r["createdDateTime"], reverse=True)  # Graph pages are newest first
    return {"@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns", "value": recs}


def entra_audit() -> dict:
    return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits", "value": [{
        "id": "Directory_0a1b2c3d-0101-4e5f-8a9b-0c1d2e3f4a01", "category": "ApplicationManagement",
        "correlationId": "1a2b3c4d-0101-4e5f-8a9b-0c1d2e3f4a01", "result": "success", "resultReason": "",
        "activityDisplayName": "Add service principal credentials",
        "activityDateTime": _iso(DAY7 + timedelta(hours=9, minutes=20), frac=True),
        "loggedByService": "Core Directory", "operationType": "Update",
        "initiatedBy": {"app": None, "user": {"id": ALICE_OID, "displayName": None,
                                              "userPrincipalName": "alice@contoso.com", "ipAddress": ATTACKER}},
        "targetResources": [{"id": SP_ID, "displayName": "Payroll Sync", "type": "ServicePrincipal",
                             "userPrincipalName": None, "modifiedProperties": [
                                 {"displayName": "KeyDescription", "oldValue": "[]",
                                  "newValue": json.dumps([f"[KeyIdentifier={SECRET_ID},KeyType=Password,"
                                                          "KeyUsage=Verify,DisplayName=sync-backup]"])},
                                 {"displayName": "Included Updated Properties", "oldValue": None,
                                  "newValue": "\"KeyDescription\""}]}],
        "additionalDetails": [{"key": "User-Agent", "value": BROWSER}],
    }]}


# --- CloudTrail ------------------------------------------------------------------------------------------

_ct_ids = itertools.count(1)


def _ct(when: datetime, name: str, ident: dict, ip: str, ua: str, source: str = "iam.amazonaws.com",
        req: dict | None = None, resp: dict | None = None) -> dict:
    return {"eventVersion": "1.09", "userIdentity": ident, "eventTime": _iso(when), "eventSource": source,
            "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": ip, "userAgent": ua,
            "requestParameters": req, "responseElements": resp,
            "eventID": f"6e0c6b1a-{next(_ct_ids):04d}-4f6e-9d7c-0123456789ab", "readOnly": resp is None,
            "eventType": "AwsConsoleSignIn" if name == "ConsoleLogin" else "AwsApiCall",
            "managementEvent": True, "recipientAccountId": ACCOUNT, "eventCategory": "Management"}


def _sso(user: str, key: str | None = None) -> dict:
    ident = {"type": "AssumedRole", "principalId": f"AROA3EXAMPLESSOROLE01:{user}",
             "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{SSO_ROLE}/{user}", "accountId": ACCOUNT,
             "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROA3EXAMPLESSOROLE01",
                                                  "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/"
                                                         f"{SSO_ROLE}", "accountId": ACCOUNT, "userName": SSO_ROLE},
                                "attributes": {"creationDate": "2024-03-11T08:00:00Z", "mfaAuthenticated": "false"}}}
    if key:
        ident["accessKeyId"] = key
    return ident


def _iam(user: str, key: str | None) -> dict:
    ident = {"type": "IAMUser", "principalId": f"AIDA{user.upper().replace('-', '')}EXAMPLE",
             "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}", "accountId": ACCOUNT, "userName": user}
    if key:
        ident["accessKeyId"] = key
    return ident


def cloudtrail() -> dict:
    recs = []
    cli = "aws-cli/2.15.10 Python/3.11.6 Linux/5.15.0 exe/x86_64.ubuntu.22"
    t = T0
    while t < DAY7 + timedelta(hours=12):  # automation every 5 minutes, except the delivery gap
        if not (GAP[0] <= t < GAP[1]):
            recs.append(_ct(t, "DescribeInstances", _iam("ci-deploy", CI_KEY), "52.94.76.10", cli,
                            "ec2.amazonaws.com"))
        t += timedelta(minutes=5)
    for d in range(7):
        day = T0 + timedelta(days=d)
        recs.append(_ct(day + timedelta(hours=9, minutes=10), "ConsoleLogin", _sso("alice@contoso.com"), LONDON,
                        BROWSER, "signin.amazonaws.com", None, {"ConsoleLogin": "Success"}))
        recs.append(_ct(day + timedelta(hours=3), "ListBuckets", _iam("svc-backup", OLD_KEY), "52.94.76.10",
                        "aws-sdk-go/1.50.0", "s3.amazonaws.com"))
        recs.append(_ct(day + timedelta(hours=9, minutes=15), "ConsoleLogin", _sso("bob@contoso.com"),
                        "73.162.10.20", BROWSER, "signin.amazonaws.com", None, {"ConsoleLogin": "Success"}))
    recs.append(_ct(DAY7 + timedelta(hours=9, minutes=25), "ConsoleLogin", _sso("alice@contoso.com"), ATTACKER,
                    BROWSER, "signin.amazonaws.com", None, {"ConsoleLogin": "Success"}))
    recs.append(_ct(DAY7 + timedelta(hours=9, minutes=30), "CreateAccessKey", _sso("alice@contoso.com", "ASIAALICESESSION0001"),
                    ATTACKER, BROWSER, req={"userName": "svc-backup"},
                    resp={"accessKey": {"userName": "svc-backup", "accessKeyId": NEW_KEY, "status": "Active",
                                        "createDate": "Mar 11, 2024 9:30:00 AM"}}))
    for i, name in enumerate(["GetCallerIdentity", "ListBuckets", "GetObject", "GetObject", "GetObject"]):
        recs.append(_ct(DAY7 + timedelta(hours=11, minutes=i), name, _iam("svc-backup", NEW_KEY), EXFIL,
                        "Boto3/1.34.0 Python/3.11.8", "s3.amazonaws.com" if name != "GetCallerIdentity"
                        else "sts.amazonaws.com"))
    recs.append(_ct(DAY7 + timedelta(hours=10, minutes=25), "ConsoleLogin", _sso("bob@contoso.com"), EXFIL,
                    BROWSER, "signin.amazonaws.com", None, {"ConsoleLogin": "Success"}))
    recs.sort(key=lambda r: r["eventTime"])
    return {"Records": recs}


# --- Google Workspace login audit ------------------------------------------------------------------------

def workspace() -> dict:
    items = []
    for d in range(7):
        when = T0 + timedelta(days=d, hours=9, minutes=40)
        items.append({
            "kind": "admin#reports#activity",
            "id": {"time": _iso(when, frac=True), "uniqueQualifier": str(5566778899001100000 + d),
                   "applicationName": "login", "customerId": "C04ctso12"},
            "actor": {"callerType": "USER", "email": "Alice@contoso.com", "profileId": "104233118853412240019"},
            "ipAddress": LONDON,
            "events": [{"type": "login", "name": "login_success",
                        "parameters": [{"name": "login_type", "value": "saml"}]}],
            "networkInfo": {"ipAsn": [20712], "regionCode": "GB", "subdivisionCode": "GB-LND"},
        })
    items.reverse()
    return {"kind": "admin#reports#activities", "items": items}


# --- auth.log (RFC 3339, several hosts) -------------------------------------------------------------------

FP_ALICE = "SHA256:pQ2nX3rH8mVb1k9eYtL0sZc4wUa7dGf6jR5iTo2nMq8"
FP_ROOT_NEW = "SHA256:Zx9cV8bN7mL6kJ5hG4fD3sA2qW1eR0tYuIoP9lKjH6g"


def authlog() -> str:
    lines = []
    pid = itertools.count(4100)

    def line(when: datetime, host: str, prog: str, msg: str) -> None:
        lines.append((when, f"{when.strftime('%Y-%m-%dT%H:%M:%S')}+00:00 {host} {prog}[{next(pid)}]: {msg}"))

    for d in range(7):
        when = T0 + timedelta(days=d, hours=9, minutes=50)
        line(when, "bastion-01", "sshd", f"Accepted publickey for alice from {LONDON} port 50{d}22 ssh2: ED25519 {FP_ALICE}")
        line(when + timedelta(hours=6), "bastion-01", "sshd",
             "pam_unix(sshd:session): session closed for user alice")
    for i, host in enumerate(["web-01", "web-02", "web-03"]):
        when = DAY7 + timedelta(hours=9, minutes=40 + 10 * i)
        line(when, host, "sshd", f"Accepted publickey for alice from {ATTACKER} port 4{i}812 ssh2: ED25519 {FP_ALICE}")
        line(when + timedelta(seconds=1), host, "sshd",
             "pam_unix(sshd:session): session opened for user alice(uid=1001) by (uid=0)")
    line(DAY7 + timedelta(hours=9, minutes=52), "web-02", "sudo",
         "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/tee -a /root/.ssh/authorized_keys")
    line(DAY7 + timedelta(hours=10, minutes=30), "web-02", "sshd",
         f"Accepted publickey for root from {ATTACKER} port 40112 ssh2: ED25519 {FP_ROOT_NEW}")
    lines.sort()
    return "\n".join(text for _, text in lines) + "\n"


FILES = {
    "entra_signins.json": lambda: json.dumps(entra_signins(), indent=1),
    "entra_audit.json": lambda: json.dumps(entra_audit(), indent=1),
    # in a folder named for its source: the other parsers' tests skip their own sources' folders
    "workspace/login_activities.json": lambda: json.dumps(workspace(), indent=1),
    "auth.log": authlog,
}


def write(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in FILES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(make(), encoding="utf-8")
        paths.append(out / name)
    global _ct_ids
    _ct_ids = itertools.count(1)
    trail = json.dumps(cloudtrail()).encode()
    # the S3 delivery is gzip; mtime 0 keeps the bytes the same on every run
    (out / "cloudtrail.json.gz").write_bytes(gzip.compress(trail, mtime=0))
    paths.append(out / "cloudtrail.json.gz")
    return paths


if __name__ == "__main__":
    for p in write():
        print(p)
