"""The shared cast of the synthetic case: IAM users, their fixed IPs, browsers and work hours.

Everything here is drawn from a ``random.Random`` handed in by the caller, so one seed gives one
cast. Work hours are local hours; :func:`utc_offset` turns them into UTC with the US/UK daylight
saving rules (worked out by hand so no time zone database is needed).
"""

from __future__ import annotations

import random
import string
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

ACCOUNT_ID = "111122223333"
ACCOUNT_ALIAS = "acme-prod"
UTC = timezone.utc

BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
)

# name, zone, IP prefixes (one fixed IP drawn in each), MFA, CLI user, automation
_CAST: tuple[tuple[str, str, tuple[str, ...], bool, bool, bool], ...] = (
    ("j.smith", "us_east", ("73.162.",), True, False, False),
    ("m.garcia", "us_pacific", ("24.5.", "73.162."), True, False, False),
    ("a.chen", "us_pacific", ("73.162.",), True, True, False),
    ("r.patel", "us_central", ("73.93.", "24.5."), True, True, False),
    ("l.nguyen", "us_pacific", ("24.5.",), True, False, False),
    ("k.obrien", "us_east", ("73.93.",), True, False, False),
    ("s.muller", "uk", ("81.2.69.",), True, False, False),
    ("t.kowalski", "uk", ("86.150.",), True, False, False),
    ("d.okafor", "us_east", ("73.162.", "73.93."), False, False, False),
    ("e.rossi", "us_central", ("24.5.",), False, False, False),
    ("admin.ops", "us_east", ("73.93.", "24.5."), True, False, False),
    ("ci-deploy", "utc", ("52.94.76.",), False, True, True),
)


@dataclass(frozen=True)
class Person:
    """One IAM user of the account."""

    name: str
    zone: str  # us_east / us_central / us_pacific / uk / utc
    ips: tuple[str, ...]
    mfa: bool
    cli: bool
    automation: bool
    principal_id: str
    access_key: str  # the long-term AKIA key used by the CLI / automation
    browser: str
    region: str
    start_hour: float = field(default=9.0)  # local start of the working day

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:user/{self.name}"

    @property
    def country(self) -> str:
        return "GB" if self.zone == "uk" else "US"


def aws_id(rng: random.Random, prefix: str, length: int = 20) -> str:
    """An AWS-style identifier (AIDA…, AKIA…, ASIA…): prefix plus upper-case letters and digits."""
    alphabet = string.ascii_uppercase + "234567"
    return prefix + "".join(rng.choice(alphabet) for _ in range(length - len(prefix)))


def new_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng`` (never from the OS)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iso(ts: datetime) -> str:
    """CloudTrail's eventTime form: ``2024-03-05T14:03:11Z``."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iam_date(ts: datetime) -> str:
    """The date form IAM puts in responseElements: ``Mar 18, 2024 4:25:31 AM``."""
    hour = ts.hour % 12 or 12
    return f"{ts:%b} {ts.day}, {ts.year} {hour}:{ts:%M:%S} {'AM' if ts.hour < 12 else 'PM'}"


def _nth_sunday(year: int, month: int, n: int) -> date:
    """The n-th Sunday of a month; n = -1 for the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def utc_offset(zone: str, day: date) -> int:
    """Hours to add to UTC to get local time in ``zone`` on ``day`` (US and UK summer time)."""
    base = {"us_east": -5, "us_central": -6, "us_pacific": -8, "uk": 0, "utc": 0}[zone]
    if zone.startswith("us_"):
        summer = _nth_sunday(day.year, 3, 2) <= day < _nth_sunday(day.year, 11, 1)
    elif zone == "uk":
        summer = _nth_sunday(day.year, 3, -1) <= day < _nth_sunday(day.year, 10, -1)
    else:
        summer = False
    return base + summer


def local_to_utc(zone: str, day: date, hours: float) -> datetime:
    """UTC instant of ``hours`` (e.g. 9.5 = 09:30) local time on ``day`` in ``zone``."""
    local = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hours)
    return local - timedelta(hours=utc_offset(zone, day))


def _ip(rng: random.Random, prefix: str) -> str:
    parts = prefix.rstrip(".").split(".")
    while len(parts) < 3:
        parts.append(str(rng.randint(1, 254)))
    return ".".join([*parts, str(rng.randint(2, 250))])


def make_cast(rng: random.Random) -> list[Person]:
    """The twelve IAM users, with IDs, keys, IPs and browsers drawn from ``rng``."""
    people = []
    for name, zone, prefixes, mfa, cli, automation in _CAST:
        people.append(Person(
            name=name, zone=zone, ips=tuple(_ip(rng, p) for p in prefixes), mfa=mfa, cli=cli,
            automation=automation, principal_id=aws_id(rng, "AIDA", 21), access_key=aws_id(rng, "AKIA"),
            browser=rng.choice(BROWSERS), region="eu-west-2" if zone == "uk" else "us-east-1",
            start_hour=rng.choice((8.0, 8.5, 9.0, 9.5)),
        ))
    return people


def parse_start(start: str | date) -> date:
    """``"2024-03-01"`` (or a date) → date."""
    return start if isinstance(start, date) else date.fromisoformat(start)


def weekday_on_or_before(day: date) -> date:
    """``day`` itself if it is Monday–Friday, else the Friday before."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def at(day: date, hh: int, mm: int, ss: int = 0) -> datetime:
    """A UTC instant on ``day``."""
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=UTC)
