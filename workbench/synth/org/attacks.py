"""The attacks of the evaluation, each in an obvious and a realistic (or stealthy) variant, laid over the
benign organisation. Every variant is one label: the check expected to report it, the accounts, and
the tag of its evidence (resolved to files and record ids when the export is written). ``short`` marks
the variants that fall in the short export (the incident day only) and must still be found there.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from .background import BASTION, LINUX_HOSTS, WIN_SERVERS, Member, home_ip as _home_ip, local
from .network import NETS
from .shapes import AWS_CLI, CONSOLE_UA, DOMAIN, EDGE, Export

UTC = timezone.utc
INCIDENT_DAY = 18  # the day the short export holds


def _pick(crew: list[Member], role: str, n: int = 0) -> Member:
    return [m for m in crew if m.role == role][n]


def _at(start: date, d: int, hh: float) -> datetime:
    return datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=d, hours=hh)


def inject(ex: Export, crew: list[Member], start: date) -> list[dict]:
    rng = random.Random("attacks")
    labels: list[dict] = []

    def label(tag: str, check: str, users, short: bool = False, note: str = "") -> None:
        labels.append({"id": tag, "check": check, "users": sorted(set(users)), "short": short, "note": note})

    people = [m for m in crew if m.role not in ("soc",)]
    upns = [m.upn for m in people]

    # --- password spray ---------------------------------------------------------------------------------
    ip, t = NETS["selectel"][0].ip(rng), _at(start, 6, 2.5)
    targets = rng.sample(upns, 30)
    for u in targets:
        t += timedelta(seconds=rng.uniform(5, 20))
        ex.signin(t, u, ip, code=50126, ua="python-requests/2.28.1", country="RU", tag="spray-obvious")
    label("spray-obvious", "password_spray", targets, note="30 accounts, one IP, 50126")

    ip, t = NETS["m247"][0].ip(rng), _at(start, 8, 23.2)
    ghosts = [f"{n}@{DOMAIN}" for n in ("admin", "administrator", "test", "it", "helpdesk", "support", "info",
                                         "sales", "hr", "finance", "backup", "scanner", "office", "reception",
                                         "marketing", "billing", "jobs", "security", "service", "training",
                                         "noc", "dev", "ops", "mail", "webmaster", "ceo", "cfo", "payroll",
                                         "accounts", "legal", "careers", "contact", "team", "user")]
    real = rng.sample(upns, 8)
    for u in rng.sample(ghosts + real, len(ghosts) + len(real)):
        t += timedelta(seconds=rng.uniform(20, 70))
        ex.signin(t, u, ip, code=50126 if u in real else 50034, ua="Mozilla/5.0", country="RO", tag="spray-unknown")
    label("spray-unknown", "password_spray", ghosts + real, note="34 of 42 names do not exist (50034)")

    ip, t = NETS["vnpt"][0].ip(rng), _at(start, INCIDENT_DAY, 5.1)
    names = [f"{a}{b}" for a in ("admin", "user", "test", "dev", "oracle", "git", "deploy", "backup", "ftp",
                                 "web", "pi", "ubnt", "guest") for b in ("", "1", "01", "123")]
    for n in names:
        t += timedelta(seconds=29 / len(names))
        port = rng.randint(30000, 60000)
        ex.line(t, BASTION, "sshd", f"Invalid user {n} from {ip} port {port}", tag="spray-sshd-keys")
        ex.line(t, BASTION, "sshd", f"Connection closed by invalid user {n} {ip} port {port} [preauth]")
    label("spray-sshd-keys", "password_spray", names, short=True,
          note="keys-only sshd: 52 invalid users in 29 s, no 'Failed password'")

    t = _at(start, 10, 1.0)
    targets = rng.sample(upns, 40)
    for u in targets:
        t += timedelta(seconds=rng.uniform(60, 300))
        n = rng.choice(NETS["digitalocean"][:1])
        ex.signin(t, u, n.ip(rng), code=rng.choice((50126, 50126, 50053)), ua="Mozilla/5.0", country="NL",
                  tag="spray-distributed")
    label("spray-distributed", "password_spray", targets, note="40 accounts, one address each from one provider")

    t, src = _at(start, 12, 10.0), "10.20.9.77"
    ad = rng.sample([m.sam for m in people], 30)
    for u in ad:
        t += timedelta(seconds=rng.uniform(2, 10))
        ex.kerberos_failure(t, u, src, tag="spray-kerberos")
    label("spray-kerberos", "password_spray", ad, note="4771 pre-authentication failures, 30 accounts")

    t = _at(start, 13, 15.0)
    ad = rng.sample([m.sam for m in people], 25)
    for u in ad:
        t += timedelta(seconds=rng.uniform(2, 10))
        ex.ntlm_check(t, u, "WS-KIOSK07", status=0xC000006A, tag="spray-ntlm")
    label("spray-ntlm", "password_spray", ad, note="4776 NTLM validation failures, 25 accounts")

    # --- brute force --------------------------------------------------------------------------------------
    victim, ip, t = _pick(crew, "ops", 0), NETS["claro_br"][0].ip(rng), _at(start, 6, 7.0)
    for _ in range(40):
        t += timedelta(seconds=rng.uniform(2, 8))
        ex.line(t, BASTION, "sshd", f"Failed password for {victim.sam} from {ip} port {rng.randint(30000, 60000)} ssh2",
                tag="bf-obvious")
    ex.ssh_login(t + timedelta(seconds=5), BASTION, victim.sam, ip, key=False, tag="bf-obvious")
    label("bf-obvious", "brute_force_success", [victim.sam], note="40 failures then success, sshd")

    victim, ip, t = _pick(crew, "office", 3), NETS["selectel"][0].ip(rng), _at(start, INCIDENT_DAY, 1.0)
    for _ in range(409):
        t += timedelta(seconds=rng.uniform(5, 30))
        ex.signin(t, victim.upn, ip, code=50126, ua="python-requests/2.31.0", country="RU", tag="bf-failed-only")
    label("bf-failed-only", "brute_force_success", [victim.upn], short=True, note="409 tries, no success")

    ip, t = NETS["m247"][0].ip(rng), _at(start, INCIDENT_DAY, 8.0)
    for _ in range(3561):
        t += timedelta(seconds=rng.uniform(1, 5))
        ex.logon_failure("SRV-APP01", t, "Administrator", 3, ip, tag="bf-smb-admin", workstation="kali")
    label("bf-smb-admin", "brute_force_success", ["Administrator"], short=True, note="3,561 SMB 4625, no success")

    victim, ip, t = _pick(crew, "office", 5), NETS["mtn_ng"][0].ip(rng), _at(start, 15, 0.0)
    for _ in range(30):
        for _ in range(2):
            ex.signin(t + timedelta(seconds=rng.uniform(0, 30)), victim.upn, ip, code=50126, country="NG",
                      tag="bf-slow")
        t += timedelta(minutes=20)
    ex.signin(t, victim.upn, ip, country="NG", tag="bf-slow")
    label("bf-slow", "brute_force_success", [victim.upn], note="2 tries every 20 min for 10 h, then success")

    # --- cloud CLI ------------------------------------------------------------------------------------------
    who, ip, t = _pick(crew, "iamadmin", 0), NETS["digitalocean"][1].ip(rng), _at(start, 9, 20.0)
    for name in ("GetCallerIdentity", "ListUsers", "ListRoles", "ListAttachedUserPolicies", "GetAccountSummary"):
        t += timedelta(seconds=rng.uniform(3, 20))
        ex.aws(t, who.sam, "iam.amazonaws.com" if name != "GetCallerIdentity" else "sts.amazonaws.com", name, ip,
               AWS_CLI.format(name.lower()), tag="cli-obvious")
    label("cli-obvious", "cloud_cli", [who.sam], note="console admin, first aws-cli, new hosting IP")

    who = _pick(crew, "iamadmin", 1)
    ip = NETS["m247"][0].ip(rng)
    for d in (15, 16, 17):
        t = _at(start, d, 21.0)
        for name in ("ListBuckets", "GetBucketAcl", "ListObjects", "GetObject", "GetObject"):
            t += timedelta(seconds=rng.uniform(3, 40))
            ex.aws(t, who.sam, "s3.amazonaws.com", name, ip, AWS_CLI.format("s3"), tag="cli-second-day")
    label("cli-second-day", "cloud_cli", [who.sam], note="the attacker's CLI on three days must not become habit")

    who = _pick(crew, "office", 1)
    t = local(who, start + timedelta(days=11), 14.2)
    ex.signin(t, who.upn, _home_ip(who), app="Azure Active Directory PowerShell",
              ua="Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.3930", country="US",
              tag="cli-aad-powershell")
    label("cli-aad-powershell", "cloud_cli", [who.upn], note="Azure AD PowerShell from the usual address")

    # --- token use --------------------------------------------------------------------------------------------
    who, ip = _pick(crew, "office", 2), NETS["vnpt"][0].ip(rng)
    t = _at(start, 10, 3.0)
    for k in range(3):
        ex.signin(t + timedelta(minutes=9 * k), who.upn, ip, app="Microsoft Authentication Broker", interactive=False,
                  ua="python-requests/2.31.0", country="VN", tag="token-obvious")
    label("token-obvious", "token_use", [who.upn], note="new client and new IP")

    who = _pick(crew, "office", 6)
    ip = NETS["claro_br"][0].ip(rng)
    t = local(who, start + timedelta(days=14), 11.0)
    for k in range(4):
        ex.signin(t + timedelta(minutes=14 * k), who.upn, ip, app="Office 365 Exchange Online", interactive=False,
                  ua="Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)", country="BR",
                  tag="token-replay")
    label("token-replay", "token_use", [who.upn], note="refresh token replayed through the usual Outlook client")

    # --- lateral movement -----------------------------------------------------------------------------------
    who = _pick(crew, "office", 7)
    t = _at(start, 7, 16.0)
    for host in rng.sample(WIN_SERVERS[:14], 8):
        t += timedelta(minutes=rng.uniform(1, 2))
        ex.logon(host, t, who.sam, 3, who.ws_ip, who.workstation, tag="lat-obvious", package="NTLM")
    label("lat-obvious", "lateral_movement", [who.sam], note="8 servers in 15 min, never before")

    who = _pick(crew, "office", 8)
    t = _at(start, INCIDENT_DAY, 15.0)
    for host in ("SRV-SQL01", "SRV-SQL02", "SRV-APP07", "CA01"):
        t += timedelta(minutes=rng.uniform(3, 6))
        ex.logon(host, t, who.sam, 3, who.ws_ip, who.workstation, tag="lat-4hosts", package="NTLM")
    label("lat-4hosts", "lateral_movement", [who.sam], note="4 hosts in 20 min by an account that never fanned out")

    who = _pick(crew, "ops", 2)
    t = _at(start, 13, 3.0)  # from an application server, at night, to databases the engineer never reached
    for host in [h for h in LINUX_HOSTS if h not in who.hosts][:5]:
        t += timedelta(minutes=rng.uniform(1, 4))
        ex.ssh_login(t, host, who.sam, "10.10.3.3", tag="lat-ssh-newsource")
    label("lat-ssh-newsource", "lateral_movement", [who.sam], note="ops account, new source, night, new hosts")

    # --- impossible travel ------------------------------------------------------------------------------------
    who = _pick(crew, "office", 0)
    t = _at(start, INCIDENT_DAY, 14.0)
    ex.signin(t, who.upn, _home_ip(who), app="Microsoft Office", country="US", tag="travel-obvious")
    ex.signin(t + timedelta(minutes=40), who.upn, NETS["vnpt"][0].ip(rng), app="Microsoft Office", ua=EDGE,
              country="VN", tag="travel-obvious")
    label("travel-obvious", "impossible_travel", [who.upn], short=True, note="Boston then Hanoi 40 min later")

    who = _pick(crew, "office", 11)  # London
    t = local(who, start + timedelta(days=12), 10.0)
    ex.signin(t, who.upn, _home_ip(who), app="Microsoft Office", country="GB", tag="travel-mobile")
    ex.signin(t + timedelta(minutes=25), who.upn, NETS["mtn_ng"][0].ip(rng), app="Microsoft Teams",
              interactive=False, country="NG", tag="travel-mobile")
    label("travel-mobile", "impossible_travel", [who.upn], note="London then Lagos (a mobile network) 25 min later")

    # --- unusual hours ----------------------------------------------------------------------------------------
    who = _pick(crew, "office", 4)
    t = local(who, start + timedelta(days=9), 3.0)
    ex.signin(t, who.upn, _home_ip(who), app="Microsoft Office", country="US", tag="hours-obvious")
    label("hours-obvious", "unusual_hours", [who.upn], note="03:00 local on a Wednesday")

    who = _pick(crew, "dev", 0)
    t = local(who, start + timedelta(days=19), 3 + 10 / 60)  # Saturday 23 March, 03:10 in Los Angeles
    ex.aws(t, who.sam, "signin.amazonaws.com", "ConsoleLogin", _home_ip(who), CONSOLE_UA, tag="hours-saturday")
    for name in ("ListBuckets", "GetBucketPolicy", "ListSecrets"):
        t += timedelta(minutes=2)
        ex.aws(t, who.sam, "s3.amazonaws.com", name, _home_ip(who), CONSOLE_UA, console=True, tag="hours-saturday")
    label("hours-saturday", "unusual_hours", [who.sam], note="console login 03:10 local on a Saturday")

    # --- privilege change -------------------------------------------------------------------------------------
    who = _pick(crew, "dev", 1)
    t = _at(start, INCIDENT_DAY, 19.0)
    ex.aws(t, who.sam, "iam.amazonaws.com", "AttachUserPolicy", _home_ip(who), AWS_CLI.format("iam.attach-user-policy"),
           params={"userName": who.sam, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
           read_only=False, tag="priv-self-admin")
    label("priv-self-admin", "privilege_change", [who.sam], short=True, note="a developer attaches AdministratorAccess to itself")

    who = _pick(crew, "office", 9)
    ex.group_add(_at(start, 15, 16.5), who.sam, who.sam, "Domain Admins", tag="priv-domain-admins")
    label("priv-domain-admins", "privilege_change", [who.sam], note="adds itself to Domain Admins")

    who = _pick(crew, "dev", 2)
    ex.aws(_at(start, 13, 18.0), who.sam, "iam.amazonaws.com", "AddUserToGroup", _home_ip(who),
           AWS_CLI.format("iam.add-user-to-group"), params={"groupName": "developers", "userName": "contractor-417"},
           read_only=False, tag="priv-first-grant")
    label("priv-first-grant", "privilege_change", [who.sam], note="first IAM change ever by a developer")

    # --- MFA fatigue --------------------------------------------------------------------------------------------
    who, ip = _pick(crew, "office", 10), NETS["selectel"][0].ip(rng)
    t = _at(start, 9, 22.0)
    for _ in range(12):
        t += timedelta(seconds=rng.uniform(30, 60))
        ex.signin(t, who.upn, ip, code=500121, country="RU", tag="mfa-obvious")
    ex.signin(t + timedelta(minutes=1), who.upn, ip, country="RU", tag="mfa-obvious")
    label("mfa-obvious", "mfa_fatigue", [who.upn], note="12 denials in 10 min, then approved")

    who, ip = _pick(crew, "office", 12), NETS["m247"][0].ip(rng)
    t = _at(start, 16, 20.0)
    for _ in range(4):
        t += timedelta(minutes=rng.uniform(10, 14))
        ex.signin(t, who.upn, ip, code=500121, country="RO", tag="mfa-slow")
    ex.signin(t + timedelta(minutes=3), who.upn, ip, country="RO", tag="mfa-slow")
    label("mfa-slow", "mfa_fatigue", [who.upn], note="4 denials over 50 min, then approved")

    # --- new country ------------------------------------------------------------------------------------------
    who = _pick(crew, "office", 13)
    t = _at(start, 17, 4.0)
    ex.signin(t, who.upn, NETS["sfr_paris"][0].ip(rng), app="Microsoft Office", country="FR", tag="newc-obvious")
    label("newc-obvious", "new_country", [who.upn], note="first sign-in from France")

    # --- access surge -----------------------------------------------------------------------------------------
    who = _pick(crew, "dev", 3)
    t = _at(start, 12, 19.0)
    for k in range(5000):
        ex.aws(t + timedelta(seconds=0.7 * k), who.sam, "s3.amazonaws.com", "GetObject", _home_ip(who),
               AWS_CLI.format("s3.cp"), params={"bucketName": "finance-exports", "key": f"2024/{k:05d}.csv"},
               tag="surge-obvious")
    label("surge-obvious", "access_surge", [who.sam], note="5,000 GetObject in an hour")
    return labels
