"""The export shapes the evaluation organisation is written in, each as its vendor documents it:
Microsoft Graph ``auditLogs/signIns`` ({"value": [...]}), CloudTrail log files ({"Records": [...]}),
a central rsyslog ``auth.log`` (RFC 3339 stamps, one line per message, many hosts), and Windows
Security / RDP logs as binary EVTX (one file per host, as collected by triage).

Records carry an optional tag (the attack variant they belong to); :meth:`Export.write` returns, per
tag, the file and the native record ids the workbench will cite as evidence.
"""

from __future__ import annotations

import random
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

from ..evtx_writer import write_evtx

UTC = timezone.utc
TENANT = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
ACCOUNT = "444455556666"
DOMAIN = "northwind.example"
AD_DOMAIN, AD_SID = "NORTHWIND", "S-1-5-21-1170332874-2296131185-2431937541"

# First-party application ids (Microsoft's published list) and the names Entra shows for them.
APPS = {
    "Office 365 Exchange Online": "00000002-0000-0ff1-ce00-000000000000",
    "Microsoft Teams": "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
    "Microsoft Office": "d3590ed6-52b3-4102-aeff-aad2292ab01c",
    "SharePoint Online": "00000003-0000-0ff1-ce00-000000000000",
    "Microsoft Azure CLI": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    "Microsoft Azure PowerShell": "1950a258-227b-4e31-a9cf-717495945fc2",
    "Azure Active Directory PowerShell": "1b730954-1685-4b74-9bfa-2d3fc5d6b2e0",
    "Microsoft Graph Command Line Tools": "14d82eec-204b-4c2f-b7e8-296a70dab67e",
    "Azure Portal": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
}
EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 "
        "Safari/537.36 Edg/122.0.0.0")
SAFARI_IOS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.3.1 Mobile/15E148 Safari/604.1")
OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)"
AWS_CLI = "aws-cli/2.15.17 Python/3.11.6 Linux/6.5.0-1014-aws exe/x86_64.ubuntu.22 prompt/off command/{}"
BOTO = "Boto3/1.34.40 md/Botocore#1.34.40 ua/2.0 os/linux#5.15.0 md/arch#x86_64 lang/python#3.11.8 cfg/retry-mode#legacy Botocore/1.34.40"
CONSOLE_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
TERRAFORM = "APN/1.0 HashiCorp/1.0 Terraform/1.7.3 (+https://www.terraform.io) terraform-provider-aws/5.36.0 aws-sdk-go-v2/1.24.1"


def _h(text: str) -> int:
    """A stable number for a name (Python's own hash changes with every process)."""
    return zlib.crc32(text.encode())


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Export:
    """All files of the organisation, filled in any order, written sorted by time."""

    rng: random.Random
    signins: list[tuple[datetime, dict, str | None]] = field(default_factory=list)
    trail: list[tuple[datetime, dict, str | None]] = field(default_factory=list)
    syslog: list[tuple[datetime, str, str | None]] = field(default_factory=list)
    windows: dict[str, list[tuple[datetime, dict, str | None]]] = field(default_factory=lambda: defaultdict(list))

    # --- Entra ID -------------------------------------------------------------------------------------
    def signin(self, when: datetime, upn: str, ip: str, *, app: str = "Office 365 Exchange Online", code: int = 0,
               interactive: bool = True, ua: str = EDGE, country: str | None = None, city: str = "",
               tag: str | None = None) -> None:
        rng = self.rng
        reason = {0: None, 50126: "Error validating credentials due to invalid username or password.",
                  50034: "The user account does not exist in the directory.", 50053: "Account is locked.",
                  500121: "Authentication failed during strong authentication request.",
                  50074: "Strong Authentication is required.", 50055: "The password is expired."}.get(code, "Other.")
        rec = {
            "id": _id(rng), "createdDateTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "userDisplayName": upn.split("@")[0],
            "userPrincipalName": upn, "userId": str(uuid.UUID(int=random.Random(upn).getrandbits(128), version=4)),
            "appId": APPS.get(app, _id(random.Random(app))), "appDisplayName": app, "ipAddress": ip,
            "clientAppUsed": "Browser" if interactive and "Mozilla" in ua else "Mobile Apps and Desktop clients",
            "correlationId": _id(rng), "conditionalAccessStatus": "success" if code == 0 else "notApplied",
            "isInteractive": interactive,
            "signInEventTypes": ["interactiveUser" if interactive else "nonInteractiveUser"],
            "resourceDisplayName": "Windows Azure Active Directory" if "PowerShell" in app else "Office 365 Exchange Online",
            "resourceTenantId": TENANT, "userAgent": ua,
            "status": {"errorCode": code, "failureReason": reason or "Other.", "additionalDetails": None},
            "location": {"city": city, "state": "", "countryOrRegion": country or ""},
        }
        self.signins.append((when, rec, tag))

    # --- CloudTrail -----------------------------------------------------------------------------------
    def aws(self, when: datetime, user: str, source: str, name: str, ip: str, ua: str, *, role: str | None = None,
            params: dict | None = None, error: str | None = None, read_only: bool | None = None,
            console: bool = False, tag: str | None = None, response: dict | None = None) -> None:
        rng = self.rng
        if role:
            ident = {"type": "AssumedRole", "principalId": f"AROA{_h((role)) % 10**16:016d}:{user}",
                     "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{user}", "accountId": ACCOUNT,
                     "accessKeyId": "ASIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
                     "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEROLE",
                                                          "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                                                          "accountId": ACCOUNT, "userName": role},
                                        "attributes": {"creationDate": when.strftime("%Y-%m-%dT%H:00:00Z"),
                                                       "mfaAuthenticated": "false"}}}
        else:
            ident = {"type": "IAMUser", "principalId": f"AIDA{_h((user)) % 10**16:016d}",
                     "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}", "accountId": ACCOUNT,
                     "accessKeyId": "AKIA" + "".join(random.Random(user).choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                                                     for _ in range(16)), "userName": user}
        rec: dict[str, Any] = {
            "eventVersion": "1.09", "userIdentity": ident, "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": source, "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": ip,
            "userAgent": ua, "requestParameters": params, "responseElements": response,
            "requestID": _id(rng), "eventID": _id(rng),
            "readOnly": name.startswith(("Get", "List", "Describe")) if read_only is None else read_only,
            "eventType": "AwsConsoleSignIn" if name == "ConsoleLogin" else "AwsApiCall", "managementEvent": True,
            "recipientAccountId": ACCOUNT, "eventCategory": "Management"}
        if error:
            rec["errorCode"], rec["errorMessage"] = error, "User is not authorized to perform this operation"
        if console and name != "ConsoleLogin":
            rec["sessionCredentialFromConsole"] = "true"
        if name == "ConsoleLogin":
            rec["additionalEventData"] = {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No",
                                          "MFAUsed": "Yes"}
            rec["responseElements"] = {"ConsoleLogin": "Failure" if error else "Success"}
        self.trail.append((when, rec, tag))

    # --- syslog ---------------------------------------------------------------------------------------
    def line(self, when: datetime, host: str, prog: str, msg: str, tag: str | None = None) -> None:
        pid = self.rng.randint(1000, 65000)
        self.syslog.append((when, f"{when.strftime('%Y-%m-%dT%H:%M:%S.%f')}+00:00 {host} {prog}[{pid}]: {msg}", tag))

    def ssh_login(self, when: datetime, host: str, user: str, ip: str, *, key: bool = True,
                  tag: str | None = None) -> None:
        port = self.rng.randint(32768, 60999)
        how = "publickey" if key else "password"
        fp = f": ED25519 SHA256:{_h((user)) % 10**20:020d}" if key else ""
        self.line(when, host, "sshd", f"Accepted {how} for {user} from {ip} port {port} ssh2{fp}", tag)
        self.line(when, host, "sshd", f"pam_unix(sshd:session): session opened for user {user}(uid=1001) by (uid=0)")

    # --- Windows --------------------------------------------------------------------------------------
    def win(self, host: str, when: datetime, event_id: int, data: dict, tag: str | None = None,
            provider: str | None = None) -> None:
        rec = {"EventID": event_id, "time": when.replace(microsecond=0), "Computer": f"{host}.{DOMAIN}", "Data": data}
        if provider:
            rec["Provider"] = provider
        self.windows[host].append((when, rec, tag))

    def logon(self, host: str, when: datetime, user: str, logon_type: int, ip: str | None, workstation: str = "-",
              tag: str | None = None, package: str = "Kerberos") -> None:
        rng = self.rng
        self.win(host, when, 4624, {
            "SubjectUserSid": "S-1-0-0", "SubjectUserName": "-", "SubjectDomainName": "-", "SubjectLogonId": 0,
            "TargetUserSid": f"{AD_SID}-{1100 + _h((user)) % 5000}", "TargetUserName": user,
            "TargetDomainName": AD_DOMAIN, "TargetLogonId": rng.randint(0x10000, 0xFFFFFFF), "LogonType": logon_type,
            "LogonProcessName": "Kerberos" if package == "Kerberos" else "NtLmSsp ",
            "AuthenticationPackageName": package, "WorkstationName": workstation,
            "LogonGuid": "{%08x-%04x-%04x-%04x-%012x}" % tuple(rng.getrandbits(b) for b in (32, 16, 16, 16, 48)),
            "TransmittedServices": "-", "LmPackageName": "-", "KeyLength": 0, "ProcessId": 0, "ProcessName": "-",
            "IpAddress": ip or "-", "IpPort": rng.randint(49152, 65535) if ip else 0,
            "ImpersonationLevel": "%%1833", "RestrictedAdminMode": "-", "VirtualAccount": "%%1843",
            "ElevatedToken": "%%1842" if logon_type == 10 else "%%1843"}, tag)

    def logon_failure(self, host: str, when: datetime, user: str, logon_type: int, ip: str | None,
                      sub_status: int = 0xC000006A, tag: str | None = None, workstation: str = "-") -> None:
        self.win(host, when, 4625, {
            "SubjectUserSid": "S-1-5-18", "SubjectUserName": f"{host}$", "SubjectDomainName": AD_DOMAIN,
            "SubjectLogonId": 0x3E7, "TargetUserSid": "S-1-0-0", "TargetUserName": user, "TargetDomainName": AD_DOMAIN,
            "Status": 0xC000006D, "FailureReason": "%%2313", "SubStatus": sub_status, "LogonType": logon_type,
            "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM", "WorkstationName": workstation,
            "TransmittedServices": "-", "LmPackageName": "-", "KeyLength": 0, "ProcessId": 0, "ProcessName": "-",
            "IpAddress": ip or "-", "IpPort": self.rng.randint(49152, 65535) if ip else 0}, tag)

    def kerberos_failure(self, when: datetime, user: str, ip: str, status: int = 0x18, tag: str | None = None) -> None:
        """4771 on the domain controller: pre-authentication failed (0x18 wrong password)."""
        self.win("DC01", when, 4771, {
            "TargetUserName": user, "TargetSid": f"{AD_SID}-{1100 + _h((user)) % 5000}",
            "ServiceName": f"krbtgt/{AD_DOMAIN}", "TicketOptions": 0x40810010, "Status": status, "PreAuthType": 2,
            "IpAddress": f"::ffff:{ip}", "IpPort": self.rng.randint(49152, 65535), "CertIssuerName": "",
            "CertSerialNumber": "", "CertThumbprint": ""}, tag)

    def ntlm_check(self, when: datetime, user: str, workstation: str, status: int = 0, tag: str | None = None) -> None:
        """4776 on the domain controller: NTLM credential validation (0xC000006A wrong password)."""
        self.win("DC01", when, 4776, {"PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "TargetUserName": user,
                                      "Workstation": workstation, "Status": status}, tag)

    def explicit(self, host: str, when: datetime, user: str, target: str, server: str, ip: str | None,
                 tag: str | None = None) -> None:
        """4648: ``user`` used ``target``'s explicit credentials (runas, PsExec -u, net use /user)."""
        self.win(host, when, 4648, {
            "SubjectUserSid": f"{AD_SID}-{1100 + _h((user)) % 5000}", "SubjectUserName": user,
            "SubjectDomainName": AD_DOMAIN, "SubjectLogonId": 0x3E7F1, "LogonGuid": "{00000000-0000-0000-0000-000000000000}",
            "TargetUserName": target, "TargetDomainName": AD_DOMAIN, "TargetLogonGuid": "{00000000-0000-0000-0000-000000000000}",
            "TargetServerName": server, "TargetInfo": server, "ProcessId": 0x4, "ProcessName": "-",
            "IpAddress": ip or "-", "IpPort": 445 if ip else 0}, tag)

    def group_add(self, when: datetime, actor: str, member: str, group: str, event_id: int = 4728,
                  tag: str | None = None) -> None:
        self.win("DC01", when, event_id, {
            "MemberName": f"CN={member},OU=Staff,DC=northwind,DC=example", "MemberSid": f"{AD_SID}-{1100 + _h((member)) % 5000}",
            "TargetUserName": group, "TargetDomainName": AD_DOMAIN, "TargetSid": f"{AD_SID}-512",
            "SubjectUserSid": f"{AD_SID}-{1100 + _h((actor)) % 5000}", "SubjectUserName": actor,
            "SubjectDomainName": AD_DOMAIN, "SubjectLogonId": 0x3E7F2, "PrivilegeList": "-"}, tag)

    # --- output ---------------------------------------------------------------------------------------
    def write(self, out: Path, since: datetime | None = None, until: datetime | None = None) -> dict[str, dict]:
        """Every file into ``out`` (only records within [since, until) when given); per tag, {file: [refs]}."""
        out.mkdir(parents=True, exist_ok=True)
        keep = (lambda t: (since is None or t >= since) and (until is None or t < until))
        tags: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        rows = sorted((r for r in self.signins if keep(r[0])), key=lambda r: r[0])
        (out / "signins.json").write_bytes(orjson.dumps({"value": [r for _, r, _ in rows]}))
        for _, rec, tag in rows:
            if tag:
                tags[tag]["signins.json"].append(rec["id"])
        rows = sorted((r for r in self.trail if keep(r[0])), key=lambda r: r[0])
        (out / "cloudtrail.json").write_bytes(orjson.dumps({"Records": [r for _, r, _ in rows]}))
        for _, rec, tag in rows:
            if tag:
                tags[tag]["cloudtrail.json"].append(rec["eventID"])
        lines = sorted((r for r in self.syslog if keep(r[0])), key=lambda r: r[0])
        (out / "auth.log").write_text("".join(text + "\n" for _, text, _ in lines), encoding="utf-8")
        for n, (_, _, tag) in enumerate(lines, 1):
            if tag:
                tags[tag]["auth.log"].append(str(n))
        for host, recs in sorted(self.windows.items()):
            recs = sorted((r for r in recs if keep(r[0])), key=lambda r: r[0])
            if not recs:
                continue
            name = f"Security-{host}.evtx"
            write_evtx(out / name, [{**r, "EventRecordID": n} for n, (_, r, _) in enumerate(recs, 1)])
            for n, (_, _, tag) in enumerate(recs, 1):
                if tag:
                    tags[tag][name].append(str(n))
        return {t: dict(files) for t, files in tags.items()}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
