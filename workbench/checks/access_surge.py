"""Surges (T1586.003, T1530): an account's requests, failed requests or data transferred in an hour
far above its own hourly baseline; consecutive surging hours are one finding."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import Check, CheckInput, distinct, refs

ID = "access_surge"
METRICS = (("requests", "min_requests", "{:,} requests"), ("failures", "min_failures", "{:,} failed requests"),
           ("bytes", "min_bytes", "{:,} bytes transferred"))


def hourly(inp: CheckInput, cfg: dict) -> tuple[pd.DataFrame, pd.Series]:
    """Per account and hour: the counts, each metric's usual (95th-percentile) hour, and whether it
    surges; only accounts with enough active hours. Also the hour of every event."""
    ev = inp.events
    mask = ev["user"].notna().to_numpy()
    users = ev["user"].to_numpy()[mask]
    hours = ev["ts"].dt.tz_localize(None).to_numpy()[mask].astype("datetime64[h]")
    frame = pd.DataFrame({"user": users, "hour": hours,
                          "failures": (ev["outcome"].to_numpy()[mask] == "failure"),
                          "bytes": ev["bytes"].to_numpy(dtype=float, na_value=np.nan)[mask]})
    per_hour = frame.groupby(["user", "hour"], sort=True).agg(
        requests=("failures", "size"), failures=("failures", "sum"), bytes=("bytes", "sum"))
    active = per_hour.groupby(level="user")["requests"].transform("size")
    per_hour = per_hour[active >= cfg["min_active_hours"]].assign(active_hours=active)
    surging = pd.Series(False, index=per_hour.index)
    for metric, floor, _ in METRICS:
        usual = per_hour[metric].groupby(level="user").transform("quantile", 0.95)
        per_hour[f"usual_{metric}"] = usual
        hot = (per_hour[metric] >= cfg[floor]) & (per_hour[metric] >= cfg["factor"] * usual.clip(lower=1.0))
        per_hour[f"hot_{metric}"] = hot
        surging |= hot
    return per_hour[surging], pd.Series(hours, index=ev.index[mask])


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    hot, event_hours = hourly(inp, cfg)
    findings: list[Finding] = []
    if hot.empty:
        return findings
    user_rows = inp.events.index[inp.events["user"].notna()]
    by_user = pd.Series(user_rows, index=inp.events.loc[user_rows, "user"].to_numpy())
    for user, mine in hot.groupby(level="user", sort=True):
        hours = mine.index.get_level_values("hour")
        window_no = np.concatenate([[0], np.cumsum(np.diff(hours.to_numpy()) > np.timedelta64(1, "h"))])
        rows = by_user.loc[[user]].to_numpy()
        for _, window in mine.groupby(window_no):
            span = window.index.get_level_values("hour")
            in_window = rows[np.isin(event_hours.loc[rows].to_numpy(), span.to_numpy())]
            hit = inp.events.loc[in_window]
            what, usual, techniques = [], [], []
            for metric, _, fmt in METRICS:
                peak = window[window[f"hot_{metric}"]]
                if peak.empty:
                    continue
                top = peak.iloc[int(np.argmax(peak[metric].to_numpy()))]
                what.append(fmt.format(int(top[metric])))
                usual.append(f"{top[f'usual_{metric}']:,.0f}")
                techniques.append("T1530" if metric == "bytes" else "T1586.003")
            top_names = ", ".join(f"{n} ×{c}" for n, c in hit["event_name"].value_counts().head(5).items())
            first_hour = pd.Timestamp(span.min()).tz_localize("UTC")
            n_hours = len(span)
            when = (f"in the hour from {format_ts(first_hour)}" if n_hours == 1 else
                    f"in its busiest of {n_hours} surging hours from {format_ts(first_hour)}")
            text = (f"{user}: {' and '.join(what)} {when}, against {' and '.join(usual)} in its usual busy hour "
                    f"(95th percentile of {int(window['active_hours'].iloc[0])} active hours); {len(hit):,} events "
                    f"from {', '.join(distinct(hit['src_ip'])[:5]) or 'no IP'}; most frequent: {top_names}.")
            metrics = [m for m, _, _ in METRICS if window[f"hot_{m}"].any()]
            findings.append(Finding(
                check=ID, title=f"Access surge: {user}", severity="high" if "bytes" in metrics else "medium",
                techniques=tuple(dict.fromkeys([*techniques, "T1586.003", "T1530"])),
                explanation=text, first_seen=hit["ts"].min().to_pydatetime(), last_seen=hit["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(hit["src_ip"]), hosts=distinct(hit["host"]), evidence=refs(hit),
                facts={"metric": metrics[0], "metrics": metrics, "value": int(window[metrics[0]].max()),
                       "usual_p95": float(window[f"usual_{metrics[0]}"].iloc[0]), "hours": n_hours,
                       **{m: int(window[m].sum()) for m, _, _ in METRICS}},
            ))
    return findings


CHECK = Check(
    id=ID, title="Access surge", techniques=("T1586.003", "T1530"), run=run,
    description=("Per account and hour: the number of events, of failed events and the bytes transferred "
                 "(where logs say); an hour at least `factor` times the account's own 95th-percentile hour, "
                 "and above a floor, once the account has enough active hours for a baseline. Consecutive "
                 "surging hours form one finding; high when data transferred surges."),
)
