"""Entra ID sign-in logs of the same cast, as a Microsoft Graph `signIns` export ({"value": [...]}).

Interactive sign-ins at the start of each working day and token refreshes (non-interactive, via
the usual Office clients) through it, from each person's fixed IPs. Injected: MFA fatigue
(k.obrien), an application token replayed from a new IP and client (l.nguyen), and impossible
travel (s.muller signing in from London, then from California 40 minutes later).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from .people import Person, at, iso, local_to_utc, new_uuid, weekday_on_or_before

FILE = "entra_signins.json"
TENANT = "8a3c6e2f-1d4b-4c7a-9e0f-5b6d7c8e9f01"
DOMAIN = "acme-corp.com"
ATTACK_IP = "45.155.205.99"
TOKEN_IP = "177.37.10.20"
TRAVEL_IP = "73.162.10.20"
APPS = ("Office 365 Exchange Online", "Microsoft Teams", "SharePoint Online")


def upn(person: Person) -> str:
    return f"{person.name}@{DOMAIN}"


class SignIns:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rows: list[tuple[datetime, dict[str, Any]]] = []

    def add(self, when: datetime, who: Person, ip: str, *, code: int = 0, interactive: bool = True,
            app: str = "Office 365 Exchange Online", country: str | None = None) -> dict[str, Any]:
        rec = {
            "id": new_uuid(self.rng), "createdDateTime": iso(when), "userDisplayName": who.name,
            "userPrincipalName": upn(who), "userId": new_uuid(random.Random(who.name)),
            "appId": new_uuid(random.Random(app)), "appDisplayName": app, "ipAddress": ip,
            "clientAppUsed": "Browser" if interactive else "Mobile Apps and Desktop clients",
            "correlationId": new_uuid(self.rng), "conditionalAccessStatus": "success" if code == 0 else "notApplied",
            "isInteractive": interactive, "signInEventTypes": ["interactiveUser" if interactive else "nonInteractiveUser"],
            "resourceTenantId": TENANT, "userAgent": who.browser,
            "status": {"errorCode": code, "failureReason": "Other." if code == 0 else
                       "Authentication failed during strong authentication request.", "additionalDetails": None},
            "location": {"city": "", "state": "", "countryOrRegion": country or who.country},
        }
        self.rows.append((when, rec))
        return rec


def _span(recs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"file": FILE, "refs": [r["id"] for r in recs], "first_seen": recs[0]["createdDateTime"],
            "last_seen": recs[-1]["createdDateTime"]}


def _baseline(log: SignIns, cast: list[Person], start: date, days: int, scale: float) -> None:
    rng = log.rng
    for person in cast:
        if person.automation:
            continue
        for d in range(days):
            day = start + timedelta(days=d)
            if day.weekday() >= 5:
                continue
            t = local_to_utc(person.zone, day, person.start_hour) + timedelta(minutes=rng.randint(0, 40))
            ip = rng.choice(person.ips)
            log.add(t, person, ip)
            for _ in range(max(1, round(rng.randint(3, 6) * scale))):
                t += timedelta(minutes=rng.randint(30, 90))
                log.add(t, person, ip, interactive=False, app=rng.choice(APPS))


def generate(rng: random.Random, cast: list[Person], start: date, days: int, scale: float,
             ) -> tuple[bytes, int, list[dict[str, Any]], list[dict[str, Any]]]:
    """(file bytes, record count, incidents, benign_expected)."""
    log = SignIns(rng)
    by_name = {p.name: p for p in cast}
    _baseline(log, cast, start, days, scale)
    incidents = []
    # MFA fatigue: six pushes denied or ignored at night, then the tired user approves one
    victim, t = by_name["k.obrien"], at(start + timedelta(days=days - 3), 4, 10, rng.randint(0, 59))
    pushes = [log.add(t + timedelta(minutes=3 * i), victim, ATTACK_IP, code=500121, country="RU") for i in range(6)]
    approved = log.add(t + timedelta(minutes=19), victim, ATTACK_IP, country="RU")
    incidents.append({"id": "entra-mfa-kobrien", "check": "mfa_fatigue", "users": [upn(victim)], "ips": [ATTACK_IP],
                      **_span([*pushes, approved])})
    # a refresh token replayed from elsewhere, through a client the user never uses
    victim, t = by_name["l.nguyen"], at(weekday_on_or_before(start + timedelta(days=days - 5)), 2, 5)
    replays = [log.add(t + timedelta(minutes=m), victim, TOKEN_IP, interactive=False, app="Microsoft Office",
                       country="BR") for m in (0, 25)]
    incidents.append({"id": "entra-token-lnguyen", "check": "token_use", "users": [upn(victim)], "ips": [TOKEN_IP],
                      **_span(replays)})
    # impossible travel: London early in the morning, then California 40 minutes later
    victim = by_name["s.muller"]
    t = local_to_utc(victim.zone, weekday_on_or_before(start + timedelta(days=days - 7)), 6.5)
    here = log.add(t, victim, victim.ips[0])
    there = log.add(t + timedelta(minutes=40), victim, TRAVEL_IP, country="US")
    incidents.append({"id": "entra-travel-smuller", "check": "impossible_travel", "users": [upn(victim)],
                      "ips": [victim.ips[0], TRAVEL_IP], **_span([here, there])})
    log.rows.sort(key=lambda row: row[0])
    body = orjson.dumps({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
                         "value": [rec for _, rec in log.rows]}, option=orjson.OPT_INDENT_2) + b"\n"
    return body, len(log.rows), incidents, []
