"""Synthetic ``/var/log/auth.log`` of host web-01 (classic BSD syslog, no year, UTC).

Benign baseline: ``deploy`` signs in by public key from the bastion 10.0.4.12 and runs sudo, hourly
CRON sessions, and daily internet scanners (1–3 attempts each against invalid users, never a
success). Injected: a password brute force that ends in ``Accepted password for deploy`` from
185.220.101.34, and a password spray from 103.152.220.10 that never succeeds.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .people import at, iso

FILE = "auth.log"
HOST = "web-01"
BASTION = "10.0.4.12"
ATTACK_IP, SPRAY_IP = "185.220.101.34", "103.152.220.10"
DEPLOY_UID, LOGIND_PID = 1001, 712
SCAN_USERS = ("admin", "test", "user", "oracle", "ubuntu", "postgres", "git", "ftpuser", "guest", "pi",
              "support", "hadoop", "minecraft", "ubnt", "tomcat", "jenkins", "dev", "mysql", "www", "ansible")
SPRAY_USERS = ("admin", "administrator", "user1", "test1", "operator", "backup", "webadmin", "sysadmin",
               "nagios", "zabbix", "elastic", "kafka", "redis", "docker", "gitlab", "odoo", "sftp", "vagrant",
               "centos", "azureuser")
SUDO = ("/usr/bin/systemctl restart nginx", "/usr/bin/systemctl reload nginx", "/usr/bin/systemctl status app",
        "/usr/bin/journalctl -u app --since today", "/usr/bin/tail -n 200 /var/log/nginx/error.log",
        "/usr/bin/docker compose -f /srv/app/docker-compose.yml pull", "/usr/bin/apt-get update")
_FIRST_OCTETS = (5, 14, 36, 43, 61, 91, 101, 112, 114, 116, 118, 121, 122, 139, 141, 159, 164, 167, 170,
                 178, 180, 183, 188, 193, 194, 195, 201, 203, 206, 209, 211, 218, 221, 222)


@dataclass
class _Line:
    ts: datetime
    seq: int
    prog: str
    proc: str | None  # key of the process: lines with the same key share a pid; None = no pid
    msg: str
    tag: str | None = None  # label id for lines that are evidence of an incident


class AuthLog:
    """Collects syslog lines; pids are handed out in time order when the file is rendered."""

    def __init__(self, rng: random.Random, scale: float) -> None:
        self.rng, self.scale = rng, scale
        self.lines: list[_Line] = []
        self.procs = 0
        self.session_no = 0
        key = base64.b64encode(rng.getrandbits(256).to_bytes(32, "big")).decode().rstrip("=")
        self.fingerprint = f"ED25519 SHA256:{key}"

    def scaled(self, n: float, floor: int = 0) -> int:
        x = n * self.scale
        return max(floor, int(x) + (self.rng.random() < x - int(x)))

    def proc(self) -> str:
        self.procs += 1
        return f"p{self.procs}"

    def add(self, ts: datetime, prog: str, proc: str | None, msg: str, tag: str | None = None) -> None:
        self.lines.append(_Line(ts.replace(microsecond=0), len(self.lines), prog, proc, msg, tag))

    def port(self) -> int:
        return self.rng.randint(32768, 60999)

    def pam_fail(self, t: datetime, pid: str, ip: str, user: str | None) -> None:
        if user is None:
            self.add(t, "sshd", pid, "pam_unix(sshd:auth): check pass; user unknown")
        tail = f"  user={user}" if user else ""
        self.add(t, "sshd", pid, f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                                 f"tty=ssh ruser= rhost={ip}{tail}")

    def attempts(self, t: datetime, ip: str, user: str, valid: bool, tries: int, tag: str | None = None,
                 password: bool = True) -> datetime:
        """One failed SSH connection with ``tries`` password attempts; returns the time it closed."""
        rng, pid, port = self.rng, self.proc(), self.port()
        if not valid:
            self.add(t, "sshd", pid, f"Invalid user {user} from {ip} port {port}", tag)
        if not password:  # a key-only probe: it gives up without a password
            self.add(t + timedelta(seconds=1), "sshd", pid,
                     f"Connection closed by invalid user {user} {ip} port {port} [preauth]")
            return t + timedelta(seconds=1)
        for n in range(tries):
            t += timedelta(seconds=rng.randint(1, 3))
            if n == 0:
                self.pam_fail(t, pid, ip, None if not valid else user)
            who = user if valid else f"invalid user {user}"
            self.add(t, "sshd", pid, f"Failed password for {who} from {ip} port {port} ssh2", tag)
        t += timedelta(seconds=rng.randint(0, 2))
        who = f"authenticating user {user}" if valid else f"invalid user {user}"
        self.add(t, "sshd", pid, f"Connection closed by {who} {ip} port {port} [preauth]")
        return t

    def session(self, t: datetime, ip: str, how: str, commands: list[str], minutes: float,
                tag: str | None = None) -> None:
        """An accepted deploy login, its PAM/logind session, sudo commands and the logout."""
        rng, pid, port, tty = self.rng, self.proc(), self.port(), f"pts/{self.rng.randint(0, 1)}"
        self.session_no += rng.randint(1, 3)
        sid = self.session_no
        suffix = f": {self.fingerprint}" if how == "publickey" else ""
        self.add(t, "sshd", pid, f"Accepted {how} for deploy from {ip} port {port} ssh2{suffix}", tag)
        self.add(t, "sshd", pid, f"pam_unix(sshd:session): session opened for user deploy(uid={DEPLOY_UID}) by (uid=0)")
        self.add(t, "systemd-logind", "logind", f"New session {sid} of user deploy.")
        end = t + timedelta(minutes=minutes)
        for cmd in commands:
            t += timedelta(seconds=rng.randint(20, int(max(40, minutes * 60 / (len(commands) + 1)))))
            sudo = self.proc()
            self.add(t, "sudo", None, f"  deploy : TTY={tty} ; PWD=/home/deploy ; USER=root ; COMMAND={cmd}")
            self.add(t, "sudo", sudo,
                     f"pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid={DEPLOY_UID})")
            self.add(t + timedelta(seconds=rng.randint(0, 4)), "sudo", sudo,
                     "pam_unix(sudo:session): session closed for user root")
        end = max(end, t + timedelta(seconds=30))
        self.add(end, "sshd", pid, f"Received disconnect from {ip} port {port}:11: disconnected by user")
        self.add(end, "sshd", pid, f"Disconnected from user deploy {ip} port {port}")
        self.add(end, "sshd", pid, "pam_unix(sshd:session): session closed for user deploy")
        self.add(end, "systemd-logind", "logind", f"Session {sid} logged out. Waiting for processes to exit.")
        self.add(end, "systemd-logind", "logind", f"Removed session {sid}.")

    def scanner_ip(self) -> str:
        rng = self.rng
        while True:
            ip = f"{rng.choice(_FIRST_OCTETS)}.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            if not ip.startswith(("185.220.101.", "103.152.220.", "45.155.205.", "62.76.41.", "177.37.", "5.188.62.")):
                return ip

    def render(self) -> tuple[bytes, dict[str, list[tuple[int, datetime]]]]:
        """The file text (sorted by time) and, per tag, the (1-based number, time) of its lines."""
        rng, pids, refs = self.rng, {"logind": LOGIND_PID}, {}
        next_pid = rng.randint(1200, 2500)
        out = []
        for n, line in enumerate(sorted(self.lines, key=lambda ln: (ln.ts, ln.seq)), 1):
            if line.proc is not None and line.proc not in pids:
                next_pid += rng.randint(2, 60)
                pids[line.proc] = next_pid
            pid = f"[{pids[line.proc]}]" if line.proc is not None else ""
            stamp = f"{line.ts:%b} {line.ts.day:>2} {line.ts:%H:%M:%S}"
            out.append(f"{stamp} {HOST} {line.prog}{pid}: {line.msg}\n")
            if line.tag:
                refs.setdefault(line.tag, []).append((n, line.ts))
        return "".join(out).encode(), refs


def _baseline(log: AuthLog, start: date, days: int, quiet: tuple[datetime, datetime]) -> None:
    rng = log.rng
    for i in range(days):
        day = start + timedelta(days=i)
        for hour in range(24):
            pid, t = log.proc(), at(day, hour, 17, 1)
            log.add(t, "CRON", pid, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
            log.add(t + timedelta(seconds=rng.choice((0, 0, 1))), "CRON", pid,
                    "pam_unix(cron:session): session closed for user root")
        n = log.scaled(rng.randint(2, 4) if day.weekday() < 5 else rng.randint(0, 1))
        for _ in range(n):
            t = at(day, 0, 0) + timedelta(hours=rng.uniform(8.0, 22.0))
            if quiet[0] <= t <= quiet[1]:
                continue
            cmds = [rng.choice(SUDO) for _ in range(rng.randint(0, 2))]
            log.session(t, BASTION, "publickey", cmds, rng.uniform(2, 40))
        for _ in range(log.scaled(rng.randint(2, 6))):
            t, ip = at(day, 0, 0) + timedelta(seconds=rng.randint(0, 86399)), log.scanner_ip()
            for _ in range(rng.randint(1, 3)):
                user = rng.choice(SCAN_USERS)
                if rng.random() < 0.15:
                    t = log.attempts(t, ip, "root", True, 1)
                else:
                    t = log.attempts(t, ip, user, False, 1, password=rng.random() < 0.8)
                t += timedelta(seconds=rng.randint(1, 20))


def _brute_force(log: AuthLog, t: datetime) -> dict[str, Any]:
    """~30 password guesses in ~10 minutes, the last ones on deploy, then a password login and sudo."""
    rng, tag = log.rng, "ssh-bruteforce-deploy"
    targets = ["root"] * 10 + ["admin"] * 4 + ["oracle"] * 4 + ["test"] * 4 + ["deploy"] * 8
    rng.shuffle(targets)
    for user in targets:
        # the guesses on deploy make the finding; the ones on other accounts are context
        t = log.attempts(t, ATTACK_IP, user, user in ("root", "deploy"), 1,
                         tag if user == "deploy" else f"{tag}:context")
        t += timedelta(seconds=rng.randint(12, 22))
    log.session(t, ATTACK_IP, "password", ["/bin/bash"], rng.uniform(15, 25), tag)
    return {"id": tag, "check": "brute_force_success", "users": ["deploy"], "ips": [ATTACK_IP]}


def _spray(log: AuthLog, t: datetime) -> dict[str, Any]:
    """20 invalid users, 1–2 passwords each, spread over an hour, never a success: a password
    spray (T1110.003) that failed, and must not pass for a brute force that succeeded."""
    rng, tag = log.rng, "ssh-spray"
    for user in SPRAY_USERS:
        t = log.attempts(t, SPRAY_IP, user, False, rng.randint(1, 2), tag)
        t += timedelta(seconds=rng.randint(120, 220))
    return {"id": tag, "check": "password_spray", "users": list(SPRAY_USERS), "ips": [SPRAY_IP],
            "note": "spray without success"}


def generate(rng: random.Random, start: date, days: int, scale: float,
             ) -> tuple[bytes, int, list[dict[str, Any]], list[dict[str, Any]]]:
    """(file bytes, line count, incidents, benign_expected) for the whole period."""
    log = AuthLog(rng, scale)
    attack = at(start + timedelta(days=days - 2), 1, 13, rng.randint(0, 59))
    spray = at(start + timedelta(days=days - 9), 19, 2, rng.randint(0, 59))
    _baseline(log, start, days, quiet=(attack - timedelta(hours=2), attack + timedelta(hours=2)))
    incident, spraying = _brute_force(log, attack), _spray(log, spray)
    body, refs = log.render()
    for label in (incident, spraying):
        tagged = refs[label["id"]]
        label.update(first_seen=iso(tagged[0][1]), last_seen=iso(tagged[-1][1]), file=FILE,
                     refs=[n for n, _ in tagged])
        if f"{label['id']}:context" in refs:
            label["context_refs"] = [n for n, _ in refs[f"{label['id']}:context"]]
    accepted = incident["refs"][-1]  # the attacker's login, at 01:xx: far from deploy's working hours
    hours = {"id": "ssh-hours-deploy", "check": "unusual_hours", "users": ["deploy"], "ips": [ATTACK_IP],
             "file": FILE, "refs": [accepted], "first_seen": incident["last_seen"], "last_seen": incident["last_seen"]}
    return body, body.count(b"\n"), [incident, spraying, hours], []
