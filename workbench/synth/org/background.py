"""The benign organisation: how the people and machines of a 600-seat company show up in its logs over
three weeks, written from how such companies work (not from what the checks look for).

- office staff in Boston and London: a morning sign-in, token refreshes through Outlook and Teams all day,
  a workstation logon, Kerberos tickets and file-server network logons; a typo or an expired password now
  and then;
- an India team (UTC+5:30) on Airtel and Jio mobile data, whose addresses land in a different city of India
  within the hour;
- US Pacific (UTC−8) developers who use the Azure CLI and aws-cli / boto3 every working day;
- people on the corporate VPN (Zscaler), whose egress node sometimes sits on another continent;
- travellers: a London–New York flight, a weekend in Lisbon, a weekly second office in Dublin;
- a night-shift SOC (22:00–06:00 UTC, weekends on rota);
- Linux operations engineers who reach 6–15 hosts through the bastion every working day, and Windows
  admins who RDP to 6–12 servers;
- IAM administrators who create users, keys and policies weekly, and a CI/CD role that changes role
  policies on every deploy;
- service accounts around the clock: backup and monitoring logons to every server, Ansible over SSH to every
  host at night, an ETL role reading S3 hourly;
- the internet: scanners trying a few names on the bastion's sshd every day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .network import NETS, Net, net
from .shapes import AWS_CLI, BOTO, CONSOLE_UA, DOMAIN, EDGE, OUTLOOK, SAFARI_IOS, TERRAFORM, Export

UTC = timezone.utc
LINUX_HOSTS = tuple([f"web{i:02d}" for i in range(1, 13)] + [f"db{i:02d}" for i in range(1, 5)]
                    + [f"app{i:02d}" for i in range(1, 7)] + [f"k8s-node{i:02d}" for i in range(1, 5)])
WIN_SERVERS = tuple([f"SRV-APP{i:02d}" for i in range(1, 11)] + [f"SRV-SQL{i:02d}" for i in range(1, 5)]
                    + ["FILE01", "FILE02", "PRINT01", "SIEM01", "WSUS01", "CA01"])
BASTION, BASTION_IP, ANSIBLE_IP = "bastion01", "10.10.0.5", "10.10.0.8"


@dataclass
class Member:
    sam: str
    zone: str
    role: str
    home: str  # network key in NETS
    start: float  # local working hours
    end: float
    ws_ip: str = ""
    hosts: tuple[str, ...] = ()  # the hosts this person's job takes them to
    weekend: bool = False

    @property
    def upn(self) -> str:
        return f"{self.sam}@{DOMAIN}"

    @property
    def workstation(self) -> str:
        return "WS-" + self.sam.replace(".", "").upper()[:10]


def roster(rng: random.Random) -> list[Member]:
    first = ["alice", "bruno", "chloe", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jonas", "kavya",
             "liam", "maya", "nikhil", "olga", "priya", "quentin", "rahul", "sara", "tomas", "uma", "victor",
             "wen", "xavier", "yusuf", "zoe", "arjun", "bea", "carlos", "deepa", "emil", "fatima", "gopal",
             "hana", "ivan", "julia", "karan", "lena", "marco", "nora", "omar", "paula", "ravi", "sofia",
             "tariq", "ursula", "vikram", "wanda", "yara", "zain", "anil", "bianca", "cyrus", "dana"]
    last = ["ng", "roy", "kim", "li", "shah", "diaz", "berg", "iyer", "ross", "lund", "rao", "moss", "cole",
            "bose", "park", "fox", "menon", "hart", "nair", "webb", "cruz", "das", "kerr", "vos", "pillai"]
    names = [f"{f}.{rng.choice(last)}" for f in first]
    plan = ([("office", "America/New_York", "comcast_east", 8, 17.5)] * 10
            + [("office", "Europe/London", "bt_uk", 8.5, 17.5)] * 5
            + [("mobile", "Asia/Kolkata", "airtel_mobile", 9.5, 18.5)] * 3
            + [("mobile", "Asia/Kolkata", "jio_mobile", 10, 19)] * 3
            + [("dev", "America/Los_Angeles", "comcast_west", 9, 18)] * 4
            + [("dev", "America/Los_Angeles", "spectrum_west", 8, 17)] * 2
            + [("vpn", "America/New_York", "comcast_east", 8, 17)] * 4
            + [("vpn", "Europe/London", "bt_uk", 9, 18)] * 2
            + [("vpn", "Asia/Kolkata", "airtel_mobile", 10, 19)] * 2
            + [("flyer", "Europe/London", "bt_uk", 8, 18), ("weekender", "Europe/London", "bt_uk", 9, 17.5),
               ("dublin", "Europe/London", "bt_uk", 8.5, 17)]
            + [("soc", "UTC", "bt_uk", 22, 30)] * 4
            + [("ops", "Europe/London", "bt_uk", 8, 18)] * 3 + [("ops", "America/New_York", "comcast_east", 8, 18)] * 3
            + [("winadmin", "America/New_York", "comcast_east", 7.5, 16.5)] * 3
            + [("iamadmin", "America/New_York", "comcast_east", 8, 17)] * 2)
    out = []
    for i, (role, zone, home, start, end) in enumerate(plan):
        m = Member(names[i], zone, role, home, start + rng.choice((-0.5, 0, 0, 0.5)), end + rng.choice((-0.5, 0, 0.5)),
                   ws_ip=f"10.20.{1 + i // 200}.{10 + i % 200}", weekend=role == "soc" and i % 2 == 0)
        if role == "ops":
            m.hosts = tuple(rng.sample(LINUX_HOSTS, 18))
        elif role == "winadmin":
            m.hosts = tuple(rng.sample(WIN_SERVERS, 14))
        out.append(m)
    return out


def zone(m: Member, day: date) -> str:
    """The person's time zone that day (the traveller keeps New York time in New York)."""
    if m.role == "flyer" and date(2024, 3, 13) <= day <= date(2024, 3, 15):
        return "America/New_York"
    return m.zone


def local(m: Member, day: date, hours: float) -> datetime:
    base = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone(m, day)))
    return (base + timedelta(hours=hours)).astimezone(UTC)


def _place(m: Member, rng: random.Random, day: date, when: datetime, homes: dict[str, Net]) -> tuple[Net, str]:
    """Where ``m`` signs in from at ``when``: home, office, mobile city, VPN node or hotel."""
    if m.role == "mobile":
        n = net(m.home, rng)  # every connection lands on another gateway city
        return n, n.ip(rng)
    if m.role == "vpn" and rng.random() < 0.7:
        nodes = NETS["zscaler"]
        near = {"America/New_York": 0, "Europe/London": 2, "Asia/Kolkata": 3}[m.zone]
        n = nodes[near] if rng.random() < 0.85 else rng.choice(nodes)
        return n, f"{n.cidr.rsplit('.', 2)[0]}.{n.cidr.split('.')[2]}.{rng.randint(2, 9)}"
    if m.role == "flyer" and date(2024, 3, 13) <= day <= date(2024, 3, 15):
        n = NETS["hotel_nyc"][0]
        return n, homes.setdefault(f"{m.sam}:nyc", n).ip(random.Random(m.sam + "nyc"))
    if m.role == "weekender" and day in (date(2024, 3, 16), date(2024, 3, 17)):
        n = NETS["meo_lisbon"][0]
        return n, n.ip(random.Random(m.sam + "lis"))
    if m.role == "dublin" and day.weekday() in (1, 2):
        n = NETS["eir_dublin"][0]
        return n, n.ip(random.Random(m.sam + "dub"))
    return home_net(m), home_ip(m)


def home_net(m: Member) -> Net:
    return net(m.home, random.Random(m.sam))


def home_ip(m: Member) -> str:
    """The person's broadband address: one for the three weeks."""
    return home_net(m).ip(random.Random(m.sam + "home"))


def working(m: Member, day: date) -> bool:
    if m.role == "soc":
        return m.weekend or day.weekday() < 5
    return day.weekday() < 5


def people(ex: Export, crew: list[Member], start: date, days: int) -> None:
    rng = ex.rng
    homes: dict[str, Net] = {}
    for d in range(days):
        day = start + timedelta(days=d)
        for m in crew:
            if not working(m, day):
                if m.role == "weekender" and day.weekday() == 5 or rng.random() < 0.15:
                    # a glance at mail on the phone at the weekend
                    t = local(m, day, rng.uniform(10, 20))
                    n, ip = _place(m, rng, day, t, homes)
                    ex.signin(t, m.upn, ip, app="Microsoft Outlook", interactive=False, ua=SAFARI_IOS,
                              country=n.country, city=n.city)
                continue
            if rng.random() < 0.05:
                continue  # a day off
            t0 = local(m, day, m.start + rng.uniform(-0.4, 0.6))
            t1 = local(m, day, m.end + rng.uniform(-0.5, 0.8))
            if m.role == "flyer" and day == date(2024, 3, 12):
                t1 = local(m, day, 9.0)  # leaves for Heathrow; lands at JFK the next morning, local time
            n, ip = _place(m, rng, day, t0, homes)
            if rng.random() < 0.06:  # a typo, or a password that expired overnight
                ex.signin(t0 - timedelta(seconds=rng.randint(20, 90)), m.upn, ip, code=rng.choice((50126, 50055)),
                          country=n.country, city=n.city)
            if rng.random() < 0.03:  # an MFA prompt declined once by mistake
                ex.signin(t0 - timedelta(seconds=40), m.upn, ip, code=500121, country=n.country, city=n.city)
            ex.signin(t0, m.upn, ip, app="Microsoft Office", country=n.country, city=n.city)
            t = t0
            while t < t1:
                t += timedelta(minutes=rng.uniform(35, 95))
                n, ip = _place(m, rng, day, t, homes)
                app = rng.choice(("Office 365 Exchange Online", "Microsoft Teams", "SharePoint Online"))
                ex.signin(t, m.upn, ip, app=app, interactive=False, ua=OUTLOOK, country=n.country, city=n.city)
            _windows_day(ex, m, t0, t1)
            if m.role == "dev":
                _dev_day(ex, m, t0, t1, ip)
            elif m.role == "ops":
                _ops_day(ex, m, t0, t1, ip)
            elif m.role == "winadmin":
                _winadmin_day(ex, m, t0, t1)
            elif m.role == "iamadmin":
                _iam_day(ex, m, t0, t1, ip, day)


def _windows_day(ex: Export, m: Member, t0: datetime, t1: datetime) -> None:
    rng = ex.rng
    if m.role in ("mobile", "flyer") and rng.random() < 0.5:
        return  # on the road or on a laptop off the domain
    ws = m.workstation
    if rng.random() < 0.04:
        ex.logon_failure(ws, t0 - timedelta(seconds=15), m.sam, 2, "127.0.0.1")
    ex.logon(ws, t0 + timedelta(seconds=5), m.sam, 2, "127.0.0.1")
    for server in ("FILE01", "FILE02", "PRINT01")[:rng.randint(1, 3)]:
        ex.logon(server, t0 + timedelta(minutes=rng.uniform(1, 30)), m.sam, 3, m.ws_ip, ws)
    if rng.random() < 0.3:
        ex.logon("FILE01", t1 - timedelta(minutes=rng.uniform(5, 60)), m.sam, 3, m.ws_ip, ws)


def _dev_day(ex: Export, m: Member, t0: datetime, t1: datetime, ip: str) -> None:
    rng = ex.rng
    ex.signin(t0 + timedelta(minutes=rng.uniform(5, 40)), m.upn, ip, app="Microsoft Azure CLI", interactive=False,
              ua="python-requests/2.31.0", country="US")
    calls = (("sts.amazonaws.com", "GetCallerIdentity"), ("ec2.amazonaws.com", "DescribeInstances"),
             ("s3.amazonaws.com", "ListBuckets"), ("logs.amazonaws.com", "FilterLogEvents"),
             ("lambda.amazonaws.com", "ListFunctions"), ("ecs.amazonaws.com", "DescribeServices"),
             ("cloudformation.amazonaws.com", "DescribeStacks"), ("ssm.amazonaws.com", "GetParameter"))
    for _ in range(rng.randint(15, 60)):
        t = t0 + (t1 - t0) * rng.random()
        source, name = rng.choice(calls)
        ua = AWS_CLI.format(name.lower()) if rng.random() < 0.7 else BOTO
        ex.aws(t, m.sam, source, name, ip, ua)
    if rng.random() < 0.3:
        ex.aws(t0 + timedelta(minutes=20), m.sam, "signin.amazonaws.com", "ConsoleLogin", ip, CONSOLE_UA)


def _ops_day(ex: Export, m: Member, t0: datetime, t1: datetime, ip: str) -> None:
    """Through the bastion to 6–15 of the engineer's hosts, a few commands with sudo on each."""
    rng = ex.rng
    t = t0 + timedelta(minutes=rng.uniform(5, 30))
    ex.ssh_login(t, BASTION, m.sam, ip)
    for host in rng.sample(m.hosts, rng.randint(6, 15)):
        t += timedelta(minutes=rng.uniform(2, 35))
        if t > t1:
            break
        ex.ssh_login(t, host, m.sam, BASTION_IP)
        ex.line(t + timedelta(seconds=30), host, "sudo",
                f"  {m.sam} : TTY=pts/0 ; PWD=/home/{m.sam} ; USER=root ; COMMAND=/usr/bin/systemctl status nginx")


def _winadmin_day(ex: Export, m: Member, t0: datetime, t1: datetime) -> None:
    rng = ex.rng
    t = t0 + timedelta(minutes=rng.uniform(10, 40))
    for host in rng.sample(m.hosts, rng.randint(6, 12)):
        t += timedelta(minutes=rng.uniform(3, 40))
        if t > t1:
            break
        ex.logon(host, t, m.sam, rng.choice((10, 3, 3)), m.ws_ip, m.workstation)


def _iam_day(ex: Export, m: Member, t0: datetime, t1: datetime, ip: str, day: date) -> None:
    """Console sign-in every day; new starters and their keys and policies on some days."""
    rng = ex.rng
    ex.aws(t0 + timedelta(minutes=10), m.sam, "signin.amazonaws.com", "ConsoleLogin", ip, CONSOLE_UA)
    for _ in range(rng.randint(5, 20)):
        ex.aws(t0 + (t1 - t0) * rng.random(), m.sam, "iam.amazonaws.com",
               rng.choice(("ListUsers", "GetUser", "ListAttachedUserPolicies", "ListAccessKeys")), ip, CONSOLE_UA,
               console=True)
    if rng.random() < 0.45:
        t = t0 + (t1 - t0) * rng.random()
        new = f"contractor-{rng.randint(100, 999)}"
        ex.aws(t, m.sam, "iam.amazonaws.com", "CreateUser", ip, CONSOLE_UA, params={"userName": new}, console=True)
        ex.aws(t + timedelta(seconds=40), m.sam, "iam.amazonaws.com", "AddUserToGroup", ip, CONSOLE_UA,
               params={"groupName": rng.choice(("developers", "readonly", "data-analysts")), "userName": new},
               console=True)
        ex.aws(t + timedelta(seconds=70), m.sam, "iam.amazonaws.com", "AttachUserPolicy", ip, CONSOLE_UA,
               params={"userName": new, "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, console=True)
        ex.aws(t + timedelta(seconds=95), m.sam, "iam.amazonaws.com", "CreateAccessKey", ip, CONSOLE_UA,
               params={"userName": new}, console=True)


def machines(ex: Export, start: date, days: int) -> None:
    rng = ex.rng
    for d in range(days):
        day = start + timedelta(days=d)
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        # backup: every server at night; monitoring: every server every 30 minutes
        t = midnight + timedelta(hours=1, minutes=rng.uniform(0, 10))
        for host in WIN_SERVERS:
            t += timedelta(seconds=rng.uniform(20, 200))
            ex.logon(host, t, "svc-backup", 3, "10.20.0.20", "BACKUP01")
        for k in range(48):
            t = midnight + timedelta(minutes=30 * k + rng.uniform(0, 2))
            for host in rng.sample(WIN_SERVERS, 6):
                ex.logon(host, t + timedelta(seconds=rng.uniform(0, 50)), "svc-monitor", 3, "10.20.0.21", "MON01")
        # ansible over SSH to every Linux host at 02:00
        t = midnight + timedelta(hours=2)
        for host in LINUX_HOSTS:
            t += timedelta(seconds=rng.uniform(1, 8))
            ex.ssh_login(t, host, "ansible", ANSIBLE_IP)
        # ETL role reading S3 hourly; CI deploys on working days, Terraform changing role policies
        aws_ip = NETS["aws_use1"][0].ip(random.Random("etl"))
        for h in range(24):
            for _ in range(rng.randint(3, 8)):
                ex.aws(midnight + timedelta(hours=h, minutes=rng.uniform(0, 59)), "etl-runner", "s3.amazonaws.com",
                       rng.choice(("GetObject", "ListObjects", "PutObject")), aws_ip, BOTO, role="etl-runner-role")
        if day.weekday() < 5:
            ci_ip = NETS["aws_use1"][1].ip(rng)
            for _ in range(rng.randint(3, 9)):
                t = midnight + timedelta(hours=rng.uniform(13, 23))
                for k, name in enumerate(("CreatePolicyVersion", "PutRolePolicy", "AttachRolePolicy",
                                          "UpdateAssumeRolePolicy")[:rng.randint(1, 4)]):
                    ex.aws(t + timedelta(seconds=5 * k), f"gha-{rng.randint(10**6, 10**7)}", "iam.amazonaws.com",
                           name, ci_ip, TERRAFORM, role="github-actions-deploy",
                           params={"roleName": rng.choice(("api-task", "worker-task", "lambda-exec")),
                                   "policyArn": "arn:aws:iam::444455556666:policy/app-runtime"})
        # the internet knocks on the bastion
        for _ in range(rng.randint(25, 45)):
            n = rng.choice(NETS["chinanet"] + NETS["kt_kr"] + NETS["digitalocean"])
            ip, t = n.ip(rng), midnight + timedelta(hours=rng.uniform(0, 24))
            for name in rng.sample(("root", "admin", "test", "ubuntu", "oracle", "user", "postgres", "git"),
                                   rng.randint(1, 4)):
                for _ in range(rng.randint(1, 3)):
                    t += timedelta(seconds=rng.uniform(1, 6))
                    port = rng.randint(30000, 60000)
                    if name == "root":
                        ex.line(t, BASTION, "sshd", f"Failed password for root from {ip} port {port} ssh2")
                    else:
                        ex.line(t, BASTION, "sshd", f"Invalid user {name} from {ip} port {port}")
                        ex.line(t, BASTION, "sshd", f"Failed password for invalid user {name} from {ip} port {port} ssh2")
