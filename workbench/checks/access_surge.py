"""Surges (T1586.003, T1530): an account's requests, failed requests or data transferred in an hour
far above its own hourly baseline; consecutive surging hours are one finding."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .requirements import BASELINE
from .base import Check, CheckInput, distinct, escalating, refs

ID = "access_surge"
METRICS = (("requests", "min_requests", "{:,} requests"), ("failures", "min_failures", "{:,} failed requests"),
           ("bytes", "min_bytes", "{:,} bytes transferred"))


def hourly(inp: CheckInput, cfg: dict) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Per account and hour: the counts, each metric's usual (95th-percentile) hour, and whether it
    surges; only accounts with enough active hours. Also every event's account code and hour."""
    ev = inp.events
    codes, users = pd.factorize(ev["user"])
    hours = ev["ts"].to_numpy(dtype="datetime64[us]").astype("datetime64[h]").astype(np.int64)
    mask = codes >= 0
    empty = pd.DataFrame()
    if not mask.any():
        return empty, codes, hours
    first, span = hours[mask].min(), hours[mask].max() - hours[mask].min() + 1
    inverse, keys = pd.factorize(codes[mask].astype(np.int64) * span + (hours[mask] - first))  # hashed, not sorted
    order = np.argsort(keys, kind="stable")  # the few (account, hour) keys in order, events renumbered to match
    keys, inverse = keys[order], np.argsort(order)[inverse]
    requests = np.bincount(inverse, minlength=len(keys))
    failures = np.bincount(inverse, weights=(ev["outcome"] == "failure").to_numpy()[mask], minlength=len(keys))
    sent = np.nan_to_num(ev["bytes"].to_numpy(dtype=float, na_value=np.nan)[mask])
    key_user = keys // span
    active = np.bincount(key_user, minlength=len(users))[key_user]
    keep = active >= cfg["min_active_hours"]
    per_hour = pd.DataFrame({
        "code": key_user[keep], "hour": keys[keep] % span + first, "requests": requests[keep],
        "failures": failures[keep], "bytes": np.bincount(inverse, weights=sent, minlength=len(keys))[keep],
        "active_hours": active[keep]})
    surging = np.zeros(len(per_hour), dtype=bool)
    for metric, floor, _ in METRICS:
        usual = per_hour.groupby("code")[metric].transform("quantile", 0.95).to_numpy()
        per_hour[f"usual_{metric}"] = usual
        hot = (per_hour[metric].to_numpy() >= cfg[floor]) & (per_hour[metric].to_numpy() >= cfg["factor"] * np.maximum(usual, 1.0))
        per_hour[f"hot_{metric}"] = hot
        surging |= hot
    hot_hours = per_hour[surging]
    hot_hours = hot_hours.assign(user=users[hot_hours["code"].to_numpy()])
    return hot_hours, codes, hours


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    hot, codes, event_hours = hourly(inp, cfg)
    findings: list[Finding] = []
    if hot.empty:
        return findings
    for code, mine in hot.groupby("code", sort=False):
        user = mine["user"].iloc[0]
        hours = mine["hour"].to_numpy()
        window_no = np.concatenate([[0], np.cumsum(np.diff(hours) > 1)])
        rows = np.flatnonzero(codes == code)
        for _, window in mine.groupby(window_no):
            span = window["hour"].to_numpy()
            hit = inp.events.iloc[rows[np.isin(event_hours[rows], span)]]
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
            first_hour = pd.Timestamp(np.datetime64(int(span.min()), "h")).tz_localize("UTC")
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
    return sorted(findings, key=lambda f: (f.users, f.first_seen))


REQUIRES = (("limited", lambda f: f.max_active_hours >= f.config[ID]["min_active_hours"],
             "no account has the active hours a baseline needs"), BASELINE)
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Access surge", techniques=("T1586.003", "T1530"), run=escalating(run),
    description=("Per account and hour: the number of events, of failed events and the bytes transferred "
                 "(where logs say); an hour at least `factor` times the account's own 95th-percentile hour, "
                 "and above a floor, once the account has enough active hours for a baseline. Consecutive "
                 "surging hours form one finding; high when data transferred surges."),
)
