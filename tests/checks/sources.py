"""Writers of two more real export shapes for the check tests: Google Cloud audit log entries as
`gcloud logging read --format=json` prints them, and Google Workspace login activities as the
Admin SDK Reports API returns them (`activities.list`, applicationName=login)."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path

_ids = itertools.count(1)
GCLOUD_UA = ("google-cloud-sdk gcloud/467.0.0 command/gcloud.storage.cp invocation-id/0 environment/None "
             "client-os/LINUX interactive/True from-script/False python/3.11.8")
BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36,gzip(gfe)"


def _rfc3339(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def gcp_entry(user: str, when: datetime, ip: str, method: str, service: str = "storage.googleapis.com", *,
              resource: str = "projects/_/buckets/acme-data", ua: str = BROWSER_UA, code: int | None = None,
              request: dict | None = None) -> dict:
    """One Cloud Audit Logs entry (admin activity or data access) with the caller's identity and IP."""
    payload = {
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
        "authenticationInfo": {"principalEmail": user},
        "methodName": method, "resourceName": resource, "serviceName": service,
        "requestMetadata": {"callerIp": ip, "callerSuppliedUserAgent": ua,
                            "destinationAttributes": {}, "requestAttributes": {"auth": {}, "time": ""}},
        "status": {"code": code, "message": "PERMISSION_DENIED"} if code else {},
    }
    if request:
        payload["request"] = request
    data = method.startswith("storage.objects.get") or method.endswith(".list")
    return {
        "insertId": f"-gcp{next(_ids):08d}",
        "logName": "projects/acme-prod/logs/cloudaudit.googleapis.com%2F" + ("data_access" if data else "activity"),
        "protoPayload": payload, "receiveTimestamp": _rfc3339(when),
        "resource": {"labels": {"project_id": "acme-prod"}, "type": "gcs_bucket" if "storage" in service else "project"},
        "severity": "ERROR" if code else ("INFO" if data else "NOTICE"), "timestamp": _rfc3339(when),
    }


def write_gcp(path: Path, entries: list[dict]) -> Path:
    path.write_text(json.dumps(sorted(entries, key=lambda e: e["timestamp"]), indent=1))
    return path


def workspace_login(user: str, when: datetime, ip: str, ok: bool = True) -> dict:
    """One Reports API login activity: login_success or login_failure with a password."""
    return {
        "kind": "admin#reports#activity",
        "id": {"time": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "uniqueQualifier": str(7_000_000_000 + next(_ids)),
               "applicationName": "login", "customerId": "C03az79cb"},
        "etag": f"\"JDMC8884sebSctZ17CIssbQ/{next(_ids)}\"",
        "actor": {"callerType": "USER", "email": user, "profileId": "104233118853412240019"},
        "ipAddress": ip,
        "events": [{"type": "login", "name": "login_success" if ok else "login_failure",
                    "parameters": [{"name": "login_type", "value": "google_password"}]}],
    }


def write_workspace(path: Path, items: list[dict]) -> Path:
    items = sorted(items, key=lambda i: i["id"]["time"], reverse=True)  # the API lists newest first
    path.write_text(json.dumps({"kind": "admin#reports#activities", "etag": "\"p1\"", "items": items}, indent=1))
    return path


def m365_login(user: str, when: datetime, ip: str, code: int = 0) -> dict:
    """One unified audit log sign-in record (Workload AzureActiveDirectory): UserLoggedIn, or
    UserLoginFailed with its Entra error number."""
    ok = code == 0
    return {
        "CreationTime": when.strftime("%Y-%m-%dT%H:%M:%S"), "Id": f"4d5e6f7a-0000-4b8c-9d0e-{next(_ids):012d}",
        "Operation": "UserLoggedIn" if ok else "UserLoginFailed", "OrganizationId": "5b6c1e2a-3f4d-4e8a-9c7b-1a2b3c4d5e6f",
        "RecordType": 15, "ResultStatus": "Success" if ok else "Failed", "UserKey": user, "UserType": 0, "Version": 1,
        "Workload": "AzureActiveDirectory", "ClientIP": ip, "ObjectId": "00000002-0000-0ff1-ce00-000000000000",
        "UserId": user, "AzureActiveDirectoryEventType": 1,
        "ExtendedProperties": [{"Name": "ResultStatusDetail", "Value": "Success" if ok else "Redirect"},
                               {"Name": "UserAgent", "Value": BROWSER_UA.split(",")[0]},
                               {"Name": "RequestType", "Value": "Login:login"}],
        "ModifiedProperties": [], "Actor": [{"ID": user, "Type": 5}], "ActorIpAddress": ip,
        "ApplicationId": "00000002-0000-0ff1-ce00-000000000000", **({} if ok else {"ErrorNumber": str(code)}),
    }


def write_m365(path: Path, records: list[dict]) -> Path:
    """The classic audit log search CSV export: CreationDate, UserIds, Operations, AuditData."""
    import csv
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(["CreationDate", "UserIds", "Operations", "AuditData"])
        for rec in sorted(records, key=lambda r: r["CreationTime"]):
            out.writerow([rec["CreationTime"] + ".0000000Z", rec["UserId"], rec["Operation"], json.dumps(rec)])
    return path
