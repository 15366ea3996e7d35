"""Brute force (T1110.001): failed logins then a success for the same account, fast (many in a short
window) or slow (a few at a time over hours, from addresses the account never used); and many failures
from one source with no success at all."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from ..sources import CLOUD_ACCOUNTS, SSH_SOURCES
from .requirements import LOGINS, FAILURES
from .base import Check, CheckInput, bursts, distinct, escalating, minutes, place, refs

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
    all_logins = inp.logins.loc[keep, COLUMNS]
    slow_window = pd.Timedelta(hours=cfg["slow_window_hours"])
    # only accounts with a success can have failures "then a success" (scanners' thousands of invalid
    # names never do; the failed-only pass below handles them at once)
    won = all_logins.loc[(all_logins["action"] == "auth.success").to_numpy(), "user"].unique()
    with_success = all_logins[all_logins["user"].isin(won).to_numpy()]
    for (user, source), logins in with_success.groupby(["user", "source"], sort=True):
        fast = _incidents(logins, cfg["min_failures"], window)
        seen = {inc.index[-1] for inc in fast}
        slow = [inc for inc in _incidents(logins, cfg["slow_min_failures"], slow_window) if inc.index[-1] not in seen
                and _slow(inc, window, cfg["min_failures"]) and _foreign(inc, logins)]
        for incident in fast + slow:
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
            if incident.index[-1] not in seen:
                text += (f" A slow attempt: {n} failures spread over {span} (at most "
                         f"{_peak(failures, window)} in any {cfg['window_minutes']} min).")
            context = _context(source, success["logon_type"])
            findings.append(Finding(
                check=ID, title=f"Brute force then success: {user}", severity=severity,
                techniques=("T1110.001", *context), explanation=text,
                first_seen=incident["ts"].min().to_pydatetime(), last_seen=incident["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(incident["src_ip"]), hosts=distinct(incident["host"]),
                evidence=refs(incident),
                facts={"failures": n, "failure_ips": len(fail_ips), "new_country": new_place, "succeeded": True,
                       "slow": incident.index[-1] not in seen,
                       "new_network": new_net, "new_ip": new_ip,
                       "success_ip": success["src_ip"], "source": source},
            ))
    return findings + _failed_only(inp, all_logins, cfg)


def _context(source: str, logon_type: object) -> tuple[str, ...]:
    if source in CLOUD_ACCOUNTS:
        return ("T1586.003", "T1078.004")
    if logon_type == "remote_interactive":
        return ("T1021.001", "T1078")  # RDP
    if source in SSH_SOURCES:
        return ("T1021.004", "T1078")
    return ("T1078",)


def _peak(failures: pd.DataFrame, window: pd.Timedelta) -> int:
    ts = failures["ts"].to_numpy(dtype="datetime64[us]")
    return int((np.searchsorted(ts, ts + window.to_timedelta64(), side="right") - np.arange(len(ts))).max())


def _slow(incident: pd.DataFrame, window: pd.Timedelta, burst: int) -> bool:
    """Failures spread out: never ``burst`` of them within ``window`` (a burst that ended long before the
    success is a typo storm, not a slow attack), over more than twice the window."""
    failures = incident[incident["action"] == "auth.failure"]
    return _peak(failures, window) < burst and failures["ts"].max() - failures["ts"].min() > 2 * window


def _foreign(incident: pd.DataFrame, logins: pd.DataFrame) -> bool:
    """Most of a slow incident's failures come from addresses the account never signed in from before (a
    device with a stale password fails from the account's own address all day)."""
    failures = incident[incident["action"] == "auth.failure"]
    before = logins[(logins["action"] == "auth.success") & (logins["ts"] < failures["ts"].min())]
    return float((~failures["src_ip"].isin(set(before["src_ip"].dropna()))).mean()) > 0.5


def _failed_only(inp: CheckInput, logins: pd.DataFrame, cfg: dict) -> list[Finding]:
    """Many failures for one account from one source (IP, else the host that logged them) with no success:
    a brute force that has not (yet) worked. Sources the account signed in from before are its own devices."""
    fails = logins[logins["action"] == "auth.failure"]
    key = fails["src_ip"].where(fails["src_ip"].notna(), "host:" + fails["host"].fillna("?"))
    fails = fails.assign(key=key)
    counts = fails.groupby(["user", "key"]).size()
    heavy = counts[counts >= cfg["failed_only_min_failures"]].index
    if not len(heavy):
        return []
    ok = logins[logins["action"] == "auth.success"]
    gap = pd.Timedelta(minutes=cfg["failed_only_gap_minutes"])
    findings = []
    pairs = set(heavy)
    fails = fails[[p in pairs for p in zip(fails["user"], fails["key"])]]
    for (user, key), mine in fails.groupby(["user", "key"], sort=True):
        mine_ok = ok[ok["user"] == user]
        for burst in bursts(mine, gap):
            if len(burst) < cfg["failed_only_min_failures"]:
                continue
            first, last = burst["ts"].min(), burst["ts"].max()
            known = mine_ok[(mine_ok["ts"] < first) & ((mine_ok["src_ip"] == key) | (mine_ok["host"] == key[5:]))]
            if len(known):
                continue  # its own device with a stale password
            won = mine_ok[(mine_ok["ts"] >= first) & (mine_ok["ts"] <= last + gap)]
            if len(won):
                continue  # reported above as brute force then success
            row = burst.iloc[0]
            where = place(row) if isinstance(row["src_ip"], str) else f"sources {row['host']} does not name"
            source = str(row["source"])
            text = (f"{len(burst)} failed logins for {user} from {where} in {minutes(last - first)} from "
                    f"{format_ts(first)} (at most {_peak(burst, pd.Timedelta(minutes=cfg['window_minutes']))} in "
                    f"{cfg['window_minutes']} min); no login of the account succeeded during it or in the "
                    f"{cfg['failed_only_gap_minutes']} min after, and it never signed in from there before.")
            findings.append(Finding(
                check=ID, title=f"Brute force (no success): {user}",
                severity="medium" if len(burst) < cfg["high_failures"] * 5 else "high",
                techniques=("T1110.001", *_context(source, row["logon_type"])), explanation=text,
                first_seen=first.to_pydatetime(), last_seen=last.to_pydatetime(), users=(str(user),),
                ips=distinct(burst["src_ip"]), hosts=distinct(burst["host"]), evidence=refs(burst),
                facts={"failures": len(burst), "failure_ips": len(distinct(burst["src_ip"])), "succeeded": False,
                       "slow": False, "source": source, "new_country": False, "new_network": False, "new_ip": False},
            ))
    return findings


REQUIRES = (LOGINS, FAILURES)
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Failed logins then success", techniques=("T1110.001",), run=escalating(run),
    description=("For every successful login, counts the same account's failed logins since its previous "
                 "success and within the window (or, slowly, within hours, when most come from addresses the "
                 "account never signed in from); at or above the threshold the failures and the success form "
                 "one finding, high when the success comes from a country or a network (ASN) new for the account. "
                 "Also many failures for one account from one source that never signed it in, with no success "
                 "(a brute force that has not worked yet)."),
)
