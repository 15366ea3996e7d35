"""The Windows events the binary EVTX tests write with ``workbench.synth.evtx_writer`` (no real
``.evtx`` can be shipped under the project's licence). Field names, types and values follow
Microsoft's "Audit ..." event reference pages (4624 ... 4776, 1102) and the TerminalServices
operational events 21/24/25/1149 as Windows Server 2019 writes them."""

from datetime import UTC, datetime, timedelta

T0 = datetime(2024, 3, 5, 10, 0, 0, 123456, tzinfo=UTC)
DC, WS = "DC01.corp.example", "WS07.corp.example"
ATTACKER = "45.155.205.99"
SUBJECT_DC = {"SubjectUserSid": "S-1-5-18", "SubjectUserName": "DC01$", "SubjectDomainName": "CORP",
              "SubjectLogonId": "0x3e7"}
ALICE = {"SubjectUserSid": "S-1-5-21-3623811015-3361044348-30300820-1104", "SubjectUserName": "alice",
         "SubjectDomainName": "CORP", "SubjectLogonId": "0x1f2e3d"}


def _logon(user, logon_type, ip, logon_id, package="NTLM", workstation="KALI"):
    return {**SUBJECT_DC, "TargetUserSid": "S-1-5-21-3623811015-3361044348-30300820-1104", "TargetUserName": user,
            "TargetDomainName": "CORP", "TargetLogonId": logon_id, "LogonType": logon_type,
            "LogonProcessName": "NtLmSsp " if package == "NTLM" else "Kerberos", "AuthenticationPackageName": package,
            "WorkstationName": workstation, "LogonGuid": "{00000000-0000-0000-0000-000000000000}",
            "TransmittedServices": "-", "LmPackageName": "NTLM V2" if package == "NTLM" else "-", "KeyLength": 0,
            "ProcessId": "0x0", "ProcessName": "-", "IpAddress": ip, "IpPort": "49812" if ip != "-" else "-",
            "ImpersonationLevel": "%%1833", "RestrictedAdminMode": "-", "TargetOutboundUserName": "-",
            "TargetOutboundDomainName": "-", "VirtualAccount": "%%1843", "TargetLinkedLogonId": "0x0",
            "ElevatedToken": "%%1842"}


def _failed(user, ip, sub_status):
    return {**SUBJECT_DC, "TargetUserSid": "S-1-0-0", "TargetUserName": user, "TargetDomainName": "CORP",
            "Status": "0xc000006d", "FailureReason": "%%2313", "SubStatus": sub_status, "LogonType": 3,
            "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM", "WorkstationName": "KALI",
            "TransmittedServices": "-", "LmPackageName": "-", "KeyLength": 0, "ProcessId": "0x0",
            "ProcessName": "-", "IpAddress": ip, "IpPort": "51022"}


def _group_add(group, member_dn, member_sid):
    return {"MemberName": member_dn, "MemberSid": member_sid, "TargetUserName": group, "TargetDomainName": "CORP",
            "TargetSid": "S-1-5-21-3623811015-3361044348-30300820-512", **ALICE, "PrivilegeList": "-"}


def _target(user, rid):
    return {"TargetUserName": user, "TargetDomainName": "CORP",
            "TargetSid": f"S-1-5-21-3623811015-3361044348-30300820-{rid}", **ALICE}


# (minutes after T0, EventID, Computer, Data or UserData, expected action, outcome, user, target, src_ip)
SECURITY = [
    (0, 4625, DC, _failed("alice", ATTACKER, "0xc000006a"), "auth.failure", "failure", "alice", None, ATTACKER),
    (1, 4625, DC, _failed("nosuchuser", ATTACKER, "0xc0000064"), "auth.invalid_user", "failure", "nosuchuser", None,
     ATTACKER),
    (2, 4624, WS, _logon("alice", 10, ATTACKER, "0x1f2e3d"), "auth.success", "success", "alice", None, ATTACKER),
    (2, 4672, WS, {**ALICE, "PrivilegeList": "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege"}, "privilege.use",
     "success", "alice", None, None),
    (3, 4624, DC, _logon("DC01$", 5, "-", "0x3e7", package="Negotiate", workstation="-"), "auth.success", "success",
     "DC01$", None, None),
    (4, 4624, DC, _logon("bob", 3, "::1", "0x2a3b4c", package="Kerberos", workstation="-"), "auth.success", "success",
     "bob", None, "::1"),
    (5, 4648, WS, {**ALICE, "LogonGuid": "{00000000-0000-0000-0000-000000000000}", "TargetUserName": "svc-backup",
                   "TargetDomainName": "CORP", "TargetLogonGuid": "{00000000-0000-0000-0000-000000000000}",
                   "TargetServerName": "FS01.corp.example", "TargetInfo": "FS01.corp.example", "ProcessId": "0x1a4c",
                   "ProcessName": "C:\\Windows\\System32\\runas.exe", "IpAddress": "-", "IpPort": "-"},
     "other", "success", "alice", "svc-backup", None),
    (6, 4720, DC, {**_target("helpdesk2", 1187), "SamAccountName": "helpdesk2", "DisplayName": "%%1793",
                   "UserPrincipalName": "-", "UserAccountControl": "%%2080 %%2082 %%2084"},
     "account.create", "success", "alice", "helpdesk2", None),
    (6, 4722, DC, _target("helpdesk2", 1187), "other", "success", "alice", "helpdesk2", None),
    (7, 4724, DC, _target("bob", 1105), "credential.change", "success", "alice", "bob", None),
    (7, 4723, DC, {**_target("alice", 1104), "PrivilegeList": "-"}, "credential.change", "success", "alice", "alice",
     None),
    (8, 4728, DC, _group_add("Domain Admins", "CN=helpdesk2,CN=Users,DC=corp,DC=example",
                             "S-1-5-21-3623811015-3361044348-30300820-1187"),
     "privilege.change", "success", "alice", "helpdesk2", None),
    (8, 4732, WS, _group_add("Administrators", "-", "S-1-5-21-3623811015-3361044348-30300820-1105"),
     "privilege.change", "success", "alice", "S-1-5-21-3623811015-3361044348-30300820-1105", None),
    (8, 4756, DC, _group_add("Enterprise Admins", "CN=Smith\\, Bob,OU=Staff,DC=corp,DC=example",
                             "S-1-5-21-3623811015-3361044348-30300820-1105"),
     "privilege.change", "success", "alice", "Smith, Bob", None),
    (9, 4738, DC, {**_target("helpdesk2", 1187), "PrivilegeList": "-", "SamAccountName": "-"}, "other", "success",
     "alice", "helpdesk2", None),
    (9, 4725, DC, _target("carol", 1106), "other", "success", "alice", "carol", None),
    (9, 4726, DC, _target("carol", 1106), "other", "success", "alice", "carol", None),
    (10, 4740, DC, {"TargetUserName": "dave", "TargetDomainName": "WS07",
                    "TargetSid": "S-1-5-21-3623811015-3361044348-30300820-1107", **SUBJECT_DC},
     "other", "success", "DC01$", "dave", None),
    (11, 4768, DC, {"TargetUserName": "bob", "TargetDomainName": "CORP.EXAMPLE",
                    "TargetSid": "S-1-5-21-3623811015-3361044348-30300820-1105", "ServiceName": "krbtgt",
                    "ServiceSid": "S-1-5-21-3623811015-3361044348-30300820-502", "TicketOptions": "0x40810010",
                    "Status": "0x0", "TicketEncryptionType": "0x12", "PreAuthType": "2",
                    "IpAddress": "::ffff:10.1.2.3", "IpPort": "50122"},
     "auth.success", "success", "bob", None, "10.1.2.3"),
    (11, 4768, DC, {"TargetUserName": "ghost", "TargetDomainName": "CORP.EXAMPLE", "TargetSid": "S-1-0-0",
                    "ServiceName": "krbtgt/CORP.EXAMPLE", "ServiceSid": "S-1-0-0", "TicketOptions": "0x40810010",
                    "Status": "0x6", "TicketEncryptionType": "0xffffffff", "PreAuthType": "-",
                    "IpAddress": "::ffff:10.1.2.9", "IpPort": "50188"},
     "auth.invalid_user", "failure", "ghost", None, "10.1.2.9"),
    (12, 4769, DC, {"TargetUserName": "bob@CORP.EXAMPLE", "TargetDomainName": "CORP.EXAMPLE",
                    "ServiceName": "MSSQLSvc", "ServiceSid": "S-1-5-21-3623811015-3361044348-30300820-1120",
                    "TicketOptions": "0x40810000", "TicketEncryptionType": "0x17", "IpAddress": "::ffff:10.1.2.3",
                    "IpPort": "50130", "Status": "0x0", "LogonGuid": "{6a1b2c3d-0000-4000-8000-00000000abcd}",
                    "TransmittedServices": "-"},
     "other", "success", "bob", None, "10.1.2.3"),
    (13, 4771, DC, {"TargetUserName": "carol", "TargetSid": "S-1-5-21-3623811015-3361044348-30300820-1106",
                    "ServiceName": "krbtgt/CORP.EXAMPLE", "TicketOptions": "0x40810010", "Status": "0x18",
                    "PreAuthType": "2", "IpAddress": "::ffff:10.1.2.4", "IpPort": "50201", "CertIssuerName": "",
                    "CertSerialNumber": "", "CertThumbprint": ""},
     "auth.failure", "failure", "carol", None, "10.1.2.4"),
    (14, 4776, DC, {"PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "TargetUserName": "carol",
                    "Workstation": "KALI", "Status": "0xc000006a"},
     "auth.failure", "failure", "carol", None, None),
    (14, 4776, DC, {"PackageName": "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "TargetUserName": "alice",
                    "Workstation": "WS07", "Status": "0x0"},
     "auth.success", "success", "alice", None, None),
    (20, 4634, WS, {"TargetUserSid": "S-1-5-21-3623811015-3361044348-30300820-1104", "TargetUserName": "alice",
                    "TargetDomainName": "CORP", "TargetLogonId": "0x1f2e3d", "LogonType": 10},
     "session.end", "success", "alice", None, None),
    (20, 4647, WS, {"TargetUserSid": "S-1-5-21-3623811015-3361044348-30300820-1104", "TargetUserName": "alice",
                    "TargetDomainName": "CORP", "TargetLogonId": "0x1f2e3d"},
     "session.end", "success", "alice", None, None),
    (21, 1102, DC, {"SubjectUserSid": ALICE["SubjectUserSid"], "SubjectUserName": "alice", "SubjectDomainName": "CORP",
                    "SubjectLogonId": "0x1f2e3d"},
     "other", "success", "alice", None, None),
]

# TerminalServices operational logs (one file each in Windows; here written together)
RDP = [
    (30, 1149, WS, {"Param1": "alice", "Param2": "CORP", "Param3": ATTACKER}, "auth.success", "success", "alice",
     None, ATTACKER),
    (30, 21, WS, {"User": "CORP\\alice", "SessionID": 3, "Address": ATTACKER}, "session.start", "success", "alice",
     None, ATTACKER),
    (45, 24, WS, {"User": "CORP\\alice", "SessionID": 3, "Address": ATTACKER}, "session.end", "success", "alice",
     None, ATTACKER),
    (50, 25, WS, {"User": "CORP\\alice", "SessionID": 3, "Address": "LOCAL"}, "session.start", "success", "alice",
     None, None),
]


def record_dicts(rows, first_id=1000):
    """The rows above as ``write_evtx`` record dicts."""
    out = []
    for i, (minutes, event_id, computer, fields, *_rest) in enumerate(rows):
        item = {"EventID": event_id, "time": T0 + timedelta(minutes=minutes, seconds=i), "Computer": computer,
                "EventRecordID": first_id + i}
        item["UserData" if event_id in (1102, 1149, 21, 22, 23, 24, 25) else "Data"] = fields
        out.append(item)
    return out
