"""Lateral movement (T1021, T1021.001, T1021.004): an account logging on over the network to hosts that are
new for it, in a short window, in a way that differs from its own habit.

Judged by novelty, not by count: an operations engineer who reaches 6–15 hosts through the bastion every
working day, or a backup account that reaches every server each night, is not a finding; an account
that reaches several hosts it never logged on to before, when the fan-out is larger than its usual day,
or comes from a source it never used, at an hour it is never active, or shortly after a sign-in from a
new country or network, is. The baseline is the account's logons *before* the window (see
:mod:`.baseline`); its peers (same kind of account, same log source) say whether the hosts are new for
the organisation too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..events import format_ts
from ..findings import Finding
from ..sources import SSH_SOURCES
from .requirements import history
from .base import Check, CheckInput, distinct, minutes, refs
from .baseline import peer_groups, prior

ID = "lateral_movement"
COLUMNS = ["ts", "source", "file", "ref", "user", "host", "src_ip", "logon_type"]


def _technique(source: str, logon_type: str) -> str | None:
    """SSH logons (T1021.004), RDP (T1021.001), Windows network logons to shares (T1021.002)."""
    if source in SSH_SOURCES:
        return "T1021.004"
    return {"remote_interactive": "T1021.001", "network": "T1021.002"}.get(logon_type)


def _runs(new: pd.DataFrame, window: pd.Timedelta, min_hosts: int) -> list[pd.DataFrame]:
    """Maximal runs of one account's first logons to new hosts where ``min_hosts`` of them fall in ``window``."""
    ts = new["ts"].to_numpy(dtype="datetime64[us]")
    if len(ts) < min_hosts:
        return []
    # a row is in a run when the window ending at it, or one starting at it, holds enough new hosts
    starts = np.searchsorted(ts, ts - window.to_timedelta64(), side="left")
    ends = np.searchsorted(ts, ts + window.to_timedelta64(), side="right")
    idx = np.arange(len(ts))
    dense = (idx - starts + 1 >= min_hosts) | (ends - idx >= min_hosts)
    hit = np.zeros(len(ts), dtype=bool)
    for i in np.flatnonzero(dense):
        if idx[i] - starts[i] + 1 >= min_hosts:
            hit[starts[i]:i + 1] = True
        if ends[i] - i >= min_hosts:
            hit[i:ends[i]] = True
    runs = np.concatenate([[0], np.cumsum(~hit[1:] | ~hit[:-1])])
    return [g for _, g in new[hit].groupby(runs[hit])]


def _forced(logins: pd.DataFrame, min_failures: int, window: pd.Timedelta) -> pd.DataFrame:
    """Brute-force successes: a success preceded, within ``window``, by at least ``min_failures`` failures for
    the same account from the same source address (columns user, src_ip, ts, failures)."""
    auth = logins[logins["src_ip"].notna().to_numpy()]
    fails = auth[(auth["action"] == "auth.failure").to_numpy()]
    if fails.empty:
        return pd.DataFrame(columns=["user", "src_ip", "ts", "failures"])
    keys = set(zip(fails["user"], fails["src_ip"]))
    ok = auth[(auth["action"] == "auth.success").to_numpy()]
    ok = ok[[k in keys for k in zip(ok["user"], ok["src_ip"])]]
    rows = []
    for (user, ip), mine in ok.groupby(["user", "src_ip"], sort=False):
        stamps = fails.loc[(fails["user"] == user).to_numpy() & (fails["src_ip"] == ip).to_numpy(), "ts"]
        stamps = stamps.to_numpy(dtype="datetime64[us]")
        at = mine["ts"].to_numpy(dtype="datetime64[us]")
        n = np.searchsorted(stamps, at, side="right") - np.searchsorted(stamps, at - window.to_timedelta64())
        rows += [(user, ip, t, int(c)) for t, c in zip(mine["ts"], n) if c >= min_failures]
    return pd.DataFrame(rows, columns=["user", "src_ip", "ts", "failures"])


def run(inp: CheckInput) -> list[Finding]:
    cfg = inp.config[ID]
    ev = inp.events
    mask = ((ev["action"] == "auth.success") & ev["logon_type"].isin(cfg["logon_types"]) & ev["host"].notna()
            & ev["user"].notna()).to_numpy()
    logons = ev.loc[mask, COLUMNS]
    if cfg["exclude_accounts"]:  # computer accounts and Windows' built-in logon identities are not people
        pattern = "|".join(f"(?:{p})" for p in cfg["exclude_accounts"])
        logons = logons[~logons["user"].str.fullmatch(pattern, case=False).to_numpy(dtype=bool)]
    if logons.empty:
        return []
    logons = logons.sort_values("ts", kind="stable")
    logons = logons.assign(peer=peer_groups(logons, inp.config.get("accounts", {}).get("privileged_patterns", [])))
    hosts = prior(logons, "user", "host", peer="peer")
    first_visit = ~hosts.seen & hosts.known
    settled = hosts.history_days >= cfg["min_history_days"]
    # a brute-force success (failures then a success from one source) is a suspicious sign-in of its own: with
    # it, the account's first logons count even where the loaded period holds too little history
    bf = inp.config.get("brute_force_success", {})
    forced = _forced(inp.logins, bf.get("min_failures", 5), pd.Timedelta(minutes=bf.get("window_minutes", 30)))
    eligible = first_visit & (settled | logons["user"].isin(set(forced["user"])).to_numpy())
    new = logons[eligible].assign(peer_known=hosts.peer_entities[eligible])
    if new.empty:
        return []
    window = pd.Timedelta(minutes=cfg["window_minutes"])
    day = logons["ts"].to_numpy(dtype="datetime64[us]").astype("datetime64[D]").astype(np.int64)
    daily = pd.DataFrame({"user": logons["user"].to_numpy(), "day": day, "host": logons["host"].to_numpy()})
    daily = daily.drop_duplicates().groupby(["user", "day"]).size()
    logins = inp.logins
    odd_logins = logins[(logins["action"] == "auth.success") & (logins["new_country"] | logins["new_asn"])]
    by_user = logons.groupby("user").indices
    findings = []
    for user, mine in new.groupby("user", sort=True):
        for run_ in _runs(mine, window, cfg["min_new_hosts"]):
            start, end = run_["ts"].min(), run_["ts"].max()
            theirs = logons.iloc[by_user[user]]
            before = theirs[theirs["ts"] < start]
            during = theirs[(theirs["ts"] >= start) & (theirs["ts"] <= max(end, start + window))]
            # the hops just before the first new host (no quiet quarter of the window between) belong to it
            lead = before[before["ts"] >= start - window]
            if len(lead):
                stamps = np.append(lead["ts"].to_numpy(dtype="datetime64[us]"), start.to_datetime64())
                quiet = np.flatnonzero(np.diff(stamps) > (window / 4).to_timedelta64())
                lead = lead.iloc[quiet[-1] + 1:] if len(quiet) else lead
                during = pd.concat([lead, during])
            start = during["ts"].min()
            before = theirs[theirs["ts"] < start]
            fan_out = during["host"].nunique()
            today = int(np.datetime64(start.tz_localize(None), "D").astype(np.int64))
            earlier_days = daily.loc[user]
            earlier_days = earlier_days[earlier_days.index < today]
            usual = int(earlier_days.max()) if len(earlier_days) else 0
            new_sources = [ip for ip in distinct(during["src_ip"]) if ip not in set(before["src_ip"].dropna())]
            hours = before["ts"].dt.hour.to_numpy()
            gap = np.abs((hours - start.hour + 12) % 24 - 12)
            share = float((gap <= 2).mean()) if len(hours) else 0.0
            odd_hour = len(hours) >= 10 and share < cfg["max_hour_share"]
            recent = odd_logins[(odd_logins["user"] == user) & (odd_logins["ts"] <= start)
                                & (odd_logins["ts"] >= start - pd.Timedelta(hours=24))]
            cracked = forced[(forced["user"] == user) & forced["src_ip"].isin(set(during["src_ip"].dropna()))
                             & (forced["ts"] >= start - pd.Timedelta(hours=24)) & (forced["ts"] <= during["ts"].max())]
            thin = float(hosts.history_days[logons.index.get_indexer(run_.index[:1])][0]) < cfg["min_history_days"]
            if thin and cracked.empty:
                continue  # too little history, and no brute force to say the logons are not the account's own
            larger = fan_out > usual and not thin
            signals = [s for s, on in (
                (f"a larger fan-out than its busiest earlier day ({fan_out} hosts against {usual})", larger),
                (f"from a source it never logged on from ({', '.join(new_sources[:3])})", bool(new_sources)),
                (f"at {start.hour:02d}h UTC, an hour holding {share:.0%} of its earlier logons", odd_hour),
                (f"after a sign-in from a new country or network at {format_ts(recent['ts'].max())}"
                 if len(recent) else "", len(recent) > 0),
                (f"after a brute-force success: {int(cracked['failures'].iloc[0])} failed logons then a success "
                 f"from {cracked['src_ip'].iloc[0]} at {format_ts(cracked['ts'].iloc[0])}" if len(cracked) else "",
                 len(cracked) > 0)) if on]
            if not signals:
                continue  # new hosts, but in the account's usual way: a new server of its job
            new_hosts = distinct(run_["host"])
            unknown_to_peers = int((run_["peer_known"] == 0).sum())
            hosts_all = distinct(during["host"])
            text = (f"{user} logged on to {fan_out} hosts in {minutes(during['ts'].max() - start)} from "
                    f"{format_ts(start)}: {', '.join(hosts_all[:10])}{', ...' if len(hosts_all) > 10 else ''} "
                    f"({', '.join(distinct(during['logon_type']))} logons from "
                    f"{', '.join(distinct(during['src_ip'])[:5]) or 'unknown sources'}). {len(new_hosts)} of them are "
                    f"new for the account (its {len(before)} logons to {before['host'].nunique()} hosts over "
                    f"{float(hosts.history_days[logons.index.get_indexer(run_.index[:1])][0]):.0f} days before"
                    + ("; limited: too little history in the loaded period to know its usual hosts" if thin else "")
                    + ")")
            text += (f"; {unknown_to_peers} of these new hosts are new for its peers too" if unknown_to_peers else
                     "; its peers reached all of these hosts before")
            text += "; " + "; ".join(signals) + "."
            severity = "high" if (new_sources or len(recent) or len(cracked) or odd_hour or unknown_to_peers) \
                else "medium"
            findings.append(Finding(
                check=ID, title=f"Lateral movement: {user} to {len(new_hosts)} new hosts", severity=severity,
                techniques=("T1021", *dict.fromkeys(t for t in map(_technique, during["source"], during["logon_type"])
                                                    if t)),
                explanation=text, first_seen=start.to_pydatetime(), last_seen=during["ts"].max().to_pydatetime(),
                users=(str(user),), ips=distinct(during["src_ip"]), hosts=hosts_all, evidence=refs(during),
                facts={"hosts": fan_out, "new_hosts": len(new_hosts), "new_for_peers": unknown_to_peers,
                       "usual_daily_hosts": usual, "new_sources": new_sources, "odd_hour": odd_hour,
                       "after_suspicious_login": bool(len(recent) or len(cracked)),
                       "after_brute_force": bool(len(cracked)), "logons": len(during),
                       "baseline": "limited" if thin else "account"},
            ))
    return findings


REQUIRES = (("not_run", lambda f: bool(f.logon_types & {"network", "remote_interactive"}) and f.present.get("host", 0) > 0,
             "no host logon logs loaded (Windows Security, auth.log, journald)"),
            history(ID, "min_history_days", "telling new hosts from usual ones"))
PARTITION = "user"

CHECK = Check(
    requires=REQUIRES, partition=PARTITION,
    id=ID, title="Lateral movement", techniques=("T1021", "T1021.001", "T1021.004"), run=run,
    description=("Successful network or remote-interactive logons (Windows 4624 types 3/10, RDP, sshd) of one "
                 "account to at least the threshold of hosts new for it within the window, once it has some days "
                 "of logon history, when the fan-out is larger than its busiest earlier day, or comes from a "
                 "source it never used, at an hour it is rarely active, or after a sign-in from a new country or "
                 "network, or after a brute-force success (failures then a success from one source; that one "
                 "also counts in a short export with no history). Routine fan-out (bastion sessions, backup and monitoring accounts) is not reported; "
                 "the explanation says how many of the new hosts its peers had reached before."),
)
