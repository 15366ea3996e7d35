"""Surges (T1586.003, T1530): an account's request count or data transferred in one hour far above
its own hourly baseline."""

from __future__ import annotations

from ..findings import Finding
from ..events import format_ts
from .base import Check, CheckInput, distinct, refs

ID = "access_surge"


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events.loc[inp.events["user"].notna(), ["ts", "source", "file", "ref", "user", "bytes", "src_ip",
                                                      "host", "event_name"]]
    hours = ev["ts"].dt.floor("h")
    per_hour = ev.groupby(["user", hours]).agg(requests=("ts", "size"), bytes=("bytes", "sum"))
    active = per_hour.groupby(level="user")["requests"].transform("size")
    per_hour = per_hour[active >= cfg["min_active_hours"]]
    findings: list[Finding] = []
    if per_hour.empty:
        return findings
    for metric, floor in (("requests", cfg["min_requests"]), ("bytes", cfg["min_bytes"])):
        values = per_hour[metric]
        usual = values.groupby(level="user").transform("quantile", 0.95)
        surging = values[(values >= floor) & (values >= cfg["factor"] * usual.clip(lower=1.0))]
        for (user, hour), value in surging.items():
            hit = ev[(ev["user"] == user) & (hours == hour)]
            what = f"{int(value):,} requests" if metric == "requests" else f"{int(value):,} bytes transferred"
            top = ", ".join(f"{n} ×{c}" for n, c in hit["event_name"].value_counts().head(5).items())
            n_hours = int(active[(user, hour)])
            text = (f"{user}: {what} in the hour from {format_ts(hour)}, against {usual[(user, hour)]:,.0f} in its "
                    f"usual busy hour (95th percentile of {n_hours} active hours); most frequent: {top}.")
            findings.append(Finding(
                check=ID, title=f"Access surge: {user}", severity="medium",
                techniques=("T1530", "T1586.003") if metric == "bytes" else ("T1586.003", "T1530"),
                explanation=text, first_seen=hit["ts"].min().to_pydatetime(), last_seen=hit["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(hit["src_ip"]), hosts=distinct(hit["host"]), evidence=refs(hit),
                facts={"metric": metric, "value": int(value), "usual_p95": float(usual[(user, hour)])},
            ))
    return findings


CHECK = Check(
    id=ID, title="Access surge", techniques=("T1586.003", "T1530"), run=run,
    description=("Per account and hour: the number of events and the bytes transferred (where logs say); an "
                 "hour at least `factor` times the account's own 95th-percentile hour, and above a floor, "
                 "once the account has enough active hours for a baseline."),
)
