"""Evidence for the report tests: CloudTrail JSON and a syslog auth.log written here in their real export
formats, with hostile markup in log fields, names in several scripts, and an impossible-travel pair."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from workbench.pipeline import analyze

EVIL_USER = "<b>evil</b><font size=40>"
EVIL_AGENT = ('Mozilla/5.0 &amp; <script>alert(1)</script> <a href="http://evil.example/">click</a> '
              '<img src="x.png"/> <font color="red">unbalanced <i>tags \x1b[31m')
FORMULA_AGENT = '=HYPERLINK("http://evil.example/","x")'
CYRILLIC_USER = "иван.петров"
CJK_USER = "王小明"
ARABIC_USER = "محمد.علي"
TRAVELLER = "ana.lopez"
LONG_AGENT = "x" * 40 + "/" + "A1b2C3d4" * 30  # one unbreakable word far wider than the page
T0 = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)


def ct(minute: int, name: str, user: str, ip: str, n: int, *, success: bool = True, agent: str = "aws-cli/2.15",
       params: dict | None = None) -> dict:
    rec = {
        "eventVersion": "1.08", "eventTime": (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "signin.amazonaws.com" if name == "ConsoleLogin" else "iam.amazonaws.com",
        "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": ip, "userAgent": agent,
        "userIdentity": {"type": "IAMUser", "userName": user, "accountId": "111122223333",
                         "arn": f"arn:aws:iam::111122223333:user/{user}"},
        "requestParameters": params, "eventID": f"evt-{n:04d}", "recipientAccountId": "111122223333",
    }
    if name == "ConsoleLogin":
        rec["responseElements"] = {"ConsoleLogin": "Success" if success else "Failure"}
        if not success:
            rec["errorMessage"] = "Failed authentication"
    return rec


@pytest.fixture(scope="session")
def evidence(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("evidence")
    records = []
    # Brute force against an account whose name is markup, with hostile user agents (markup, a formula).
    for i in range(30):
        records.append(ct(i, "ConsoleLogin", EVIL_USER, "45.155.205.7", len(records), success=False,
                          agent=EVIL_AGENT if i % 2 else FORMULA_AGENT))
    records.append(ct(31, "ConsoleLogin", EVIL_USER, "45.155.205.7", len(records), agent=EVIL_AGENT))
    # A Cyrillic account creates an access key for a CJK-named account, with a very long user agent.
    records.append(ct(60, "CreateAccessKey", CYRILLIC_USER, "81.2.69.10", len(records), agent=LONG_AGENT,
                      params={"userName": CJK_USER}))
    # Brute force against an Arabic-named account.
    for i in range(8):
        records.append(ct(70 + i, "ConsoleLogin", ARABIC_USER, "62.76.41.9", len(records), success=False))
    records.append(ct(79, "ConsoleLogin", ARABIC_USER, "62.76.41.9", len(records)))
    # London, then Sunnyvale 30 minutes later: impossible travel.
    records.append(ct(100, "ConsoleLogin", TRAVELLER, "81.2.69.20", len(records)))
    records.append(ct(130, "ConsoleLogin", TRAVELLER, "73.162.1.1", len(records)))
    cloudtrail = folder / "cloudtrail.json"
    cloudtrail.write_text(json.dumps({"Records": records}, ensure_ascii=False), encoding="utf-8")
    lines = [f"Mar  4 16:{m:02d}:0{m % 10} bastion sshd[{4100 + m}]: Failed password for root from "
             f"185.220.101.34 port {40000 + m} ssh2" for m in range(30)]
    lines.append("Mar  4 16:31:00 bastion sshd[4200]: Accepted password for root from 185.220.101.34 port 40200 ssh2")
    lines.append("this line is not syslog")
    authlog = folder / "auth.log"
    authlog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [cloudtrail, authlog]


@pytest.fixture(scope="session")
def analysis(evidence, city_db):
    return analyze(evidence, geoip_dbs=[city_db], year=2024, shipped_rules=False)  # the checks' findings only


def pages_of(path: Path) -> list[str]:
    return [p.extract_text() for p in PdfReader(path).pages]


def flat(text: str) -> str:
    """Extracted text with every run of whitespace made one space (lines wrap anywhere)."""
    return " ".join(text.split())


def outline(path: Path) -> dict[str, int]:
    """Outline entry title → 0-based page number."""
    reader = PdfReader(path)
    entries: dict[str, int] = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                entries[item.title] = reader.get_destination_page_number(item)

    walk(reader.outline)
    return entries
