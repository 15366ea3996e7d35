"""Impossible travel / concurrent sessions (T1078.004, T1021.007): two consecutive successful logins
of one account from places further apart than anyone could travel in the time between them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import Check, CheckInput, bursts, distinct, minutes, refs

ID = "impossible_travel"
EARTH_KM = 6371.0088


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _legs(ok: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """Every pair of consecutive located successes of one account, with distance and speed."""
    ok = ok.sort_values(["user", "ts"], kind="stable")
    prev = ok.groupby("user", sort=False).shift(1)
    legs = ok.assign(prev_row=ok.index.to_series().groupby(ok["user"]).shift(1),
                     prev_ts=prev["ts"], prev_lat=prev["lat"], prev_lon=prev["lon"], prev_ip=prev["src_ip"])
    legs = legs[legs["prev_row"].notna() & (legs["prev_ip"] != legs["src_ip"])]
    km = haversine_km(legs["prev_lat"].to_numpy(float), legs["prev_lon"].to_numpy(float),
                      legs["lat"].to_numpy(float), legs["lon"].to_numpy(float))
    # city-level geolocation is approximate: give the traveller the uncertainty of both ends
    km = np.maximum(km - 2 * cfg["location_uncertainty_km"], 0)
    hours = (legs["ts"] - legs["prev_ts"]).dt.total_seconds().to_numpy() / 3600
    speed = np.where(hours > 0, km / np.maximum(hours, 1e-9), np.inf)
    legs = legs.assign(km=km, kmh=speed)
    return legs[(legs["km"] >= cfg["min_km"]) & (legs["kmh"] > cfg["max_kmh"])]


def run(inp: CheckInput) -> list[Finding]:
    if not inp.geo_available:
        return []
    cfg = inp.config[ID]
    logins = inp.logins
    located = (logins["action"] == "auth.success") & logins["lat"].notna() & logins["lon"].notna()
    ok = logins.loc[located.to_numpy(), ["ts", "user", "src_ip", "lat", "lon", "city", "country"]]
    legs = _legs(ok, cfg)
    findings = []
    for user, user_legs in legs.groupby("user", sort=True):
        # legs within a day of each other are one incident
        for incident in bursts(user_legs, pd.Timedelta(hours=24)):
            rows = sorted(set(incident.index) | set(incident["prev_row"].astype(int)))
            evidence = inp.events.loc[rows]
            parts = []
            for _, leg in incident.iterrows():
                before = inp.events.loc[int(leg["prev_row"])]
                where_a = ", ".join(x for x in (before["city"], before["country"]) if isinstance(x, str))
                where_b = ", ".join(x for x in (leg["city"], leg["country"]) if isinstance(x, str))
                speed = "at the same time" if np.isinf(leg["kmh"]) else f"{leg['kmh']:,.0f} km/h implied"
                parts.append(f"{before['src_ip']} ({where_a}) at {format_ts(before['ts'])} then {leg['src_ip']} "
                             f"({where_b}) {minutes(leg['ts'] - before['ts'])} later: at least {leg['km']:,.0f} km, "
                             f"{speed}")
            text = (f"{user} signed in from places no one can travel between in the time given "
                    f"(limit {cfg['max_kmh']} km/h): " + "; ".join(parts) + ".")
            findings.append(Finding(
                check=ID, title=f"Impossible travel: {user}", severity="high",
                techniques=("T1078.004", "T1021.007"), explanation=text,
                first_seen=evidence["ts"].min().to_pydatetime(), last_seen=evidence["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(evidence["src_ip"]), hosts=distinct(evidence["host"]),
                evidence=refs(evidence),
                facts={"legs": len(incident), "max_km": round(float(incident["km"].max())),
                       "countries": list(distinct(evidence["country"]))},
            ))
    return findings


CHECK = Check(
    id=ID, title="Impossible travel", techniques=("T1078.004", "T1021.007"), run=run, needs_geo=True,
    description=("Consecutive successful logins of one account from different IPs whose distance (offline "
                 "GeoIP, less the location uncertainty of both ends) needs a speed above the limit; logins "
                 "from far-apart places at the same moment (concurrent sessions) count too."),
)
