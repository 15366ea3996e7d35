"""Small writers of realistic exported logs for check tests (CloudTrail records, auth.log lines)."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

T0 = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)
_ids = itertools.count(1)
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36"


def _base(user: str, when: datetime, ip: str, name: str, source: str, ua: str) -> dict:
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": f"AIDA{user.upper()}", "accountId": "111122223333",
                         "arn": f"arn:aws:iam::111122223333:user/{user}", "userName": user},
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": source, "eventName": name,
        "awsRegion": "us-east-1", "sourceIPAddress": ip, "userAgent": ua,
        "eventID": f"00000000-0000-4000-8000-{next(_ids):012d}", "recipientAccountId": "111122223333",
        "managementEvent": True, "eventCategory": "Management",
    }


def console_login(user: str, when: datetime, ip: str, ok: bool = True) -> dict:
    rec = _base(user, when, ip, "ConsoleLogin", "signin.amazonaws.com", BROWSER)
    rec.update(eventType="AwsConsoleSignIn", requestParameters=None,
               responseElements={"ConsoleLogin": "Success" if ok else "Failure"},
               additionalEventData={"LoginTo": "https://console.aws.amazon.com/console/home",
                                    "MobileVersion": "No", "MFAUsed": "No"})
    if not ok:
        rec["errorMessage"] = "Failed authentication"
    return rec


def api_call(user: str, when: datetime, ip: str, name: str, params: dict | None = None,
             error: str | None = None) -> dict:
    rec = _base(user, when, ip, name, "iam.amazonaws.com", "aws-cli/2.15.10 Python/3.11.6 Linux/5.15.0")
    rec.update(eventType="AwsApiCall", requestParameters=params, responseElements=None)
    if error:
        rec.update(errorCode=error, errorMessage="denied")
    return rec


def history(user: str, ip: str, days: int = 5, start: datetime = T0) -> list[dict]:
    """One ordinary console login a day from the user's usual IP."""
    return [console_login(user, start + timedelta(days=d), ip) for d in range(days)]


def write_trail(path: Path, records: list[dict]) -> Path:
    records = sorted(records, key=lambda r: r["eventTime"])
    path.write_text(json.dumps({"Records": records}))
    return path


def sshd(when: datetime, msg: str, host: str = "web-01", pid: int = 2000) -> str:
    return f"{when:%b} {when.day:>2} {when:%H:%M:%S} {host} sshd[{pid}]: {msg}"


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def entra_signin(user: str, when: datetime, ip: str, code: int = 0, app: str = "Office 365 Exchange Online") -> dict:
    """One Microsoft Graph signIn resource (v1.0), as in a `{"value": [...]}` export."""
    return {
        "id": f"5a1b2c3d-0000-4000-9000-{next(_ids):012d}", "createdDateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "userDisplayName": user.split("@")[0], "userPrincipalName": user, "userId": "00000000-0000-0000-0000-000000000001",
        "appId": "00000002-0000-0ff1-ce00-000000000000", "appDisplayName": app, "ipAddress": ip,
        "clientAppUsed": "Browser", "correlationId": "11111111-2222-3333-4444-555555555555",
        "conditionalAccessStatus": "notApplied", "isInteractive": True, "riskDetail": "none",
        "status": {"errorCode": code, "failureReason": "Other." if code == 0 else "Invalid username or password.",
                   "additionalDetails": None},
        "location": {"city": "", "state": "", "countryOrRegion": "", "geoCoordinates": {}},
    }


def write_signins(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
                                "value": sorted(records, key=lambda r: r["createdDateTime"])}))
    return path


def sshd_accept(when: datetime, user: str, ip: str, host: str) -> str:
    return sshd(when, f"Accepted publickey for {user} from {ip} port 50022 ssh2: ED25519 SHA256:abc", host=host)
