"""Logins at hours unusual for the account (T1078), measured on *all* of its activity before the login's
day (API calls, token refreshes, logons: not only logins), on days of the same kind (working day or
weekend), in the account's own day (inferred from when it is active, whatever its time zone).

For each interactive login: on how many of the account's earlier active days of the same kind was it
active within ± spread hours of that hour? Below ``max_share`` of them, once it has ``min_days`` such
days, the login is unusual. Token refreshes and service logons are baseline, never candidates. With
fewer days the check says so (limited) instead of guessing from office hours, unless the fallback to
configured office hours is enabled.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .requirements import BASELINE, LOGINS, history
from .base import Check, CheckInput, distinct, escalating, place, refs
from .baseline import _count_before

ID = "unusual_hours"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NOT_CANDIDATES = ("non_interactive", "service_principal", "managed_identity", "service", "batch")


def _centre(codes: np.ndarray, hours: np.ndarray, n: int) -> np.ndarray:
    """Per account, the circular mean hour (UTC) of its activity: the middle of its own day."""
    angle = hours * (2 * np.pi / 24)
    sin = np.bincount(codes, np.sin(angle), minlength=n)
    cos = np.bincount(codes, np.cos(angle), minlength=n)
    return (np.arctan2(sin, cos) * (24 / (2 * np.pi))) % 24


def _clock(hours: float) -> str:
    hours = hours % 24
    return f"{int(hours):02d}:{int(round((hours % 1) * 60)) % 60:02d}"


def office_share(ts: pd.Series, office: dict, spread: int) -> np.ndarray:
    """Whether each instant lies within ``spread`` hours of the configured office hours on a working day."""
    local = ts.dt.tz_convert(ZoneInfo(office["timezone"]))
    hour = local.dt.hour.to_numpy()
    inside = (hour >= office["start"] - spread) & (hour < office["end"] + spread)
    return (inside & local.dt.day_of_week.isin(office["weekdays"]).to_numpy()).astype(float)


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events
    has_user = ev["user"].notna().to_numpy()
    if not has_user.any():
        return []
    codes, users = pd.factorize(ev["user"])
    ts = ev["ts"].to_numpy(dtype="datetime64[us]")
    hour_f = (ts - ts.astype("datetime64[D]")).astype(np.int64) / 3.6e9
    centre = _centre(codes[has_user], hour_f[has_user], len(users))
    # the account's own day starts 12 h before the middle of its activity
    shift = np.where(has_user, centre[np.maximum(codes, 0)] - 12.0, 0.0)
    own = ts - (shift * 3.6e9).astype("timedelta64[us]")
    own_day = own.astype("datetime64[D]").astype(np.int64)
    weekend = ((own_day + 3) % 7 >= 5)  # 1970-01-01 was a Thursday
    hour = ((ts - ts.astype("datetime64[D]")).astype(np.int64) // 3_600_000_000).astype(np.int64)
    spread = int(cfg["spread_hours"])
    # activity presence: (account, own day, kind of day, UTC hour) once each, spread over the near hours
    act = pd.DataFrame({"u": codes[has_user], "d": own_day[has_user], "w": weekend[has_user],
                        "h": hour[has_user]}).drop_duplicates()
    near = pd.concat([act.assign(h=(act["h"] + k) % 24) for k in range(-spread, spread + 1)]).drop_duplicates()
    days = act[["u", "d", "w"]].drop_duplicates()
    # candidates: successful interactive logins
    cand_mask = has_user & (ev["action"] == "auth.success").to_numpy() & ~ev["logon_type"].isin(NOT_CANDIDATES).to_numpy()
    rows = np.flatnonzero(cand_mask)
    if not len(rows):
        return []
    cu, cd, cw, ch = codes[rows], own_day[rows], weekend[rows], hour[rows]
    kind_key = lambda u, w: u.astype(np.int64) * 2 + w.astype(np.int64)  # noqa: E731
    same_kind_days = _count_before(kind_key(days["u"].to_numpy(), days["w"].to_numpy()), days["d"].to_numpy(),
                                   kind_key(cu, cw), cd)
    all_days = _count_before(days["u"].to_numpy().astype(np.int64), days["d"].to_numpy(), cu.astype(np.int64), cd)
    hk = lambda u, w, h: (u.astype(np.int64) * 2 + w.astype(np.int64)) * 24 + h  # noqa: E731
    near_same = _count_before(hk(near["u"].to_numpy(), near["w"].to_numpy(), near["h"].to_numpy()),
                              near["d"].to_numpy(), hk(cu, cw, ch), cd)
    near_any = _count_before(near["u"].to_numpy().astype(np.int64) * 24 + near["h"].to_numpy(), near["d"].to_numpy(),
                             cu.astype(np.int64) * 24 + ch, cd)
    # days of the same kind when there are enough of them, else all days
    by_kind = same_kind_days >= cfg["min_days"]
    base_days = np.where(by_kind, same_kind_days, all_days)
    base_near = np.where(by_kind, near_same, near_any)
    share = base_near / np.maximum(base_days, 1)
    settled = base_days >= cfg["min_days"]
    odd = settled & (share < cfg["max_share"])
    # and outside the account's working day: from its usual start (median first activity of its earlier days,
    # in its own day) for working_day_hours, from an hour before it: a person whose logs show only the morning
    # still works in the afternoon
    own_hour = ((hour_f - shift) % 24)
    starts = pd.DataFrame({"u": codes[has_user], "d": own_day[has_user], "h": own_hour[has_user]})
    starts = starts.groupby(["u", "d"])["h"].min()
    length = cfg["working_day_hours"]
    usual_start = np.full(len(rows), np.nan)
    for i in np.flatnonzero(odd):
        mine = starts.loc[cu[i]]
        earlier = mine[mine.index < cd[i]].to_numpy()
        usual_start[i] = float(np.median(earlier)) if len(earlier) else np.nan
        h = own_hour[rows[i]]
        if usual_start[i] - 1 <= h <= usual_start[i] + length:
            odd[i] = False
    if cfg["fallback_to_office_hours"]:
        office = office_share(ev["ts"].iloc[rows], cfg["office_hours"], spread)
        odd |= ~settled & (office == 0)
    hits = pd.DataFrame({"row": rows[odd], "user": users[cu[odd]], "day": cd[odd], "share": share[odd],
                         "start": usual_start[odd], "shift": shift[rows[odd]],
                         "days": base_days[odd], "by_kind": by_kind[odd], "weekend": cw[odd],
                         "settled": settled[odd], "active": all_days[odd]})
    findings = []
    for (user, _), day in hits.groupby(["user", "day"], sort=True):
        events = ev.iloc[day["row"].to_numpy()]
        first = events.iloc[0]
        top = day.iloc[0]
        kind = ("weekend" if top["weekend"] else "working") if top["by_kind"] else "active"
        if top["settled"]:
            basis = (f"on {int(round(top['share'] * top['days']))} of its {int(top['days'])} earlier {kind} days was the "
                     f"account active within {cfg['spread_hours']} h of that hour (any activity, not only logins; "
                     f"limit {cfg['max_share']:.0%}), and it lies outside its working day (usually from "
                     f"{_clock(top['start'] + top['shift'])} UTC for {length} h)")
        else:
            o = cfg["office_hours"]
            basis = (f"only {int(top['active'])} earlier active days (limited): measured against office hours "
                     f"{o['start']:02d}:00–{o['end']:02d}:00 {o['timezone']}")
        weekday = DAYS[pd.Timestamp(first["ts"]).day_of_week]
        text = (f"{user} logged in at {format_ts(first['ts'])} ({weekday}) from {place(first)}"
                + (f" and {len(events) - 1} more time{'s' * (len(events) != 2)} that day" if len(events) > 1 else "")
                + f"; {basis}.")
        findings.append(Finding(
            check=ID, title=f"Login at an unusual hour: {user}", severity="low", techniques=("T1078",),
            explanation=text, first_seen=events["ts"].min().to_pydatetime(), last_seen=events["ts"].max().to_pydatetime(),
            users=(str(user),), ips=distinct(events["src_ip"]), hosts=distinct(events["host"]), evidence=refs(events),
            facts={"hours_utc": sorted({int(h) for h in events["ts"].dt.hour}), "baseline_days": int(top["days"]),
                   "share_days_near": round(float(top["share"]), 4), "weekend": bool(top["weekend"]),
                   "baseline": "account" if top["settled"] else "office_hours"},
        ))
    return findings


REQUIRES = (LOGINS, history(ID, "min_days", "judging the hour of a login"), BASELINE)
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Unusual hours", techniques=("T1078",), run=escalating(run),
    description=("An interactive login outside the account's working day (a configured length from its usual "
                 "first activity of the day) at an hour (UTC, ± a spread) near which the account was active on less "
                 "than the given share of its earlier days of the same kind (working day or weekend, in the "
                 "account's own day inferred from its activity), counting all of its activity (API calls, token "
                 "refreshes, logons), once it has enough such days; the day of the login itself is never its "
                 "own baseline. Accounts with too few days are not judged (limited) unless the fallback to "
                 "configured office hours is enabled."),
)
