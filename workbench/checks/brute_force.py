"""Failed logins then a success for the same account (T1110.001)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from .base import CLOUD_SOURCES, SSH_SOURCES, Check, CheckInput, distinct, escalating, minutes, place, refs

ID = "brute_force_success"
COLUMNS = ["ts", "source", "file", "ref", "action", "user", "src_ip", "host", "country", "city", "ip_class", "asn",
           "new_country", "new_asn", "new_ip", "logon_type"]


def _incidents(user_logins: pd.DataFrame, min_failures: int, window: pd.Timedelta) -> list[pd.DataFrame]:
    """Each success preceded (since the account's previous success, within ``window``) by at least
    ``min_failures`` failures, as the frame of those failures plus the success; overlapping ones merged."""
    ts = user_logins["ts"].dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    fail = (user_logins["action"] == "auth.failure").to_numpy()
    cum = np.concatenate([[0], np.cumsum(fail)])  # cum[i] = failures before position i
    success_pos = np.flatnonzero(~fail)
    if not len(success_pos):
        return []
    window_start = np.searchsorted(ts, ts[success_pos] - window.to_timedelta64(), side="left")
    prev_success = np.concatenate([[-1], success_pos[:-1]]) + 1
    start = np.maximum(window_start, prev_success)
    counts = cum[success_pos] - cum[start]
    spans: list[list[int]] = []
    for s, end, n in zip(start, success_pos, counts):
        if n < min_failures:
            continue
        if spans and s <= spans[-1][1] + 1:
            spans[-1][1] = end
        else:
            spans.append([int(s), int(end)])
    return [user_logins.iloc[a:b + 1] for a, b in spans]


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    window = pd.Timedelta(minutes=cfg["window_minutes"])
    findings = []
    mfa = inp.config["mfa_fatigue"]
    mfa_denials = [f"{p}:{c}" for p in mfa["event_prefixes"] for c in mfa["denial_codes"]]
    keep = ~inp.logins["event_name"].isin(mfa_denials).to_numpy()  # the password was right: MFA fatigue's
    logins = inp.logins.loc[keep, COLUMNS]
    for (user, source), logins in logins.groupby(["user", "source"], sort=True):
        for incident in _incidents(logins, cfg["min_failures"], window):
            failures = incident[incident["action"] == "auth.failure"]
            success = incident[incident["action"] == "auth.success"].iloc[-1]
            new_place = bool(incident["new_country"].any())
            new_net = bool(success["new_asn"]) and not new_place
            new_ip = bool(success["new_ip"])
            n = len(failures)
            fail_ips = distinct(failures["src_ip"])
            span = minutes(failures["ts"].max() - failures["ts"].min())
            text = (f"{n} failed logins for {user} from {len(fail_ips)} IP{'s' * (len(fail_ips) != 1)} "
                    f"({', '.join(fail_ips[:5])}{', ...' if len(fail_ips) > 5 else ''}) in {span}, "
                    f"then a successful login from {place(success)} at {format_ts(success['ts'])}")
            if new_place:
                text += f"; {success['country']} was never seen for this account before"
            elif new_net:
                text += f"; its network AS{int(success['asn'])} was never seen for this account before"
            elif new_ip:
                text += f"; the IP {success['src_ip']} was never seen for this account before"
            text += "."
            severity = "high" if new_place or new_net or n >= cfg["high_failures"] else "medium"
            if source in CLOUD_SOURCES:
                context: tuple[str, ...] = ("T1586.003", "T1078.004")
            elif success["logon_type"] == "remote_interactive":
                context = ("T1021.001", "T1078")  # RDP
            elif source in SSH_SOURCES:
                context = ("T1021.004", "T1078")
            else:
                context = ("T1078",)
            findings.append(Finding(
                check=ID, title=f"Brute force then success: {user}", severity=severity,
                techniques=("T1110.001", *context), explanation=text,
                first_seen=incident["ts"].min().to_pydatetime(), last_seen=incident["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(incident["src_ip"]), hosts=distinct(incident["host"]),
                evidence=refs(incident),
                facts={"failures": n, "failure_ips": len(fail_ips), "new_country": new_place,
                       "new_network": new_net, "new_ip": new_ip,
                       "success_ip": success["src_ip"], "source": source},
            ))
    return findings


CHECK = Check(
    id=ID, title="Failed logins then success", techniques=("T1110.001",), run=escalating(run),
    description=("For every successful login, counts the same account's failed logins since its previous "
                 "success and within the window; at or above the threshold the failures and the success "
                 "form one finding. High when the success comes from a country or a network (ASN) new for "
                 "the account; a new IP is stated."),
)
