"""Logins at hours unusual for the account (T1078): measured against the account's own hour-of-day
baseline over the whole loaded period, smoothed towards office hours when its history is thin."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import Check, CheckInput, distinct, escalating, place, refs

ID = "unusual_hours"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _near(counts: np.ndarray, spread: int) -> np.ndarray:
    """``counts`` (accounts × 24 hours) summed over each hour ± ``spread`` (circular)."""
    return sum(np.roll(counts, k, axis=-1) for k in range(-spread, spread + 1))


def office_share(ts: pd.Series, office: dict, spread: int, shift_hours: np.ndarray | float = 0.0) -> np.ndarray:
    """For each instant, the share of an office-hours worker's logins that fall within ``spread``
    hours of its local hour on that weekday: the prior of an account with little history.
    ``shift_hours`` moves the working day (per instant) to where the account's own day lies."""
    local = ts.dt.tz_convert(ZoneInfo(office["timezone"])).dt.tz_localize(None)
    local = local - pd.to_timedelta(np.round(np.asarray(shift_hours, dtype=float) * 60), unit="min")
    inside = np.zeros(24)
    inside[office["start"]:office["end"]] = 1.0
    near = _near(inside, spread) / max(inside.sum(), 1.0)
    workday = local.dt.day_of_week.isin(office["weekdays"]).to_numpy()
    return np.where(workday, near[local.dt.hour.to_numpy()], 0.0)


def _day_shift(ts: pd.Series, codes: np.ndarray, n_users: int, office: dict) -> np.ndarray:
    """Per account, how many hours its logins are centred away from the middle of office hours
    (circular mean of its local login times): where its working day lies, whatever its time zone."""
    local = ts.dt.tz_convert(ZoneInfo(office["timezone"]))
    hours = (local.dt.hour + local.dt.minute / 60).to_numpy()
    angle = hours * (2 * np.pi / 24)
    sin = np.bincount(codes, np.sin(angle), minlength=n_users)
    cos = np.bincount(codes, np.cos(angle), minlength=n_users)
    centre = np.arctan2(sin, cos) * (24 / (2 * np.pi))
    return (centre - (office["start"] + office["end"]) / 2 + 12) % 24 - 12


def scores(ok: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """Per successful login: ``others`` (the account's other logins), ``near`` (how many of them
    fall within ± spread hours of its UTC hour) and ``share``: near plus ``prior_logins`` logins
    spread over office hours, over others plus ``prior_logins``. A thin history leans on office
    hours; a long one speaks for itself. For an account with a history of its own, the office
    hours are moved to where its own day lies (its time zone need not be the configured one)."""
    spread, weight = cfg["spread_hours"], float(cfg["prior_logins"])
    codes, users = pd.factorize(ok["user"])
    hours = ok["ts"].dt.hour.to_numpy()
    counts = np.zeros((len(users), 24))
    np.add.at(counts, (codes, hours), 1.0)
    near = _near(counts, spread)[codes, hours] - 1  # the login itself is not its own baseline
    others = counts.sum(axis=1)[codes] - 1
    shift = np.where(others >= cfg["min_history"], _day_shift(ok["ts"], codes, len(users), cfg["office_hours"])[codes], 0.0)
    prior = office_share(ok["ts"], cfg["office_hours"], spread, shift)
    share = (near + weight * prior) / np.maximum(others + weight, 1.0)
    return pd.DataFrame({"others": others.astype(int), "near": near.astype(int), "share": share,
                         "shift": shift}, index=ok.index)


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    office = cfg["office_hours"]
    ok = inp.logins[inp.logins["action"] == "auth.success"]
    if ok.empty:
        return []
    scored = scores(ok, cfg)
    thin = scored["others"] < cfg["min_history"]
    odd = (scored["share"] < cfg["max_share"]) & (~thin | cfg["fallback_to_office_hours"])
    hits = ok[odd.to_numpy()]
    findings = []
    for user, mine in hits.groupby("user", sort=True):
        every = ok[(ok["user"] == user) & ~ok.index.isin(mine.index)]  # the usual logins
        usual = np.bincount(every["ts"].dt.hour.to_numpy(), minlength=24)
        busiest = ", ".join(f"{h:02d}h" for h in np.argsort(-usual, kind="stable")[:3] if usual[h])
        n_others = int(scored.at[mine.index[0], "others"])
        office_text = (f"office hours {office['start']:02d}:00–{office['end']:02d}:00 {office['timezone']} "
                       f"({', '.join(DAYS[d] for d in office['weekdays'])})")
        if n_others < cfg["min_history"]:
            basis = (f"{office_text} (only {n_others + 1} login{'' if n_others == 0 else 's'}: too few for a baseline "
                     "of its own)")
        else:
            shift = float(scored.at[mine.index[0], "shift"])
            moved = f", moved {shift:+.1f} h to where its own day lies" if abs(shift) >= 0.5 else ""
            basis = f"its other {n_others} logins and {office_text}{moved}"
        # one finding per account and day
        for _, day in mine.groupby(mine["ts"].dt.floor("D")):
            first = day.iloc[0]
            share = float(scored.loc[day.index, "share"].max())
            text = (f"{user} logged in at {format_ts(first['ts'])} ({DAYS[first['ts'].day_of_week]}) from {place(first)}"
                    + (f" and {len(day) - 1} more time{'s' * (len(day) != 2)} that day" if len(day) > 1 else "")
                    + f", hours unusual against {basis}: {share:.1%} of its logins fall within "
                      f"{cfg['spread_hours']} h of that hour (limit {cfg['max_share']:.0%}); its busiest hours are "
                      f"{busiest} UTC.")
            findings.append(Finding(
                check=ID, title=f"Login at an unusual hour: {user}", severity="low", techniques=("T1078",),
                explanation=text, first_seen=day["ts"].min().to_pydatetime(),
                last_seen=day["ts"].max().to_pydatetime(), users=(str(user),), ips=distinct(day["src_ip"]),
                hosts=distinct(day["host"]), evidence=refs(day),
                facts={"hours_utc": sorted({int(h) for h in day["ts"].dt.hour}), "baseline_logins": n_others,
                       "share_near": round(share, 4)},
            ))
    return findings


CHECK = Check(
    id=ID, title="Unusual hours", techniques=("T1078",), run=escalating(run),
    description=("A successful login at an hour of the day (UTC, ± a spread) that holds less than the given "
                 "share of the account's other logins over the loaded period, where the configured office "
                 "hours, time zone and working days count as a few logins of prior history (moved to where "
                 "the account's own day lies): a thin history leans on office hours, a long one on the "
                 "account's own pattern. Accounts below the "
                 "minimum history are measured against office hours alone, when enabled."),
)
