"""Impossible travel / concurrent sessions (T1078.004, T1021.007): two consecutive successful logins
of one account from places further apart than anyone could travel in the time between them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .requirements import GEO, LOCATED, LOGINS
from .base import Check, CheckInput, bursts, distinct, minutes, refs
from .baseline import shared_egress

ID = "impossible_travel"
EARTH_KM = 6371.0088


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _legs(ok: pd.DataFrame, cfg: dict, egress: frozenset[int]) -> pd.DataFrame:
    """Every pair of consecutive located successes of one account with distance, speed and whether the
    pair can be explained (same network in one country, shared egress, a pair of places the account
    travelled between before)."""
    ok = ok.sort_values(["user", "ts"], kind="stable")
    prev = ok.groupby("user", sort=False).shift(1)
    legs = ok.assign(prev_row=ok.index.to_series().groupby(ok["user"]).shift(1), prev_ts=prev["ts"],
                     prev_lat=prev["lat"], prev_lon=prev["lon"], prev_ip=prev["src_ip"], prev_asn=prev["asn"],
                     prev_country=prev["country"], prev_city=prev["city"], prev_acc=prev["accuracy_km"])
    legs = legs[legs["prev_row"].notna() & (legs["prev_ip"] != legs["src_ip"])]
    km = haversine_km(legs["prev_lat"].to_numpy(float), legs["prev_lon"].to_numpy(float),
                      legs["lat"].to_numpy(float), legs["lon"].to_numpy(float))
    # each end is only as precise as the database says (its accuracy radius), else the configured default
    # for a city-level or a country-level location
    def radius(acc: pd.Series, city: pd.Series) -> np.ndarray:
        default = np.where(city.notna().to_numpy(), cfg["location_uncertainty_km"], cfg["country_uncertainty_km"])
        return np.where(acc.notna().to_numpy(), acc.to_numpy(dtype=float, na_value=np.nan), default)
    slack = radius(legs["prev_acc"], legs["prev_city"]) + radius(legs["accuracy_km"], legs["city"])
    km_eff = np.maximum(km - slack, 0)
    hours = (legs["ts"] - legs["prev_ts"]).dt.total_seconds().to_numpy() / 3600
    speed = np.where(hours > 0, km_eff / np.maximum(hours, 1e-9), np.inf)
    asn = legs["asn"].to_numpy(dtype=float, na_value=np.nan)
    prev_asn = legs["prev_asn"].to_numpy(dtype=float, na_value=np.nan)
    same_net = (asn == prev_asn) & (legs["country"] == legs["prev_country"]).to_numpy()
    shared = np.isin(asn, list(egress)) | np.isin(prev_asn, list(egress))
    # pairs of places (cities, else countries) the account moved between on an earlier day
    a = legs["prev_city"].fillna(legs["prev_country"]).astype(str).to_numpy()
    b = legs["city"].fillna(legs["country"]).astype(str).to_numpy()
    pair = np.where(a < b, a + "|" + b, b + "|" + a)
    day = legs["ts"].to_numpy(dtype="datetime64[us]").astype("datetime64[D]")
    first_day = pd.Series(day).groupby([legs["user"].to_numpy(), pair]).transform("min").to_numpy()
    recurring = (day > first_day) & (a != b)
    legs = legs.assign(km=km_eff, km_raw=km, kmh=speed, same_net=same_net, shared=shared, recurring=recurring)
    fast = legs[(legs["km"] >= cfg["min_km"]) & (legs["kmh"] > cfg["max_kmh"])]
    return fast[~(fast["same_net"] | fast["shared"] | fast["recurring"])]


def run(inp: CheckInput) -> list[Finding]:
    if not inp.geo_available:
        return []
    cfg = inp.config[ID]
    logins = inp.logins
    located = (logins["action"] == "auth.success") & logins["lat"].notna() & logins["lon"].notna()
    ok = logins.loc[located.to_numpy(), ["ts", "user", "src_ip", "lat", "lon", "city", "country", "asn",
                                         "accuracy_km"]]
    legs = _legs(ok, cfg, shared_egress(logins, cfg["shared_egress_accounts"]))
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


REQUIRES = (GEO, LOGINS, LOCATED,
            ("limited", lambda f: f.max_located_successes >= 2, "no account has two located successful logins"))
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Impossible travel", techniques=("T1078.004", "T1021.007"), run=run, needs_geo=True,
    description=("Consecutive successful logins of one account from different IPs whose distance (offline "
                 "GeoIP, less the accuracy radius of both ends, or a default per city or country precision) "
                 "needs a speed above the limit; logins from far-apart places at the same moment (concurrent "
                 "sessions) count too. Not reported: hops within one network in one country (mobile carriers "
                 "hand out addresses in another city within the hour), legs through shared egress (a network "
                 "many of the organisation's accounts sign in through from several countries: VPN, cloud proxy), "
                 "and pairs of places the account moved between on an earlier day."),
)
