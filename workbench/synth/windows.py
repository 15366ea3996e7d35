"""Synthetic Windows Security logs (binary ``.evtx``, one file per host) of the same cast's domain.

Benign baseline: each person's workstation logon at the start of the working day (a typo now and
then) and screen unlocks, Kerberos TGTs on the domain controller, network logons to the file
server, admin.ops's RDP sessions to the servers, and the nightly backup account's network logons.
Injected: an RDP brute force on the internet-facing APP01 that ends in a logon, lateral movement by
t.kowalski's account from its workstation to six hosts in half an hour, a password spray against
the domain controller from that workstation, and the account adding itself to Domain Admins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .evtx_writer import write_evtx
from .people import Person, at, iso, local_to_utc, weekday_on_or_before

DOMAIN, REALM = "ACME", "ACME.LOCAL"
DOMAIN_SID = "S-1-5-21-3623811015-3361044348-30300820"
SERVERS = {"DC01": "10.20.0.5", "FILE01": "10.20.0.10", "APP01": "10.20.0.11", "SQL01": "10.20.0.12"}
BACKUP_IP = "10.20.0.20"
RDP_ATTACK_IP = "194.165.16.77"
SPRAY_USERS = ("administrator", "svc-sql", "svc-web", "helpdesk", "scanner", "printer", "j.smith", "m.garcia",
               "a.chen", "r.patel", "l.nguyen", "k.obrien", "s.muller", "d.okafor", "e.rossi")


def workstation(person: Person) -> str:
    return "WS-" + "".join(c for c in person.name.upper() if c.isalnum())[:11]


@dataclass
class Host:
    """One host's Security log: records in the order they are added, numbered when written."""

    name: str
    records: list[tuple[datetime, int, dict[str, Any]]] = field(default_factory=list)
    tags: dict[int, str] = field(default_factory=dict)  # position in records -> label id

    @property
    def file(self) -> str:
        return f"Security-{self.name}.evtx"


class Domain:
    def __init__(self, rng: random.Random, cast: list[Person]) -> None:
        self.rng = rng
        self.people = [p for p in cast if not p.automation]
        self.ips = {workstation(p): f"10.20.1.{11 + i}" for i, p in enumerate(self.people)}
        self.hosts = {name: Host(name) for name in (*SERVERS, *self.ips)}
        self.sids = {p.name: f"{DOMAIN_SID}-{1104 + i}" for i, p in enumerate(self.people)}
        self.logon_ids = 0x3E8

    def add(self, host: str, when: datetime, event_id: int, data: dict[str, Any], tag: str | None = None) -> None:
        h = self.hosts[host]
        if tag:
            h.tags[len(h.records)] = tag
        h.records.append((when.replace(microsecond=0), len(h.records),
                          {"EventID": event_id, "time": when.replace(microsecond=0), "Computer": f"{host}.{REALM.lower()}",
                           "Data": data}))

    def logon_id(self) -> int:
        self.logon_ids += self.rng.randint(0x100, 0x4000)
        return self.logon_ids

    def _subject(self, host: str) -> dict[str, Any]:
        return {"SubjectUserSid": "S-1-5-18", "SubjectUserName": f"{host}$", "SubjectDomainName": DOMAIN,
                "SubjectLogonId": 0x3E7}

    def logon(self, host: str, when: datetime, user: str, logon_type: int, ip: str | None, source: str | None,
              tag: str | None = None, ntlm: bool = False) -> None:
        """4624: ``user`` logged on to ``host`` (type 2 interactive, 3 network, 7 unlock, 10 RDP)."""
        network = logon_type == 3
        package = "NTLM" if ntlm else ("Kerberos" if network else "Negotiate")
        data = {**(self._subject(host) if not network else {"SubjectUserSid": "S-1-0-0", "SubjectUserName": "-",
                                                              "SubjectDomainName": "-", "SubjectLogonId": 0}),
                "TargetUserSid": self.sids.get(user, f"{DOMAIN_SID}-500"), "TargetUserName": user,
                "TargetDomainName": DOMAIN, "TargetLogonId": self.logon_id(), "LogonType": logon_type,
                "LogonProcessName": "NtLmSsp " if ntlm else ("Kerberos" if network else "User32 "),
                "AuthenticationPackageName": package, "WorkstationName": source or "-",
                "LogonGuid": "{00000000-0000-0000-0000-000000000000}" if ntlm else
                "{%08x-%04x-%04x-%04x-%012x}" % tuple(self.rng.getrandbits(b) for b in (32, 16, 16, 16, 48)),
                "TransmittedServices": "-", "LmPackageName": "NTLM V2" if ntlm else "-", "KeyLength": 128 if ntlm else 0,
                "ProcessId": 0 if network else 0x2D4,
                "ProcessName": "-" if network else r"C:\Windows\System32\svchost.exe",
                "IpAddress": ip or "-", "IpPort": self.rng.randint(49152, 65535) if ip else 0,
                "ImpersonationLevel": "%%1833", "RestrictedAdminMode": "-" if logon_type != 10 else "%%1843",
                "TargetOutboundUserName": "-", "TargetOutboundDomainName": "-", "VirtualAccount": "%%1843",
                "TargetLinkedLogonId": 0, "ElevatedToken": "%%1842" if logon_type in (2, 10) else "%%1843"}
        self.add(host, when, 4624, data, tag)

    def failure(self, host: str, when: datetime, user: str, logon_type: int, ip: str | None, source: str | None,
                tag: str | None = None, unknown: bool = False) -> None:
        """4625: a failed logon (wrong password, or no such account)."""
        data = {**self._subject(host), "TargetUserSid": "S-1-0-0", "TargetUserName": user, "TargetDomainName": DOMAIN,
                "Status": 0xC000006D, "FailureReason": "%%2313", "SubStatus": 0xC0000064 if unknown else 0xC000006A,
                "LogonType": logon_type, "LogonProcessName": "NtLmSsp " if logon_type == 3 else "User32 ",
                "AuthenticationPackageName": "NTLM" if logon_type == 3 else "Negotiate",
                "WorkstationName": source or "-", "TransmittedServices": "-", "LmPackageName": "-", "KeyLength": 0,
                "ProcessId": 0 if logon_type == 3 else 0x2D4,
                "ProcessName": "-" if logon_type == 3 else r"C:\Windows\System32\svchost.exe",
                "IpAddress": ip or "-", "IpPort": self.rng.randint(49152, 65535) if ip else 0}
        self.add(host, when, 4625, data, tag)

    def tgt(self, when: datetime, user: str, ip: str) -> None:
        """4768 on the domain controller: a Kerberos TGT for ``user``."""
        self.add("DC01", when, 4768, {
            "TargetUserName": user, "TargetDomainName": REALM, "TargetSid": self.sids.get(user, f"{DOMAIN_SID}-500"),
            "ServiceName": "krbtgt", "ServiceSid": f"{DOMAIN_SID}-502", "TicketOptions": 0x40810010, "Status": 0,
            "TicketEncryptionType": 0x12, "PreAuthType": "2", "IpAddress": f"::ffff:{ip}",
            "IpPort": self.rng.randint(49152, 65535), "CertIssuerName": "", "CertSerialNumber": "",
            "CertThumbprint": ""})


def _baseline(dom: Domain, start: date, days: int, quiet: dict[str, date]) -> None:
    rng = dom.rng
    for d in range(days):
        day = start + timedelta(days=d)
        for hour, minute in ((1, 5),):  # the nightly backup reads the servers' shares
            t = at(day, hour, minute, rng.randint(0, 59))
            for server in ("FILE01", "APP01", "SQL01"):
                t += timedelta(seconds=rng.randint(20, 200))
                dom.logon(server, t, "svc-backup", 3, BACKUP_IP, "BACKUP01")
        if day.weekday() >= 5:
            continue
        for p in dom.people:
            if quiet.get(p.name) == day or rng.random() < 0.04:
                continue
            ws, ip = workstation(p), dom.ips[workstation(p)]
            t = local_to_utc(p.zone, day, p.start_hour) + timedelta(minutes=rng.randint(-20, 30))
            if rng.random() < 0.05:
                dom.failure(ws, t - timedelta(seconds=rng.randint(20, 60)), p.name, 2, "127.0.0.1", ws)
            dom.tgt(t - timedelta(seconds=1), p.name, ip)
            dom.logon(ws, t, p.name, 2, "127.0.0.1", ws)
            for _ in range(rng.randint(1, 3)):
                dom.logon(ws, t + timedelta(hours=rng.uniform(1.0, 7.5)), p.name, 7, "127.0.0.1", ws)
            for _ in range(rng.randint(2, 6)):
                dom.logon("FILE01", t + timedelta(minutes=rng.randint(5, 480)), p.name, 3, ip, ws)
            if p.name == "admin.ops" and rng.random() < 0.4:
                for server in rng.sample(("APP01", "SQL01"), rng.randint(1, 2)):
                    dom.logon(server, t + timedelta(minutes=rng.randint(60, 400)), p.name, 10, ip, ws)


def _rdp_brute_force(dom: Domain, t: datetime) -> list[dict[str, Any]]:
    """28 RDP password guesses on admin.ops from the internet, then a logon."""
    rng, tag = dom.rng, "win-rdp-bruteforce"
    for _ in range(28):
        dom.failure("APP01", t, "admin.ops", 10, RDP_ATTACK_IP, "kali", tag)
        t += timedelta(seconds=rng.randint(4, 15))
    dom.logon("APP01", t + timedelta(seconds=20), "admin.ops", 10, RDP_ATTACK_IP, "kali", tag)
    return [{"id": tag, "check": "brute_force_success", "users": ["admin.ops"], "ips": [RDP_ATTACK_IP],
             "host": "APP01"}]


def _lateral(dom: Domain, who: Person, t: datetime) -> list[dict[str, Any]]:
    """t.kowalski's account hops from its workstation to six hosts over NTLM, sprays the domain
    controller, and adds itself to Domain Admins."""
    rng, ws = dom.rng, workstation(who)
    ip = dom.ips[ws]
    targets = ["FILE01", "APP01", "SQL01", "DC01", *[w for w in dom.ips if w != ws][:2]]
    for host in targets:
        t += timedelta(minutes=rng.randint(2, 5))
        dom.logon(host, t, who.name, 3, ip, ws, "win-lateral", ntlm=True)
    spray_at = t + timedelta(minutes=3)
    for user in SPRAY_USERS:
        spray_at += timedelta(seconds=rng.randint(5, 25))
        dom.failure("DC01", spray_at, user, 3, ip, ws, "win-spray", unknown=user in ("scanner", "printer"))
    grant_at = spray_at + timedelta(minutes=4)
    dom.add("DC01", grant_at, 4728, {
        "MemberName": f"CN={who.name},OU=Staff,DC=acme,DC=local", "MemberSid": dom.sids[who.name],
        "TargetUserName": "Domain Admins", "TargetDomainName": DOMAIN, "TargetSid": f"{DOMAIN_SID}-512",
        "SubjectUserSid": dom.sids[who.name], "SubjectUserName": who.name, "SubjectDomainName": DOMAIN,
        "SubjectLogonId": dom.logon_id(), "PrivilegeList": "-"}, "win-grant")
    return [{"id": "win-lateral", "check": "lateral_movement", "users": [who.name], "ips": [ip], "host": "FILE01"},
            {"id": "win-spray", "check": "password_spray", "users": list(SPRAY_USERS), "ips": [ip], "host": "DC01"},
            {"id": "win-grant", "check": "privilege_change", "users": [who.name], "ips": [], "host": "DC01"}]


def generate(rng: random.Random, cast: list[Person], start: date, days: int, out: Path,
             ) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Write one ``Security-<HOST>.evtx`` per host into ``out``; returns ({file: records}, incidents)."""
    dom = Domain(rng, cast)
    by_name = {p.name: p for p in cast}
    lateral_day = weekday_on_or_before(start + timedelta(days=days - 6))
    _baseline(dom, start, days, quiet={})
    incidents = [*_rdp_brute_force(dom, at(start + timedelta(days=days - 5), 2, 30, rng.randint(0, 59))),
                 *_lateral(dom, by_name["t.kowalski"], at(lateral_day, 21, 40, rng.randint(0, 59)))]
    files: dict[str, int] = {}
    where: dict[str, list[tuple[str, int, datetime]]] = {}
    for host in dom.hosts.values():
        order = sorted(range(len(host.records)), key=lambda i: (host.records[i][0], host.records[i][1]))
        records = []
        for number, i in enumerate(order, 1):
            rec = {**host.records[i][2], "EventRecordID": number}
            records.append(rec)
            if i in host.tags:
                where.setdefault(host.tags[i], []).append((host.file, number, rec["time"]))
        files[host.file] = write_evtx(out / host.file, records)
    for label in incidents:
        wanted = f"Security-{label.pop('host')}.evtx"
        hits = [w for w in where[label["id"]] if w[0] == wanted]
        label.update(file=hits[0][0], refs=[n for _, n, _ in hits], first_seen=iso(min(h[2] for h in hits)),
                     last_seen=iso(max(h[2] for h in hits)))
    return files, incidents
