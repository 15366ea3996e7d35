"""Linux ``auth.log`` / ``secure``: classic BSD syslog (no year) and RFC 3339 syslog.

Each line is an event (``ref`` = 1-based line number); sshd, sudo, su, PAM sessions, useradd and
passwd messages are interpreted, every other line is kept as ``other``. BSD timestamps carry no
year and no zone: the year comes from ``--year`` (the year of the first line), else from the other
inputs of the same load, else from the file's modification time; the zone is taken as UTC.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator

from ..events import EventBatch, as_utc
from .registry import ParseContext, emit, register

SOURCE = "authlog"
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_BSD = re.compile(
    r"^(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(?P<day>\d{1,2}) "
    r"(?P<time>\d{2}:\d{2}:\d{2}) (?P<host>\S+) (?P<prog>[^\s\[:]+)(?:\[\d+\])?: ?(?P<msg>.*)$"
)
_RFC3339 = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s+"
    r"(?P<host>\S+) (?P<prog>[^\s\[:]+)(?:\[\d+\])?: ?(?P<msg>.*)$"
)

# (regex, action, outcome, event kind); the first match wins. Groups: user, ip, target.
_MESSAGES: list[tuple[re.Pattern[str], str, str, str]] = [
    (re.compile(r"^Accepted (?P<kind>\S+) for (?P<user>\S+) from (?P<ip>\S+) port \d+"),
     "auth.success", "success", "accepted"),
    (re.compile(r"^Failed (?P<kind>\S+) for invalid user (?P<user>.*?) from (?P<ip>\S+) port \d+"),
     "auth.failure", "failure", "failed_invalid_user"),
    (re.compile(r"^Failed (?P<kind>\S+) for (?P<user>\S+) from (?P<ip>\S+) port \d+"),
     "auth.failure", "failure", "failed"),
    (re.compile(r"^Invalid user (?P<user>.*?) from (?P<ip>\S+)(?: port \d+)?$"),
     "auth.invalid_user", "failure", "invalid_user"),
    (re.compile(r"^pam_unix\([^)]*:session\): session opened for user (?P<user>[^(\s]+)"),
     "session.start", "success", "session_opened"),
    (re.compile(r"^pam_unix\([^)]*:session\): session closed for user (?P<user>[^(\s]+)"),
     "session.end", "success", "session_closed"),
    (re.compile(r"^(?:Successful su for (?P<target>\S+) by (?P<user>\S+)|\(to (?P<target2>\S+)\) (?P<user2>\S+) on)"),
     "privilege.use", "success", "su"),
    (re.compile(r"^new user: name=(?P<target>[^,]+),"), "account.create", "success", "useradd"),
    (re.compile(r"^pam_unix\(passwd:chauthtok\): password changed for (?P<target>\S+)"),
     "credential.change", "success", "passwd"),
]


@dataclass
class _Line:
    lineno: int
    month: int
    day: int
    clock: str
    ts: datetime | None  # set for RFC 3339 lines
    host: str
    prog: str
    msg: str
    raw: str


def _sniff(head: bytes) -> bool:
    lines = head.decode("utf-8", "replace").splitlines()[:20]
    lines = [line for line in lines if line.strip()]
    if not lines:
        return False
    hits = sum(1 for line in lines if _BSD.match(line) or _RFC3339.match(line))
    return hits >= max(1, len(lines) // 2)


# sudo's refusals: the words before "TTY=" in "alice : 3 incorrect password attempts ; TTY=... ; COMMAND=..."
_SUDO_REFUSALS = (("command not allowed", "sudo_denied"), ("not in sudoers", "sudo_not_in_sudoers"),
                  ("incorrect password attempt", "sudo_bad_password"), ("password is required", "sudo_no_password"),
                  ("not allowed to", "sudo_denied"), ("not authorized", "sudo_denied"))


def _sudo(msg: str) -> tuple[str, str, str, str] | None:
    """(outcome, kind, user, target) of a sudo command line, split on its " ; " fields (linear in the line's
    length whatever it holds: any local user can write such lines with ``logger -t sudo``); None if not one."""
    user, sep, rest = msg.strip().partition(" : ")
    head, sep2, _command = rest.partition(" ; COMMAND=")  # the command is last and may itself hold " ; "
    if not (sep and sep2 and user) or " " in user:
        return None
    fields: dict[str, str] = {}
    reasons: list[str] = []
    for part in head.split(" ; "):
        key, eq, value = part.partition("=")
        if eq and key.isalpha() and key.isupper():
            fields[key] = value
        elif part.strip():
            reasons.append(part.strip().lower())
    if "TTY" not in fields or "USER" not in fields:
        return None
    if not reasons:
        return "success", "sudo", user, fields["USER"]
    kind = next((k for words, k in _SUDO_REFUSALS if any(words in r for r in reasons)), "sudo_refused")
    return "failure", kind, user, fields["USER"]


def interpret(prog: str, msg: str) -> tuple[str, str, str, str | None, str | None, str | None]:
    """(action, outcome, event_name, user, target, ip) for one message."""
    if " ; COMMAND=" in msg and (sudo := _sudo(msg)) is not None:
        outcome, kind, user, target = sudo
        return "privilege.use", outcome, f"{prog}:{kind}", user, target, None
    for pattern, action, outcome, kind in _MESSAGES:
        m = pattern.match(msg)
        if m:
            g = m.groupdict()
            user = g.get("user") or g.get("user2")
            target = g.get("target") or g.get("target2")
            detail = f"{kind}_{g['kind']}" if g.get("kind") else kind
            return action, outcome, f"{prog}:{detail}", user, target, g.get("ip")
    return "other", "unknown", prog, None, None, None


def _wraps(lines: list[_Line]) -> int:
    """How many times the month goes backwards (a New Year) among the year-less lines."""
    months = [line.month for line in lines if line.ts is None]
    return sum(1 for a, b in zip(months, months[1:]) if b < a)


def _assign_years(lines: list[_Line], first_year: int) -> None:
    """Give the year-less lines a year, starting at ``first_year`` and counting New Year wraps."""
    year, prev = first_year, 0
    for line in lines:
        if line.ts is not None:
            continue
        if line.month < prev:
            year += 1
        prev = line.month
        try:
            hh, mm, ss = line.clock.split(":")
            line.ts = datetime(year, line.month, line.day, int(hh), int(mm), int(ss), tzinfo=timezone.utc)
        except ValueError:
            line.ts = None  # e.g. Feb 29 in a non-leap year: reported by the caller


def _read(ctx: ParseContext) -> list[_Line]:
    out: list[_Line] = []
    with ctx.open_binary() as fh:
        done = 0
        for lineno, rawb in ctx.lines(fh):
            done += len(rawb)
            if lineno % 100_000 == 0:
                ctx.on_bytes(done)
            raw = rawb.decode("utf-8", "replace").rstrip("\r\n")
            if lineno == 1:
                raw = raw.removeprefix("\ufeff")  # a byte-order mark from an editor or a copy tool
            if not raw.strip():
                continue
            m = _BSD.match(raw)
            if m:
                out.append(_Line(lineno, _MONTHS[m["mon"]], int(m["day"]), m["time"], None,
                                 m["host"], m["prog"], m["msg"], raw))
                continue
            m = _RFC3339.match(raw)
            if m:
                try:
                    ts = as_utc(datetime.fromisoformat(m["ts"]))
                except ValueError:
                    ctx.record_error(f"line {lineno}", "bad RFC 3339 timestamp")
                    continue
                out.append(_Line(lineno, ts.month, ts.day, "", ts, m["host"], m["prog"], m["msg"], raw))
                continue
            ctx.record_error(f"line {lineno}", "not a syslog line")
    return out


def _first_year(ctx: ParseContext, lines: list[_Line]) -> int:
    """The year of the file's first line, with a note saying where it came from."""
    if ctx.year is not None:
        return ctx.year
    if ctx.year_hint is not None:
        last, source = ctx.year_hint, "the other inputs"
    else:
        last = datetime.fromtimestamp(os.stat(ctx.path).st_mtime, tz=timezone.utc).year
        source = "the file's modification time"
    first = last - _wraps(lines)
    ctx.notes.append(f"year not in file: took {first} from {source} (override with --year)")
    return first


@register(SOURCE, "Linux auth.log (syslog)", _sniff, priority=20, needs_year=True)
def parse(ctx: ParseContext) -> Iterator[EventBatch]:
    lines = _read(ctx)
    if any(line.ts is None for line in lines):
        _assign_years(lines, _first_year(ctx, lines))
        ctx.notes.append("syslog times carry no zone: taken as UTC")
    batch = EventBatch(SOURCE, ctx.display_path)
    for line in lines:
        if line.ts is None:
            ctx.record_error(f"line {line.lineno}", "impossible date for the inferred year")
            continue
        action, outcome, name, user, target, ip = interpret(line.prog, line.msg)
        batch.add(line.ts, str(line.lineno), action, outcome, line.raw, user=user, target_user=target,
                  src_ip=ip, host=line.host, event_name=name,
                  logon_type="network" if line.prog == "sshd" and action.startswith("auth.") else None)
        yield from emit(batch)
    yield from emit(batch, last=True)
