"""Hand-written, real-shaped log records for the triage tests: sshd lines as in /var/log/auth.log (ISO
timestamps, as rsyslog writes with RSYSLOG_FileFormat), CloudTrail records as in a trail's delivered files,
Entra ID sign-ins as Microsoft Graph returns them. Each case is a story whose right answers are known."""

from __future__ import annotations

import itertools
import json
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from workbench.findings import EvidenceRef, Finding
from workbench.paths import playbooks_dir
from workbench.playbooks import PlaybookLibrary

UTC = timezone.utc
T0 = datetime(2024, 3, 1, tzinfo=UTC)  # a Friday; the stories' findings fall on 2024-03-15
DAY = datetime(2024, 3, 15, tzinfo=UTC)
ACCOUNT = "111122223333"
KEY = "SHA256:pQ2nX3rH8mVb1k9eYtL0sZc4wUa7dGf6jR5iTo2nMq8"
BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 "
           "Safari/537.36")
RCLONE = "rclone/v1.65.2"
_ids = itertools.count(1)


def seed(technique: str):
    """The shipped seed playbook: its questions and criteria are the contract the tests check."""
    book = PlaybookLibrary.load([playbooks_dir()]).get(technique)
    assert book is not None and book.path.endswith(f"{technique}.md")
    return book


def weekdays(days: int = 14, start: datetime = T0) -> list[datetime]:
    return [d for d in (start + timedelta(days=i) for i in range(days)) if d.weekday() < 5]


# --- auth.log ------------------------------------------------------------------------------------------------

def ssh(when: datetime, host: str, user: str, ip: str, ok: bool = True, method: str = "publickey") -> str:
    pid = 4000 + next(_ids)
    if ok:
        tail = f" ssh2: ED25519 {KEY}" if method == "publickey" else " ssh2"
        return f"{when.isoformat()} {host} sshd[{pid}]: Accepted {method} for {user} from {ip} port {40000 + pid}{tail}"
    return f"{when.isoformat()} {host} sshd[{pid}]: Failed password for {user} from {ip} port {40000 + pid} ssh2"


def write_lines(path: Path, lines: Iterable[str]) -> Path:
    path.write_text("\n".join(sorted(lines)) + "\n")
    return path


# --- CloudTrail ----------------------------------------------------------------------------------------------

def trail(when: datetime, user: str, name: str, ip: str, *, source: str = "ec2.amazonaws.com", ua: str = BROWSER,
          key: str = "ASIAIVG2TRHR2EU4OAES", params: dict | None = None, out_bytes: int | None = None,
          error: str | None = None) -> dict:
    n = next(_ids)
    rec = {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": f"AIDA{zlib.crc32(user.encode()):012d}",
                         "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}", "accountId": ACCOUNT,
                         "accessKeyId": key, "userName": user},
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": source, "eventName": name,
        "awsRegion": "us-east-1", "sourceIPAddress": ip, "userAgent": ua, "requestParameters": params,
        "responseElements": None, "requestID": f"{n:08X}-REQ", "eventID": f"0000{n:04d}-aaaa-4bbb-8ccc-{n:012d}",
        "readOnly": name.startswith(("Get", "Describe", "List")), "eventType": "AwsApiCall",
        "managementEvent": source != "s3.amazonaws.com", "recipientAccountId": ACCOUNT,
        "eventCategory": "Data" if source == "s3.amazonaws.com" else "Management",
    }
    if out_bytes is not None:
        rec["additionalEventData"] = {"bytesTransferredIn": 0, "bytesTransferredOut": out_bytes}
    if error:
        rec["errorCode"], rec["errorMessage"] = error, "denied"
    if name == "ConsoleLogin":
        rec.update(eventSource="signin.amazonaws.com", eventType="AwsConsoleSignIn", requestParameters=None,
                   responseElements={"ConsoleLogin": "Failure" if error else "Success"},
                   additionalEventData={"LoginTo": "https://console.aws.amazon.com/console/home", "MFAUsed": "No"})
        rec["userIdentity"]["accessKeyId"] = ""
        rec.pop("errorCode", None)
        if error:
            rec["errorMessage"] = "Failed authentication"
    return rec


def write_trail(path: Path, records: Iterable[dict]) -> Path:
    path.write_text(json.dumps({"Records": sorted(records, key=lambda r: r["eventTime"])}))
    return path


# --- Entra ID sign-ins -----------------------------------------------------------------------------------

def signin(when: datetime, user: str, ip: str, *, interactive: bool = True, app: str = "Office 365 Exchange Online",
           client: str = "Browser", code: int = 0) -> dict:
    n = next(_ids)
    return {
        "id": f"5a1b2c3d-{n:04d}-4000-9000-{n:012d}", "createdDateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "userDisplayName": user.split("@")[0].title(), "userPrincipalName": user,
        "userId": f"7f3e2a10-5b4c-4d3e-9f8a-{zlib.crc32(user.encode()):012d}",
        "appId": "00000002-0000-0ff1-ce00-000000000000", "appDisplayName": app, "ipAddress": ip,
        "clientAppUsed": client, "userAgent": BROWSER, "correlationId": f"c0a1b2c3-{n:04d}-4000-8000-{n:012d}",
        "isInteractive": interactive, "signInEventTypes": ["interactiveUser" if interactive else "nonInteractiveUser"],
        "resourceTenantId": "5b6c1e2a-3f4d-4e8a-9c7b-1a2b3c4d5e6f", "servicePrincipalId": "",
        "status": {"errorCode": code, "failureReason": "Other." if code == 0 else
                   "Error validating credentials due to invalid username or password.", "additionalDetails": None},
        "location": {"city": "", "state": "", "countryOrRegion": "", "geoCoordinates": {}},
    }


def write_signins(path: Path, records: Iterable[dict]) -> Path:
    recs = sorted(records, key=lambda r: r["createdDateTime"], reverse=True)  # Graph pages are newest first
    path.write_text(json.dumps({"@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns",
                                "value": recs}))
    return path


# --- findings by hand ----------------------------------------------------------------------------------------

def finding(analysis, where: Callable[[pd.DataFrame], pd.Series], check: str = "manual",
            techniques: tuple[str, ...] = ("T1078",), title: str = "", users: tuple[str, ...] = ()) -> Finding:
    """A finding whose evidence is the events ``where`` selects (a check would have raised it)."""
    frame = analysis.table.select(["ts", "source", "file", "ref", "user", "src_ip", "host", "action",
                                   "event_name", "outcome"]).to_pandas()
    ev = frame[where(frame)]
    assert len(ev), "the story selects no events"
    return Finding(check=check, title=title or f"{check}: {', '.join(sorted(set(ev['user'].dropna())))}",
                   severity="medium", techniques=techniques, explanation="hand-made for the test",
                   first_seen=ev["ts"].min().to_pydatetime(), last_seen=ev["ts"].max().to_pydatetime(),
                   users=users or tuple(dict.fromkeys(ev["user"].dropna())), ips=tuple(dict.fromkeys(ev["src_ip"].dropna())),
                   hosts=tuple(dict.fromkeys(ev["host"].dropna())),
                   evidence=tuple(EvidenceRef(r.source, r.file, str(r.ref)) for r in ev.itertuples()))


def answers(view) -> list[str]:
    return [q.answer for q in view.questions]
